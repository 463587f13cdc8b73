"""Options and helpers shared by several commands."""

from __future__ import annotations

import io
import shutil
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from portplan.io import write_output, write_stdout

F = TypeVar("F", bound=Callable[..., Any])

OUTPUT = click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE.")
STRICT = click.option(
    "--strict", is_flag=True, help="Fail (exit 2) if any flow resolves to nothing."
)
VERBOSE = click.option("-v", "--verbose", is_flag=True, help="Also print notes on stderr.")


def format_option(
    choices: Sequence[str],
    default: str = "table",
    *,
    flag: str = "--format",
    help: str | None = None,
) -> Callable[[F], F]:
    """The output-format choice, passed to the command as ``output_format``."""
    return click.option(
        flag,
        "output_format",
        type=click.Choice(list(choices)),
        default=default,
        show_default=True,
        help=help,
    )


def catalog_dirs(ctx: click.Context) -> tuple[str, ...]:
    """The ``--catalog`` directories given to the top-level command."""
    root = ctx
    while root.parent is not None:
        root = root.parent
    obj: object = root.obj
    if not isinstance(obj, dict):
        return ()
    return tuple(str(d) for d in obj.get("catalog_dirs", ()))


def emit(text: str | bytes, output: str | None) -> None:
    """Print to stdout, or write to ``output`` (see :func:`portplan.io.write_output`: devices
    and FIFOs are written through, regular files atomically) and say where it went."""
    if output in (None, "-"):
        if isinstance(text, str) and not text.endswith("\n"):
            text += "\n"
        write_stdout(text)
        return
    write_output(str(output), text)
    click.echo(f"wrote {output}", err=True)


def print_notes(notices: Iterable[str]) -> None:
    """Notes go to stderr, so stdout stays data."""
    for notice in notices:
        click.echo(f"portplan: note: {notice}", err=True)


def first_few(names: Sequence[str], limit: int = 5) -> str:
    """A one-line error names a few items, not hundreds."""
    return ", ".join(names[:limit]) + (" …" if len(names) > limit else "")


def terminal_width(default: int = 160) -> int:
    """The terminal's width; ``default`` for a pipe or a file, so saved output is stable."""
    return shutil.get_terminal_size((default, 40)).columns if sys.stdout.isatty() else default


def plain_console(buffer: io.StringIO, width: int | None = None) -> Console:
    """A console writing plain text (no colour) into ``buffer``, for stdout or a file."""
    return Console(
        file=buffer,
        width=terminal_width() if width is None else width,
        no_color=True,
        highlight=False,
    )


def render_plain(table: Table, width: int | None = None) -> str:
    buffer = io.StringIO()
    plain_console(buffer, width).print(table)
    return buffer.getvalue()


def add_data_row(table: Table, *cells: str) -> None:
    """Cells are data (rule comments, IPv6 addresses in brackets), never rich markup."""
    table.add_row(*(escape(cell) for cell in cells))

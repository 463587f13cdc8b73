"""Options and helpers shared by several commands."""

from __future__ import annotations

import io
import shutil
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from portplan.errors import PortplanError
from portplan.io import write_atomic

F = TypeVar("F", bound=Callable[..., Any])

OUTPUT = click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE.")
STRICT = click.option(
    "--strict", is_flag=True, help="Fail (exit 2) if any flow resolves to nothing."
)


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
    """The ``--catalog`` directories, given before or after the command's name."""
    obj: object = ctx.find_root().obj
    if not isinstance(obj, dict):
        return ()
    return tuple(str(d) for d in obj.get("catalog_dirs", ()))


def verbose(ctx: click.Context) -> bool:
    """``-v``, given before or after the command's name."""
    obj: object = ctx.find_root().obj
    return isinstance(obj, dict) and bool(obj.get("verbose"))


def emit(text: str | bytes, output: str | None) -> None:
    """Print to stdout, or write atomically to ``output`` and say where it went."""
    if output in (None, "-"):
        if isinstance(text, bytes):
            sys.stdout.buffer.write(text)
        else:
            click.echo(text, nl=not text.endswith("\n"))
        return
    write_atomic(Path(str(output)), text)
    click.echo(f"wrote {output}", err=True)


def print_error(error: PortplanError) -> None:
    """``portplan: error: file:line: …`` on stderr, one line per problem."""
    for line in error.lines():
        click.echo(f"portplan: error: {line}", err=True)


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

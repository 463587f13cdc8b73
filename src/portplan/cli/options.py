"""Options and helpers shared by several commands."""

from __future__ import annotations

import io
import os
import shutil
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import click
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from portplan.errors import PortplanError
from portplan.io import write_output, write_stdout

F = TypeVar("F", bound=Callable[..., Any])

OUTPUT = click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE.")
# How probes are sent (probe, fleet verify).
CONCURRENCY = click.option(
    "--concurrency", type=click.IntRange(1, 10000), default=256, show_default=True
)
TIMEOUT = click.option(
    "--timeout",
    type=click.FloatRange(0.05, 60),
    default=1.0,
    show_default=True,
    help="Seconds to wait for an answer.",
)
RETRIES = click.option(
    "--retries",
    type=click.IntRange(0, 10),
    default=1,
    show_default=True,
    help="Extra tries for a probe that got no answer.",
)
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
    """Print to stdout, or write to ``output`` (see :func:`portplan.io.write_output`: devices
    and FIFOs are written through, regular files atomically) and say where it went."""
    if output in (None, "-"):
        if isinstance(text, str) and not text.endswith("\n"):
            text += "\n"
        write_stdout(text)
        return
    write_output(str(output), text)
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


def output_width(default: int = 160) -> int:
    """COLUMNS if set (to fit a table to a width on purpose, piped too), else as
    :func:`terminal_width`."""
    if os.environ.get("COLUMNS", "").isdigit():
        return max(int(os.environ["COLUMNS"]), 60)
    return terminal_width(default)


ALL = click.option(
    "--all", "show_all", is_flag=True, help="Every row, not only what needs attention."
)


def notes_line(
    notices: Sequence[str], show: bool, what: str = "flows not in use, pairs left out"
) -> None:
    """The notes on stderr: every one with ``-v``, else one line that says how many."""
    if show:
        print_notes(notices)
    elif notices:
        click.echo(f"portplan: {len(notices)} note(s) ({what}) — add -v to see them.", err=True)


def compact_table(title: str | None = None) -> Table:
    """A table with a rule under the header and one space between columns: as much of an
    80-column terminal as possible goes to the cells."""
    return Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        show_edge=False,
        padding=(0, 1, 0, 0),
    )


def whole_lines(texts: Iterable[str]) -> int:
    """The longest line of the cells of a column: its width, so no line of it is split."""
    return max((len(line) for text in texts for line in text.split("\n")), default=0)


def longest_word(texts: Iterable[str]) -> int:
    """The longest word of a column's cells: as its least width, no command, name or address
    in it is split (the rest wraps at spaces)."""
    return max((len(word) for text in texts for word in text.split()), default=0)


def wrap_at_commas(text: str, width: int) -> str:
    """A long port list broken after commas (never inside a number), one piece per line."""
    pieces: list[str] = []
    for part in text.split(","):
        if pieces and len(pieces[-1]) + 1 + len(part) <= width:
            pieces[-1] += "," + part
        else:
            pieces.append(part)
    return ",\n".join(pieces)


def endpoint_cell(name: str, addresses: str) -> str:
    """A host and its addresses, one per line: a table may shrink the column to the longest
    address, never below, so an address is never split across lines."""
    return "\n".join([name, *(a.strip() for a in addresses.split(",") if a.strip())])


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

"""Markdown pipe tables (GitHub Flavored Markdown): a header row, a separator row of dashes
(``|---|:--:|``, required), then body rows until a line without a pipe. Outer pipes are
optional, ``\\|`` is a pipe inside a cell, and rows with fewer cells than the header are
padded (with more, the table widens: a cell is never lost). The header row is marked as such.
"""

from __future__ import annotations

import re

from portplan.extract.document import Table
from portplan.extract.inline import clean_inline
from portplan.extract.structure.base import LineState, RuleMatch

_SEPARATOR = re.compile(r"^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_PIPE = re.compile(r"(?<!\\)\|")


def starts(state: LineState, start: int) -> bool:
    header = state.text(start)
    separator = state.text(start + 1)
    return (
        "|" in header
        and "-" in separator
        and _SEPARATOR.match(separator) is not None
        and ("|" in separator or _PIPE.search(header.strip().strip("|")) is not None)
        and not _SEPARATOR.match(header)
    )


def pipe_table(state: LineState, start: int) -> RuleMatch | None:
    if not starts(state, start):
        return None
    rows = [split_row(state.text(start))]
    lines = [state.line(start)]
    end = start + 2
    while end < len(state) and not state.blank(end):
        skipped = state.transparent(end)
        if skipped is not None:
            end = skipped
            continue
        text = state.text(end)
        pipes = len(_PIPE.findall(text))
        if not pipes or (pipes < 2 and not text.lstrip().startswith("|") and state.interrupts(end)):
            break  # a line with pipes is a row, even if it starts like a list item ("* | …")
        row = split_row(text)
        if _continues(rows, text, row, len(rows[0])):
            # "Server 01 | Net.pipe / TCP |" then "| LUCS-CIC |". One cell short of the
            # header: the break fell inside an empty cell ("| Bi-directional | ⏎ | HTTP |").
            gap = [""] if len(rows[-1]) + len(row) == len(rows[0]) - 1 else []
            rows[-1] = [*rows[-1], *gap, *row]
        else:
            rows.append(row)
            lines.append(state.line(end))
        end += 1
    width = max(len(row) for row in rows)
    grid = tuple(tuple(row + [""] * (width - len(row))) for row in rows)
    return RuleMatch((Table(grid, tuple(lines), header_rows=1),), end)


def _continues(rows: list[list[str]], text: str, row: list[str], width: int) -> bool:
    """A row that a line break cut in two (copied from a web page): the row above is short,
    this line starts with a pipe and holds no more than the cells still missing."""
    if len(rows) < 2 or not text.lstrip().startswith("|"):
        return False
    above = rows[-1]
    return len(above) < width and len(above) + len(row) <= width


def split_row(text: str) -> list[str]:
    """The cells of one row, their inline markup removed."""
    body = text.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    return [clean_inline(cell.replace("\\|", "|")) for cell in _PIPE.split(body)]

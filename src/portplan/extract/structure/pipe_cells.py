"""Pipe tables written one cell per line, as a web page's table copied into Markdown leaves
them: each header cell on a line of its own ending in ``|``, then the separator row, then the
body cells, each ended by ``|`` (a cell's text may run over several lines)::

    Port |
    Protocol |
    Description |
    ---|---|---|
    443 |
    HTTPS |
    The console and the API. |
    902 | TCP/UDP | Host agent. |

The header has as many cells as the separator has columns; the body is read as one stream
of cells cut at each ``|`` and laid out in rows of that width, until a blank line.
"""

from __future__ import annotations

import re

from portplan.extract.document import Table
from portplan.extract.inline import clean_inline
from portplan.extract.structure.base import LineState, RuleMatch

_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)+\|?\s*$")
_CELL_LINE = re.compile(r"^[^|]{1,80}\|\s*$")
_PIPE = re.compile(r"(?<!\\)\|")
_MAX_HEADER_WORDS = 6


def _width(separator: str) -> int:
    return len(re.findall(r"-{3,}", separator))


def starts(state: LineState, start: int) -> bool:
    return _header_width(state, start) is not None


def _header_width(state: LineState, start: int) -> int | None:
    """The number of columns when the table's header starts at this line."""
    end = start
    while end < len(state) and _CELL_LINE.match(state.text(end)):
        if len(state.text(end).split()) > _MAX_HEADER_WORDS + 1:
            return None
        end += 1
    if end - start < 2 or end >= len(state) or not _SEPARATOR.match(state.text(end)):
        return None
    width = _width(state.text(end))
    return width if width == end - start else None


def pipe_cells(state: LineState, start: int) -> RuleMatch | None:
    width = _header_width(state, start)
    if width is None:
        return None
    header = [state.text(start + n).strip().rstrip("|").strip() for n in range(width)]
    body_start = start + width + 1
    end = body_start
    while end < len(state) and not state.blank(end):
        end += 1
    rows, lines, sources = _rows(state, body_start, end, width)
    return RuleMatch(
        (
            Table(
                tuple(tuple(row) for row in [header, *rows]),
                (state.line(start), *lines),
                header_rows=1,
                sources=(" | ".join(header), *sources),
            ),
        ),
        end,
    )


def _rows(
    state: LineState, start: int, end: int, width: int
) -> tuple[list[list[str]], list[int], list[str]]:
    """The body's cells in rows of ``width``, each row cited at the line its first cell is on."""
    rows: list[list[str]] = []
    lines: list[int] = []
    sources: list[str] = []
    cell: list[str] = []
    row: list[str] = []
    row_line = 0
    for index in range(start, end):
        text = state.text(index)
        parts = _PIPE.split(text)
        for n, part in enumerate(parts):
            if n == 0 and not part.strip() and not cell and len(parts) > 1:
                continue  # "| 902 | TCP |": the row's opening pipe ends no cell
            if part.strip() or cell:
                cell.append(part.strip())
            if not row and not row_line and part.strip():
                row_line = state.line(index)
            if n < len(parts) - 1:  # a pipe ends the cell
                row.append(clean_inline(" ".join(c for c in cell if c)))
                cell = []
                if len(row) == width:
                    rows.append(row)
                    lines.append(row_line or state.line(index))
                    sources.append(" | ".join(row))
                    row, row_line = [], 0
    if cell or row:
        row.append(clean_inline(" ".join(c for c in cell if c)))
        rows.append(row[:width] + [""] * (width - len(row[:width])))
        lines.append(row_line or state.line(end - 1))
        sources.append(" | ".join(row))
    return rows, lines, sources

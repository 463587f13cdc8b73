"""reStructuredText simple tables::

    =====  ========  ==========
    Port   Protocol  Use
    =====  ========  ==========
    443    TCP       Web UI
    161    UDP       SNMP
                     (read only)
    =====  ========  ==========

Columns are the runs of ``=`` in the top border (the last column reaches to the end of the
line). With three borders the rows between the first two are the header. A line whose first
column is blank continues the row above; ``-----`` lines (column-span underlines) are skipped.
At least two columns: a single run of ``=`` is a heading adornment or a rule line.
"""

from __future__ import annotations

import re

from portplan.extract.inline import clean_inline
from portplan.extract.structure.base import LineState, RuleMatch
from portplan.extract.structure.table_grid import GridCell, build_table

_BORDER = re.compile(r"^\s*=+(?:[ \t]+=+)+\s*$")
_SPAN_RULE = re.compile(r"^\s*-+(?:[ \t]+-+)*\s*$")


def starts(state: LineState, start: int) -> bool:
    text = state.text(start)
    return text.lstrip()[:1] == "=" and _BORDER.match(text) is not None


def simple_table(state: LineState, start: int) -> RuleMatch | None:
    if not starts(state, start):
        return None
    borders = _borders(state, start)
    if borders is None:
        return None
    columns = [(found.start(), found.end()) for found in re.finditer(r"=+", state.text(start))]
    rows: list[tuple[int, list[list[str]]]] = []  # (source line, parts per column)
    for index in range(start + 1, borders[-1]):
        text = state.text(index)
        if index in borders or not text.strip() or _SPAN_RULE.match(text):
            continue
        values = _slice(text, columns)
        if rows and not values[0].strip():
            for column, value in enumerate(values):
                rows[-1][1][column].append(value)
        else:
            rows.append((state.line(index), [[value] for value in values]))
    header = borders[1] if len(borders) > 2 else None
    header_lines = {state.line(index) for index in range(start + 1, header or start)}
    cells = [
        GridCell(row, column, clean_inline(" ".join(parts)), line)
        for row, (line, values) in enumerate(rows)
        for column, parts in enumerate(values)
    ]
    header_rows = sum(1 for line, _ in rows if line in header_lines) if header else None
    table = build_table(cells, header_rows=header_rows)
    return RuleMatch((table,) if table is not None else (), borders[-1] + 1)


def _borders(state: LineState, start: int) -> list[int] | None:
    """The border lines from ``start``: the table ends at a border followed by a blank line
    (or the end); a blank line before the second border means this is no table."""
    second = state.next_where("simple-border", lambda line: starts(state, line), start)
    blank = state.next_where("blank", state.blank, start)
    if second is None or (blank is not None and blank < second):
        return None
    last = state.next_where(
        "simple-last-border",
        lambda line: starts(state, line) and state.blank(line + 1),
        second - 1,
    )
    if last is None:
        return None
    borders = [start]
    index: int | None = start
    while index is not None and index < last:
        index = state.next_where("simple-border", lambda line: starts(state, line), index)
        if index is not None:
            borders.append(index)
    return borders


def _slice(text: str, columns: list[tuple[int, int]]) -> list[str]:
    """The text under each column (the last one to the end of the line)."""
    values = []
    for number, (left, _) in enumerate(columns):
        right = columns[number + 1][0] if number + 1 < len(columns) else len(text)
        values.append(text[left:right].strip())
    return values

"""reStructuredText list tables::

    .. list-table:: Title
       :header-rows: 1
       :widths: 20 80

       * - first cell
         - second cell
           continued on the next line
       * - next row

Each ``*`` item is a row and each ``-`` item under it a cell; a cell's further lines are
indented past its ``-``. The argument is the table's title, ``:header-rows:`` the header.
"""

from __future__ import annotations

import re

from portplan.extract.document import TextLine
from portplan.extract.inline import clean_inline
from portplan.extract.structure.base import LineState, RuleMatch
from portplan.extract.structure.directive import directive_name, read_directive
from portplan.extract.structure.table_grid import GridCell, build_table

_ROW = re.compile(r"^(\s*)\*(\s+)-(?:\s+|$)")
_CELL = re.compile(r"^(\s*)-(?:\s+|$)")


def list_table(state: LineState, start: int) -> RuleMatch | None:
    if directive_name(state, start) != "list-table":
        return None
    directive = read_directive(state, start)
    if directive is None:
        return None
    cells = _cells(directive.body)
    header = directive.options.get("header-rows", "").strip()
    table = build_table(
        cells,
        title=clean_inline(directive.argument) or None,
        header_rows=int(header) if header.isdigit() and len(header) <= 4 else None,
    )
    return RuleMatch((table,) if table is not None else (), directive.end)


def _cells(body: tuple[TextLine, ...]) -> list[GridCell]:
    """Each row's cells: text joined over its lines, inline markup removed."""
    written: list[tuple[int, int, int, list[str]]] = []  # row, column, line, parts
    row = -1
    column = 0
    cell_column = 0  # where a cell's "-" stands
    for line in body:
        text = line.text.expandtabs(4)
        row_start = _ROW.match(text)
        cell_start = _CELL.match(text)
        if row_start:
            row, column = row + 1, 0
            cell_column = len(row_start.group(1)) + 1 + len(row_start.group(2))
            written.append((row, 0, line.line, [text[row_start.end() :]]))
        elif cell_start and row >= 0 and len(cell_start.group(1)) == cell_column:
            column += 1
            written.append((row, column, line.line, [text[cell_start.end() :]]))
        elif written and text.strip():
            written[-1][3].append(text.strip())
    return [
        GridCell(row, column, clean_inline(" ".join(parts)), number)
        for row, column, number, parts in written
    ]

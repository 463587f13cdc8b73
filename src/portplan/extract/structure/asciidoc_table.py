"""AsciiDoc tables: ``|===`` … ``|===`` (``,===`` for CSV and ``:===`` for DSV data).

The column count comes from ``[cols=…]`` (``"10,10,~,~"``, ``3*``, ``"<.^2,<.^1"``, or a
single number) or else from the cells on the first line. Cells flow into the grid left to
right and may continue over several lines; a cell's specifier before its ``|`` can span
columns (``2+|``), rows (``.2+|``) or both (``2.3+|``), duplicate the cell (``3*|``), and set
an alignment or style (``<.^``, ``a|``, ``h|``, ``m|``) that does not change its text.
``options="header"`` (or ``%header``) marks the first row as header, and so does the
implicit header: the first row alone on the first line, followed by a blank line.
Preprocessor and comment lines inside the table are skipped; an unclosed table runs to the
end of the document.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from portplan.extract.document import TextLine
from portplan.extract.inline import clean_inline
from portplan.extract.structure.base import LineState, RuleMatch, closing_line
from portplan.extract.structure.table_grid import FlowCell, GridCell, build_table, flow

_DELIMITER = re.compile(r"^([|,:])={3,}\s*$")
_SEPARATOR = re.compile(r"(?<!\\)\|")
_SPEC = re.compile(
    r"(?:^|(?<=\s))(?:(\d{1,4})\*)?(?:(\d{1,4})?(?:\.(\d{1,4}))?\+)?(?:[<^>])?(?:\.[<^>])?"
    r"([adehlmsv])?$"
)
_MAX_COLUMNS = 200


def starts(state: LineState, start: int) -> bool:
    text = state.text(start)
    return text[1:4] == "===" and _DELIMITER.match(text) is not None


def asciidoc_table(state: LineState, start: int) -> RuleMatch | None:
    if not starts(state, start):
        return None
    delimiter = state.text(start).rstrip()
    end = closing_line(state, start, delimiter)
    body = _body(state, start + 1, end)
    attributes = state.pending_attributes
    data_format = attributes.get("format", {",": "csv", ":": "dsv"}.get(delimiter[0], "psv"))
    if data_format in ("csv", "tsv", "dsv"):
        separator = {"csv": ",", "tsv": "\t", "dsv": ":"}[data_format]
        rows = _delimited_rows(body, attributes.get("separator", separator))
    else:
        rows = _psv_rows(body, attributes.get("cols"))
    table = build_table(rows.cells, header_rows=_header_rows(attributes, body, rows))
    after = min(end + 1, len(state))
    return RuleMatch((table,) if table is not None else (), after)


def _body(state: LineState, start: int, end: int) -> list[TextLine]:
    """The table's lines without preprocessor and comment lines."""
    lines: list[TextLine] = []
    index = start
    while index < end:
        skipped = state.transparent(index)
        if skipped is not None:
            index = min(skipped, end)
            continue
        lines.append(state.lines[index])
        index += 1
    return lines


@dataclass
class _Rows:
    cells: list[GridCell] = field(default_factory=list)
    header_styled: bool = False  # every cell of the first row is an h| cell


def _psv_rows(body: list[TextLine], cols: str | None) -> _Rows:
    """Cells of a ``|``-separated table, placed into the grid."""
    written = _written_cells(body)
    first = next((line for line in body if line.text.strip()), None)
    on_first = sum(
        cell.copies * cell.columns
        for cell in written
        if first is not None and cell.line == first.line
    )
    width = column_count(cols) if cols else on_first
    width = max(1, min(width or 1, _MAX_COLUMNS))
    cells: list[FlowCell] = []
    styles: list[str] = []
    for cell in written:
        for _ in range(max(1, min(cell.copies, _MAX_COLUMNS))):
            cells.append(FlowCell(clean_inline(cell.text), cell.line, cell.rows, cell.columns))
            styles.append(cell.style)
    placed = flow(cells, width)
    first_row = [style for style, grid in zip(styles, placed, strict=True) if grid.row == 0]
    return _Rows(placed, bool(first_row) and all(style == "h" for style in first_row))


@dataclass
class _Written:
    text: str
    line: int
    copies: int = 1
    rows: int = 1
    columns: int = 1
    style: str = ""


def _written_cells(body: list[TextLine]) -> list[_Written]:
    """Cells in the order written, each with its specifier read."""
    cells: list[_Written] = []
    for line in body:
        text = line.text
        position = 0
        for separator in _SEPARATOR.finditer(text):
            segment = text[position : separator.start()]
            spec = _SPEC.search(segment)
            if spec is not None and spec.group(0) == "":
                spec = None
            content = segment[: spec.start()] if spec else segment
            if cells:
                cells[-1].text += " " + content
            cells.append(_new_cell(spec, line.line))
            position = separator.end()
        rest = text[position:]
        if cells:
            cells[-1].text += " " + rest
    return cells


def _new_cell(spec: re.Match[str] | None, line: int) -> _Written:
    if spec is None:
        return _Written("", line)
    copies, columns, rows, style = spec.groups()
    return _Written(
        "",
        line,
        copies=int(copies) if copies else 1,
        rows=int(rows) if rows else 1,
        columns=int(columns) if columns else 1,
        style=style or "",
    )


def _delimited_rows(body: list[TextLine], separator: str) -> _Rows:
    """Rows of a CSV or DSV table: one record per line."""
    cells: list[GridCell] = []
    row = 0
    for line in body:
        if not line.text.strip():
            continue
        values = next(csv.reader([line.text], delimiter=separator[:1] or ","))
        cells.extend(
            GridCell(row, column, clean_inline(value), line.line)
            for column, value in enumerate(values)
        )
        row += 1
    return _Rows(cells)


def _header_rows(attributes: Mapping[str, str], body: list[TextLine], rows: _Rows) -> int | None:
    """1 when the table says its first row is a header, 0 when it says it has none."""
    options = {option.strip().lower() for option in attributes.get("options", "").split(",")}
    if "header" in options:
        return 1
    if "noheader" in options:
        return 0
    if rows.header_styled or _implicit_header(body):
        return 1
    return None


def _implicit_header(body: list[TextLine]) -> bool:
    """The first line holds the first row and a blank line follows it."""
    if len(body) < 2 or not body[0].text.strip() or body[1].text.strip():
        return False
    return body[0].text.lstrip().startswith("|") or "," in body[0].text


def column_count(cols: str) -> int:
    """How many columns a ``cols`` value describes."""
    spec = cols.strip().strip("\"'")
    if spec.isdigit():
        return int(spec) if len(spec) <= 4 else 0  # more columns than any page shows: none
    count = 0
    for part in re.split(r"[,;]", spec):
        if not part.strip():
            continue
        multiplier = re.match(r"\s*(\d{1,4})\*", part)
        count += int(multiplier.group(1)) if multiplier else 1
    return count

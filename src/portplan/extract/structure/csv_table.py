"""reStructuredText CSV tables::

    .. csv-table:: Hub ports
       :header: "Port", "Protocol", "Use"
       :widths: 10, 10, 30

       443, TCP, "Console, API"
       123, UDP, Time

Each record of the body is a row (a quoted value may go over several lines); ``:header:``
gives the header row in the same CSV form, ``:header-rows:`` says how many body rows are
header, ``:delim:`` changes the delimiter. A table kept in another file (``:file:``, ``:url:``)
shows nothing here. The argument is the title.
"""

from __future__ import annotations

import csv

from portplan.extract.document import TextLine
from portplan.extract.inline import clean_inline
from portplan.extract.structure.base import LineState, RuleMatch
from portplan.extract.structure.directive import directive_name, read_directive
from portplan.extract.structure.table_grid import GridCell, build_table

_DELIMITERS = {"tab": "\t", "space": " "}


def csv_table(state: LineState, start: int) -> RuleMatch | None:
    if directive_name(state, start) != "csv-table":
        return None
    directive = read_directive(state, start)
    if directive is None:
        return None
    options = directive.options
    raw = options.get("delim", ",").strip()
    delimiter = _DELIMITERS.get(raw, raw[:1] or ",")
    rows = _records(directive.body, delimiter)
    header = options.get("header-rows", "").strip()
    header_rows = int(header) if header.isdigit() and len(header) <= 4 else None
    if options.get("header"):
        values = next(csv.reader([options["header"]], delimiter=",", skipinitialspace=True))
        rows.insert(0, (directive.line, values))
        header_rows = (header_rows or 0) + 1
    cells = [
        GridCell(row, column, clean_inline(value), line)
        for row, (line, values) in enumerate(rows)
        for column, value in enumerate(values)
    ]
    title = clean_inline(directive.argument) or None
    table = build_table(cells, title=title, header_rows=header_rows)
    return RuleMatch((table,) if table is not None else (), directive.end)


def _records(body: tuple[TextLine, ...], delimiter: str) -> list[tuple[int, list[str]]]:
    """(the line a record starts on, its values) for every record of the body."""
    records: list[tuple[int, list[str]]] = []
    pending: list[TextLine] = []
    for line in body:
        if not pending and not line.text.strip():
            continue
        pending.append(line)
        text = "\n".join(part.text for part in pending)
        if text.count('"') % 2:  # a quoted value goes on over the next line
            continue
        values = next(csv.reader([text], delimiter=delimiter, skipinitialspace=True), [])
        records.append((pending[0].line, [value.strip() for value in values]))
        pending = []
    return records

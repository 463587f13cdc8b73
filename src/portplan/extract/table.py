"""Tables → mentions: find the header rows, work out what each column holds, read each row.

The same code reads every table, whatever made it: Markdown, AsciiDoc and reST tables, the
HTML/DOCX/PDF/CSV/XLSX readers' tables, and tables the layout rules found in plain text.

- Header rows are recognised by their meaning (:mod:`.columns`); a header repeated further
  down starts a new segment; a row above a header that labels groups of its columns makes a
  two-level header ("Source" over "Name"); a table whose first column is the header is
  turned; a connectivity matrix ("From \\ To") opens the cell's service from row to column.
- Rows: a row with one filled cell is a group-header row ("Users to Frontend Nodes",
  "Elevator integration (optional module)") whose frame applies to the rows below; the wrapped
  tail of a row (a PDF artefact) joins the row above; a blank port and type cell repeat the
  row above (a continuation row).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from portplan.extract.columns import ColumnRole, Header, read_header, with_sides
from portplan.extract.document import Table, TextLine
from portplan.extract.frames import Frame, read_title
from portplan.extract.inline import clean_inline
from portplan.extract.mentions import Mention
from portplan.extract.ports import looks_port_like, parse_ports, parse_protocols
from portplan.extract.result import Unparsed
from portplan.extract.rows import Row, RowReader, listener_column, port_ish

_INDEX_LABEL = re.compile(
    r"^\s*(?:#|no\.?|nr\.?|id|line|row|item|step|seq\.?|number|idx)\s*$", re.I
)


@dataclass
class TableReading:
    mentions: list[Mention] = field(default_factory=list)
    unparsed: list[Unparsed] = field(default_factory=list)
    used: set[int] = field(default_factory=set)
    orphans: list[TextLine] = field(default_factory=list)  # rows outside any ports table


def transposed(table: Table) -> Table | None:
    """A table whose first column is the header ("Source", "Destination", "Port" down the
    side, one connection per column), turned so that each connection is a row."""
    if not table.rows or any(read_header(list(row)) is not None for row in table.rows[:3]):
        return None
    header = read_header([row[0] if row else "" for row in table.rows])
    if header is None or header.index(ColumnRole.PORT) is None:
        return None
    width = max(len(row) for row in table.rows)
    columns = tuple(
        tuple(row[j] if j < len(row) else "" for row in table.rows) for j in range(width)
    )
    port_row = header.index(ColumnRole.PORT)
    line = table.lines[port_row] if port_row is not None and port_row < len(table.lines) else 0
    return Table(columns, tuple(line or table.lines[0] for _ in columns), table.title)  # turned


def _known_roles(header: Header) -> int:
    return sum(1 for role in header.roles if role is not ColumnRole.OTHER)


def two_level_header(above: tuple[str, ...] | None, header: Header) -> Header:
    """Join a group header row with the row below it ("Source" over "Name" → "Source Name")."""
    if above is None or len(above) != len(header.cells):
        return header
    filled = [c for c in above if c.strip()]
    if len(filled) < 2 or any(len(c) > 40 or re.search(r"\d{2,}", c) for c in filled):
        return header
    if len(filled) == len(above) and len(set(filled)) == 1:
        return header  # a title spanning every column ("Table 1 – Required ports")
    merged = []
    for upper_cell, lower_cell in zip(above, header.cells, strict=True):
        upper, lower = clean_inline(upper_cell), clean_inline(lower_cell)
        merged.append(lower if not upper or upper == lower else f"{upper} {lower}".strip())
    combined = read_header(merged)
    if combined is not None and _known_roles(combined) >= max(_known_roles(header), 1):
        return combined if combined.roles != header.roles else header
    return header


def _share(column: int, rows: list[Row]) -> float:
    values = [r.cells[column] for r in rows if column < len(r.cells) and r.cells[column].strip()]
    if not values:
        return 0.0
    return sum(1 for v in values if port_ish(v)) / len(values)


def _port_column(header: Header, rows: list[Row]) -> Header | None:
    """A "Service" or "Application" column holding "tcp/443" or "HTTPS (443)"."""
    candidates = [
        i
        for i, role in enumerate(header.roles)
        if role in (ColumnRole.PURPOSE, ColumnRole.OTHER)
        and not _INDEX_LABEL.match(header.cells[i])
    ]
    scored = [(_share(i, rows), -n, i) for n, i in enumerate(candidates)]
    best = max(scored, default=None)
    if best is None or best[0] < 0.5:
        return None
    roles = list(header.roles)
    roles[best[2]] = ColumnRole.PORT
    return Header(header.cells, tuple(roles))


def confirm_columns(header: Header, rows: list[Row]) -> Header | None:
    """Check guessed side columns against the data; turn name columns holding ports into
    sides; find the port column by its contents when the header does not name one."""
    if header.indexes(ColumnRole.TARGET):
        return header
    sides = header.indexes(ColumnRole.SIDE)
    if sides:
        return header if all(_share(i, rows) >= 0.5 for i in sides) else None
    if (
        header.index(ColumnRole.PORT) is not None
        or header.index(ColumnRole.SOURCE_PORT) is not None
    ):
        return header
    names = header.indexes(ColumnRole.SOURCE) + header.indexes(ColumnRole.DESTINATION)
    portish = [i for i in sorted(names) if _share(i, rows) >= 0.5]
    if len(portish) >= 2:
        return with_sides(header, portish[:2])
    if len(portish) == 1 and len(names) >= 3:
        # "From | To | Destination | Usage" with "tcp/443" under Destination: that is the port.
        roles = list(header.roles)
        roles[portish[0]] = ColumnRole.PORT
        return Header(header.cells, tuple(roles))
    return _port_column(header, rows)


@dataclass
class _Segment:
    header: Header
    rows: list[Row] = field(default_factory=list)


def _segments(table: Table, reading: TableReading) -> list[_Segment]:
    """The table cut at each header row; rows before the first header are orphans."""
    segments: list[_Segment] = []
    above: tuple[str, ...] | None = None
    for index, (cells, line) in enumerate(zip(table.rows, table.lines, strict=False)):
        marked_header = table.header_rows is not None and index < table.header_rows
        candidate = read_header([clean_inline(c) for c in cells])
        if candidate is not None:
            segments.append(_Segment(two_level_header(above, candidate)))
        elif not marked_header:
            source = table.sources[index] if index < len(table.sources) else " | ".join(cells)
            row = Row(
                tuple(clean_inline(c) for c in cells), line, source.rstrip(), _spans(table, index)
            )
            if segments:
                segments[-1].rows.append(row)
            else:
                reading.orphans.append(TextLine(line, row.text))
        above = cells
    return segments


def _spans(table: Table, index: int) -> frozenset[int]:
    return frozenset(column for row, column in table.spanned if row == index)


def read_table(table: Table, block: int, *, inherit_names: bool = False) -> TableReading:
    """Mentions from a table; rows that mention ports but give none go to unparsed."""
    reading = TableReading()
    table = transposed(table) or table
    segments = _segments(table, reading)
    if not segments:
        segment = _headerless(table)
        if segment is not None:
            reading.orphans = []
            segments = [segment]
    for segment in segments:
        _read_segment(segment, block, reading, inherit_names)
    return reading


def _column_kind(values: list[str]) -> ColumnRole:
    filled = [v for v in values if v.strip()]
    if not filled:
        return ColumnRole.OTHER
    # Port and protocol cells are short: a long cell is not parsed to learn that.
    short = [v for v in filled if len(v.split()) <= 8]
    ports = sum(1 for v in short if parse_ports(v).has_ports)
    protocols = sum(1 for v in short if parse_protocols(v)[0] and not any(c.isdigit() for c in v))
    if 2 * ports >= len(filled):
        return ColumnRole.PORT
    if 2 * protocols >= len(filled):
        return ColumnRole.PROTOCOL
    if sum(len(v.split()) for v in filled) / len(filled) >= 5:
        return ColumnRole.PURPOSE
    return ColumnRole.OTHER


def _headerless(table: Table) -> _Segment | None:
    """A table without a ports header ("| Provisioning server to frontend nodes | |" over
    "| TCP 22 | Allows …"): the columns are known by what they hold, and every row — the
    marked header too — is data (a lone first cell makes a group row)."""
    width = max((len(row) for row in table.rows), default=0)
    if width < 2 or len(table.rows) < 2:
        return None
    cleaned = [
        tuple(clean_inline(c) for c in row) + ("",) * (width - len(row)) for row in table.rows
    ]
    roles = tuple(_column_kind([row[j] for row in cleaned]) for j in range(width))
    if ColumnRole.PORT not in roles or all(r in (ColumnRole.PORT, ColumnRole.OTHER) for r in roles):
        return None
    names = {
        ColumnRole.PORT: "Port",
        ColumnRole.PROTOCOL: "Protocol",
        ColumnRole.PURPOSE: "Description",
    }
    header = Header(tuple(names.get(role, "") for role in roles), roles)
    segment = _Segment(header)
    for index, (cells, line) in enumerate(zip(cleaned, table.lines, strict=False)):
        source = (
            table.sources[index] if index < len(table.sources) else " | ".join(table.rows[index])
        )
        segment.rows.append(Row(cells, line, source.rstrip(), _spans(table, index)))
    return segment


def _read_segment(
    segment: _Segment, block: int, reading: TableReading, inherit_names: bool
) -> None:
    if not segment.rows:
        return
    header = confirm_columns(segment.header, segment.rows)
    if header is None:
        for row in segment.rows:
            if looks_port_like(row.text):
                reading.unparsed.append(
                    Unparsed(row.line, row.text, "row of a table whose columns hold no ports")
                )
        return
    reader = RowReader(listener_column(header, segment.rows), block, inherit_names=inherit_names)
    for row in segment.rows:
        reader.add(row)
    reader.finish()
    reading.mentions.extend(reader.mentions)
    reading.unparsed.extend(reader.unparsed)
    reading.used.update(reader.used)


def group_frame(text: str) -> Frame:
    """The frame of a group-header row ("Provisioning server to frontend nodes")."""
    frame = read_title(text)
    if frame.empty and parse_ports(text, numbers_are_ports=False).has_ports:
        return Frame()
    return frame

"""HTML tables copied as text: a header (glued into one line, or one cell per line), then one
cell per line.

    ProtocolMVE serverPrinterUsed for
    Network Printing Alliance Protocol (NPAP)
    UDP 9187
    UDP 9300
    Communicating with Lexmark network printers.

Empty cells vanish in such text, so cells are recognised by what they hold: port cells
("UDP 9187", "Ephemeral TCP port", "User-defined port. The default port is TCP 1433.") versus
text cells (the protocol name before them, the purpose after them). A port cell after the
purpose starts a sub-row that keeps the name and the source side ("TCP 443" under HTTP).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from portplan.extract.columns import ColumnRole as Role
from portplan.extract.columns import Header, read_header, split_concatenated_header, with_sides
from portplan.extract.document import Paragraph, TextLine
from portplan.extract.ports import parse_ports, parse_protocols
from portplan.extract.structure.base import LineState, RuleMatch
from portplan.extract.structure.cells import make_table


@dataclass(frozen=True)
class Row:
    cells: tuple[str, ...]
    line: int
    text: str


_NOTE = re.compile(r"^\s*notes?\b\s*:?", re.IGNORECASE)
_PARENTHETICAL = re.compile(r"^\s*\([^()]*\)\s*$")


def is_port_cell(text: str) -> bool:
    """A cell that states a port (or an ephemeral/default port) rather than a name or purpose."""
    if _NOTE.match(text):
        return False
    spec = parse_ports(text, numbers_are_ports=False)
    if spec.has_ports or spec.ephemeral:
        return True
    has_port_word = bool(re.search(r"\bports?\b", text, re.IGNORECASE))
    return has_port_word and bool(spec.protocols or spec.configurable) and len(text.split()) <= 12


@dataclass
class _Cell:
    line: TextLine
    text: str
    ephemeral: bool = False


@dataclass
class _Record:
    name: _Cell | None
    ports: list[_Cell] = field(default_factory=list)
    purpose: _Cell | None = None
    inherited_source: list[_Cell] | None = None
    notes: list[str] = field(default_factory=list)


def parse_flat_table(header: Header, lines: list[TextLine]) -> tuple[list[Row], set[int]]:
    """Rows (in the header's column layout) from one-cell-per-line text, and the lines used."""
    sides = header.indexes(Role.SIDE)
    ends = header.indexes(Role.SOURCE) + header.indexes(Role.DESTINATION)
    if len(sides) < 2 and header.index(Role.PORT) is None and len(ends) == 2:
        # "ProtocolClientServerUsed for": without a port column, the two ends' columns hold
        # their ports, as "MVE server" and "Printer" do.
        header = with_sides(header, sorted(ends))
        sides = header.indexes(Role.SIDE)
    if len(sides) < 2:
        return _sequential_rows(header, lines)
    reader = _SideRecords(header, sides)
    for line in lines:
        reader.read(line)
    rows: list[Row] = []
    consumed: set[int] = set()
    for record in reader.records:
        if not record.ports:
            continue
        consumed.update(c.line.line for c in record.ports)
        if record.name is not None:
            consumed.add(record.name.line.line)
        if record.purpose is not None:
            consumed.add(record.purpose.line.line)
        rows.extend(_record_rows(header, record))
    return rows, consumed


class _SideRecords:
    """Records of a table whose two endpoint columns hold the ports, built line by line."""

    def __init__(self, header: Header, sides: list[int]) -> None:
        self.has_name = any(header.roles[i] is not Role.SIDE for i in range(sides[0]))
        self.has_purpose = any(
            header.roles[i] is Role.PURPOSE for i in range(sides[1] + 1, len(header.roles))
        )
        self.records: list[_Record] = []
        self.current: _Record | None = None

    def read(self, line: TextLine) -> None:
        text = line.text.strip()
        current = self.current
        if not text:
            return
        if _NOTE.match(text):
            if current is not None and current.ports:
                current.notes.append(text)
            return
        if _PARENTHETICAL.match(text) and current is not None:
            self._parenthetical(current, text)
            return
        if is_port_cell(text):
            self._port(line, text)
            return
        if current is not None and current.ports and current.purpose is None and self.has_purpose:
            current.purpose = _Cell(line, text)
        elif self.has_name:
            self.current = _Record(name=_Cell(line, text))
            self.records.append(self.current)
        elif current is not None and current.purpose is not None:
            current.purpose.text = f"{current.purpose.text} {text}"

    def _parenthetical(self, current: _Record, text: str) -> None:
        last = current.ports[-1] if current.ports else None
        if last is not None and current.purpose is None:
            last.text = f"{last.text} {text}"
        elif current.name is not None and not current.ports:
            current.name.text = f"{current.name.text} {text}"

    def _port(self, line: TextLine, text: str) -> None:
        cell = _Cell(line, text, parse_ports(text).ephemeral)
        current = self.current
        if current is None:
            current = _Record(name=None)
            self.records.append(current)
        elif current.purpose is not None:
            # A port after the purpose: a sub-row of the same protocol and source side.
            source = _split_sides(current.ports, current.inherited_source)[0]
            current = _Record(name=current.name, inherited_source=source)
            self.records.append(current)
        current.ports.append(cell)
        self.current = current


def _cell_kind(text: str) -> str:
    """ "port" ("7010", "TCP 443"), "protocol" ("UDP"), or "text" (a name or a purpose)."""
    words = text.split()
    spec = parse_ports(text)
    if len(words) <= 6 and (spec.has_ports or spec.ephemeral):
        return "port"
    if len(words) <= 3 and not any(c.isdigit() for c in text) and parse_protocols(text)[0]:
        return "protocol"
    return "text"


def _fits(role: Role, kind: str) -> bool:
    if role in (Role.PORT, Role.SOURCE_PORT):
        return kind == "port"
    if role is Role.PROTOCOL:
        return kind == "protocol"
    if role is Role.PURPOSE:
        return True
    return kind == "text"


def _sequential_rows(header: Header, lines: list[TextLine]) -> tuple[list[Row], set[int]]:
    """Cells of a glued-header table with named columns, filled left to right.

    A cell that does not fit the next column (a port where a name is due) skips the columns
    in between, as an empty cell vanishes when HTML is copied as text; a cell that fits no
    column left in the row starts the next row.
    """
    width = len(header.roles)
    rows: list[Row] = []
    consumed: set[int] = set()
    current: list[str] | None = None
    used: list[TextLine] = []
    column = 0

    def finish() -> None:
        nonlocal current, used
        if current is not None and used:
            has_service = any(
                current[i]
                for i, role in enumerate(header.roles)
                if role in (Role.PORT, Role.PROTOCOL)
            )
            if has_service:
                rows.append(Row(tuple(current), used[0].line, used[0].text.strip()))
                consumed.update(line.line for line in used)
        current, used = None, []

    for line in lines:
        text = line.text.strip()
        if not text:
            continue
        kind = _cell_kind(text)
        if current is not None:
            target = next((j for j in range(column, width) if _fits(header.roles[j], kind)), None)
            if target is None:
                finish()
        if current is None:
            current, column = [""] * width, 0
            target = next((j for j in range(width) if _fits(header.roles[j], kind)), None)
            if target is None:
                current = None
                continue
        assert target is not None
        current[target] = text
        used.append(line)
        column = target + 1
        if column >= width:
            finish()
    finish()
    return rows, consumed


def _split_sides(
    ports: list[_Cell], inherited: list[_Cell] | None
) -> tuple[list[_Cell], list[_Cell]]:
    """Source-side and destination-side cells of a record.

    The source side is the first cell and every cell up to the last ephemeral one ("Ephemeral
    TCP port" is a source port by definition); a lone cell in a sub-row is the destination.
    """
    if inherited is not None:
        return inherited, ports
    if len(ports) == 1:
        return [], ports
    last_ephemeral = max((i for i, c in enumerate(ports) if c.ephemeral), default=0)
    cut = max(1, last_ephemeral + 1)
    if cut >= len(ports):
        cut = len(ports) - 1
    return ports[:cut], ports[cut:]


def _record_rows(header: Header, record: _Record) -> list[Row]:
    source, destination = _split_sides(record.ports, record.inherited_source)
    pairs: list[tuple[list[_Cell], list[_Cell]]]
    if len(source) == len(destination) > 1:
        pairs = [([s], [d]) for s, d in zip(source, destination, strict=True)]
    else:
        pairs = [(source, destination)]
    first_side, second_side = header.indexes(Role.SIDE)[:2]
    rows: list[Row] = []
    for src_cells, dst_cells in pairs:
        cells = [""] * len(header.roles)
        for i, role in enumerate(header.roles):
            if i < first_side and role is not Role.SIDE and record.name is not None:
                cells[i] = record.name.text
            elif role is Role.PURPOSE and record.purpose is not None:
                cells[i] = record.purpose.text
        cells[first_side] = " ".join(c.text for c in src_cells)
        cells[second_side] = " ".join(c.text for c in dst_cells)
        anchor = dst_cells[0].line if dst_cells else src_cells[0].line
        rows.append(Row(tuple(cells), anchor.line, anchor.text.strip()))
    return rows


# -- the layout rule ----------------------------------------------------------------------------

_ENDS_TABLE = re.compile(r"^\s*(?:#|\|)|\t")


def _glued_header(text: str) -> Header | None:
    if not text or len(text.split()) > 10:
        return None
    parts = split_concatenated_header(text.strip())
    if not parts or len(parts) < 3 or any(len(part.split()) > 4 for part in parts):
        return None  # "ProtocolMVE serverPrinterUsed for": three or more short labels
    return read_header(parts)


def _ends(state: LineState, index: int) -> bool:
    text = state.text(index)
    return (
        bool(_ENDS_TABLE.search(text)) or len(text.split()) > 30 or _glued_header(text) is not None
    )


def one_cell_per_line(state: LineState, start: int) -> RuleMatch | None:
    """A glued header ("ProtocolMVE serverPrinterUsed for") and the cells below it."""
    header = _glued_header(state.text(start))
    if header is None:
        return None
    index = start + 1
    while index < len(state) and not _ends(state, index):
        index += 1
    lines = [line for line in state.lines[start + 1 : index] if line.text.strip()]
    rows, used = parse_flat_table(header, lines)
    effective = _effective_header(header)
    table = make_table(
        [effective.cells, *(row.cells for row in rows)],
        [state.lines[start].line, *(row.line for row in rows)],
        [state.text(start).strip(), *(row.text for row in rows)],
    )
    rest = tuple(Paragraph((line,)) for line in lines if line.line not in used)
    return RuleMatch((table, *rest), index)


def _effective_header(header: Header) -> Header:
    sides = header.indexes(Role.SIDE)
    ends = header.indexes(Role.SOURCE) + header.indexes(Role.DESTINATION)
    if len(sides) < 2 and header.index(Role.PORT) is None and len(ends) == 2:
        return with_sides(header, sorted(ends))
    return header

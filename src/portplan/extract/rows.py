"""Table rows → mentions: the cells of one row read by the meaning of their columns.

- Ends: Source/Destination columns; a cell written "A → B" (a Flow, Used-by or Direction
  column) or "A to B" (a communication path); two columns named after the endpoints whose
  cells hold each side's port (the side with the ephemeral port connects); a Component column
  (the system that listens on the row's port, or the one that connects when the table has a
  Destination column).
- Direction: a Direction column ("Inbound", "out", "both"; or "Outbound from the Portal to SQL
  Server", which names the ends); "A | → | B" and "A | Inbound | B" between two name columns.
- The peer a note names: "From Kestrel agents." / "To the SIEM." at the start of a notes cell,
  or the sentence grammar of the notes ("Receiving connections from Network Agents").
- Services: the port cell, the protocol column (or ✓ marks under TCP | UDP columns, or one
  port column per protocol), application names in the notes; a note naming another port with
  its transport ("TCP 6514 is used instead …") is a second mention.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from portplan.extract.columns import SYSTEM_LABELS, ColumnRole, Header
from portplan.extract.frames import Frame, read_title
from portplan.extract.mentions import End, Mention
from portplan.extract.notes import read_notes
from portplan.extract.phrases import names_function
from portplan.extract.ports import (
    PortGroup,
    PortSpec,
    fill_protocols,
    is_any_port,
    looks_port_like,
    parse_ports,
    parse_protocols,
    word_protocols,
)
from portplan.extract.result import Unparsed
from portplan.extract.vocabulary import (
    ARROW,
    BACK_ARROW,
    Direction,
    direction_of,
    implies_tcp,
    is_configurable,
    is_optional,
    service,
    split_arrow,
)

# "From Kestrel endpoint agents." / "To the SIEM collector." at the start of a notes cell.
_PEER = re.compile(r"^\s*(from|to)\s+(?:the\s+)?([^.;,(]+?)\s*(?:[.;,(]|$)", re.IGNORECASE)
_CHECK_MARK = re.compile(r"^\s*(?:[✓✔☑✅xX•●*]|yes|y|ja|oui)\s*$", re.IGNORECASE)
_PROTOCOL_NAME = re.compile(r"^\s*(tcp|udp|sctp)\s*$", re.IGNORECASE)
_PROTOCOL_IN_HEADER = re.compile(r"\b(tcp|udp|sctp)\b", re.IGNORECASE)
# "TCP", "TCP/UDP", "TCP & UDP", "UDP or TCP": transports only, nothing the flow is for.
_TRANSPORT_ONLY = re.compile(
    r"^[\s(]*(?:tcp|udp|sctp|icmp)(?:\s*(?:/|,|&|\+|\band\b|\bor\b|\s)\s*(?:tcp|udp|sctp|icmp))*"
    r"[\s)]*$",
    re.I,
)
_NAME_TO_NAME = re.compile(
    r"^(?:from\s+)?(?:the\s+)?([A-Z][\w.\-]*(?:\s+[\w.\-]+){0,4}?)\s+to\s+(?:the\s+)?"
    r"([A-Z][\w.\-]*(?:\s+[\w.\-]+){0,4})$"
)
_DIRECTION_NAMES = re.compile(
    r"^\s*(?:(?:inbound|outbound|incoming|outgoing)\s+)?(?:"
    r"from\s+(?:the\s+)?(?P<src>[^,;()]{2,60}?)(?:\s+to\s+(?:the\s+)?(?P<dst>[^,;()]{2,60}?))?"
    r"|to\s+(?:the\s+)?(?P<dst_only>[^,;()]{2,60}?))\s*$",
    re.IGNORECASE,
)
_NO_FIXED_PORT = re.compile(r"^\s*\(?(?:random|dynamic|auto(?:matic)?)\b", re.IGNORECASE)
# Labels of a column that names the system of each row ("Name" is left out: in a ports table
# it names the port's function more often than a system).
_LISTENER_WORDS = SYSTEM_LABELS - {"daemon", "process"}


@dataclass(frozen=True)
class Row:
    cells: tuple[str, ...]
    line: int
    text: str
    spanned: frozenset[int] = frozenset()  # columns whose value a span repeated from above
    lines: tuple[int, ...] = ()

    @property
    def all_lines(self) -> tuple[int, ...]:
        return self.lines or (self.line,)


def port_ish(cell: str) -> bool:
    if not cell.strip():
        return False
    spec = parse_ports(cell, numbers_are_ports=True)
    return spec.has_ports or spec.ephemeral or bool(re.search(r"\bports?\b", cell, re.I))


# "dialer1", "db-02", "app.example.com": a host's name, whatever the column is called.
_HOST_LIKE = re.compile(r"^(?:[a-z][a-z\-]*\d{1,3}|[a-z0-9\-]+(?:\.[a-z0-9\-]+)+\.[a-z]{2,})$")


def _host_names(rows: list[Row], index: int) -> bool:
    values = [
        r.cells[index].strip() for r in rows if index < len(r.cells) and r.cells[index].strip()
    ]
    return len(values) >= 2 and all(_HOST_LIKE.match(v) for v in values)


def _names_column(header: Header, index: int) -> bool:
    words = set(re.findall(r"[a-z]+", header.cells[index].lower()))
    return bool(words) and bool(words & _LISTENER_WORDS) and len(words) <= 3


_SYSTEM_WORDS = frozenset(
    [
        "component",
        "components",
        "node",
        "nodes",
        "host",
        "hosts",
        "server",
        "servers",
        "device",
        "devices",
        "system",
        "systems",
    ]
)


def _names_systems_only(label: str) -> bool:
    return bool(set(re.findall(r"[a-z]+", label.lower())) & _SYSTEM_WORDS)


def _mostly_names(rows: list[Row], index: int) -> bool:
    values = [r.cells[index] for r in rows if index < len(r.cells) and r.cells[index].strip()]
    if not values:
        return False
    names = [
        v
        for v in values
        if len(v.split()) <= 8 and not _is_service_name(v) and not parse_ports(v).has_ports
    ]
    return len(names) >= 0.6 * len(values)


def _is_service_name(value: str) -> bool:
    """ "HTTP", "DHCP", "TCP/UDP", "Hypertext Transfer Protocol (HTTP)": a value that is only
    service or transport names, or spells one out with its short name in parentheses."""
    found = re.findall(r"[A-Za-z][A-Za-z0-9+\-]*", re.sub(r"\([^)]*\)", "", value))
    if found and all(word_protocols(word) is not None for word in found):
        return True
    short = re.fullmatch(r"[^()]*\(\s*([A-Za-z0-9+/\-]+)\s*\)\s*", value)
    return short is not None and word_protocols(short.group(1)) is not None


def _service_names(rows: list[Row], index: int) -> bool:
    values = [r.cells[index] for r in rows if index < len(r.cells) and r.cells[index].strip()]
    known = [v for v in values if _is_service_name(v)]
    return bool(values) and 3 * len(known) >= len(values)


def services_not_ends(header: Header, rows: list[Row]) -> Header:
    """A "Used by" column that holds HTTP, DHCP, salt: the application, not the client."""
    roles = list(header.roles)
    for role in (ColumnRole.SOURCE, ColumnRole.DESTINATION):
        indexes = header.indexes(role)
        if len(indexes) == 1 and _service_names(rows, indexes[0]):
            roles[indexes[0]] = ColumnRole.PURPOSE
    return Header(header.cells, tuple(roles)) if roles != list(header.roles) else header


def listener_column(header: Header, rows: list[Row]) -> Header:
    """ "Component | Listening port | Accessed by": the named component is the listening side;
    "Component | Connects to | Port": the named component is the side that connects."""
    header = services_not_ends(header, rows)
    if header.index(ColumnRole.PORT) is None or header.indexes(ColumnRole.SIDE):
        return header
    has_src = header.index(ColumnRole.SOURCE) is not None
    has_dst = header.index(ColumnRole.DESTINATION) is not None
    if has_src and has_dst:
        return header
    purposes = header.indexes(ColumnRole.PURPOSE)
    directed = header.index(ColumnRole.DIRECTION) is not None
    candidates = []
    for i, role in enumerate(header.roles):
        if role not in (ColumnRole.OTHER, ColumnRole.PURPOSE):
            continue
        if not _names_column(header, i) and not _host_names(rows, i):
            continue
        if directed and not _names_systems_only(header.cells[i]):
            continue  # "Service | … | Direction": rows relative to one system; Service says why
        if role is ColumnRole.PURPOSE and len(purposes) < 2 and not (has_src or has_dst):
            continue  # the only notes column stays notes
        if _mostly_names(rows, i):
            candidates.append(i)
    if len(candidates) != 1:
        return header  # two name columns ("Component A | → | Component B") name both ends
    roles = list(header.roles)
    roles[candidates[0]] = (
        ColumnRole.SOURCE
        if has_dst
        else ColumnRole.DESTINATION
        if has_src
        else ColumnRole.COMPONENT
    )
    return Header(header.cells, tuple(roles))


_LOW_BOUND = re.compile(r"\b(?:start|from|begin|first|low|min)", re.I)
_HIGH_BOUND = re.compile(r"\b(?:end|to|last|high|max)", re.I)


def _bounds(header: Header, indexes: Sequence[int]) -> bool:
    """Two port columns that are the low and the high end of one range."""
    if len(indexes) != 2:
        return False
    low, high = (header.cells[i] for i in indexes)
    split = [re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text) for text in (low, high)]  # FromPort
    return bool(_LOW_BOUND.search(split[0])) and bool(_HIGH_BOUND.search(split[1]))


class Cells:
    """A row's cells by role (extra cells beyond the header join the last column)."""

    def __init__(self, header: Header, row: Row) -> None:
        cells = [" ".join(c.split()) for c in row.cells]
        width = len(header.roles)
        if len(cells) > width:
            cells = [*cells[: width - 1], " ".join(c for c in cells[width - 1 :] if c)]
        cells += [""] * (width - len(cells))
        self.header = header
        self.cells = cells
        self.spanned = row.spanned

    def get(self, role: ColumnRole) -> str:
        indexes = self.header.indexes(role)
        if len(indexes) == 1:
            return self.cells[indexes[0]]
        if role is ColumnRole.PORT and _bounds(self.header, indexes):
            # "start port | end port", "FromPort | ToPort": one range, not two ports.
            low, high = (self.cells[i].strip() for i in indexes)
            return f"{low}-{high}" if low and high and low != high else low or high
        return " ".join(self.cells[i] for i in indexes if self.cells[i])

    def name(self, role: ColumnRole) -> str:
        """The header text of the first column with this role."""
        index = self.header.index(role)
        return self.header.cells[index] if index is not None else ""

    def set(self, role: ColumnRole, value: str) -> None:
        indexes = self.header.indexes(role)
        if indexes:
            self.cells[indexes[0]] = value
            for i in indexes[1:]:
                self.cells[i] = ""


def _starts_continuation(text: str) -> bool:
    """A cell that continues the cell above: "(VNC client)", "and Management via VNC login"."""
    first = text.split()[0] if text.split() else ""
    return bool(first) and (first[0] == "(" or first.islower())


def _is_wrapped(cells: Cells, above: Cells | None = None) -> bool:
    """Whether a row is the wrapped tail of the row above (a PDF or narrow-column artefact)."""
    if above is not None and above.get(ColumnRole.PORT).rstrip().endswith((",", " and", "/")):
        return True  # "135," over "49152-65535": the port list goes on
    names = [cells.get(ColumnRole.SOURCE), cells.get(ColumnRole.DESTINATION)]
    present = [n for n in names if n]
    if len(cells.cells) >= 3 and all(cells.cells):
        return False  # a complete row ("kube-apiserver, etcd" starts lower-case, but is a name)
    if any(_starts_continuation(n) for n in present):
        return True
    if present:
        return False
    purpose = cells.get(ColumnRole.PURPOSE)
    port = cells.get(ColumnRole.PORT) or " ".join(
        cells.cells[i] for i in cells.header.indexes(ColumnRole.SIDE)
    )
    if purpose and _starts_continuation(purpose) and not port.strip():
        return True
    return (
        bool(purpose)
        and not port.strip()
        and not cells.get(ColumnRole.PROTOCOL)
        and not cells.get(ColumnRole.COMPONENT)
    )


def _merge(upper: Cells, lower: Cells) -> None:
    for i, value in enumerate(lower.cells):
        if value:
            upper.cells[i] = f"{upper.cells[i]} {value}".strip() if upper.cells[i] else value


def _group_title(cells: Cells) -> str | None:
    """The text of a group-header row: one filled cell, or one value spanning every column."""
    filled = [c for c in cells.cells if c]
    if len(cells.header.roles) < 2 or not filled:
        return None
    if len(filled) == 1 and cells.cells[0] and not _starts_continuation(cells.cells[0]):
        return cells.cells[0]
    if len(set(filled)) == 1 and len(filled) == len(cells.cells):
        return filled[0]
    if len(cells.header.roles) == 2 and cells.cells[0] and not cells.cells[1].strip():
        return cells.cells[0]
    return None


@dataclass
class _Pending:
    cells: Cells
    row: Row
    frames: tuple[tuple[Frame, str], ...]
    optional: bool


@dataclass
class RowReader:
    """Reads the rows of one table segment in order (group rows and wrapped rows need the
    rows around them)."""

    header: Header
    block: int
    inherit_names: bool = False  # the document says a blank name cell repeats the row above
    mentions: list[Mention] = field(default_factory=list)
    unparsed: list[Unparsed] = field(default_factory=list)
    used: set[int] = field(default_factory=set)
    _rows: list[_Pending] = field(default_factory=list)
    _group: tuple[tuple[Frame, str], ...] = ()
    _group_optional: bool = False
    _finished: bool = False

    def add(self, row: Row) -> None:
        cells = Cells(self.header, row)
        if not any(cells.cells):
            return
        title = _group_title(cells) if not self.header.indexes(ColumnRole.TARGET) else None
        if title is not None and not (port_ish(title) and parse_ports(title).has_ports):
            frame = read_title(title)
            self._group = ((frame, f"group row line {row.line}"),)
            self._group_optional = is_optional(title)
            self.used.add(row.line)
            return
        if self._rows and _is_wrapped(cells, self._rows[-1].cells):
            upper = self._rows[-1]
            _merge(upper.cells, cells)
            upper.row = replace(upper.row, lines=(*upper.row.all_lines, row.line))
            return
        self._rows.append(_Pending(cells, row, self._group, self._group_optional))

    def finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        previous: Cells | None = None
        for pending in self._rows:
            self.used.update(pending.row.all_lines)
            found = read_row(self.header, pending, previous, self.block, self.inherit_names)
            if found:
                self.mentions.extend(found)
            elif looks_port_like(" ".join(pending.cells.cells)):
                self.unparsed.append(
                    Unparsed(
                        pending.row.line,
                        pending.row.text,
                        "table row with no port, protocol or endpoints",
                    )
                )
            previous = pending.cells


def _arrow_ends(cells: Cells) -> tuple[str, str] | None:
    """A "Flow" cell written "Lab instruments → Gateway", or a path "Reporting Services to
    SQL Server" (initiator first)."""
    for i, role in enumerate(cells.header.roles):
        if role in (ColumnRole.OTHER, ColumnRole.PURPOSE, ColumnRole.DIRECTION):
            found = split_arrow(cells.cells[i])
            if found is not None:
                if role is not ColumnRole.OTHER:
                    cells.cells[i] = ""
                return found
    for i, role in enumerate(cells.header.roles):
        cell = cells.cells[i]
        if role in (ColumnRole.OTHER, ColumnRole.PURPOSE) and _NAME_TO_NAME.match(cell):
            pair = read_title(cell)
            if pair.src and pair.dst:
                return pair.src, pair.dst
    return None


@dataclass
class _Ends:
    src: End | None = None
    dst: End | None = None
    direction: Direction | None = None
    local: End | None = None
    peer_src: End | None = None
    peer_dst: End | None = None
    peer_other: End | None = None
    implied: Direction | None = None
    service: str = ""


def _column_ends(cells: Cells, previous: Cells | None, inherit: bool = False) -> _Ends:
    ends = _Ends()
    src, dst = cells.get(ColumnRole.SOURCE), cells.get(ColumnRole.DESTINATION)
    if previous is not None and inherit and bool(src) != bool(dst):
        src, dst = (
            src or previous.get(ColumnRole.SOURCE),
            dst or previous.get(ColumnRole.DESTINATION),
        )
        cells.set(ColumnRole.SOURCE, src)
        cells.set(ColumnRole.DESTINATION, dst)
    if (
        previous is not None
        and not src
        and not dst
        and (
            cells.header.index(ColumnRole.SOURCE) is not None
            or cells.header.index(ColumnRole.DESTINATION) is not None
        )
    ):
        src, dst = previous.get(ColumnRole.SOURCE), previous.get(ColumnRole.DESTINATION)
        cells.set(ColumnRole.SOURCE, src)
        cells.set(ColumnRole.DESTINATION, dst)
    if not src and not dst:
        arrow = _arrow_ends(cells)
        if arrow is not None:
            return _Ends(End(arrow[0], "arrow in the row"), End(arrow[1], "arrow in the row"))
    elif bool(src) != bool(dst):
        # A "Used by" (or "Between") column holding "Console → Server": both ends in one cell.
        arrow = split_arrow(src or dst)
        if arrow is not None:
            return _Ends(End(arrow[0], "arrow in the row"), End(arrow[1], "arrow in the row"))
    if src:
        ends.src = End(src, f"column {cells.name(ColumnRole.SOURCE)}")
    if dst:
        ends.dst = End(dst, f"column {cells.name(ColumnRole.DESTINATION)}")
    component = cells.get(ColumnRole.COMPONENT)
    if component and _names_component(component):
        clue = f"column {cells.name(ColumnRole.COMPONENT)}"
        pair = read_title(component)
        if pair.src and pair.dst:  # "Graylog to Elasticsearch"
            return _Ends(End(pair.src, clue), End(pair.dst, clue))
        ends.local = End(component, f"component {clue}")
    return ends


def _names_component(text: str) -> bool:
    """Whether one cell of a component column names a system: in a Service column beside
    "VNETD" stand "TCP/IP" (a transport) and "KVM redirection" (what the port does)."""
    return not names_function(text)


def _named_columns(cells: Cells) -> list[str]:
    return [
        cells.cells[i]
        for i, role in enumerate(cells.header.roles)
        if role is ColumnRole.OTHER and cells.cells[i]
    ]


def _directed(cells: Cells, ends: _Ends) -> None:
    """A Direction column: "Outbound from the Portal to SQL Server" names the ends; an arrow
    or a direction word between two name columns reads left to right; otherwise the row is
    relative to the system the context names."""
    direction = cells.get(ColumnRole.DIRECTION)
    if (
        direction
        and bool(ends.src) != bool(ends.dst)
        and direction_of(direction) in (Direction.IN, Direction.OUT)
    ):
        # "Direction | Remote system": the one named column is the other end of the system
        # the rows are about.
        ends.direction = direction_of(direction)
        named = ends.src or ends.dst
        ends.src, ends.dst = None, None
        if ends.direction is Direction.IN:
            ends.peer_src = named
        else:
            ends.peer_dst = named
        return
    if not direction or ends.src or ends.dst:
        ends.direction = direction_of(direction) if direction else None
        return
    spelled = _DIRECTION_NAMES.match(direction)
    clue = f"column {cells.name(ColumnRole.DIRECTION)}"
    if spelled:
        src = spelled.group("src")
        dst = spelled.group("dst") or spelled.group("dst_only")
        ends.src = End(src.strip(), clue) if src else None
        ends.dst = End(dst.strip(), clue) if dst else None
        if src or dst:
            return
    names = _named_columns(cells)
    if len(names) >= 2:
        backward = (
            BACK_ARROW.fullmatch(direction) is not None and ARROW.fullmatch(direction) is None
        )
        first, second = (names[1], names[0]) if backward else (names[0], names[1])
        ends.src, ends.dst = (
            End(first, "columns either side of the direction"),
            End(second, "columns either side of the direction"),
        )
        return
    ends.direction = direction_of(direction)
    if names and ends.local is None:
        peer = End(names[0], "column beside the direction")
        if ends.direction is Direction.OUT:
            ends.peer_dst = peer
        else:
            ends.peer_src = peer
        ends.implied = None


def _note_peer(cells: Cells, purpose: str, ends: _Ends) -> None:
    """The other end the notes name (see :func:`.notes.read_notes`)."""
    if ends.peer_src is not None or ends.peer_dst is not None:
        return
    notes = [cells.cells[i] for i in cells.header.indexes(ColumnRole.PURPOSE)] or [purpose]
    for note in (n for n in notes if n):
        found = read_notes(note)
        if found.src or found.dst or found.other:
            ends.peer_src = End(found.src, "notes of the row") if found.src else None
            ends.peer_dst = End(found.dst, "notes of the row") if found.dst else None
            ends.peer_other = End(found.other, "notes of the row") if found.other else None
            ends.implied = found.direction
            return


def _service_name(*texts: str) -> str:
    """The application a row names ("DNS", "NTP"), in the document's spelling."""
    for text in texts:
        found: list[str] = re.findall(r"[A-Za-z][A-Za-z0-9+]*", text)
        for word in found:
            if service(word) is not None and word.lower() not in (
                "tcp",
                "udp",
                "ip",
                "tls",
                "ssl",
                "rest",
            ):
                return word
    return ""


def _marked_protocols(cells: Cells) -> str:
    """ "Port | TCP | UDP" with ✓ marks: the marked columns are the row's protocols."""
    marked = []
    for i, role in enumerate(cells.header.roles):
        name = _PROTOCOL_NAME.match(cells.header.cells[i])
        if role is ColumnRole.OTHER and name and _CHECK_MARK.match(cells.cells[i]):
            marked.append(name.group(1).lower())
    return "/".join(marked)


def _protocol_port_columns(header: Header) -> list[tuple[int, str]]:
    """Port columns that each name one protocol ("TCP ports" | "UDP ports"), with it."""
    if header.index(ColumnRole.PROTOCOL) is not None:
        return []
    found: list[tuple[int, str]] = []
    for i in header.indexes(ColumnRole.PORT):
        named = {m.lower() for m in _PROTOCOL_IN_HEADER.findall(header.cells[i])}
        if len(named) != 1:
            return []
        found.append((i, named.pop()))
    return found


def _continue_service(cells: Cells, previous: Cells | None) -> None:
    """A continuation row: a blank port (and blank type) cell means "same as above"."""
    if previous is None:
        return
    if (
        not cells.get(ColumnRole.PORT)
        and not cells.get(ColumnRole.PROTOCOL)
        and not cells.header.indexes(ColumnRole.SIDE)
    ):
        cells.set(ColumnRole.PORT, previous.get(ColumnRole.PORT))
        cells.set(ColumnRole.PROTOCOL, previous.get(ColumnRole.PROTOCOL))


def read_row(
    header: Header, pending: _Pending, previous: Cells | None, block: int, inherit: bool = False
) -> list[Mention]:
    cells = pending.cells
    if header.indexes(ColumnRole.SIDE):
        return _side_row(header, pending, previous, block)
    if header.indexes(ColumnRole.TARGET):
        return _matrix_row(header, pending, block)
    ends = _column_ends(cells, previous, inherit)
    _directed(cells, ends)
    _continue_service(cells, previous)
    purpose = cells.get(ColumnRole.PURPOSE)
    port_words = cells.get(ColumnRole.PORT)
    if port_words and not looks_port_like(port_words) and not parse_ports(port_words).has_ports:
        purpose = " ".join(p for p in (port_words, purpose) if p)  # words where a port would be
    _note_peer(cells, purpose, ends)
    proto_cell = cells.get(ColumnRole.PROTOCOL) or _marked_protocols(cells)
    ends.service = _service_name(proto_cell, purpose)
    by_protocol = _protocol_port_columns(header)
    services: list[tuple[str, str]] = []
    if by_protocol:
        services = [
            (cells.cells[i], protocol)
            for i, protocol in by_protocol
            if cells.cells[i] and port_ish(cells.cells[i])
        ]
    elif cells.get(ColumnRole.PORT) or proto_cell:
        services = [(cells.get(ColumnRole.PORT), proto_cell)]
    out: list[Mention] = []
    for port_cell, protocols in services:
        mention = service_mention(port_cell, protocols, purpose, pending, block)
        if mention is None:
            continue
        out.extend(_with_ends(m, ends, pending) for m in mention)
    return out


def _with_ends(mention: Mention, ends: _Ends, pending: _Pending) -> Mention:
    return replace(
        mention,
        src=ends.src,
        dst=ends.dst,
        direction=ends.direction,
        local=ends.local,
        peer_src=ends.peer_src,
        peer_dst=ends.peer_dst,
        peer_other=ends.peer_other,
        implied_direction=ends.implied,
        service=ends.service,
        frames=pending.frames,
        optional=mention.optional or pending.optional,
    )


def _purpose_text(proto_cell: str, purpose: str) -> str:
    if (
        proto_cell
        and not _TRANSPORT_ONLY.match(proto_cell)
        and not parse_ports(proto_cell).has_ports
    ):
        # A protocol column holding an application name ("Network Printing Alliance Protocol
        # (NPAP)") is part of what the flow is for.
        return f"{proto_cell}: {purpose}" if purpose else proto_cell
    return purpose


def service_mention(
    port_cell: str, proto_cell: str, purpose: str, pending: _Pending, block: int
) -> list[Mention] | None:
    """The mentions one port cell (with the row's protocol cell and notes) states."""
    column_protocols, _ = parse_protocols(proto_cell) if proto_cell else ((), False)
    spec = parse_ports(port_cell, default=column_protocols) if port_cell else PortSpec()
    text = _purpose_text(proto_cell, purpose)
    groups = _groups(spec, port_cell, column_protocols, purpose)
    if groups is None:
        return None
    # Numbers without a written protocol take the one an application name implies ("JMX over
    # RMI" is TCP, so is an API), before any guess from the port number.
    implied = parse_protocols(f"{proto_cell} {purpose}")[0] if not column_protocols else ()
    if not implied and not column_protocols and implies_tcp(f"{proto_cell} {purpose}"):
        implied = ("tcp",)
    groups = fill_protocols(groups, implied) if implied else groups
    base = Mention(
        groups=tuple(groups),
        line=pending.row.line,
        text=pending.row.text,
        block=block,
        kind="row",
        purpose=text,
        optional=is_optional(text),
        configurable=spec.configurable or is_configurable(text),
        protocol_stated=bool(column_protocols)
        or any(g.explicit and g.protocols for g in spec.groups),
    )
    return [base, *_alternative_ports(spec, purpose, base)]


def _groups(
    spec: PortSpec, port_cell: str, column_protocols: tuple[str, ...], purpose: str
) -> list[PortGroup] | None:
    if spec.has_ports:
        return list(spec.groups)
    protocols = tuple(dict.fromkeys((*spec.protocols, *column_protocols)))
    if spec.depends:
        return [PortGroup(column_protocols, (), bool(column_protocols))]
    if "icmp" in protocols:
        return [PortGroup(("icmp",), ())]
    if port_cell and (is_any_port(port_cell) or _NO_FIXED_PORT.match(port_cell)):
        return [PortGroup(protocols, ())]  # "any", "(random)": no port to name
    if protocols and not spec.ephemeral:
        # "RDP", "TCP port": the protocol without a number (ports stay empty, not guessed).
        return [PortGroup(protocols, ())]
    return None


def _alternative_ports(spec: PortSpec, purpose: str, base: Mention) -> list[Mention]:
    """A note naming another port with its transport ("TCP 6514 is used instead when TLS
    syslog is selected") is a flow of its own between the same endpoints."""
    lowered = purpose.lower()
    if not spec.has_ports or not any(t in lowered for t in ("tcp", "udp", "sctp")):
        return []
    known = {span for group in spec.groups for span in group.ports}
    noted = parse_ports(purpose, numbers_are_ports=False)
    out = []
    for group in noted.groups:
        extra = tuple(span for span in group.ports if span not in known)
        if group.explicit and group.protocols and extra:
            out.append(
                replace(
                    base,
                    groups=(PortGroup(group.protocols, extra),),
                    purpose=f"{base.purpose} (alternative port)",
                )
            )
    return out


def _side_row(
    header: Header, pending: _Pending, previous: Cells | None, block: int
) -> list[Mention]:
    cells = pending.cells
    first, second = header.indexes(ColumnRole.SIDE)[:2]
    src_name, dst_name = header.cells[first], header.cells[second]
    src_cell, dst_cell = cells.cells[first], cells.cells[second]
    if not dst_cell and src_cell and previous is not None:
        dst_cell, src_cell = src_cell, ""
    src_spec = parse_ports(src_cell) if src_cell else PortSpec()
    dst_spec = parse_ports(dst_cell) if dst_cell else PortSpec()
    if dst_spec.ephemeral and not dst_spec.has_ports and src_spec.has_ports:
        # The listening side is the one with the fixed port.
        src_name, dst_name, dst_cell = dst_name, src_name, src_cell
    if not dst_cell:
        return []
    found = service_mention(
        dst_cell, cells.get(ColumnRole.PROTOCOL), cells.get(ColumnRole.PURPOSE), pending, block
    )
    if not found:
        return []
    ends = _Ends(
        End(src_name, "port column named after the endpoint"),
        End(dst_name, "port column named after the endpoint"),
    )
    return [_with_ends(m, ends, pending) for m in found]


def _matrix_row(header: Header, pending: _Pending, block: int) -> list[Mention]:
    """A connectivity matrix: the row's system opens the cell's service to the column's system."""
    cells = pending.cells
    source = cells.cells[0]
    out: list[Mention] = []
    for i in header.indexes(ColumnRole.TARGET):
        cell = cells.cells[i]
        if not cell or not source or (not port_ish(cell) and "icmp" not in cell.lower()):
            continue
        target = header.cells[i]
        found = service_mention(cell, "", f"{source} to {target}", pending, block) or []
        ends = _Ends(End(source, "row of the matrix"), End(target, "column of the matrix"))
        out.extend(_with_ends(m, ends, pending) for m in found)
    return out

"""Ports tables: rows of cells under a header whose meaning :mod:`.headers` worked out.

The same code interprets tables from every source: tab-separated text, Markdown pipe tables,
HTML/DOCX/PDF tables handed over by a reader, and HTML flattened to one cell per line (see
:mod:`.flat`). It handles continuation rows (a blank port/type cell inherits the row above),
rows wrapped onto the next line by a PDF, endpoint-named columns that hold each side's port,
and optional/configurable markers.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from portplan.extract.headers import Header, Role, with_sides
from portplan.extract.ports import (
    PortGroup,
    PortSpec,
    is_any_port,
    looks_port_like,
    parse_ports,
    parse_protocols,
    sort_protocols,
)
from portplan.extract.result import Evidence, ExtractedFlow, Unparsed

# Words without which OPTIONAL_MARK cannot match; checked first because most cells lack them.
OPTIONAL_HINTS = ("option", "only", "if", "when", "not", "debug", "troubleshoot")
OPTIONAL_MARK = re.compile(
    r"\(\s*if\s+used\s*\)|\(\s*optional\s*\)|\boptional\s*:|^\s*optional\b|\boptionally\b"
    r"|\bonly\s+(?:for|if|when|required|needed|used|necessary|applicable)\b"
    r"|\bif\s+(?:required|needed|used|enabled|applicable|configured|installed|present|desired)\b"
    r"|\bwhen\s+using\b|\bnot\s+(?:required|necessary|neccessary|needed|mandatory)\b"
    r"|\bdebug(?:ging)?\b|\btroubleshooting\b|\bonly\s*\)"
    r"|\b(?:if|when)\s+(?:\S+\s+){0,4}(?:is|are)\s+(?:enabled|used|installed|deployed|licensed"
    r"|selected|configured|required|needed)\b",
    re.IGNORECASE,
)
# "From Kestrel endpoint agents." / "To the SIEM collector." at the start of a notes cell.
PEER = re.compile(r"^\s*(from|to)\s+(?:the\s+)?([^.;,(]+?)\s*(?:[.;,(]|$)", re.IGNORECASE)
_INBOUND = re.compile(r"^\s*(?:in|inbound|incoming|ingress|to\b)", re.IGNORECASE)
_OUTBOUND = re.compile(r"^\s*(?:out|outbound|outgoing|egress|from\b)", re.IGNORECASE)
_BOTH = re.compile(r"\b(?:both|bi-?directional|in\s*/\s*out|inbound\s*/\s*outbound)\b", re.I)
CONFIGURABLE_MARK = re.compile(
    r"\bconfigurable\b|\bcan be (?:changed|configured|modified)\b|\bdefault (?:port|value)s?\b",
    re.IGNORECASE,
)


def is_optional_text(text: str) -> bool:
    """Whether a note marks a flow as optional or conditional ("(if used)", "only for DSR")."""
    lowered = text.lower()
    return any(k in lowered for k in OPTIONAL_HINTS) and bool(OPTIONAL_MARK.search(text))


@dataclass(frozen=True)
class Context:
    """Where a row sits: the heading above it and whether that section is optional."""

    section: str | None = None
    optional: bool = False
    local: str | None = None  # the system "inbound"/"outbound" are relative to
    inherit_names: bool = False  # the document says a blank source/destination means "as above"
    # Both ends named by the section ("Server-to-printer communication", "… from X to Y"),
    # for tables that list only protocols and ports.
    pair: tuple[str, str] | None = None
    # "The following ports must be open on the Print Server:" — the list below ends there.
    listing: tuple[str, str] | None = None  # ("dst" | "src", name)


@dataclass(frozen=True)
class Row:
    cells: tuple[str, ...]
    line: int
    text: str
    context: Context = Context()
    lines: tuple[int, ...] = ()

    @property
    def all_lines(self) -> tuple[int, ...]:
        return self.lines or (self.line,)


def clean(text: str) -> str:
    if "&" in text and ";" in text:
        text = html.unescape(text)  # "Console &rarr; Server" in Markdown written by hand
    return " ".join(text.replace("\u00a0", " ").split())


def _port_ish(cell: str) -> bool:
    if not cell.strip():
        return False
    spec = parse_ports(cell, numbers_are_ports=True)
    return spec.has_ports or spec.ephemeral or bool(re.search(r"\bports?\b", cell, re.I))


def infer_protocols(*texts: str) -> tuple[str, ...]:
    """Protocols an application name in the text implies ("JMX over RMI" → tcp)."""
    for text in texts:
        found, _ = parse_protocols(text)
        if found:
            return found
    return ()


_LISTENER_NAMES = frozenset(
    [
        "component",
        "components",
        "service",
        "services",
        "server",
        "servers",
        "host",
        "hosts",
        "system",
        "systems",
        "application",
        "applications",
        "module",
        "modules",
        "node",
        "nodes",
        "appliance",
        "role",
        "roles",
    ]
)


def _listener_column(header: Header) -> Header:
    """ "Component | Listening port | Accessed by": the named component is the listening side;
    "Component | Connects to | Port": the named component is the side that connects."""
    if header.index(Role.PORT) is None or header.indexes(Role.SIDE):
        return header
    has_src = header.index(Role.SOURCE) is not None
    has_dst = header.index(Role.DESTINATION) is not None
    if has_src == has_dst:
        return header
    for i, role in enumerate(header.roles):
        words = set(re.findall(r"[a-z]+", header.cells[i].lower()))
        if role in (Role.OTHER, Role.PURPOSE) and words and words <= _LISTENER_NAMES | {"name"}:
            roles = list(header.roles)
            roles[i] = Role.SOURCE if has_dst else Role.DESTINATION
            return Header(header.cells, tuple(roles))
    return header


# Columns that number the rows ("#", "No.", "Line", "Step") hold numbers that are not ports.
_INDEX_LABEL = re.compile(
    r"^\s*(?:#|no\.?|nr\.?|id|line|row|item|step|seq\.?|number|idx)\s*$", re.I
)


def _confirm_sides(header: Header, rows: list[Row]) -> Header | None:
    """Check guessed side columns against the data; turn name columns holding ports into sides."""

    def share(column: int) -> float:
        values = [
            r.cells[column] for r in rows if column < len(r.cells) and r.cells[column].strip()
        ]
        if not values:
            return 0.0
        return sum(1 for v in values if _port_ish(v)) / len(values)

    if header.indexes(Role.TARGET):
        return header
    sides = header.indexes(Role.SIDE)
    if sides:
        if any(share(i) < 0.5 for i in sides):
            return None
        return header
    if header.index(Role.PORT) is None:
        names = header.indexes(Role.SOURCE) + header.indexes(Role.DESTINATION)
        portish = [i for i in sorted(names) if share(i) >= 0.5]
        if len(portish) >= 2:
            return with_sides(header, portish[:2])
        if header.index(Role.SOURCE_PORT) is not None:
            return header
        # A "Service" or "Application" column holding "tcp/443" or "HTTPS (443)".
        candidates = [
            i
            for i, role in enumerate(header.roles)
            if role in (Role.PURPOSE, Role.OTHER) and not _INDEX_LABEL.match(header.cells[i])
        ]
        scored = [(share(i), -n, i) for n, i in enumerate(candidates)]
        best = max(scored, default=None)
        if best is not None and best[0] >= 0.5:
            roles = list(header.roles)
            roles[best[2]] = Role.PORT
            return Header(header.cells, tuple(roles))
        return None
    return header


class _Cells:
    """A row's cells by role (extra cells beyond the header join the last column)."""

    def __init__(self, header: Header, row: Row) -> None:
        cells = [clean(c) for c in row.cells]
        width = len(header.roles)
        if len(cells) > width:
            cells = [*cells[: width - 1], " ".join(c for c in cells[width - 1 :] if c)]
        cells += [""] * (width - len(cells))
        self.header = header
        self.cells = cells

    def get(self, role: Role) -> str:
        indexes = self.header.indexes(role)
        if len(indexes) == 1:
            return self.cells[indexes[0]]
        return " ".join(self.cells[i] for i in indexes if self.cells[i])

    def set(self, role: Role, value: str) -> None:
        indexes = self.header.indexes(role)
        if indexes:
            self.cells[indexes[0]] = value
            for i in indexes[1:]:
                self.cells[i] = ""


def _starts_continuation(text: str) -> bool:
    """A cell that continues the cell above: "(VNC client)", "and Management via VNC login"."""
    first = text.split()[0] if text.split() else ""
    return bool(first) and (first[0] == "(" or first.islower())


def _is_wrapped(cells: _Cells) -> bool:
    """Whether a row is the wrapped tail of the row above (a PDF or narrow-column artefact)."""
    names = [cells.get(Role.SOURCE), cells.get(Role.DESTINATION)]
    present = [n for n in names if n]
    if len(cells.cells) >= 3 and all(cells.cells):
        return False  # a complete row ("kube-apiserver, etcd" starts lower-case, but is a name)
    if any(_starts_continuation(n) for n in present):
        return True
    if present:
        return False
    purpose = cells.get(Role.PURPOSE)
    port = cells.get(Role.PORT) or " ".join(cells.cells[i] for i in cells.header.indexes(Role.SIDE))
    if purpose and _starts_continuation(purpose):
        return True
    return bool(purpose) and not port.strip() and not cells.get(Role.PROTOCOL)


def _merge(upper: _Cells, lower: _Cells) -> None:
    for i, value in enumerate(lower.cells):
        if value:
            upper.cells[i] = f"{upper.cells[i]} {value}".strip() if upper.cells[i] else value


@dataclass
class TableResult:
    flows: list[ExtractedFlow]
    unparsed: list[Unparsed]
    consumed: set[int]


def interpret_table(header: Header, rows: list[Row], document: str) -> TableResult:
    """Flows from a ports table; rows that mention ports but yield none go to unparsed."""
    result = TableResult([], [], set())
    confirmed = _confirm_sides(header, rows)
    if confirmed is None:
        for row in rows:
            if looks_port_like(row.text):
                result.unparsed.append(
                    Unparsed(row.line, row.text, "row of a table whose columns hold no ports")
                )
        return result
    header = _listener_column(confirmed)
    if header.indexes(Role.TARGET):
        return _matrix(header, rows, document)
    merged: list[tuple[_Cells, Row]] = []
    section: Context | None = None
    for row in rows:
        cells = _Cells(header, row)
        if not any(cells.cells):
            continue
        filled = [c for c in cells.cells if c]
        lone_first = len(filled) == 1 and bool(cells.cells[0])
        section_row = lone_first and not _starts_continuation(cells.cells[0])
        if len(header.roles) >= 3 and section_row and merged:
            # A full-width section row ("Elevator integration (optional module)").
            title = cells.cells[0]
            section = replace(
                row.context,
                section=title,
                optional=bool(re.search(r"optional|debug|troubleshoot", title, re.I)),
            )
            result.consumed.add(row.line)
            continue
        if section is not None:
            row = replace(row, context=section)
        if merged and _is_wrapped(cells):
            upper, first = merged[-1]
            _merge(upper, cells)
            merged[-1] = (upper, replace(first, lines=(*first.all_lines, row.line)))
            continue
        merged.append((cells, row))
    previous: _Cells | None = None
    for cells, row in merged:
        result.consumed.update(row.all_lines)
        flows = _row_flows(header, cells, row, previous, document)
        if flows:
            result.flows.extend(flows)
        elif looks_port_like(" ".join(cells.cells)):
            result.unparsed.append(
                Unparsed(row.line, row.text, "table row with no port, protocol or endpoints")
            )
        previous = cells
    return result


def _row_flows(
    header: Header, cells: _Cells, row: Row, previous: _Cells | None, document: str
) -> list[ExtractedFlow]:
    sides = header.indexes(Role.SIDE)
    if sides:
        return _side_flows(header, cells, row, previous, document)
    src, dst = cells.get(Role.SOURCE), cells.get(Role.DESTINATION)
    if not src and not dst:
        src, dst = _arrow_endpoints(cells)
    elif bool(src) != bool(dst):
        # A "Used by" (or "Between") column holding "Console → Server": both ends in one cell.
        src, dst = _split_arrow(src or dst) or (src, dst)
    port_cell = cells.get(Role.PORT)
    proto_cell = cells.get(Role.PROTOCOL) or _marked_protocols(cells)
    if previous is not None:
        # A continuation row: a blank port (and blank type) cell means "same as above".
        if not port_cell and not proto_cell:
            cells.set(Role.PORT, previous.get(Role.PORT))
            cells.set(Role.PROTOCOL, previous.get(Role.PROTOCOL))
            port_cell, proto_cell = cells.get(Role.PORT), cells.get(Role.PROTOCOL)
        if (not src and not dst) or (row.context.inherit_names and not (src and dst)):
            if not src:
                cells.set(Role.SOURCE, previous.get(Role.SOURCE))
            if not dst:
                cells.set(Role.DESTINATION, previous.get(Role.DESTINATION))
            src, dst = cells.get(Role.SOURCE), cells.get(Role.DESTINATION)
    purpose = cells.get(Role.PURPOSE)
    direction = cells.get(Role.DIRECTION)
    if header.index(Role.DIRECTION) is not None and not (src and dst):
        src, dst = _directed(direction, src, dst, purpose, cells, row)
    local = row.context.local
    if local and header.index(Role.DIRECTION) is None:
        # One-sided tables under "Inbound connections (to the Beacon Server)": the other end.
        if src and not dst and header.index(Role.DESTINATION) is None:
            dst = local
        elif dst and not src and header.index(Role.SOURCE) is None:
            src = local
    unnamed = header.index(Role.SOURCE) is None and header.index(Role.DESTINATION) is None
    if not src and not dst and unnamed and row.context.pair is not None:
        src, dst = row.context.pair
    elif not src and not dst and unnamed and row.context.listing is not None:
        # A table under "The following ports must be open on each cluster node:".
        side, name = row.context.listing
        src, dst = ("", name) if side == "dst" else (name, "")
    if not port_cell and not proto_cell:
        return []
    by_protocol = _protocol_port_columns(header)
    if by_protocol:
        # "Ports" over "TCP | UDP": each column's ports use the protocol its header names.
        flows: list[ExtractedFlow] = []
        for i, protocol in by_protocol:
            cell = cells.cells[i]
            if cell and _port_ish(cell):
                flows.extend(
                    _flows_from_cells(
                        src,
                        dst,
                        cell,
                        protocol,
                        purpose,
                        cells.get(Role.SOURCE_PORT),
                        row,
                        document,
                    )
                )
        return flows
    return _flows_from_cells(
        src, dst, port_cell, proto_cell, purpose, cells.get(Role.SOURCE_PORT), row, document
    )


_PROTOCOL_IN_HEADER = re.compile(r"\b(tcp|udp|sctp)\b", re.IGNORECASE)


def _protocol_port_columns(header: Header) -> list[tuple[int, str]]:
    """Port columns that each name one protocol ("TCP ports" | "UDP ports"), with it."""
    if header.index(Role.PROTOCOL) is not None:
        return []
    found: list[tuple[int, str]] = []
    for i in header.indexes(Role.PORT):
        named = {m.lower() for m in _PROTOCOL_IN_HEADER.findall(header.cells[i])}
        if len(named) != 1:
            return []
        found.append((i, named.pop()))
    return found


# Two-headed arrows ("Server ↔ Replica") read left to right, as a table row does.
_ARROW = re.compile(r"\s*(?:<->|<-->|↔|⟷|⇔|→|->|=>|⇒|➔|⟶|—>|-->)\s*")
_CHECK_MARK = re.compile(r"^\s*(?:[✓✔☑✅xX•●*]|yes|y|ja|oui)\s*$", re.IGNORECASE)
_PROTOCOL_NAME = re.compile(r"^\s*(tcp|udp|sctp)\s*$", re.IGNORECASE)


def _marked_protocols(cells: _Cells) -> str:
    """ "Port | TCP | UDP" with ✓ marks: the marked columns are the row's protocols."""
    marked = []
    for i, role in enumerate(cells.header.roles):
        name = _PROTOCOL_NAME.match(cells.header.cells[i])
        if role is Role.OTHER and name and _CHECK_MARK.match(cells.cells[i]):
            marked.append(name.group(1).lower())
    return "/".join(marked)


def _split_arrow(text: str) -> tuple[str, str] | None:
    for arrow, forward in ((_ARROW, True), (_BACK_ARROW, False)):
        parts = [p.strip() for p in arrow.split(text)]
        if len(parts) == 2 and all(parts):
            return (parts[0], parts[1]) if forward else (parts[1], parts[0])
    return None


_BACK_ARROW = re.compile(r"\s*(?:←|<-|<=|⇐|⟵|<--)\s*")


def _arrow_endpoints(cells: _Cells) -> tuple[str, str]:
    """A "Flow" cell written "Lab instruments → Quartz Instrument Gateway" (initiator first)."""
    for i, role in enumerate(cells.header.roles):
        if role in (Role.OTHER, Role.PURPOSE, Role.DIRECTION):
            for arrow, forward in ((_ARROW, True), (_BACK_ARROW, False)):
                parts = [p.strip() for p in arrow.split(cells.cells[i])]
                if len(parts) == 2 and all(parts):
                    if role is not Role.OTHER:
                        cells.cells[i] = ""
                    return (parts[0], parts[1]) if forward else (parts[1], parts[0])
    for i, role in enumerate(cells.header.roles):
        # "Communication path: Reporting Services to SQL Server" (two names joined by "to").
        named = _NAME_TO_NAME.match(cells.cells[i]) if role in (Role.OTHER, Role.PURPOSE) else None
        if named:
            return named.group(1).strip(), named.group(2).strip()
    return "", ""


_NAME_TO_NAME = re.compile(
    r"^(?:from\s+)?(?:the\s+)?([A-Z][\w.\-]*(?:\s+[\w.\-]+){0,4}?)\s+to\s+(?:the\s+)?"
    r"([A-Z][\w.\-]*(?:\s+[\w.\-]+){0,4})$"
)


def _side_flows(
    header: Header, cells: _Cells, row: Row, previous: _Cells | None, document: str
) -> list[ExtractedFlow]:
    first, second = header.indexes(Role.SIDE)[:2]
    src_name, dst_name = header.cells[first], header.cells[second]
    src_cell, dst_cell = cells.cells[first], cells.cells[second]
    if not dst_cell and src_cell and previous is not None:
        dst_cell, src_cell = src_cell, ""
    src_spec = parse_ports(src_cell) if src_cell else PortSpec()
    dst_spec = parse_ports(dst_cell) if dst_cell else PortSpec()
    if dst_spec.ephemeral and not dst_spec.has_ports and src_spec.has_ports:
        # The listening side is the one with the fixed port.
        src_name, dst_name, src_cell, dst_cell = dst_name, src_name, dst_cell, src_cell
    proto_cell = cells.get(Role.PROTOCOL)
    purpose = cells.get(Role.PURPOSE)
    if not dst_cell:
        return []
    return _flows_from_cells(
        src_name, dst_name, dst_cell, proto_cell, purpose, src_cell, row, document
    )


def _matrix(header: Header, rows: list[Row], document: str) -> TableResult:
    """A connectivity matrix: the row's system opens the cell's service to the column's system."""
    result = TableResult([], [], set())
    for row in rows:
        cells = _Cells(header, row)
        source = cells.cells[0]
        result.consumed.update(row.all_lines)
        for i in header.indexes(Role.TARGET):
            cell = cells.cells[i]
            if not cell or not source or (not _port_ish(cell) and "icmp" not in cell.lower()):
                continue
            target = header.cells[i]
            purpose = f"{source} to {target}"
            result.flows.extend(
                _flows_from_cells(source, target, cell, "", purpose, "", row, document)
            )
    return result


def _named_section(section: str | None) -> str | None:
    """A heading that is just a system's name ("Vireo Application Server"): what a Direction
    column under it is relative to when nothing else names that system."""
    if not section or len(section.split()) > 6 or any(c.isdigit() for c in section):
        return None
    if not section[:1].isupper() or re.search(r"\b(?:ports?|protocols?|firewall)\b", section, re.I):
        return None
    return section


_DIRECTION_NAMES = re.compile(
    r"^\s*(?:(?:inbound|outbound|incoming|outgoing)\s+)?(?:"
    r"from\s+(?:the\s+)?(?P<src>[^,;()]{2,60}?)(?:\s+to\s+(?:the\s+)?(?P<dst>[^,;()]{2,60}?))?"
    r"|to\s+(?:the\s+)?(?P<dst_only>[^,;()]{2,60}?))\s*$",
    re.IGNORECASE,
)


def _directed(
    direction: str, src: str, dst: str, purpose: str, cells: _Cells, row: Row
) -> tuple[str, str]:
    """Endpoints of a row whose Direction column is relative to one system (the "local" one).

    The peer is a source/destination cell if there is one, else the notes' "From X"/"To X".
    """
    local = row.context.local or _named_section(row.context.section) or ""
    spelled = _DIRECTION_NAMES.match(direction)
    if spelled and not (src or dst):
        # "Outbound from the Portal to SQL Server", "Inbound to the Portal": the cell names them.
        named_src = spelled.group("src")
        named_dst = spelled.group("dst") or spelled.group("dst_only")
        if named_src and named_dst:
            return named_src.strip(), named_dst.strip()
        if named_dst:
            return "", named_dst.strip()
        if named_src:
            return named_src.strip(), ""
    names = [
        cells.cells[i]
        for i, role in enumerate(cells.header.roles)
        if role is Role.OTHER and cells.cells[i]
    ]
    forward, backward = _ARROW.fullmatch(direction), _BACK_ARROW.fullmatch(direction)
    if (forward or backward) and len(names) >= 2 and not (src or dst):
        # "Component A | → | Component B": the arrow points from the side that connects.
        return (names[0], names[1]) if forward else (names[1], names[0])
    if len(names) >= 2 and not (src or dst):
        # "A | Inbound | B", "A | Bidirectional | B": a word between two endpoint columns.
        # Relative to a named system when one column is that system; otherwise the row reads
        # left to right, as the arrows do.
        first, second = names[0], names[1]
        inbound_word = bool(_INBOUND.match(direction)) and not _BOTH.search(direction)
        outbound_word = bool(_OUTBOUND.match(direction)) and not _BOTH.search(direction)
        lowered = local.lower()
        if (
            lowered
            and (inbound_word or outbound_word)
            and lowered in (first.lower(), second.lower())
        ):
            peer = second if first.lower() == lowered else first
            return (peer, local) if inbound_word else (local, peer)
        return first, second
    peer = src or dst
    notes = [cells.cells[i] for i in cells.header.indexes(Role.PURPOSE)] or [purpose]
    match = next((m for m in (PEER.match(n) for n in notes) if m), None)
    if not peer and match:
        peer = match.group(2).strip()
    if not peer:
        others = [
            cells.cells[i]
            for i, role in enumerate(cells.header.roles)
            if role is Role.OTHER and cells.cells[i]
        ]
        peer = others[0] if others else ""
    inbound = bool(_INBOUND.match(direction)) or bool(match and match.group(1).lower() == "from")
    outbound = bool(_OUTBOUND.match(direction)) or bool(match and match.group(1).lower() == "to")
    if inbound and not outbound:
        return peer, local
    if outbound and not inbound:
        return local, peer
    return (peer, local) if _INBOUND.match(direction) else (local, peer)


_TRANSPORT_ONLY = re.compile(r"^[\s(]*(?:tcp|udp|sctp|icmp|tcp/udp|udp/tcp)[\s)]*$", re.I)


def _flows_from_cells(
    src: str,
    dst: str,
    port_cell: str,
    proto_cell: str,
    purpose: str,
    source_port_cell: str,
    row: Row,
    document: str,
) -> list[ExtractedFlow]:
    column_protocols, _ = parse_protocols(proto_cell) if proto_cell else ((), False)
    spec = parse_ports(port_cell, default=column_protocols) if port_cell else PortSpec()
    fallback = column_protocols or infer_protocols(purpose) or ("tcp",)
    if proto_cell and not _TRANSPORT_ONLY.match(proto_cell) and purpose:
        # A protocol column holding an application name ("Network Printing Alliance Protocol
        # (NPAP)") is part of what the flow is for.
        purpose = f"{proto_cell}: {purpose}"
    elif proto_cell and not purpose and not _TRANSPORT_ONLY.match(proto_cell):
        purpose = proto_cell
    optional = row.context.optional or is_optional_text(purpose)
    lowered_purpose = purpose.lower()
    configurable = spec.configurable or (
        ("config" in lowered_purpose or "change" in lowered_purpose or "default" in lowered_purpose)
        and bool(CONFIGURABLE_MARK.search(purpose))
    )
    evidence = Evidence(document, row.line, row.text)

    def flow(protocols: tuple[str, ...], ports: list[str], extra: str = "") -> ExtractedFlow:
        return ExtractedFlow(
            src=src,
            dst=dst,
            protocols=protocols,
            ports=tuple(ports),
            purpose=f"{purpose} {extra}".strip(),
            optional=optional,
            configurable=configurable,
            evidence=evidence,
            section=row.context.section,
        )

    if spec.has_ports:
        out: list[ExtractedFlow] = []
        for group in _fill_protocols(spec.groups, fallback):
            out.append(flow(group.protocols, group.port_strings()))
        # A note naming another port with its transport ("TCP 6514 is used instead when TLS
        # syslog is selected") is a flow of its own between the same endpoints.
        known = {span for group in spec.groups for span in group.ports}
        lowered = purpose.lower()
        has_transport = "tcp" in lowered or "udp" in lowered or "sctp" in lowered
        noted = parse_ports(purpose, numbers_are_ports=False) if has_transport else PortSpec()
        for group in noted.groups:
            extra = tuple(span for span in group.ports if span not in known)
            if group.explicit and group.protocols and extra:
                alternative = PortGroup(group.protocols, extra)
                out.append(
                    flow(alternative.protocols, alternative.port_strings(), "(alternative port)")
                )
        return out
    protocols = sort_protocols(list(spec.protocols)) or column_protocols
    if spec.depends:
        note = f"(port: {port_cell})"
        return [flow(column_protocols, [], note)]
    if "icmp" in protocols:
        return [flow(("icmp",), [])]
    if port_cell and is_any_port(port_cell):
        return [flow(protocols or fallback, [], "(any port)")]
    if not port_cell and protocols:
        return [flow(protocols, [], "(no port given)")]
    if port_cell and protocols and not spec.ephemeral:
        # "RDP", "TCP port": the protocol without a number (ports stay empty, not guessed).
        return [flow(protocols, [], f"(port: {port_cell})")]
    return []


def _fill_protocols(groups: Iterable[PortGroup], fallback: tuple[str, ...]) -> list[PortGroup]:
    """Give port groups without a written protocol the row's protocol; merge equal sets."""
    out: list[PortGroup] = []
    for group in groups:
        protocols = group.protocols or fallback
        for i, existing in enumerate(out):
            if existing.protocols == protocols:
                present = set(existing.ports)
                spans = existing.ports + tuple(s for s in group.ports if s not in present)
                out[i] = PortGroup(protocols, spans, existing.explicit)
                break
        else:
            out.append(PortGroup(protocols, group.ports, group.explicit))
    # "TCP: 53; UDP: 53" is one flow over both protocols, as "53 (TCP or UDP)" would be.
    merged: list[PortGroup] = []
    for group in out:
        for i, existing in enumerate(merged):
            if set(existing.ports) == set(group.ports):
                both = sort_protocols([*existing.protocols, *group.protocols])
                merged[i] = PortGroup(both, existing.ports, existing.explicit)
                break
        else:
            merged.append(group)
    return merged

"""extract_flows: a Document in, every flow it states out (plus what could not be used).

One pass over the blocks in reading order finds tables (reader tables, tab-separated and pipe
rows, space-aligned columns, glued-header HTML text), keeps track of the section each line sits
in (headings such as "Optional Products – AlertX" or "Debugging / Troubleshooting" make the
flows under them optional), and hands the remaining lines to the prose interpreter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from portplan.extract.document import (
    Caption,
    DefinitionItem,
    Document,
    Heading,
    ListItem,
    Table,
    TextLine,
)
from portplan.extract.flat import parse_flat_table
from portplan.extract.headers import (
    Header,
    Role,
    column_role,
    read_header,
    split_concatenated_header,
)
from portplan.extract.ports import PortGroup, looks_port_like, names_port_numbers, parse_ports
from portplan.extract.prose import (
    MARKUP,
    STEP,
    Endpoints,
    Statement,
    endpoints_for,
    is_optional,
    parse_sentence,
    port_groups,
    split_sentences,
    split_statement,
)
from portplan.extract.result import Evidence, ExtractedFlow, Extraction, Unparsed
from portplan.extract.tables import (
    CONFIGURABLE_MARK,
    Context,
    Row,
    _split_arrow,
    clean,
    interpret_table,
)

_OPTIONAL_HEADING = re.compile(r"\boptional\b|\bdebug|\btroubleshoot", re.IGNORECASE)
_REQUIRED_WORD = re.compile(r"\brequired\b|\bmandatory\b", re.IGNORECASE)
_OPTIONAL_SECTION_SENTENCE = re.compile(
    r"\b(?:these|this|the following)\b[^.]{0,60}\bports?\b[^.]{0,40}\b(?:is|are)\s+"
    r"(?:only\s+(?:used|needed|required)|optional|used\s+only|needed\s+only|required\s+only)",
    re.IGNORECASE,
)
# The system a section's "inbound"/"outbound" (or "from X"/"to X" bullets) are relative to.
_LOCAL_HEADING = re.compile(
    r"^(?:#+\s*)?(?:(?:inbound|incoming|outbound|outgoing)\s+(?:connections?\s+|traffic\s+"
    r"|ports?\s+|rules?\s+)?\(?(?:to|from|on|of|for)\s+|.*\b(?:requirements|ports|connections|rules"
    r"|traffic)\s+(?:(?:required|used|needed|opened)\s+)?(?:by|for|on|of)\s+)(?:the\s+)?(?P<name>[A-Z][^:.,;()]{2,60}?)\s*\)?\s*:?\s*$",
    re.IGNORECASE,
)
_RELATIVE_TO = re.compile(
    r"\brelative to (?:the\s+)?(?P<name>[A-Z][\w\-]*(?:\s+[A-Z][\w\-]*){0,5})"
    # "The following ports must be open on the Management Server." (a sentence, not a list
    # intro): the tables below are that server's inbound and outbound ports.
    r"|\bports?\s+(?:must|should|need\s+to|have\s+to)\s+be\s+(?:open(?:ed)?|allowed|permitted"
    r"|reachable)\s+(?:on|at|for)\s+(?:the\s+|each\s+|every\s+)?"
    r"(?P<server>[A-Z][\w\-]*(?:\s+[A-Z][\w\-]*){0,5})"
)
_INHERIT_NAMES = re.compile(
    r"\b(?:empty|blank)\s+(?:\w+\s+){0,4}cells?\b.{0,60}?\b(?:same|above|previous|preceding)\b",
    re.IGNORECASE,
)
# Running page headers and footers: "Page 2", "Page 3 of 10".
_PAGE_FURNITURE = re.compile(r"\bpage\s+\d+(?:\s+of\s+\d+)?\s*$", re.IGNORECASE)
# "Source: PowerCenter server" — one field of a record written as labelled lines.
_KEY_VALUE = re.compile(r"^(?:[-*•]\s*)?([A-Za-z][A-Za-z ()/]{0,30}?)\s*:\s+(\S.*)$")
_LIST_INTRO = re.compile(
    r"\bports?\b.{0,80}?\b(on|to|at|into|for|from)\s+(?:the\s+|each\s+|every\s+)?"
    r"(?P<name>[A-Za-z][\w /'\-]{1,50}?)\s*:$",
    re.IGNORECASE,
)
_BOX_VERTICALS = re.compile(r"[│┃║]")
_BORDER = re.compile(
    r"^\s*[+┏┓┗┛┡┩└┘├┤┼╇╋┳┻┌┐╔╗╚╝╠╣╦╩╬═─━|]?[-=─━═+┏┓┗┛┡┩└┘├┤┼╇╋┳┻┌┐╔╗╚╝╠╣╦╩╬]{3,}[+┏┓┗┛┡┩└┘├┤┼╇╋┳┻┌┐╔╗╚╝╠╣╦╩╬|]?\s*$"
)
# Fields written on one line: split at ", Key:" / "; Key:".
_INLINE_FIELD_SPLIT = re.compile(r"[,;]\s*(?=[A-Za-z][\w ()/]{0,30}:\s)")
_LABELLED_FIRST_FIELD = re.compile(r"^(.{1,60}?):\s*([A-Za-z][\w ()/]{0,30}):\s*(.+)$")
_SEPARATOR_ROW = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_PAIR_ONLY = re.compile(
    r"^\s*(?:[-*•]\s*)?(?P<src>[^→<>=:;,()\d]{2,60}?)\s*(?:→|->|=>|⇒|⟶|-->)\s*"
    r"(?P<dst>[^→<>=:;,()\d]{2,60}?)\s*:?\s*$"
)
_BULLET = re.compile(r"^\s*(?:[•\u2022*\-–]|\d+[.)])\s")
_SPACE_COLUMNS = re.compile(r"\S(?:\S| (?! ))*")


_FROM_TO = re.compile(
    r"\bfrom (?:the |a |an )?(?P<src>[\w][\w /'\-]{1,50}?) to (?:the |a |an )?"
    r"(?P<dst>[\w][\w /'\-]{1,50}?)\s*(?:[.:;,(]|$)",
    re.IGNORECASE,
)
_X_TO_Y = re.compile(
    r"^(?:[\w.]+\s*\d*[:.]\s*)?(?P<src>[A-Za-z][\w /'\-]{0,40}?)[\s‑-]+to[\s‑-]+"
    r"(?P<dst>[A-Za-z][\w /'\-]{0,40}?)[\s‑-]+(?:communication|connections?|traffic|ports)\s*$",
    re.IGNORECASE,
)


# A heading that is just two names: "Agent to Manager".
_HEADING_X_TO_Y = re.compile(
    r"^(?:from\s+)?(?:the\s+)?(?P<src>[A-Z][\w.\-]*(?:\s+[\w.\-]+){0,4}?)\s+to\s+(?:the\s+)?"
    r"(?P<dst>[A-Z][\w.\-]*(?:\s+[\w.\-]+){0,4})$"
)


def _section_pair(text: str) -> tuple[str, str] | None:
    """Both ends a heading or caption names: "Server-to-printer communication", "… from X to Y",
    "Agent to Manager"."""
    for pattern in (_X_TO_Y, _FROM_TO, _HEADING_X_TO_Y):
        match = pattern.search(clean(text))
        if match:
            return match.group("src").strip(), match.group("dst").strip()
    return None


def _wrapped_space_header(
    columns: list[tuple[int, str]], text: str
) -> tuple[Header | None, tuple[int, ...]]:
    """Join a space-aligned header line with its second line, word by column position."""
    cells = [name for _, name in columns]
    starts = [start for start, _ in columns]
    for match in _SPACE_COLUMNS.finditer(text):
        index = min(range(len(starts)), key=lambda i: abs(starts[i] - match.start()))
        cells[index] = f"{cells[index]} {match.group()}"
    return read_header(cells), tuple(starts)


def transposed(table: Table) -> Table | None:
    """A table whose first column is the header ("Source", "Destination", "Port" down the
    side, one connection per column), turned so that each connection is a row."""
    headers = [read_header(list(row)) for row in table.rows]
    if not table.rows or any(h is not None and h.index(Role.PORT) is not None for h in headers):
        return None
    header = read_header([row[0] if row else "" for row in table.rows])
    if header is None or header.index(Role.PORT) is None:
        return None
    width = max(len(row) for row in table.rows)
    columns = tuple(
        tuple(row[j] if j < len(row) else "" for row in table.rows) for j in range(width)
    )
    port_row = header.index(Role.PORT)
    line = table.lines[port_row] if port_row is not None and port_row < len(table.lines) else 0
    return Table(columns, tuple(line or table.lines[0] for _ in columns), table.title)


def _known_roles(header: Header) -> int:
    return sum(1 for role in header.roles if role is not Role.OTHER)


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
        upper, lower = clean(upper_cell), clean(lower_cell)
        if not upper or upper == lower:
            merged.append(lower)
        else:
            merged.append(f"{upper} {lower}".strip())
    combined = read_header(merged)
    if combined is not None and _known_roles(combined) >= max(_known_roles(header), 1):
        return combined if combined.roles != header.roles else header
    return header


def is_heading(text: str) -> bool:
    stripped = text.strip()
    words = stripped.split()
    if not 1 <= len(words) <= 12 or len(stripped) > 100:
        return False
    if stripped.endswith((".", ",", ";")) or _BULLET.match(stripped) or STEP.match(stripped):
        return False
    if not re.search(r"[A-Za-z]{2}", stripped):
        return False
    return not parse_ports(stripped, numbers_are_ports=False).has_ports


def _pipe_cells(text: str) -> list[str]:
    body = text.strip().replace("\\|", "\u2502")
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|"):
        body = body[:-1]
    return [c.strip().replace("\u2502", "|") for c in body.split("|")]


@dataclass
class _ActiveTable:
    header: Header
    kind: str  # "tab", "pipe", "space", "block"
    rows: list[Row] = field(default_factory=list)
    columns: tuple[int, ...] = ()  # character offsets of space-aligned columns
    pending: tuple[str, int, Context] | None = None  # a pipe row still missing cells


def _as_lines(document: Document) -> Document:
    """Structured blocks back to text lines and tables (what this interpreter reads)."""
    blocks: list[TextLine | Table] = []
    for block in document.blocks:
        if isinstance(block, TextLine | Table):
            blocks.append(block)
        elif isinstance(block, Heading | Caption):
            blocks.append(TextLine(block.line, block.text))
        elif isinstance(block, DefinitionItem):
            blocks.extend((block.term, *block.lines))
        elif isinstance(block, ListItem):
            blocks.append(TextLine(block.line, f"{block.marker} {block.lines[0].text}"))
            blocks.extend(block.lines[1:])
        else:
            blocks.extend(block.lines)
    return Document(document.name, tuple(blocks))


class _Extractor:
    def __init__(self, document: Document) -> None:
        lines = _as_lines(document)
        self.name = lines.name
        self.blocks: tuple[TextLine | Table, ...] = lines.blocks  # type: ignore[assignment]
        self.flows: list[tuple[int, ExtractedFlow]] = []
        self.unparsed: list[Unparsed] = []
        self.consumed: set[int] = set()
        self.prose: list[tuple[TextLine, Context]] = []
        self.context = Context()
        self.headings_seen: set[str] = set()
        self.active: _ActiveTable | None = None
        self.flat: tuple[Header, list[TextLine], Context] | None = None
        self.paragraph = ""
        self.record: list[tuple[str, str, TextLine]] = []
        self.space_header: list[tuple[int, str]] | None = None
        self.record_context = Context()

    # -- sections -------------------------------------------------------------------------
    def heading(self, text: str) -> None:
        title = clean(text).lstrip("#").strip().strip("*").strip()
        key = title.lower()
        if key in self.headings_seen or "continued" in key:
            return  # a running page header or a table's continuation, not a new section
        self.headings_seen.add(key)
        optional = bool(_OPTIONAL_HEADING.search(title)) and not _REQUIRED_WORD.search(title)
        local = self.context.local
        match = _LOCAL_HEADING.match(title)
        if match:
            local = match.group("name").strip()
        pair = _section_pair(title)
        self.context = replace(
            self.context, section=title, optional=optional, local=local, pair=pair, listing=None
        )

    def paragraph_line(self, text: str) -> None:
        """Document-wide statements that change how tables read (they may wrap over lines)."""
        if not text:
            self.paragraph = ""
            return
        self.paragraph = f"{self.paragraph[-400:]} {text}".strip()
        pair = _section_pair(text)
        if pair is not None:
            self.context = replace(self.context, pair=pair)
        match = _RELATIVE_TO.search(self.paragraph)
        if match:
            name = match.group("name") or match.group("server")
            self.context = replace(self.context, local=name.strip())
        if not self.context.inherit_names and _INHERIT_NAMES.search(self.paragraph):
            self.context = replace(self.context, inherit_names=True)

    # -- tables ---------------------------------------------------------------------------
    def flush(self) -> None:
        self._flush_record()
        if self.active is not None:
            self._flush_pending()
            table, self.active = self.active, None
            self._interpret(table.header, table.rows)
        if self.flat is not None:
            header, lines, context = self.flat
            self.flat = None
            rows, used = parse_flat_table(header, lines, context)
            self.consumed.update(used)
            self._interpret(header, rows)
            for line in lines:
                if line.line not in used:
                    self.prose.append((line, context))

    def _interpret(self, header: Header, rows: list[Row]) -> None:
        if not rows:
            return
        result = interpret_table(header, rows, self.name)
        self.flows.extend((f.evidence.line, f) for f in result.flows)
        self.unparsed.extend(result.unparsed)
        self.consumed.update(result.consumed)

    def _flush_pending(self) -> None:
        table = self.active
        if table is not None and table.pending is not None:
            text, line, context = table.pending
            table.pending = None
            table.rows.append(Row(tuple(_pipe_cells(text)), line, text.strip(), context))

    def _add_row(self, cells: list[str], line: int, text: str) -> None:
        assert self.active is not None
        # Evidence keeps leading tabs: a blank first cell is part of what the row says.
        self.active.rows.append(Row(tuple(cells), line, text.rstrip(), self.context))

    def _inline_record(self, line: TextLine, stripped: str) -> bool:
        """ "Telemetry: From: Kiln gateways, To: Kiln Cloud, Protocol: TCP, Port: 443"."""
        if stripped.count(":") < 3:
            return False
        parts = _INLINE_FIELD_SPLIT.split(stripped)
        if len(parts) < 3:
            return False
        label = ""
        labelled = _LABELLED_FIRST_FIELD.match(parts[0])
        if labelled and column_role(labelled.group(2)) is not Role.OTHER:
            label, parts[0] = labelled.group(1).strip(), f"{labelled.group(2)}: {labelled.group(3)}"
        fields = [
            (key.strip(), value.strip()) for key, _, value in (p.partition(":") for p in parts)
        ]
        roles = [column_role(key) for key, _ in fields]
        known = [r for r in roles if r is not Role.OTHER]
        ends = Role.SOURCE in roles or Role.DESTINATION in roles
        if len(known) < 3 or not ends:
            return False
        keys = [key for key, _ in fields]
        values = [value for _, value in fields]
        if label:
            keys.append("Purpose")
            values.append(label)
            roles.append(Role.PURPOSE)
        if Role.PORT not in roles:
            return False
        header = Header(tuple(keys), tuple(roles))
        self._interpret(header, [Row(tuple(values), line.line, stripped, self.context)])
        return True

    def _record_line(self, line: TextLine, stripped: str) -> bool:
        """Collect "Source: X" / "Destination: Y" / "Service: UDP 161" lines into one record."""
        if self._inline_record(line, stripped):
            self._flush_record()
            return True
        match = _KEY_VALUE.match(stripped) if "\t" not in stripped else None
        if match is None or (
            # "Connection: Web tier -> App tier" names both ends under any label.
            column_role(match.group(1)) is Role.OTHER and _split_arrow(match.group(2)) is None
        ):
            self._flush_record()
            return False
        key = match.group(1).strip()
        if any(key.lower() == k.lower() for k, _, _ in self.record):
            self._flush_record()
        if not self.record:
            self.record_context = self.context
        self.record.append((key, match.group(2).strip(), line))
        return True

    def _flush_record(self) -> None:
        record, self.record = self.record, []
        if not record:
            return
        roles = [column_role(key) for key, _, _ in record]
        if Role.PORT not in roles:
            for i, (_, value, _) in enumerate(record):
                if parse_ports(value, numbers_are_ports=False).has_ports:
                    roles[i] = Role.PORT
                    break
        ends = Role.SOURCE in roles or Role.DESTINATION in roles
        ends = ends or any(
            role is Role.OTHER and _split_arrow(value) is not None
            for role, (_, value, _) in zip(roles, record, strict=True)
        )
        if Role.PORT in roles and ends:
            header = Header(tuple(k for k, _, _ in record), tuple(roles))
            first = record[0][2]
            row = Row(
                tuple(v for _, v, _ in record),
                first.line,
                first.text.strip(),
                self.record_context,
                lines=tuple(item[2].line for item in record),
            )
            self._interpret(header, [row])
            return
        for _, _, item in record:
            self._plain_line(item, item.text.strip())

    def _orphan_row(self, line: TextLine) -> None:
        if looks_port_like(line.text):
            self.prose.append((line, self.context))

    def _start(self, header: Header, kind: str, columns: tuple[int, ...] = ()) -> None:
        self.flush()
        self.active = _ActiveTable(header, kind, columns=columns)

    def text_line(self, line: TextLine) -> None:
        text = line.text.rstrip("\r\n")
        if _BOX_VERTICALS.search(text):
            # Box-drawn tables (terminal and database client output) read as pipe tables.
            text = _BOX_VERTICALS.sub("|", text)
            line = TextLine(line.line, text)
        if _BORDER.match(text):
            return  # "+------+-----+", "┏━━━━┳━━━┓": a table's border, nothing to read
        stripped = text.strip()
        if self.flat is not None:
            if "\t" in stripped or stripped.count("|") >= 2 or self._concatenated_header(stripped):
                self.flush()
            else:
                self.flat[1].append(line)
                return
        if not stripped or stripped == "|":
            self.paragraph_line("")
            self._flush_record()
            return
        if _PAGE_FURNITURE.search(stripped) and len(stripped.split()) <= 12:
            return
        if _SEPARATOR_ROW.match(stripped):
            return
        if self._record_line(line, stripped):
            return
        active = self.active
        # Markdown pipe rows (and the tail of a row broken over two lines).
        if active is not None and active.kind == "pipe" and active.pending is not None:
            pending_text, pending_line, context = active.pending
            if stripped.startswith("|"):
                joined = f"{pending_text.rstrip()} {stripped}"
                active.pending = None
                self._pipe_row(joined, pending_line, context)
                return
            self._flush_pending()
        if stripped.count("|") >= 2 or (
            active is not None and active.kind == "pipe" and "|" in stripped
        ):
            cells = _pipe_cells(stripped)
            header = read_header(cells)
            if header is not None:
                self._start(header, "pipe")
                return
            if active is not None and active.kind == "pipe":
                self._pipe_row(stripped, line.line, self.context)
                return
            self._orphan_row(line)
            return
        # Tab-separated rows.
        if "\t" in stripped or (active is not None and active.kind == "tab" and "\t" in text):
            cells = [c.strip() for c in text.split("\t")]
            header = read_header(cells)
            if header is not None:
                self._start(header, "tab")
                return
            second_line = not re.search(r"\d\d", text) and all(len(c) <= 40 for c in cells)
            if active is not None and active.kind == "tab" and not active.rows and second_line:
                # The second line of a header ("From" / "(Sender)", "Destination" / "Port").
                below = Header(tuple(cells), tuple(Role.OTHER for _ in cells))
                both = two_level_header(active.header.cells, below)
                gains_port = (
                    both.index(Role.PORT) is not None and active.header.index(Role.PORT) is None
                )
                better = _known_roles(both) > _known_roles(active.header)
                if both is not below and (gains_port or better):
                    active.header = both
                    return
            if active is not None and active.kind == "tab":
                self._add_row(cells, line.line, text)
                return
            self._orphan_row(line)
            return
        # Space-aligned columns (text copied from a PDF with its layout).
        candidate, self.space_header = self.space_header, None
        fresh_space_table = active is not None and active.kind == "space" and not active.rows
        if fresh_space_table and active is not None and not re.search(r"\d\d", stripped):
            columns = list(zip(active.columns, active.header.cells, strict=True))
            header, _ = _wrapped_space_header(columns, text)
            no_port_yet = active.header.index(Role.PORT) is None
            if no_port_yet and header is not None and header.index(Role.PORT) is not None:
                active.header = header
                return
        if candidate is not None and not re.search(r"\d\d", stripped):
            # A header wrapped over two lines ("Destination" over "Port").
            header, starts = _wrapped_space_header(candidate, text)
            if header is not None:
                self._start(header, "space", starts)
                return
        if re.search(r"\S {2,}\S", stripped):
            columns = [(m.start(), m.group()) for m in _SPACE_COLUMNS.finditer(text)]
            header = read_header([c for _, c in columns]) if len(columns) >= 3 else None
            if header is not None:
                self._start(header, "space", tuple(start for start, _ in columns))
                return
            if len(columns) >= 3 and not re.search(r"\d\d", stripped):
                self.space_header = columns
            if active is not None and active.kind == "space":
                self._add_row(self._space_cells(text, active.columns), line.line, text)
                return
        elif active is not None and active.kind == "space" and text[:1] == " ":
            self._add_row(self._space_cells(text, active.columns), line.line, text)
            return
        # A glued HTML header starts a one-cell-per-line table.
        header = self._concatenated_header(stripped)
        if header is not None:
            self.flush()
            self.flat = (header, [], self.context)
            return
        # Plain text: a heading, a sentence that qualifies the section, or prose.
        ends_table = len(stripped.split()) > 15 or stripped.endswith(".")
        if active is not None and ends_table and not looks_port_like(stripped):
            self.flush()
        self._plain_line(line, stripped)

    def _plain_line(self, line: TextLine, stripped: str) -> None:
        listing = _LIST_INTRO.search(stripped) if stripped.endswith(":") else None
        pair_only = _PAIR_ONLY.match(MARKUP.sub("", stripped))
        if pair_only and not parse_ports(stripped, numbers_are_ports=False).has_ports:
            # "- **Manager → Agents**" over bullets that name only ports: both ends for them.
            pair = (pair_only.group("src").strip(), pair_only.group("dst").strip())
            self.context = replace(self.context, pair=pair, listing=None)
        elif listing:
            side = "src" if listing.group(1).lower() == "from" else "dst"
            self.context = replace(self.context, listing=(side, listing.group("name").strip()))
        elif is_heading(stripped):
            self.heading(stripped)
        else:
            self.paragraph_line(stripped)
            if _OPTIONAL_SECTION_SENTENCE.search(stripped):
                self.context = replace(self.context, optional=True)
        self.prose.append((line, self.context))

    def _pipe_row(self, text: str, line: int, context: Context) -> None:
        assert self.active is not None
        cells = _pipe_cells(text)
        if len(cells) < len(self.active.header.roles) and not text.rstrip().endswith("|"):
            self.active.rows.append(Row(tuple(cells), line, text.strip(), context))
            return
        if len(cells) < len(self.active.header.roles):
            self.active.pending = (text, line, context)
            return
        self.active.rows.append(Row(tuple(cells), line, text.strip(), context))

    @staticmethod
    def _space_cells(text: str, columns: tuple[int, ...]) -> list[str]:
        cells = [""] * len(columns)
        for match in _SPACE_COLUMNS.finditer(text):
            start = match.start()
            index = max((i for i, c in enumerate(columns) if c <= start + 2), default=0)
            cells[index] = f"{cells[index]} {match.group()}".strip()
        return cells

    @staticmethod
    def _concatenated_header(text: str) -> Header | None:
        if not text or len(text.split()) > 10:
            return None
        parts = split_concatenated_header(text)
        return read_header(parts) if parts else None

    def table_block(self, table: Table) -> None:
        self.flush()
        if table.title:
            self.heading(table.title)
        table = transposed(table) or table
        header: Header | None = None
        rows: list[Row] = []
        above: tuple[str, ...] | None = None
        for cells, line in zip(table.rows, table.lines, strict=False):
            candidate = read_header(list(cells))
            if candidate is not None:
                if header is not None:
                    self._interpret(header, rows)
                header, rows = two_level_header(above, candidate), []
                above = cells
                continue
            above = cells
            text = " | ".join(c for c in cells)
            if header is None:
                self._orphan_row(TextLine(line, text))
                continue
            rows.append(Row(tuple(cells), line, text, self.context))
        if header is not None:
            self._interpret(header, rows)

    # -- prose ----------------------------------------------------------------------------
    def statements(self) -> list[Statement]:
        items = sorted(
            ((ln, ctx) for ln, ctx in self.prose if ln.line not in self.consumed),
            key=lambda item: item[0].line,
        )
        out: list[Statement] = []
        step: list[TextLine] | None = None
        step_context = Context()

        def close() -> None:
            nonlocal step
            if step:
                text = " \n".join(ln.text.strip() for ln in step)
                text = STEP.sub("", text, count=1)  # "2." is a step number, not a port
                sentence, phrases = split_statement(text)
                out.append(
                    Statement(
                        step[0].line,
                        step[0].text.strip(),
                        sentence,
                        tuple(phrases),
                        step_context,
                        tuple(ln.line for ln in step),
                    )
                )
            step = None

        for line, context in items:
            text = line.text.strip()
            if STEP.match(text):
                close()
                step, step_context = [line], context
                continue
            if step is not None:
                _, phrases = split_statement(text)
                if phrases or text[:1].islower() or text.upper() in ("N/A", "NA"):
                    step.append(line)
                    continue
                close()
            if parse_ports(text, numbers_are_ports=False).has_ports or looks_port_like(text):
                sentence, phrases = split_statement(text)
                if phrases:
                    out.append(
                        Statement(line.line, text, sentence, tuple(phrases), context, (line.line,))
                    )
                    continue
                parts = _port_sentences(text)
                if len(parts) < 2:
                    out.append(Statement(line.line, text, sentence, (text,), context, (line.line,)))
                    continue
                for n, part in enumerate(parts):
                    out.append(
                        Statement(
                            line.line, text, part, (part,), context, (line.line,), follows=n > 0
                        )
                    )
        close()
        return out

    def prose_flows(self) -> None:
        previous: Endpoints | None = None
        section: str | None = None
        for statement in self.statements():
            if statement.context.section != section:
                previous, section = None, statement.context.section
            is_step = bool(STEP.match(statement.text))
            phrases = statement.port_phrases or (statement.sentence,)
            groups = port_groups(phrases, strict=not (is_step and statement.port_phrases))
            if (
                not groups
                and "icmp" in parse_ports(statement.text, numbers_are_ports=False).protocols
            ):
                groups = [[PortGroup(("icmp",), ())]]  # "checks reachability with ICMP echo"
            if not groups:
                if is_step and statement.sentence:
                    # A step without ports still tells who talks to whom next.
                    previous = endpoints_for(statement, previous) or previous
                    continue
                if looks_port_like(statement.text) and not self._is_noise(statement.text):
                    self.unparsed.append(
                        Unparsed(statement.line, statement.text, self._why_no_port(statement))
                    )
                continue
            if is_step:
                pair = endpoints_for(statement, previous)
            else:
                words = statement.sentence or statement.text
                parsed = parse_sentence(words)
                pair = Endpoints(parsed.src, parsed.dst) if parsed.src and parsed.dst else None
                local = statement.context.local or _section_subject(statement)
                if pair is None and local:
                    pair = _peer_pair(words, local)
                bullet = _BULLET.match(statement.text) or not statement.sentence
                if pair is None and statement.context.pair is not None and bullet:
                    pair = Endpoints(*statement.context.pair)
                listing = statement.context.listing
                if pair is None and listing is not None and bullet:
                    # A bullet under "… ports must be open on the X:" names only the port.
                    side, name = listing
                    pair = Endpoints("", name) if side == "dst" else Endpoints(name, "")
            if pair is None and statement.follows and previous is not None:
                pair = previous
            if pair is None:
                self.unparsed.append(
                    Unparsed(
                        statement.line,
                        statement.text,
                        "ports mentioned, but no source and destination could be read from "
                        "the sentence",
                    )
                )
                continue
            previous = pair
            purpose = " ".join(
                part for part in (statement.sentence, *statement.port_phrases) if part
            )
            purpose = re.sub(r"^\s*(?:step\s+)?\d{1,2}\s*[.):]\s*", "", purpose)
            optional = is_optional(statement.sentence, statement.context)
            configurable = bool(CONFIGURABLE_MARK.search(purpose)) or any(
                parse_ports(p, numbers_are_ports=False).configurable for p in statement.port_phrases
            )
            self.consumed.update(statement.lines)
            for group_list in groups:
                for group in group_list:
                    self.flows.append(
                        (
                            statement.line,
                            ExtractedFlow(
                                src=pair.src,
                                dst=pair.dst,
                                protocols=group.protocols,
                                ports=tuple(group.port_strings()),
                                purpose=purpose,
                                optional=optional,
                                configurable=configurable,
                                evidence=Evidence(self.name, statement.line, statement.text),
                                section=statement.context.section,
                            ),
                        )
                    )

    def report_leftovers(self) -> None:
        """The last net: a text line that names ports with numbers but fed no flow and no
        unparsed entry is listed, so nothing a reader could act on disappears silently."""
        covered = set(self.consumed)
        covered.update(flow.evidence.line for _, flow in self.flows)
        covered.update(item.line for item in self.unparsed)
        for block in self.blocks:
            if isinstance(block, Table) or block.line in covered:
                continue
            if names_port_numbers(block.text):
                self.unparsed.append(
                    Unparsed(
                        block.line,
                        block.text.strip(),
                        "names port numbers, but no flow could be read from the line",
                    )
                )

    @staticmethod
    def _is_noise(text: str) -> bool:
        spec = parse_ports(text, numbers_are_ports=False)
        if spec.has_ports or spec.offset is not None:
            return False
        # "a list of the TCP and UDP ports" names no port: nothing a reader could act on.
        return not any(c.isdigit() for c in text) or not re.search(
            r"\b(?:tcp|udp|sctp)\b", text, re.IGNORECASE
        )

    @staticmethod
    def _why_no_port(statement: Statement) -> str:
        spec = parse_ports(statement.text, numbers_are_ports=False)
        if spec.offset is not None:
            return f"a port offset (+{spec.offset}), not a flow — model it as an offset variable"
        return "mentions a protocol or port but states no port number and no endpoints"

    def run(self) -> Extraction:
        for block in self.blocks:
            if isinstance(block, Table):
                self.table_block(block)
            else:
                self.text_line(block)
        self.flush()
        self.prose_flows()
        self.report_leftovers()
        flows = tuple(flow for _, flow in sorted(self.flows, key=lambda item: item[0]))
        unparsed = tuple(sorted(self.unparsed, key=lambda item: item.line))
        notices: list[str] = []
        if not flows:
            notices.append(f"{self.name}: no port requirements found in this document")
        return Extraction(self.name, flows, unparsed, tuple(notices))


_PEER_PHRASE = re.compile(
    r"\b(from|to|towards)\s+(?:the\s+)?(?P<peer>[^—–(,;:]{1,80}?)\s*(?:[—–(,;:]|\.(?:\s|$)|\s-\s|$)",
    re.IGNORECASE,
)


_CLAUSE_END = re.compile(r"(?<=;)\s+")


def _port_sentences(text: str) -> list[str]:
    """A prose line cut into one part per sentence that states a port; a sentence without a
    port stays with the part before it (or the first part), so each statement is one flow."""
    parts: list[str] = []
    waiting = ""
    clauses = [c for s in split_sentences(text) for c in _CLAUSE_END.split(s) if c.strip()]
    for sentence in clauses:
        if parse_ports(sentence, numbers_are_ports=False).has_ports:
            parts.append(f"{waiting} {sentence}".strip())
            waiting = ""
        elif parts:
            parts[-1] = f"{parts[-1]} {sentence}"
        else:
            waiting = f"{waiting} {sentence}".strip()
    if not parts:
        return [text]
    if waiting:
        parts[-1] = f"{parts[-1]} {waiting}"
    return parts


_DIRECTION_LEAD = re.compile(
    r"^\s*(?:[-*•]\s*)?\**(?:inbound|outbound|incoming|outgoing|ingress|egress)\b", re.I
)


def _section_subject(statement: Statement) -> str | None:
    """ "Inbound: 443/tcp from the management network" under the heading "Edge appliance":
    a line that starts with a direction is relative to the system its section is about."""
    section = statement.context.section
    if not section or not _DIRECTION_LEAD.match(statement.text):
        return None
    words = section.split()
    if len(words) > 6 or any(c.isdigit() for c in section) or not section[:1].isupper():
        return None
    return section


def _peer_pair(sentence: str, local: str) -> Endpoints | None:
    """ "TCP 443 from user browsers" under "Inbound to the X" (or relative to X): peer and X."""
    text = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", sentence.replace("**", ""))
    for match in _PEER_PHRASE.finditer(text):
        peer = match.group("peer").strip()
        words = peer.split()
        if not words or any(w.isdigit() for w in words) or len(words) > 8:
            continue
        if match.group(1).lower() == "from":
            return Endpoints(peer, local)
        return Endpoints(local, peer)
    return None


def extract_flows(document: Document) -> Extraction:
    """Every flow the document states, with evidence; port-like lines not understood are listed."""
    return _Extractor(document).run()

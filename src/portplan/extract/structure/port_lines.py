"""Lines that each state a port: the small tables PDFs and saved web pages leave as text.

    Listening port Component                     FireWall Ports Network Protocol Description
    515 Pharos LPD Server, Popup Service         1719 UDP H.323 Gatekeeper RAS port
    2351 SignUp Service                          5060 UDP & TCP SIP UAS Used for SIP signaling

    Voice Over IP 6004–7038/UDP(RTP)
    6005–7039/UDP(RTCP)
    Enable only if using VoIP outside the
    firewall.

Each row is one line with a port number: the words before it name the row, a protocol may
follow it, the rest describes it. A line with only a port adds that port to the row above; a
line without a port continues the row above, unless the next line starts a row with no name
(then it is that row's name: "• Secure Shell" over "22/TCP(SSH)"). A header line above the
rows (no numbers, a "port" word) says whether the text after the port is a component
("Listening port Component"). The table needs two rows in a row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from portplan.extract.commands import looks_like_command
from portplan.extract.ports import parse_protocols
from portplan.extract.structure.base import LineState, RuleMatch
from portplan.extract.structure.cells import make_table
from portplan.extract.vocabulary import direction_of, words_of

_PORT = re.compile(
    r"(?<![\w.:/#$-])(?P<port>\d{2,5}(?:\s*[–—-]\s*\d{2,5})?(?:\s*,\s*\d{2,5})*)"
    r"(?P<proto>\s*/\s*(?:tcp|udp|sctp)(?:\s*\([^)]{0,40}\))?)?(?![\w.%])",
    re.IGNORECASE,
)
# The words before a row's port: no number of their own (a digit inside a word, as in
# "AJP13" or "DHCPv6", is part of a name).
_LEAD = re.compile(r"^(?:[^\d]|(?<=[A-Za-z])\d|(?<=[A-Za-z]\d)\d)*$")
_PROTOCOL_LEAD = re.compile(
    r"^\s*((?:tcp|udp|sctp)(?:\s*(?:&|and|/|or|,|\s)\s*(?:tcp|udp|sctp))*)\b", re.I
)
_LITERAL_TERM = re.compile(r"^`+[^`]+`+:?$")
_COMMENT_MARK = re.compile(r"^(?:#|//|;)\s*")
_HEADER_PORT = re.compile(r"\bports?\b", re.IGNORECASE)
_COMPONENT_AFTER = re.compile(
    r"\bports?\b.*\b(?:component|server|daemon|process|device|host|node)s?\b",
    re.IGNORECASE,
)
_NOT_A_NAME = re.compile(
    r"(?:^|\s)--?[A-Za-z]|\||(?<![\w-])ports?(?![\w-])|\($|\([^)]*$"
    r"|\b(?:usually|e\.g|such as|is|are|on|to|at)\s*$",
    re.I,
)
_INSTRUCTION = re.compile(
    r"^(?:allow|open|permit|enable|ensure|make|set|add|create|block|deny|configure)\b", re.I
)
_LIST_MARK = re.compile(r"^\s*(?:[•·▪◦*\-–]|\d{1,2}[.)])\s")
_NOTE_MARK = re.compile(r"^(?:note|notes|important|caution|warning|tip)\b", re.IGNORECASE)
_MAX_NOTES = 3
_MAX_LABEL_LINES = 2  # lines of a name above its port (besides the line itself)
_FOOTNOTE_MARK = re.compile(r"^[a-z*†‡]$")
_BULLET = re.compile(r"^\s*(?:[•·▪◦!\-*]\s+)")
_MAX_LEAD_WORDS = 7
_MAX_ROW_WORDS = 24


@dataclass
class _Row:
    name: str
    port: str
    protocol: str
    rest: str
    line: int
    source: str
    notes: list[str] = field(default_factory=list)


def _valid(port: str) -> bool:
    return all(1 <= int(n) <= 65535 for n in re.findall(r"\d+", port))


def _port_led(text: str) -> tuple[str, str, str, str] | None:
    """(name, port, protocol, rest) when a line is a row, else None."""
    stripped = _BULLET.sub("", text.strip())
    if not stripped or len(stripped.split()) > _MAX_ROW_WORDS or _LITERAL_TERM.match(stripped):
        return None  # "``8774/tcp``" alone: a definition's term (its text is indented below)
    match = _PORT.search(stripped)
    if match is None or not _valid(match.group("port")):
        return None
    name = stripped[: match.start()].strip(" :–—-")
    if not _LEAD.match(name) or len(name.split()) > _MAX_LEAD_WORDS or _NOT_A_NAME.search(name):
        return None  # "LPR communication (port 515) is …": a sentence, not a row
    if direction_of(name) is not None or _INSTRUCTION.match(name) or looks_like_command(stripped):
        return None  # "Inbound: 443/tcp (local UI), 22/tcp from …", "Allow inbound TCP 443 to …",
        # "ufw allow 10250/tcp" (a command, read as one)
    rest = stripped[match.end() :].strip()
    protocol = (match.group("proto") or "").strip(" /")
    lead = _PROTOCOL_LEAD.match(rest)
    if lead and not protocol:
        protocol, rest = lead.group(1), rest[lead.end() :].strip()
    rest = _COMMENT_MARK.sub("", rest)  # "53 tcp udp   # DNS": a configuration file's comment
    return name, match.group("port").strip(), protocol, rest


def _shape(words: list[str]) -> str:
    """How a name is written, word by word: "A" capitals ("VNETD", "CD-ROM"), "C"
    capitalised, "a" lower case, "0" other."""
    out = []
    for word in words:
        letters = re.sub(r"[^A-Za-z]", "", word)
        if not letters:
            out.append("0")
        elif letters.isupper() and len(letters) > 1:
            out.append("A")
        elif letters[0].isupper():
            out.append("C")
        elif word[0].isalpha():
            out.append("a")
        else:
            out.append("0")
    return "".join(out)


def _records(name: str, port: str, protocol: str, rest: str) -> list[tuple[str, str, str, str]]:
    """A line that holds more than one row, as PDF text joins the two columns of a page:
    "KVM redirection 7578 Remote management Virtual CD-ROM redirection 5120 Remote
    management". A later port starts a row when the words before it are written like the
    line's own name (as many words, capitals and lower case alike): rows of one table name
    their services alike, while "Windows Server 2019" under "KVM redirection" is a note."""
    words = name.split()
    if not 1 <= len(words) <= 3:
        return [(name, port, protocol, rest)]
    for found in _PORT.finditer(rest):
        if not _valid(found.group("port")):
            continue
        before = rest[: found.start()].split()
        candidate = before[-len(words) :]
        if len(before) <= len(words) or _shape(candidate) != _shape(words):
            continue
        text = " ".join(candidate)
        if _NOT_A_NAME.search(text) or re.search(r"\d", text):
            continue
        tail = rest[found.end() :].strip()
        following = (found.group("proto") or "").strip(" /")
        lead = _PROTOCOL_LEAD.match(tail)
        if lead and not following:
            following, tail = lead.group(1), tail[lead.end() :].strip()
        head = (name, port, protocol, " ".join(before[: -len(words)]))
        return [head, *_records(text, found.group("port").strip(), following, tail)]
    return [(name, port, protocol, rest)]


def _header(text: str) -> bool:
    words = text.split()
    return 1 < len(words) <= 12 and not re.search(r"\d", text) and bool(_HEADER_PORT.search(text))


def _rows_start(state: LineState, start: int, *, headed: bool = False) -> bool:
    """Whether rows start at ``start``: three port-led lines in a row (or up to the end), or
    under a header two, which a row's second line of text may follow."""
    if headed:
        return _headed_rows_start(state, start)
    seen = 0
    index = start
    while index < len(state) and seen < 3:
        if not state.blank(index):
            if _port_led(state.text(index)) is None:
                return False
            seen += 1
        index += 1
    return seen >= 2


def _headed_rows_start(state: LineState, start: int) -> bool:
    """Under a header: a row first, and another within the lines a row's text may wrap to."""
    found = [
        _port_led(state.text(i)) is not None
        for i in range(start, min(len(state), start + 2 * (_MAX_NOTES + 1)))
        if not state.blank(i)
    ][: _MAX_NOTES + 2]
    return bool(found) and found[0] and any(found[1:])


def _columns(header: str) -> tuple[str, ...]:
    last = "Component" if header and _COMPONENT_AFTER.search(header) else "Description"
    return (_name_label(header), "Port", "Protocol", last)


_PORT_MODIFIERS = frozenset(
    [
        "default",
        "listening",
        "local",
        "remote",
        "source",
        "destination",
        "tcp",
        "udp",
    ]
)


def _name_label(header: str) -> str:
    """What the header calls the column before the port: "Type" in "Type Default Ports and
    Protocol Comments"; "Service" when it does not say."""
    words = header.split()
    at = next((i for i, w in enumerate(words) if _HEADER_PORT.fullmatch(w.strip(",:"))), 0)
    before = words[:at]
    while before and before[-1].lower() in _PORT_MODIFIERS:
        before.pop()
    return " ".join(before) if 0 < len(before) <= 3 else "Service"


@dataclass
class _Reader:
    state: LineState
    rows: list[_Row] = field(default_factory=list)
    label: list[str] = field(default_factory=list)

    def read(self, index: int) -> int:
        """Rows from ``index`` on; returns the index of the first line not read."""
        while index < len(self.state):
            text = self.state.text(index)
            if self.state.blank(index):
                if not self._continues(index + 1):
                    break
                index += 1
                continue
            found = _port_led(text)
            if found is not None:
                self._row(found, index)
            elif not self._other(text, index):
                break
            index += 1
        return index

    def _continues(self, index: int) -> bool:
        return index < len(self.state) and _port_led(self.state.text(index)) is not None

    def _row(self, found: tuple[str, str, str, str], index: int) -> None:
        name, port, protocol, rest = found
        previous = self.rows[-1] if self.rows else None
        if previous is not None and not name and not rest and not self.label:
            # Each port keeps its own protocol ("5566/TCP" over "5567/UDP").
            if previous.protocol:
                previous.port, previous.protocol = f"{previous.port}/{previous.protocol}", ""
            previous.port = (
                f"{previous.port}, {port}/{protocol}" if protocol else f"{previous.port}, {port}"
            )
            return  # "6005–7039/UDP(RTCP)" under "6004–7038/UDP(RTP)": one more port of the row
        name = " ".join([*self.label, name]).strip()
        self.label = []
        line = self.state.lines[index]
        for record in _records(name, port, protocol, rest):
            self.rows.append(_Row(*record, line.line, line.text.strip()))

    def _other(self, text: str, index: int) -> bool:
        """A line without a port inside the table: a name for the next row, or more words for
        the row above; False when the table has ended."""
        stripped = _BULLET.sub("", text.strip())
        if self.state.interrupts(index):
            return False  # a heading or another layout starts: the table has ended
        goes_on = (
            bool(self.rows)
            and self._open(self.rows[-1])
            and self._continuation(stripped)
            and len(stripped.split()) <= _MAX_ROW_WORDS
        )
        # Words in lower case that go on from a row's unfinished text belong to it ("… use
        # port 3389 to" / "transmit RDP traffic."); a capitalised line may name the next row.
        if goes_on and stripped[:1].islower() and self.rows[-1].rest:
            self.rows[-1].notes.append(stripped)
            return True
        if (
            len(stripped.split()) <= _MAX_LEAD_WORDS
            and not stripped.endswith(".")
            and not _NOTE_MARK.match(stripped)
            and self._names_next_row(index)
        ):
            if not _FOOTNOTE_MARK.match(stripped):  # "a": a footnote's mark beside the name
                self.label.append(stripped)
            return True
        if goes_on:
            self.rows[-1].notes.append(stripped)
            return True
        return False

    def _names_next_row(self, index: int) -> bool:
        """Whether the line at ``index`` is (part of) the name of a row below that has none:
        "Private Networking" and a footnote mark "a" over "5570/TCP Private Networking …"."""
        seen = 0
        for ahead in range(index + 1, len(self.state)):
            if self.state.blank(ahead):
                continue
            found = _port_led(self.state.text(ahead))
            if found is not None:
                return not found[0]
            text = _BULLET.sub("", self.state.stripped(ahead))
            seen += 1
            if seen >= _MAX_LABEL_LINES or len(text.split()) > _MAX_LEAD_WORDS:
                return False
            if text.endswith((".", ":")):
                return False
        return False

    def _open(self, row: _Row) -> bool:
        """Whether a row's text may go on to the next line (it has not ended a sentence)."""
        if self.label or len(row.notes) >= _MAX_NOTES:
            return False
        last = (row.notes[-1] if row.notes else row.rest).rstrip()
        return not last.endswith((".", ":", "!", "?"))  # an empty row: its text is below

    def _continuation(self, text: str) -> bool:
        return not text.rstrip().endswith(":")


def starts(state: LineState, index: int) -> bool:
    """Inside a paragraph, only a header line over rows starts the table (PDF text has no
    blank line before it)."""
    return _header(state.text(index)) and _rows_start(state, index + 1, headed=True)


def port_lines(state: LineState, start: int) -> RuleMatch | None:
    if state.pending_attributes:
        return None  # "[source,sh]" above: the lines are the styled block's
    header = state.text(start) if _header(state.text(start)) else ""
    first = start + 1 if header else start
    if not _rows_start(state, first, headed=bool(header)):
        return None
    reader = _Reader(state)
    end = reader.read(first)
    if len(reader.rows) < 2 or all(_LIST_MARK.match(row.source) for row in reader.rows):
        return None  # "• TCP 443 to the hub" on every line: a list, read as one
    labels = _labels(header)
    columns = tuple(labels) if labels else _columns(header)
    table_rows: list[tuple[str, ...]] = [columns]
    lines = [state.lines[start].line]
    sources = [header]
    for row in reader.rows:
        rest = " ".join([row.rest, *row.notes]).strip()
        protocol = row.protocol if parse_protocols(row.protocol)[0] else ""
        table_rows.append(
            _labelled_row(labels, row.name, row.port, protocol, rest)
            if labels
            else (row.name, row.port, protocol, rest)
        )
        lines.append(row.line)
        sources.append(row.source)
    return RuleMatch((make_table(table_rows, lines, sources),), end)


# -- a header of one-word labels ----------------------------------------------------------------
# "Source Protocol Port Destination Notes" over "Security server AJP13 8009 View Connection
# Server Security servers use port 8009 to …": the labels say which words are which.

_LABEL_WORDS = words_of(
    "source destination protocol port ports service name description notes purpose comments"
    " type component"
)


def _labels(header: str) -> list[str] | None:
    """The header's labels when it is one word per column and names the port column."""
    found = header.split()
    if not 2 < len(found) <= 6 or not all(w.lower() in _LABEL_WORDS for w in found):
        return None
    if len({w.lower() for w in found}) != len(found):
        return None
    return found if any(w.lower() in ("port", "ports") for w in found) else None


def _labelled_row(
    labels: list[str], name: str, port: str, protocol: str, rest: str
) -> tuple[str, ...]:
    """The row's cells under one-word labels: the words before the port fill the columns before
    the port column, the words after it the columns after."""
    lowered = [label.lower() for label in labels]
    at = next(i for i, label in enumerate(lowered) if label in ("port", "ports"))
    cells = [""] * len(labels)
    cells[at] = f"{port}/{protocol}" if protocol else port
    before, after = name.split(), rest.split()
    if at >= 2 and lowered[at - 1] in ("protocol", "type") and len(before) > 1:
        cells[at - 1], before = before[-1], before[:-1]  # "Security server AJP13"
    protocol_after = at + 1 < len(labels) and lowered[at + 1] in ("protocol", "type")
    if protocol_after and after and parse_protocols(after[0])[0]:
        cells[at + 1], after = after[0], after[1:]
    _fill(cells, [i for i in range(at) if not cells[i]], before, name)
    _fill(cells, [i for i in range(at + 1, len(labels)) if not cells[i]], after, name)
    return tuple(cells)


def _fill(cells: list[str], columns: list[int], words: list[str], name: str) -> None:
    if not columns or not words:
        return
    if len(columns) == 1:
        cells[columns[0]] = " ".join(words)
        return
    split = _second_starts(words, name.split())
    cells[columns[0]] = " ".join(words[:split])
    cells[columns[1]] = " ".join(words[split:])  # further columns stay empty


def _second_starts(words: list[str], source: list[str]) -> int:
    """Where the second of two run-together cells starts: where the notes restate the row's
    name ("View Connection Server | Security servers use port …"), else where a sentence
    starts with a verb ("SNMP Server | Allows the host …"), else before the first word in
    lower case ("DNS Client | DNS client."); all words are the first cell otherwise."""
    stems = [w.lower().rstrip("s") for w in source]
    for k in range(1, len(words)):
        if stems and [w.lower().rstrip("s") for w in words[k : k + len(stems)]] == stems:
            return k
    for k in range(1, len(words)):
        if words[k][:1].isupper() and words[k].lower() in _SENTENCE_VERBS:
            return k
    lower = next((k for k in range(1, len(words)) if words[k][:1].islower()), None)
    if lower is not None and lower >= 2:
        return lower - 1
    return len(words)


_SENTENCE_VERBS = words_of(
    "allows required requires used uses enables provides sends receives accepts"
)

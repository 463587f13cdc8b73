"""Column meaning: which column of a ports table holds what, whatever the vendor called it.

A header cell is reduced to its words (parentheses and punctuation dropped, filler such as
"host" or "(Default)" ignored) and matched against synonym sets. Source/destination synonyms
must make up the whole cell: "Server" is the destination column, "MVE server" is a column
named after an endpoint (a *side*, whose cells hold that endpoint's ports).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import cached_property


def _split(text: str) -> list[str]:
    """Words of a whitespace-separated vocabulary list (easier to read than a list literal)."""
    return text.split()


class ColumnRole(Enum):
    PORT = "port"  # destination (listening) port
    SOURCE_PORT = "source_port"
    PROTOCOL = "protocol"
    SOURCE = "source"
    DESTINATION = "destination"
    PURPOSE = "purpose"
    DIRECTION = "direction"
    SIDE = "side"  # a column named after an endpoint; its cells are that endpoint's ports
    COMPONENT = "component"  # the system a row is about (it listens on the row's port)
    TARGET = "target"  # a connectivity matrix column: cells are the services opened to it
    OTHER = "other"


_FILLER = frozenset(
    _split("""the a an of s default defaults host hosts system systems ip address addresses
    component components device devices name names side machine machines number numbers no nr
    range ranges side e g i required""")
)
_PORT_WORDS = frozenset({"port", "ports", "portnumber"})
_SOURCE_WORDS = frozenset(
    _split(
        "source src from sender client initiator origin originator caller requester requestor "
        "local outgoing connect connects connecting initiated by opened initiating requesting "
        "sending originating calling "
        "accessed used called contacted reached polled queried"
    )
)
_DESTINATION_WORDS = frozenset(
    _split(
        "destination dest dst to listener server target receiver responder callee remote "
        "listening incoming connect connects connecting accepted receiving responding "
        "accepting answering"
    )
)
_PROTOCOL_WORDS = frozenset(_split("protocol protocols type transport proto layer l4 4 ip"))
_PURPOSE_WORDS = frozenset(
    _split("""description descriptions purpose comment comments used for usage notes note details
    detail service services function remarks remark reason application applications feature
    explanation traffic info information use communication justification rationale business
    why supplementary additional designation meaning""")
)
_DIRECTION_WORDS = frozenset(_split("direction inbound outbound in out flow bound"))


_STRONG_SOURCE = frozenset(
    _split("source src from sender client initiator origin originator requester requestor")
)
_STRONG_DESTINATION = frozenset(
    _split("destination dest dst to target listener receiver responder")
)
_NEUTRAL_ENDPOINT = frozenset(
    _split("""server servers connection connections communication node nodes computer
    computers endpoint endpoints vm vms""")
)


def header_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", _unhyphenated(text.lower())) if w not in _FILLER]


_KNOWN_WORDS = frozenset().union(
    _PORT_WORDS,
    _SOURCE_WORDS,
    _DESTINATION_WORDS,
    _PROTOCOL_WORDS,
    _PURPOSE_WORDS,
    _DIRECTION_WORDS,
    _NEUTRAL_ENDPOINT,
    _split("component components bidirectional unidirectional"),
)
_HYPHENATED = re.compile(r"\b([a-z]+)-([a-z]+)\b")


def _unhyphenated(text: str) -> str:
    """ "Destina-tion" (a word broken where a web page or PDF hyphenated it) is one word when
    the two halves make a header word ("Client-side" stays two)."""
    return _HYPHENATED.sub(
        lambda m: (
            m.group(1) + m.group(2) if m.group(1) + m.group(2) in _KNOWN_WORDS else m.group(0)
        ),
        text,
    )


# A few header words in other languages (German, French, Spanish, Italian, Dutch).
_TRANSLATIONS = {
    "quelle": "source",
    "origen": "source",
    "origine": "source",
    "bron": "source",
    "ziel": "destination",
    "destino": "destination",
    "cible": "destination",
    "destinazione": "destination",
    "doel": "destination",
    "protokoll": "protocol",
    "protocole": "protocol",
    "protocolo": "protocol",
    "protocollo": "protocol",
    "puerto": "port",
    "puertos": "ports",
    "porta": "port",
    "porte": "port",
    "poort": "port",
    "beschreibung": "description",
    "descripcion": "description",
    "descrizione": "description",
    "beschrijving": "description",
    "zweck": "purpose",
    "verwendung": "purpose",
    "richtung": "direction",
    "richting": "direction",
    "direccion": "direction",
    "direzione": "direction",
    "anmerkung": "notes",
    "anmerkungen": "notes",
    "bemerkung": "notes",
    "bemerkungen": "notes",
    "hinweis": "notes",
    "hinweise": "notes",
    "kommentar": "comments",
    "remarques": "notes",
    "commentaires": "comments",
    "notas": "notes",
    "opmerkingen": "notes",
    "von": "from",
    "nach": "to",
    "vers": "to",
    "sens": "direction",
    "dienst": "service",
}


def column_role(text: str) -> ColumnRole:
    """The meaning of one header cell ("Quelle / Source": the first part with a meaning)."""
    if "/" in text and not re.search(r"\bports?\s*/|/\s*ports?\b", text, re.IGNORECASE):
        for part in text.split("/"):
            role = _column_role(part)
            if role is not ColumnRole.OTHER:
                return role
    return _column_role(text)


def _column_role(text: str) -> ColumnRole:
    words = [_TRANSLATIONS.get(w, w) for w in header_words(text)]
    if not words:
        return ColumnRole.OTHER
    wordset = set(words)
    if wordset & _PORT_WORDS and wordset & {
        "purpose",
        "description",
        "usage",
        "comment",
        "comments",
        "notes",
    }:
        return ColumnRole.PURPOSE  # "Port purpose", "Port description": what the port is for
    if wordset & _PORT_WORDS:
        source_side = {"source", "src", "client", "sender", "from", "local", "initiator", "origin"}
        listening_side = {"destination", "dest", "dst", "server", "listening", "listener"}
        if wordset & source_side and not wordset & listening_side:
            return ColumnRole.SOURCE_PORT
        return ColumnRole.PORT
    if wordset & {"zone", "zones", "vlan", "subnet", "subnets", "network", "networks", "cidr"}:
        return ColumnRole.OTHER  # where an endpoint sits, not what it is
    if wordset <= _PROTOCOL_WORDS or wordset & {"protocol", "protocols", "transport"}:
        return ColumnRole.PROTOCOL
    if wordset <= _SOURCE_WORDS:
        return ColumnRole.SOURCE
    if wordset <= _DESTINATION_WORDS:
        return ColumnRole.DESTINATION
    # "Source server", "From server", "Connection to": one clear side plus neutral words.
    src_words, dst_words = wordset & _STRONG_SOURCE, wordset & _STRONG_DESTINATION
    if src_words and not dst_words and wordset <= _STRONG_SOURCE | _NEUTRAL_ENDPOINT:
        return ColumnRole.SOURCE
    if dst_words and not src_words and wordset <= _STRONG_DESTINATION | _NEUTRAL_ENDPOINT:
        return ColumnRole.DESTINATION
    if wordset <= _DIRECTION_WORDS and wordset & {"direction", "inbound", "outbound"}:
        return ColumnRole.DIRECTION
    if wordset <= _PURPOSE_WORDS | {"protocol", "what", "why"}:
        return ColumnRole.PURPOSE
    return ColumnRole.OTHER


@dataclass(frozen=True)
class Header:
    """A ports table's header: one role per column, and the header text."""

    cells: tuple[str, ...]
    roles: tuple[ColumnRole, ...]

    @cached_property
    def _positions(self) -> dict[int, list[int]]:
        # Keyed by id(): hashing an Enum member runs Python code, and this is hot.
        positions: dict[int, list[int]] = {}
        for i, value in enumerate(self.roles):
            positions.setdefault(id(value), []).append(i)
        return positions

    def index(self, role: ColumnRole) -> int | None:
        found = self._positions.get(id(role))
        return found[0] if found else None

    def indexes(self, role: ColumnRole) -> list[int]:
        return self._positions.get(id(role), [])


# Header words for a column that names the system each row is about.
SYSTEM_LABELS = frozenset(
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
        "device",
        "devices",
        "daemon",
        "process",
    ]
)


def _names_systems(cell: str) -> bool:
    """ "Component", "PMM component", "Device": a column naming the system of each row."""
    found = re.findall(r"[a-z]+", cell.lower())
    return bool(found) and len(found) <= 3 and found[-1] in SYSTEM_LABELS


_IDENTIFIER = re.compile(r"\w_\w|[a-z]\.[a-z]")


# Words of a sentence, never of a column label ("that are", "not a ports table").
_SENTENCE_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "not",
        "is",
        "are",
        "was",
        "were",
        "that",
        "this",
        "these",
        "which",
    ]
)
_MAX_LABEL_WORDS = 4


def _label_like(cell: str) -> bool:
    found = cell.lower().split()
    return len(found) <= _MAX_LABEL_WORDS and not _SENTENCE_WORDS.intersection(found)


def read_header(cells: tuple[str, ...] | list[str]) -> Header | None:
    """A Header if these cells are the header of a ports table, else None.

    A ports table has a port column (or two endpoint-named columns plus a protocol column, as
    in "Protocol | MVE server | Printer | Used for") and at least one other meaningful column.
    """
    if any(_PORT_NUMBER.search(c) for c in cells):
        return None  # header cells are labels; a port number means a data row
    if cells and _MATRIX_CORNER.match(cells[0]) and len([c for c in cells[1:] if c.strip()]) >= 1:
        # "From \ To | Web portal | Video bridge": a connectivity matrix.
        names = tuple(" ".join(c.split()) for c in cells)
        return Header(names, (ColumnRole.SOURCE, *(ColumnRole.TARGET for _ in names[1:])))
    stripped = tuple(" ".join(c.split()) for c in cells)
    if len([c for c in stripped if c]) < 2:
        return None
    if any(len(c) > 60 or re.search(r"\d{2,}", c) or c.isdigit() for c in stripped):
        return None  # header cells are short labels without port numbers (or column numbers)
    if any(_IDENTIFIER.search(c) for c in stripped):
        return None  # "SPARK_WORKER_PORT", "spark.ui.port": a setting's name, a data cell
    roles = [column_role(c) if c else ColumnRole.OTHER for c in stripped]
    known = [r for r in roles if r is not ColumnRole.OTHER]
    if ColumnRole.PORT in roles or ColumnRole.SOURCE_PORT in roles:
        # "Component | Port", "Name | Default port": a port column and any labelled column.
        labels = [c for c, r in zip(stripped, roles, strict=True) if r is ColumnRole.OTHER and c]
        if len(known) >= 2 or (labels and all(_label_like(c) for c in stripped if c)):
            return Header(stripped, tuple(roles))
        return None
    if ColumnRole.SOURCE in roles and ColumnRole.DESTINATION in roles and len(stripped) >= 3:
        # "Source | Destination | Service": the rows must show which column holds the ports.
        return Header(stripped, tuple(roles))
    others = [i for i, r in enumerate(roles) if r is ColumnRole.OTHER and stripped[i]]
    if (ColumnRole.PROTOCOL in roles or ColumnRole.PURPOSE in roles) and len(others) >= 2:
        # Endpoint-named columns: the first two unnamed columns are the two sides. This is a
        # guess the rows must confirm (their side cells must hold ports).
        for i in others[:2]:
            roles[i] = ColumnRole.SIDE
        return Header(stripped, tuple(roles))
    return None


def with_sides(header: Header, columns: list[int]) -> Header:
    """The header with the given columns re-read as sides (their cells turned out to be ports)."""
    roles = list(header.roles)
    for i in columns:
        roles[i] = ColumnRole.SIDE
    return Header(header.cells, tuple(roles))


_PORT_NUMBER = re.compile(r"\d\d")
_MATRIX_CORNER = re.compile(
    r"^\s*(?:from|source|src|client|initiator|sender)\s*(?:\\|/|→|->|>|x|×|↓)\s*"
    r"(?:to|destination|dst|server|listener|target|receiver)\s*(?:→|->)?\s*$",
    re.IGNORECASE,
)
_CAMEL = re.compile(r"(?<=[a-z0-9)])(?=[A-Z])")


def split_concatenated_header(text: str) -> list[str] | None:
    """Split a header whose cells were glued together ("ProtocolMVE serverPrinterUsed for").

    HTML tables copied as text lose the cell boundaries; each cell starts with a capital
    letter glued to the previous cell's last lower-case letter.
    """
    if "\t" in text or "|" in text or len(text) > 120 or text.rstrip().endswith("."):
        return None
    parts = [p.strip() for p in _CAMEL.split(text.strip()) if p.strip()]
    if len(parts) < 2:
        return None
    return parts

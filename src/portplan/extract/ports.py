"""Port grammar: what vendors write in a port or protocol cell, turned into services.

Handles lists ("1196, 1197, 1198", "443 / 9443", "80/443/631"), ranges with a hyphen, en dash
or "to" and thousands separators ("49'152 – 57'500", "49,152-65,535"), protocols before or after
the numbers ("UDP 9187", "5701 (TCP)", "5060 / 5061 (TCP or UDP)", "199 (UDP) 123 (UDP)"),
application names mapped to their transport ("SNMP 161/162", "HTTPS via port 443"), "*" or
"default" marking a configurable port, "Ephemeral" marking a source port, "ICMP messages"
(icmp without ports) and "Depends upon …" (no port, configurable).

Every regex here is linear: no nested quantifiers, so a 5 MB document cannot stall it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from portplan.extract.vocabulary import SERVICES, TRANSPORTS, sort_protocols


def _split(text: str) -> list[str]:
    """Words of a whitespace-separated vocabulary list (easier to read than a list literal)."""
    return text.split()


# Service names and their transports live in the one vocabulary.
APPLICATIONS: dict[str, tuple[str, ...]] = {
    name: found.transports for name, found in SERVICES.items()
}

# Digit groups with apostrophes or thin/no-break spaces are one number ("49'152" = 49152).
_WORD_PARTS = re.compile(r"[/+]")
# "TCP443", and firewall service objects "tcp-1433", "TCP_8080".
_GLUED_PROTOCOL = re.compile(r"\b(tcp|udp|sctp|TCP|UDP|SCTP)[-_]?(\d)")
_DATE = re.compile(
    r"\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}\.\d{1,2}\.\d{2,4}\b|\b\d{1,2}/\d{1,2}/(?:19|20)\d{2}\b"
)
# Numbers that only look like ports: IPv4 addresses (with a /prefix; an address's ":443" stays),
# protocol versions ("HTTP/1.1", "HTTP/2") and document references ("RFC 5424", "ISO 27001",
# "CVE-2024-12345", "KB 2039095").
_NOT_A_PORT = re.compile(
    r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?(?!\.?\d)"
    r"|\bHTTP/\d(?:\.\d)?\b"
    r"|\b(?:RFC|ISO(?:/IEC)?|IEC|IEEE|CVE|KB|NIST)[\s#-]*\d+(?:[-:.]\d+)*\b",
    re.IGNORECASE,
)
_OTHER_DIGIT = re.compile(r"(?![0-9])\d")
_EXCLUDED = re.compile(
    r"\b(?:other\s+than|except(?:\s+for)?|instead\s+of|rather\s+than)\s+(?:(?:tcp|udp)\s+)?"
    r"(?:ports?\s+)?\d{1,5}(?:\s*(?:,|and|or)\s*\d{1,5})*",
    re.IGNORECASE,
)
_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+", re.IGNORECASE)
_REFERENCE_HINT = re.compile(r"\b(?:rfc|iso|iec|ieee|cve|kb|nist)\b", re.IGNORECASE)
_FOOTNOTE = re.compile(r"\[\d{1,2}\]|(?<=\d)\s*\(\d\)")
# "5000:5100/udp", "1024:65535": a range written the iptables way (a time such as 17:30 has
# two-digit parts and stays as it is).
_COLON_RANGE = re.compile(r"(?<![\d:.])(\d{3,5}):(\d{3,5})(?![\d:.])")


def _colon_range(match: re.Match[str]) -> str:
    low, high = int(match.group(1)), int(match.group(2))
    return f"{low}-{high}" if low < high <= 65535 else match.group(0)


_THOUSANDS = re.compile(r"(?<![\d'’])(\d{1,2})['’\u2009\u202f\u00a0](\d{3})(?![\d'’])")
# A comma thousands separator only next to a range dash: "49,152-65,535" (a bare "80,443" is
# a list, not 80443).
_COMMA_BEFORE_RANGE = re.compile(r"(?<![\d,.])(\d{1,2})[,.](\d{3})(?=\s*(?:[-–—‑]|to\b))")
_COMMA_AFTER_RANGE = re.compile(r"([-–—‑]\s?)(\d{1,2})[,.](\d{3})(?![\d,.])")

_TOKEN = re.compile(
    r"(?P<num>\d+(?:\.\d+)*)"
    r"|(?P<word>[A-Za-z][A-Za-z0-9_.+\-]*(?:/[A-Za-z][A-Za-z0-9_.+\-]*)*)"
    r"|(?P<dash>[-–—‑])"
    r"|(?P<sep>[,;/&])"
    r"|(?P<lp>\()"
    r"|(?P<rp>\))"
    r"|(?P<star>\*)"
    r"|(?P<plus>\+)"
    r"|(?P<colon>:)"
)

_CONFIGURABLE = re.compile(
    r"user[\s‑-]?defined|configurable|\bdefault\b|\bconfigured\b|\bcustomi[sz]able\b"
    r"|can be changed|may be changed|\bdepends?\b|\bdepending\b",
    re.IGNORECASE,
)
_REFERENCE_WORDS = frozenset(
    _split("""note notes footnote table figure fig section page step version chapter appendix
    item ref rev release build revision v r kb article issue ticket id no nr""")
)
_CONFIGURABLE_HINTS = ("defin", "config", "default", "custom", "change", "depend")
_EPHEMERAL_HINTS = ("ephemeral", "dynamic", "random", "any")
_EPHEMERAL = re.compile(r"\b(?:ephemeral|dynamic|random|any\s+source)\b", re.IGNORECASE)
_DEPENDS = re.compile(r"\bdepends?\s+(?:up)?on\b|\bvaries\b|\bsee\s+(?:the\s+)?", re.IGNORECASE)
_ANY = re.compile(r"^\s*(?:any|all|\*)(?:\s+ports?)?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class PortGroup:
    """Ports that share one protocol set, in the order the document lists them."""

    protocols: tuple[str, ...]
    ports: tuple[tuple[int, int], ...]
    explicit: bool = True  # the protocol was written, not inferred

    def port_strings(self) -> list[str]:
        return [f"{lo}" if lo == hi else f"{lo}-{hi}" for lo, hi in self.ports]


@dataclass(frozen=True)
class PortSpec:
    """Everything one cell or phrase says about ports."""

    groups: tuple[PortGroup, ...] = ()
    protocols: tuple[str, ...] = ()  # protocols named without any port (e.g. "ICMP messages")
    configurable: bool = False
    ephemeral: bool = False  # names a source port ("Ephemeral TCP port")
    depends: bool = False  # the port is not given ("Depends upon the content server")
    offset: int | None = None  # "+2000": a shift, not a port
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def has_ports(self) -> bool:
        return any(group.ports for group in self.groups)

    @property
    def is_empty(self) -> bool:
        return not self.groups and not self.protocols and not self.depends


def fill_protocols(groups: Iterable[PortGroup], fallback: tuple[str, ...]) -> list[PortGroup]:
    """Give port groups without a written protocol the fallback; merge groups of one protocol
    set, and groups of the same ports over different protocols ("TCP: 53; UDP: 53" is one
    flow over both, as "53 (TCP or UDP)" would be)."""
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
            out.append(PortGroup(protocols, group.ports, group.explicit and bool(protocols)))
    merged: list[PortGroup] = []
    for group in out:
        for i, existing in enumerate(merged):
            if set(existing.ports) == set(group.ports) and group.ports:
                both = sort_protocols([*existing.protocols, *group.protocols])
                merged[i] = PortGroup(both, existing.ports, existing.explicit)
                break
        else:
            merged.append(group)
    return merged


def normalise_numbers(text: str) -> str:
    """Join thousands separators so "49'152" and "49,152-57,500" read as single numbers.

    Dates are blanked first: "2024-03-18" is not the port range 3-18. Digits of other scripts
    are the number they write: "４４３" (full-width) and "٤٤٣" (Arabic-Indic) are 443.
    """
    if not text.isascii():
        text = _OTHER_DIGIT.sub(lambda m: str(unicodedata.decimal(m.group())), text)
    if "://" in text or "www." in text:
        text = _URL.sub(" ", text)  # "http://example.com/9_1_1/guide": a link, not ports
    text = _GLUED_PROTOCOL.sub(r"\1 \2", text)  # "TCP443" → "TCP 443"
    if "[" in text or "(" in text:
        text = _FOOTNOTE.sub(" ", text)  # "1433 [1]", "8080 (2)": a footnote mark
    if "." in text or "/" in text or _REFERENCE_HINT.search(text):
        text = _NOT_A_PORT.sub(" ", text)
    if ":" in text:
        text = _COLON_RANGE.sub(_colon_range, text)
    if "than" in text or "xcept" in text or "instead" in text:
        text = _EXCLUDED.sub(" ", text)  # "a port other than 443": not 443
    if "-" in text or "." in text or "/" in text:
        text = _DATE.sub(" ", text)
    if "'" in text or "’" in text or "\u2009" in text or "\u202f" in text or "\u00a0" in text:
        text = _THOUSANDS.sub(r"\1\2", text)
    if "," in text or "." in text:
        text = _COMMA_BEFORE_RANGE.sub(r"\1\2", text)
        text = _COMMA_AFTER_RANGE.sub(r"\1\2\3", text)
    return text


@lru_cache(maxsize=8192)
def word_protocols(word: str) -> tuple[tuple[str, ...], bool] | None:
    """Protocols a word names and whether it names a transport explicitly; None if neither.

    "UDP/TCP" and "SMB/TCP" split on "/"; a transport beats an application name in the same
    word ("SMB/TCP" is tcp because TCP is written, "HTTP/S" is tcp because HTTP runs on it).
    """
    lowered = word.lower().rstrip(".")
    if lowered in APPLICATIONS and "/" in lowered:
        return APPLICATIONS[lowered], False
    explicit: set[str] = set()
    inferred: set[str] = set()
    for part in _WORD_PARTS.split(lowered):
        part = part.strip(".")
        if part in TRANSPORTS:
            explicit.update(TRANSPORTS[part])
        elif part in APPLICATIONS:
            inferred.update(APPLICATIONS[part])
    if explicit:
        return sort_protocols(explicit), True
    if inferred:
        return sort_protocols(inferred), False
    return None


def parse_protocols(text: str) -> tuple[tuple[str, ...], bool]:
    """Protocols named in a type/protocol cell ("TCP", "UDP/TCP", "(TCP or UDP)", "SMTP").

    Returns the protocols and whether any was an explicit transport. Explicit transports win
    over application names in the same cell.
    """
    explicit: set[str] = set()
    inferred: set[str] = set()
    for match in _TOKEN.finditer(text):
        word = match.group("word")
        if not word:
            continue
        found = word_protocols(word)
        if found is None:
            continue
        (explicit if found[1] else inferred).update(found[0])
    if explicit:
        return sort_protocols(explicit), True
    return sort_protocols(inferred), False


class _Token(NamedTuple):
    kind: str
    text: str
    start: int
    end: int


def _tokens(text: str) -> list[_Token]:
    return [_Token(m.lastgroup or "", m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _port_value(token: _Token, text: str) -> int | None:
    """The port a number token denotes, or None for versions, decimals and out-of-range values."""
    if "." in token.text:
        # "443.0" is a port a spreadsheet stored as a number; 1.3, 11.0, 9.11.17 are versions.
        whole, _, fraction = token.text.partition(".")
        if not 3 <= len(whole) <= 5 or fraction.strip("0"):
            return None
        return int(whole) if 1 <= int(whole) <= 65535 else None
    if len(token.text) > 5:
        return None
    value = int(token.text)
    if not 1 <= value <= 65535:
        return None
    after = text[token.end : token.end + 3]
    if after[:1] in ("%", "°") or re.match(r"\s?(?:ms|MB|GB|KB|kb|Mb|px)\b", after):
        return None
    if _UNIT.match(text, token.end):
        return None  # "30 s", "1000 sessions", "10 GbE": a quantity, not a port
    if after[:1].isalpha() and not re.match(r"(?i)(?:tcp|udp)", text[token.end : token.end + 3]):
        return None  # "Oracle 19c", "5G", "2FA": part of a name, not a port
    if _NOT_PORT_LABEL.search(text, max(0, token.start - 24), token.start):
        return None  # "ICMP type 8", "IP protocol 50": a type or protocol number
    if _names_a_release(text, token.start):
        return None
    return value


_BEFORE_NUMBER = re.compile(r"([A-Za-z][\w\-]*)[\s/,\d]*$")


def _names_a_release(text: str, start: int) -> bool:
    """ "TCP 1433 (SQL Server 2019)", "TCP 3389 (Windows 10/11)": inside a note after the port,
    a number right after a product name is its release, not another port."""
    # Bounded windows keep this linear on long lines.
    opening = text.rfind("(", max(0, start - 40), start)
    if opening < 0 or ")" in text[opening:start]:
        return False
    if not any(c.isdigit() for c in text[max(0, opening - 40) : opening]):
        return False
    match = _BEFORE_NUMBER.search(text, opening + 1, start)
    if match is None:
        return False
    word = match.group(1)
    if not word[:1].isupper() or word.lower() in ("port", "ports"):
        return False
    return word_protocols(word) is None


_UNIT = re.compile(
    r"\s?(?:s|secs?|seconds?|mins?|minutes?|hours?|days?|GbE|Gbps|Mbps|bits?|users?|sessions?"
    r"|devices|connections|threads|cores?|vCPUs?)\b"
)
_NOT_PORT_LABEL = re.compile(
    r"\b(?:type|code|protocol|proto)\s*(?:number|no\.?|nr\.?)?\s*[:#=]?\s*$", re.IGNORECASE
)


@lru_cache(maxsize=16384)
def parse_ports(
    text: str, default: tuple[str, ...] = (), *, numbers_are_ports: bool = True
) -> PortSpec:
    """Parse a port cell or a port phrase.

    ``default`` is the protocol set for numbers that carry none (from the row's type column).
    With ``numbers_are_ports=False`` (running prose) only numbers tied to a protocol, an
    application name or the word "port" count.
    """
    text = normalise_numbers(text)
    scanner = _Scanner(text, _tokens(text), numbers_are_ports)
    scanner.run()
    return scanner.spec(default)


class _Scanner:
    """One left-to-right pass over the tokens of a port phrase: protocol words set a prefix
    for the numbers after them or a postfix for the numbers right before; numbers and ranges
    collect into groups by protocol set."""

    def __init__(self, text: str, tokens: list[_Token], numbers_are_ports: bool) -> None:
        self.text = text
        self.tokens = tokens
        self.numbers_are_ports = numbers_are_ports
        self.groups: list[tuple[tuple[str, ...], bool, list[tuple[int, int]]]] = []
        self.seen: dict[tuple[str, ...], set[tuple[int, int]]] = {}
        self.bare_protocols: list[tuple[str, ...]] = []
        self.prefix: tuple[tuple[str, ...], bool] | None = None
        self.prefix_used = False
        self.pending: list[tuple[int, int]] = []
        self.anchored: list[tuple[int, int]] = []  # pending numbers close to a "port" word
        self.offset: int | None = None
        self.in_paren = 0
        self.paren_start = -10
        self.last_number = -10  # token index of the last port number
        self.anchor = -100  # token index of the last protocol word, "port" word or anchored number
        self.index = 0

    def add(self, protocols: tuple[str, ...], explicit: bool, spans: list[tuple[int, int]]) -> None:
        if not spans:
            return
        known = self.seen.get(protocols)
        if known is None:
            known = self.seen[protocols] = set()
            self.groups.append((protocols, explicit, []))
        target = next(g[2] for g in self.groups if g[0] == protocols)
        for span in spans:
            if span not in known:
                known.add(span)
                target.append(span)

    def run(self) -> None:
        while self.index < len(self.tokens):
            token = self.tokens[self.index]
            if token.kind == "lp":
                self.in_paren += 1
                self.paren_start = self.index
            elif token.kind == "rp":
                self.in_paren = max(0, self.in_paren - 1)
            elif token.kind == "word":
                self._word(token)
            elif token.kind == "plus" and self._plus(token):
                continue
            elif token.kind == "num":
                self._number(token)
            self.index += 1

    def _word(self, token: _Token) -> None:
        if token.text.lower().rstrip(".:") in ("port", "ports"):
            self.anchor = self.index
        found = word_protocols(token.text)
        if found is None:
            return
        chosen, explicit, look = self._protocol_run(found)
        # Postfix only right after the numbers: "5701 (TCP)", "443/tcp", "9187 UDP".
        right_after = self.index - self.last_number <= 2 or (
            self.in_paren and self.paren_start == self.last_number + 1
        )
        self.index = look - 1
        self.anchor = self.index
        if self.pending and right_after:
            self.add(chosen, explicit, self.pending)
            self.pending = []
            return
        if self.prefix is not None and not self.prefix_used:
            self.bare_protocols.append(self.prefix[0])
        self.prefix = (chosen, explicit)
        self.prefix_used = False

    def _protocol_run(
        self, found: tuple[tuple[str, ...], bool]
    ) -> tuple[tuple[str, ...], bool, int]:
        """A run of protocol words joined by "/", ",", "or", "and" as one set: the set, whether
        a transport was named, and the index after the run."""
        protocols, explicit = set(found[0]), found[1]
        look = self.index + 1
        while look + 1 < len(self.tokens):
            joiner, following = self.tokens[look], self.tokens[look + 1]
            joined = joiner.kind == "sep" or (
                joiner.kind == "word" and joiner.text.lower() in ("or", "and")
            )
            nxt = word_protocols(following.text) if joined and following.kind == "word" else None
            if nxt is None:
                break
            if nxt[1] and not explicit:
                protocols, explicit = set(nxt[0]), True
            elif nxt[1] == explicit:
                protocols.update(nxt[0])
            look += 2
        return sort_protocols(protocols), explicit, look

    def _plus(self, token: _Token) -> bool:
        """ "+2000": an offset; True when consumed (the index is already moved on)."""
        following = self.tokens[self.index + 1] if self.index + 1 < len(self.tokens) else None
        if following is None or following.start != token.end or following.kind != "num":
            return False
        small = following.text.isdigit() and len(following.text) <= 5
        if small and (self.numbers_are_ports or self.index - self.anchor <= 3):
            self.offset = int(following.text)
        self.index += 2
        return True

    def _number(self, token: _Token) -> None:
        value = _port_value(token, self.text)
        before = self.tokens[self.index - 1] if self.index else None
        if before is not None and before.text.lower().rstrip(".") in _REFERENCE_WORDS:
            return  # "see note 2", "Table 3", "version 5": references, not ports
        if value is None:
            return
        near = self.index - self.anchor <= 4
        span = self._range(value)
        self.last_number = self.index
        counted = self.numbers_are_ports or near
        if counted:
            self.anchor = self.index
        if self.prefix is not None and counted:
            self.add(self.prefix[0], self.prefix[1], [span])
            self.prefix_used = True
            return
        self.pending.append(span)
        if counted:
            self.anchored.append(span)

    def _range(self, value: int) -> tuple[int, int]:
        """A range: number, dash or "to"/"through", number (the index moves past it)."""
        if self.index + 2 >= len(self.tokens):
            return (value, value)
        middle, last = self.tokens[self.index + 1], self.tokens[self.index + 2]
        is_range_word = middle.kind == "word" and middle.text.lower() in ("to", "through", "thru")
        if (middle.kind == "dash" or is_range_word) and last.kind == "num":
            high = _port_value(last, self.text)
            if high is not None and high > value:
                self.index += 2
                return (value, high)
        return (value, value)

    def spec(self, default: tuple[str, ...]) -> PortSpec:
        if self.prefix is not None and not self.prefix_used:
            self.bare_protocols.append(self.prefix[0])
        pending = self.pending
        leftover = (
            pending
            if self.numbers_are_ports
            else [span for span in pending if span in self.anchored]
        )
        if leftover:
            self.add(default, True, leftover) if default else self.add((), False, leftover)
        text = self.text
        # Cheap substring checks first: most cells carry none of these words.
        lowered = text.lower()
        configurable = "*" in text or (
            any(k in lowered for k in _CONFIGURABLE_HINTS) and bool(_CONFIGURABLE.search(text))
        )
        depends = (
            not self.groups
            and any(k in lowered for k in ("depend", "varies", "see "))
            and bool(_DEPENDS.search(text))
        )
        ephemeral = any(k in lowered for k in _EPHEMERAL_HINTS) and bool(_EPHEMERAL.search(text))
        return PortSpec(
            groups=tuple(PortGroup(p, tuple(s), e) for p, e, s in self.groups),
            protocols=tuple(dict.fromkeys(p for ps in self.bare_protocols for p in ps)),
            configurable=configurable or depends,
            ephemeral=ephemeral,
            depends=depends,
            offset=self.offset,
        )


_PORT_LIKE = re.compile(
    r"\b(?:tcp|udp|sctp)\b(?!/ip)"
    r"|\bports?\b\s*(?:number\s*)?[:#]?\s*[+*]?\d"
    r"|\d\s*/\s*(?:tcp|udp)\b"
    r"|\bicmp\b",
    re.IGNORECASE,
)
_APP_NUMBER = re.compile(
    r"\b([A-Za-z][A-Za-z/]{1,14})\s+(?:via\s+)?(?:ports?\s+)?\d{2,5}\b(?!\.\d)"
)


def looks_port_like(text: str) -> bool:
    """Whether a line mentions something that could be a port requirement."""
    if _PORT_LIKE.search(text):
        return True
    return any(word_protocols(m.group(1)) is not None for m in _APP_NUMBER.finditer(text))


# A table-of-contents entry: a title, then a tab, dot leaders or a wide gap, then its page.
_TOC_ENTRY = re.compile(r"^\D*?(?:\t|\.{2,}|\s{2,})\s*\d{1,4}\s*$")

# "ports ... 22, 3389", "port 8443", "TCP 443", "udp/161": a port number a reader would act on.
_NAMES_PORT_NUMBERS = re.compile(
    r"\bports?\b[^.;\n]{0,60}?\b(?:[1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5])\b"
    r"|\b(?:tcp|udp|sctp)\s*[/:]?\s*(?:[1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5])\b"
    r"|\b(?:[1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5])\s*(?:/|\(\s*)(?:tcp|udp|sctp)\b",
    re.IGNORECASE,
)


def names_port_numbers(text: str) -> bool:
    """Whether a line names a port number a reader would act on ("ports … 22, 3389",
    "TCP 443") — the test for lines that must never vanish without a flow or a reason.
    A table-of-contents entry ("Port Descriptions<TAB>3") names a page, not a port."""
    return bool(_NAMES_PORT_NUMBERS.search(text)) and not _TOC_ENTRY.match(text)


def is_any_port(text: str) -> bool:
    return bool(_ANY.match(text))

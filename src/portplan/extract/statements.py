"""Statements in text: the sentences, list items, definitions and numbered steps that name
ports, each cut into its words and its port phrases.

"4. An edge node accepts the job from the client and contacts PaperCut Cloud Services to verify
…  HTTPS/MQTT via Port 443" is one statement: the sentence (who talks to whom) and the phrase
"HTTPS/MQTT via Port 443" (what). A paragraph gives one statement per sentence (or ";" clause)
that states a port; a sentence without a port stays with the one before it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from portplan.extract.document import TextLine
from portplan.extract.inline import clean_inline
from portplan.extract.ports import PortGroup, fill_protocols, parse_ports, word_protocols
from portplan.extract.vocabulary import WELL_KNOWN_PORTS

STEP = re.compile(r"^\s*(?:step\s+)?(\d{1,2})\s*[.):]\s+(?=\S)", re.IGNORECASE)
# "…to.HTTPS via", "…QR code.)HTTPS": two table cells glued together by a copy from HTML.
_GLUED = re.compile(r"([a-z0-9)\]][.!?]\)?)(?=[A-Z])")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[])")
_CLAUSE_END = re.compile(r"(?<=;)\s+|,\s+(?:and|while|whereas)\s+(?=(?:each|every|the|all|a|an)\s)")
_MAX_SENTENCE = 2000  # longer "sentences" are cut: prose parsing stays linear


@dataclass(frozen=True)
class Statement:
    """One sentence, item or step: its evidence line, its words and its port phrases."""

    line: int
    text: str  # the evidence line's text
    sentence: str
    port_phrases: tuple[str, ...]
    lines: tuple[int, ...]
    follows: bool = False  # a later sentence of a paragraph: it may keep the one before's ends
    before: str = ""  # the sentences without ports right before it (they may name the ends)


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def is_port_phrase(text: str) -> bool:
    """A short phrase that states ports ("HTTPS/MQTT via Port 443"), not a whole sentence."""
    found = text.split()
    if not found or len(found) > 16:
        return False
    spec = parse_ports(text, numbers_are_ports=False)
    if spec.has_ports:
        first = found[0].strip("(*")
        leading = (
            word_protocols(first) is not None
            or first[:1].isdigit()
            or first.lower() in ("port", "ports", "via", "over", "on")
        )
        return len(found) <= 8 or leading
    bare = parse_ports(text, numbers_are_ports=True)
    return bare.has_ports and len(found) <= 6 and bool(re.match(r"^\*?\d", text))


def split_statement(text: str) -> tuple[str, list[str]]:
    """Separate "sentence.HTTPS via Port 443" into the sentence and its port phrases."""
    # Cells of a table row read as prose ("… to the printer. | SNMP 161/162") are separate parts.
    text = text.replace(" | ", "\n")
    parts = [p.strip() for p in _GLUED.sub("\\1\n", text).split("\n") if p.strip()]
    kept: list[str] = []
    phrases: list[str] = []
    for part in parts:
        if is_port_phrase(part):
            phrases.append(part)
        elif part.upper() not in ("N/A", "NA", "-", "NONE"):
            kept.append(part)
    return " ".join(kept), phrases


def port_groups(phrases: Sequence[str], *, strict: bool = False) -> list[list[PortGroup]]:
    """Port groups per flow: a phrase naming a protocol starts a flow, bare numbers extend it.

    ``strict`` (running prose rather than a step's comms) counts only numbers tied to a
    protocol, a service name or the word "port".
    """
    flows: list[list[PortGroup]] = []
    for phrase in phrases:
        spec = parse_ports(phrase, numbers_are_ports=not strict)
        if not spec.has_ports:
            continue
        named = any(g.protocols for g in spec.groups)
        if named or not flows:
            flows.append(list(spec.groups))
        else:
            flows[-1].extend(spec.groups)
    return [_fill(groups) for groups in flows]


def _fill(groups: list[PortGroup]) -> list[PortGroup]:
    """Ports without a protocol take the one written beside them ("TCP 80, 443"), unless they
    are well-known ports that never use it ("ports 80, 443, and UDP port range 16384-32768":
    80 and 443 are web ports, not UDP)."""
    stated = next((g.protocols for g in groups if g.protocols), ())
    out = []
    for group in groups:
        known = _well_known(group)
        if not group.protocols and stated and known and not set(stated) & set(known):
            group = PortGroup(known, group.ports, group.explicit)
        out.append(group)
    return fill_protocols(out, stated)


def _well_known(group: PortGroup) -> tuple[str, ...]:
    """The transports every port of the group is known to use, when all are well known."""
    found: set[tuple[str, ...]] = set()
    for low, high in group.ports:
        if low != high or low not in WELL_KNOWN_PORTS:
            return ()
        found.add(WELL_KNOWN_PORTS[low])
    return found.pop() if len(found) == 1 else ()


def _port_sentences(text: str) -> list[tuple[str, str]]:
    """Text cut into one part per sentence (or ";" clause) that states a port, each with the
    sentences without ports right before it; trailing sentences without ports join the last
    part (they often say more about it)."""
    parts: list[tuple[str, str]] = []
    waiting = ""
    clauses = [c for s in split_sentences(text) for c in _CLAUSE_END.split(s) if c.strip()]
    for sentence in clauses:
        if parse_ports(sentence[:_MAX_SENTENCE], numbers_are_ports=False).has_ports:
            parts.append((sentence, waiting))
            waiting = ""
        else:
            waiting = f"{waiting} {sentence}".strip()[-_MAX_SENTENCE:]
    if not parts:
        return [(text, "")]
    return parts


def _line_of(lines: Sequence[TextLine], offsets: list[int], position: int) -> TextLine:
    index = 0
    for i, start in enumerate(offsets):
        if start <= position:
            index = i
    return lines[index]


def paragraph_statements(lines: Sequence[TextLine]) -> list[Statement]:
    """The statements of a paragraph: one per sentence that states a port, each cited at the
    line where it starts."""
    joined, offsets = "", []
    for line in lines:
        offsets.append(len(joined) + (1 if joined else 0))
        text = clean_inline(line.text)
        joined = f"{joined} {text}" if joined else text
    out: list[Statement] = []
    cursor = 0
    parts = _port_sentences(joined)
    for n, (part, before) in enumerate(parts):
        position = max(joined.find(part[:40], cursor), 0)
        cursor = position
        where = _line_of(lines, offsets, position)
        sentence, phrases = split_statement(part[:_MAX_SENTENCE])
        if not sentence or len(parts) > 1:
            sentence, phrases = part[:_MAX_SENTENCE], [part[:_MAX_SENTENCE]]
        out.append(
            Statement(
                where.line,
                where.text.strip(),
                sentence,
                tuple(phrases),
                (where.line,),
                follows=n > 0,
                before=before,
            )
        )
    return out


_DANGLING = re.compile(
    r"\b(?:to|from|on|at|of|for|with|via|the|a|an|ports?|and|or|between|by|in|over|through)\s*$",
    re.IGNORECASE,
)


def item_statement(lines: Sequence[TextLine]) -> Statement:
    """A list item or numbered step: one statement (its comms phrases glued on or not)."""
    text = ""
    for line in lines:
        cleaned = clean_inline(line.text)
        # A line that stops mid-phrase ("… to ports" ⏎ "20000-20004 on the CM system") runs
        # on; otherwise a line of its own may be the item's comms ("HTTPS via Port 443").
        joint = " " if _DANGLING.search(text) else " \n"
        text = f"{text}{joint}{cleaned}" if text else cleaned
    text = STEP.sub("", text, count=1)  # "2." is a step number, not a port
    sentence, phrases = split_statement(text[:_MAX_SENTENCE])
    first = lines[0]
    return Statement(
        first.line, first.text.strip(), sentence, tuple(phrases), tuple(line.line for line in lines)
    )

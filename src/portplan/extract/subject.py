"""What the document is about: its subject system and the transport it says all flows use.

The subject is the name the document keeps coming back to — a capitalised word (or two) that
recurs in the headings and sentences and is not a protocol, a topic word or a sentence start.
It ends a list of ports that names no system at all ("Headscale … may use additional ports").

A sentence such as "All communication uses TCP" or "The TCP port requirements … are as
follows" names one transport for the document's ports that state none.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from portplan.extract.document import (
    CodeBlock,
    DefinitionItem,
    Heading,
    ListItem,
    Paragraph,
    StructuredBlock,
    Table,
)
from portplan.extract.inline import clean_inline
from portplan.extract.ports import word_protocols
from portplan.extract.vocabulary import DETERMINERS, GENERIC_TITLE_WORDS, words_of

_NAME = re.compile(
    r"(?<![\w.\-/])([A-Z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*)(?:\s+([A-Z][A-Za-z0-9]+))?"
)
_NOT_SUBJECTS = words_of(
    """If When The This These That There Then For From With Without Each Every All Some Any Most
    Note Notes Table Figure See Use Using Ensure Make Please Also Only Other Both Default Ports
    Port Protocol Protocols Network Firewall Linux Windows Internet Server Client It You We Our
    Your They In On At To By An As Or And But Not No Yes Before After While Once Here Where
    What Which Who How Why Can May Must Should Will Would Required Optional Open Enable Allow
    Inbound Outbound Incoming Outgoing External Internal Local Remote Example Examples Step Steps
    Amazon AWS Azure GCP Cloud DNS NTP HTTP HTTPS SSH TLS SSL API REST UI Web IP TCP UDP ICMP
    January February March April May June July August September October November December
    Private Public Secure Primary Secondary Standard Basic Advanced General Additional Main New
    Manual Guide Appendix Chapter Section Page Issue Release Version Specifications"""
)
# "Mitel® 5000", "Acme™ Server": a trademark sign follows a product's name.
_TRADEMARK = re.compile(r"(?<![\w.\-/])([A-Z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*)\s*[®™]")
_TRADEMARK_WEIGHT = 3
# "…, the exception being restores, where UDP is used": the other transport is an exception the
# rule itself names, not a port the document leaves without one.
_EXCEPTED = re.compile(r"not needed|is not used|\bexcept(?:ion|ed)?\b", re.IGNORECASE)
_TRANSPORT_RULE = re.compile(
    r"\b(?:all|every|only|primarily)\b[^.]{0,60}\b(tcp|udp)\b|\b(tcp|udp)\s+port\s+requirements\b"
    r"|\b(tcp|udp)(?:/ip)?\s+for\s+all\b",
    re.IGNORECASE,
)


def _texts(blocks: Sequence[StructuredBlock]) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    for block in blocks:
        if isinstance(block, Heading):
            out.append((clean_inline(block.text), 3 if block.level <= 1 else 2))
        elif isinstance(block, Paragraph | ListItem):
            out.append((clean_inline(block.text), 1))
        elif isinstance(block, Table):
            out.extend(
                (clean_inline(cell), 1) for row in block.rows[1:] for cell in row if len(cell) > 20
            )
    return out


def _generic(word: str) -> bool:
    lowered = word.lower()
    if word in _NOT_SUBJECTS or lowered in GENERIC_TITLE_WORDS or lowered in DETERMINERS:
        return True
    return lowered.endswith(("ing", "tion", "ment")) or lowered in ("product", "products")


def _candidates(text: str, *, title: bool) -> list[str]:
    """Capitalised names in a text: "Checkmk", "Security Onion". A word that only starts a
    sentence is not counted (except in titles, where every word is capitalised)."""
    found = []
    for match in _NAME.finditer(text):
        first, second = match.group(1), match.group(2)
        if "-" in first and first.split("-", 1)[1][:1].islower():
            first, second = first.split("-", 1)[0], None  # "Neo4j-specific" names Neo4j
        before = text[: match.start()].rstrip()
        sentence_start = not before or before[-1] in ".:!?•-*"
        if sentence_start and not title and second is None:
            found.append(f"^{first}")  # counted only if the name also appears mid-sentence
            continue
        if word_protocols(first) is not None or len(first) < 3:
            continue
        if second is not None and not _generic(second) and word_protocols(second) is None:
            found.append(f"{first} {second}")
        elif not _generic(first):
            found.append(first)
    return found


def document_subject(blocks: Sequence[StructuredBlock]) -> str:
    """The system the document is about, or "" when no name recurs."""
    counts: Counter[str] = Counter()
    for text, weight in _texts(blocks):
        for name in _candidates(text, title=weight > 1):
            counts[name] += weight
        for found in _TRADEMARK.finditer(text):
            if not _generic(found.group(1)):
                counts[found.group(1)] += _TRADEMARK_WEIGHT
    for name in [n for n in counts if n.startswith("^")]:
        if not _generic(name[1:]) and name[1:] in counts:
            counts[name[1:]] += counts[name]
        del counts[name]
    if not counts:
        return ""
    singles = [(n, c) for n, c in counts.items() if " " not in n]
    pairs = [(n, c) for n, c in counts.items() if " " in n]
    # On a tie the two-word name wins: it is the more specific ("Cisco ISE" over "Bond").
    name, count = max([*pairs, *singles], key=lambda item: item[1], default=("", 0))
    if count >= 3:
        return name
    # A name said twice is the subject when no other name is said more than once.
    return name if count == 2 and sum(1 for c in counts.values() if c >= 2) == 1 else ""


def document_transport(blocks: Sequence[StructuredBlock]) -> tuple[tuple[str, ...], str]:
    """The transport the document gives all ports that state none, and why: a sentence that
    says so ("All communication uses TCP"), or a document that names UDP nowhere but beside
    the ports that use it (UDP is the exception documents call out; TCP is what they leave
    unsaid)."""
    udp = stated = False
    for block in blocks:
        text = _block_text(block)
        match = _TRANSPORT_RULE.search(text) if isinstance(block, Paragraph) else None
        if match and not re.search(r"\d{2,5}", match.group(0)):
            named = {m.lower() for m in re.findall(r"\b(tcp|udp)\b", text, re.IGNORECASE)}
            if len(named) == 1 or _EXCEPTED.search(text):
                protocol = next(g for g in match.groups() if g).lower()
                return (protocol,), f"the document says its ports use {protocol.upper()}"
        mentions_udp = _names_udp(text)
        udp = udp or (mentions_udp and not _PORT_NUMBER.search(text))
        stated = stated or mentions_udp
    if udp:
        return (), ""
    if stated:
        return ("tcp",), "the document names UDP only beside the ports that use it"
    return ("tcp",), "the document names no UDP service"


# A block that names UDP beside port numbers states which ports use it; one that names UDP
# without any ("forward TCP/UDP connections") may mean any port of the document.
_PORT_NUMBER = re.compile(r"(?<![\d.])\d{2,5}(?![\d.])")
_UDP_WORDS = re.compile(r"\budp\b", re.IGNORECASE)


def _names_udp(text: str) -> bool:
    return bool(_UDP_WORDS.search(text))


def _block_text(block: StructuredBlock) -> str:
    if isinstance(block, Table):
        return " ".join(cell for row in block.rows for cell in row)
    if isinstance(block, CodeBlock):
        return " ".join(line.text for line in block.lines)
    if isinstance(block, DefinitionItem):
        return f"{block.term.text} {block.text}"
    return clean_inline(getattr(block, "text", ""))

"""Notes that name the other end: what a purpose or notes text says about who connects.

    "From Kestrel endpoint agents."                       → source, incoming
    "To the SIEM collector."                              → destination, outgoing
    "Receiving connections from Network Agents"           → source
    "Required to accept communication requests from clients" → source
    "Used by the webserver"                                → source
    "Required to connect to Salt master"                  → destination, outgoing
    "Synchronization with the Checkmk site"               → destination, outgoing
    "Required for SUSE Customer Center", "Port for NTP"   → destination (no direction)

Used for the notes column of a table row and the description of a list item or definition.
The direction a note implies is weaker than one the document states (a Direction column, an
"Inbound" heading): :mod:`.resolve` uses it only when nothing else says which way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from portplan.extract.phrases import is_entity, tidy_name, words
from portplan.extract.ports import word_protocols
from portplan.extract.sentences import available_pair, parse_sentence
from portplan.extract.vocabulary import Direction

_FROM_TO = re.compile(
    r"^\s*(?:(?:inbound|outbound|incoming|outgoing)\s*:?\s*)?(from|to)\s+(?:the\s+)?([^.;,(:]+?)\s*(?:[.;,(:]|$)",
    re.IGNORECASE,
)
_FROM_CLIENTS = re.compile(
    r"\b(?:connections?|requests?|traffic|data|calls?|queries|messages|packets)\s+(?:\w+\s+){0,2}?"
    r"(?:from|by)\s+(?:the\s+)?(?P<from>[\w][\w .'/\-]{1,50}?)"
    r"\s*(?:[.,;(]|\band\b|\bto\b|\bfor\b|$)"
    r"|\bused\s+by\s+(?:the\s+)?(?P<by>[\w][\w .'/\-]{1,50}?)"
    r"\s*(?:[.,;(]|\band\b|\bto\b|\bfor\b|$)",
    re.IGNORECASE,
)
_FOR = re.compile(
    r"\b(?:required|needed|used|port)?\s*for\s+(?:the\s+)?(?P<name>[A-Za-z][\w .'/\-]{1,50}?)"
    r"\s*(?:[.,;(]|\bto\b|\baccess\b|$)"
)


# "Internal only. Configurable. The agent …", "Message queue; every node …": short labels
# before the note's sentence.
_LABELS_FIRST = re.compile(r"^(?:\s*[A-Z][\w-]*(?:\s+[\w-]+){0,2}(?:\.\s+(?=[A-Z])|;\s+))+")
# "The agent process listens on this port": the row's listener, said in a sentence of the note.
_LISTENS_HERE = re.compile(
    r"(?:^|[.;]\s+)(?:the\s+)?(?P<name>[\w][\w '\-]{1,40}?)\s+(?:listens|is\s+listening)"
    r"\s+(?:on|at)\s+(?:this|that|the\s+same)\s+port\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class NotedEnds:
    src: str = ""
    dst: str = ""
    direction: Direction | None = None
    # "the port for Prometheus to pull metrics", "Port for NTP": the other end, whichever it
    # is — the client of a port a system listens on, the server of one it connects out to.
    other: str = ""


def _name(text: str) -> str:
    found = words(text)
    return tidy_name(text) if found and is_entity(found) else ""


# "SSH port clients connect to": the clients connect to the row's port.
_STRANDED = re.compile(
    r"(?:^|\bports?\s+)(?P<who>[A-Za-z][\w /-]{1,40}?)\s+(?:connect|connects|talk|talks|send|sends)"
    r"\s+(?:to|with)\s*(?:[.;,]|$)",
    re.IGNORECASE,
)
# "used by the Auth Service to serve its API to other nodes": the nodes are the clients.
_SERVES = re.compile(
    r"\bused\s+by\s+(?:the\s+)?(?P<server>[\w .'/-]{1,40}?)\s+to\s+(?:serve|provide|offer|expose)\b"
    r"[^.;]{0,40}?\bto\s+(?:the\s+)?(?P<clients>[\w .'/-]{1,50}?)\s*(?:[.,;(]|$)",
    re.IGNORECASE,
)


@lru_cache(maxsize=8192)
def read_notes(text: str) -> NotedEnds:
    """The source and/or destination a note names, and the direction that implies."""
    text = _LABELS_FIRST.sub("", text)
    stranded = _STRANDED.search(text)
    who = re.split(r"\bports?\b", stranded.group("who"), flags=re.I)[-1] if stranded else ""
    if who and _name(who):
        return NotedEnds(src=_name(who), direction=Direction.IN)
    available = available_pair(text)
    if available is not None:
        return NotedEnds(src=available[0], dst=available[1])
    serves = _SERVES.search(text)
    if serves and _name(serves.group("server")) and _name(serves.group("clients")):
        return NotedEnds(src=_name(serves.group("clients")), dst=_name(serves.group("server")))
    spelled = _FROM_TO.match(text)
    if spelled:
        name = tidy_name(spelled.group(2))
        if spelled.group(1).lower() == "from":
            return NotedEnds(src=name, direction=Direction.IN)
        return NotedEnds(dst=name, direction=Direction.OUT)
    clients = _FROM_CLIENTS.search(text)
    src = _name(clients.group("from") or clients.group("by")) if clients else ""
    parsed = parse_sentence(text)
    if not src and parsed.src and (not parsed.subject_only or parsed.dst):
        src = parsed.src  # "The client communicates with the Cloud Service": both ends
    dst = parsed.dst if parsed.dst and parsed.dst != parsed.src else ""
    listener = _LISTENS_HERE.search(text) if not dst else None
    if listener and _name(listener.group("name")) and _name(listener.group("name")) != src:
        dst = _name(listener.group("name"))  # "… The agent process listens on this port."
    direction = Direction.OUT if dst and not src else Direction.IN if src and not dst else None
    other = ""
    if not dst and not src:
        named = _FOR.search(text)
        if named and (_name(named.group("name")) or word_protocols(named.group("name").split()[0])):
            other = tidy_name(named.group("name"))
    return NotedEnds(src, dst, direction, other)

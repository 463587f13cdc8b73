"""Frames: what a heading, caption, group row, list intro or sentence says about the flows
under it — which ends they have, or which system they are relative to and in which direction.

    "Provisioning server to frontend nodes"          → src, dst
    "Search nodes from/to Manager:"                  → src, dst
    "Network Traffic for Incoming Frontend Nodes"    → local = Frontend Nodes, direction in
    "External Outbound Server Ports"                 → local = Server, direction out
    "Ports used by the Policy Service nodes"         → local = Policy Service nodes
    "Monitored host"                                 → local = Monitored host
    "The following ports on monitored hosts must be accessible from the Checkmk server."
                                                     → dst = monitored hosts, src = Checkmk server

A frame is read once per block; :mod:`.resolve` decides which frame fills which end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from portplan.extract.inline import clean_inline
from portplan.extract.phrases import (
    is_activity,
    is_entity,
    join_words,
    names_system,
    tidy_name,
    words,
)
from portplan.extract.ports import PortSpec, parse_ports
from portplan.extract.sentences import explicit_pair, parse_sentence
from portplan.extract.statements import split_sentences
from portplan.extract.vocabulary import (
    DIRECTION_WORDS,
    GENERIC_TITLE_WORDS,
    VERBS,
    Direction,
    is_optional,
    split_arrow,
    words_of,
)


@dataclass(frozen=True)
class Frame:
    """Ends a piece of context gives the flows under it; empty strings where it says nothing.

    ``local`` is the system the flows are relative to: with ``direction`` IN (or no direction,
    for a list of a system's ports) it is the destination, with OUT the source, with BOTH
    either. ``items`` says that the list under a sentence names endpoints rather than ports
    ("… connect outbound (TCP/443) to the following:"), on which side, with the sentence's
    ``service``.
    """

    src: str = ""
    dst: str = ""
    local: str = ""
    direction: Direction | None = None
    optional: bool = False
    items: str = ""  # "dst" | "src": the list below names that end of each flow
    service: PortSpec | None = None
    # "dst" | "src": the items below open with that end before their ports ("X connects to:"
    # over "the license portal on TCP 443").
    listed: str = ""
    headings_incoming: bool = False  # "the direction is incoming to the component in the heading"

    @property
    def empty(self) -> bool:
        return not (self.src or self.dst or self.local or self.direction or self.items)


EMPTY = Frame()

_NUMBERING = re.compile(
    r"^\s*(?:(?:table|figure|fig\.?|listing)\s+\d+(?:[.-]\d+)*\s*[.:–-]?|\d+(?:\.\d+)*\.?|[A-Z]\.|[IVX]+\.)\s+",
    re.IGNORECASE,
)
_TRAILER = re.compile(
    r"\s*(?:\b(?:and\s+)?vice[\s-]versa\b|\b(?:communications?|connections?|traffic|ports?"
    r"|access|flows?|rules?)\b)\s*$",
    re.IGNORECASE,
)
_PAIR_JOINERS = (
    re.compile(
        r"^(?:from\s+)?(?P<a>.+?)\s+(?:from\s*/\s*to|to\s*/\s*from|<->|and)\s+(?P<b>.+)$", re.I
    ),
    re.compile(r"^from\s+(?P<a>.+?)\s+to\s+(?P<b>.+)$", re.I),
    re.compile(r"^between\s+(?P<a>.+?)\s+and\s+(?P<b>.+)$", re.I),
    re.compile(r"^(?P<a>.+?)[\s‑-]+to[\s‑-]+(?P<b>.+)$", re.I),
)
_NOT_AN_END = words_of(
    """how why what when where configure configuring connect connecting add adding open opening
    allow allowing enable enabling set setting install installing access migrate migrating
    upgrade upgrading need needed required ports port the following"""
)
_HEAD_STOP = words_of("of for in on at with from via by")
_DIRECTION_IN = words_of("inbound incoming ingress receiving listening")
_DIRECTION_OUT = words_of("outbound outgoing egress sending")
_CONNECTORS = words_of(
    """for to from on of by at into in the a an and with used use uses required needed opened
    open must be should allow allowed within via between that which related"""
)


_CONDITION = re.compile(r"\(\s*(?:only|if|when|unless|e\.g\.|not)\b[^)]*\)", re.IGNORECASE)


def _title_text(text: str) -> str:
    text = _CONDITION.sub(" ", clean_inline(text)).strip()  # "(only for on-site servers)"
    text = _NUMBERING.sub("", text)
    return text.rstrip(":").strip().strip("*").strip()


def _end_like(text: str) -> bool:
    """A phrase that can be one end of a heading such as "Provisioning server to X"."""
    found = words(tidy_name(text))
    if not 1 <= len(found) <= 9 or found[0].lower() in _NOT_AN_END or found[0].lower() in VERBS:
        return False
    lowered = [w.lower() for w in found if w not in "(),"]
    if all(w in GENERIC_TITLE_WORDS for w in lowered):
        return False
    if is_entity(found):
        return True
    head = next((w for w in found if w.lower() in _HEAD_STOP), None)
    first = found[: found.index(head)] if head else found
    return found[0][:1].isupper() and not any(is_activity(w) for w in first[-1:])


def _pair(text: str) -> tuple[str, str] | None:
    arrow = split_arrow(text)
    if arrow is not None and all(_end_like(end) for end in arrow):
        return tidy_name(arrow[0]), tidy_name(arrow[1])
    body = _TRAILER.sub("", text).strip()
    for pattern in _PAIR_JOINERS:
        match = pattern.match(body)
        if match is None:
            continue
        first, second = _TRAILER.sub("", match.group("a")), _TRAILER.sub("", match.group("b"))
        if " to " in first.lower() or not (_end_like(first) and _end_like(second)):
            continue
        if pattern is _PAIR_JOINERS[0] and " and " in match.group(0).lower() and "/" not in body:
            continue  # "A and B" alone is a list of names, not a direction
        return tidy_name(first), tidy_name(second)
    inside = _FROM_TO_INSIDE.search(body)  # "Ports used during communication from A to B"
    if inside and _end_like(inside.group("a")) and _end_like(inside.group("b")):
        return tidy_name(inside.group("a")), tidy_name(inside.group("b"))
    return None


_FROM_TO_INSIDE = re.compile(r"\bfrom\s+(?:the\s+)?(?P<a>.+?)\s+to\s+(?:the\s+)?(?P<b>.+)$", re.I)


def _direction_words(lowered: list[str]) -> Direction | None:
    found_in = any(w in _DIRECTION_IN for w in lowered)
    found_out = any(w in _DIRECTION_OUT for w in lowered)
    if found_in and found_out:
        return Direction.BOTH
    if found_in:
        return Direction.IN
    if found_out:
        return Direction.OUT
    return None


_IMPERATIVES = words_of("open allow whitelist allowlist permit enable configure add ensure unblock")


def _remaining_name(text: str) -> str:
    """What a title names once topic words are gone: "External Inbound Server Ports" →
    "Server", "Ports used by the Policy Service nodes" → "Policy Service nodes". The title is
    cut at connecting words; the last part that still names a system wins ("Rules for X")."""
    runs: list[list[str]] = [[]]
    found = words(text)
    if found and found[0].lower() in _IMPERATIVES:
        found = found[1:]  # "Whitelist the following ports:" asks, it names nothing
    for word in found:
        if word.lower() in _CONNECTORS or word in "(),":
            runs.append([])
        else:
            runs[-1].append(word)
    names = []
    for run in runs:
        while run and (run[0].lower() in GENERIC_TITLE_WORDS or run[0].lower() in DIRECTION_WORDS):
            run = run[1:]
        while run and (
            run[-1].lower() in GENERIC_TITLE_WORDS or run[-1].lower() in DIRECTION_WORDS
        ):
            run = run[:-1]
        if run and names_system(" ".join(run)):
            names.append(join_words(run))
    return names[-1] if names else ""


@lru_cache(maxsize=4096)
def read_title(text: str) -> Frame:
    """The frame of a heading, caption, group-header row or list intro ending in ":"."""
    title = _title_text(text)
    if not title or len(title) > 140:
        return EMPTY
    service_part = ""
    if ":" in title:
        title, _, service_part = title.partition(":")
    pair = _pair(title)
    optional = is_optional(text) and not re.search(r"\brequired\b", text, re.I)
    service = parse_ports(service_part, numbers_are_ports=False) if service_part else None
    if service is not None and not service.has_ports:
        service = None
    if pair is not None:
        return Frame(src=pair[0], dst=pair[1], optional=optional, service=service)
    lowered = [w.lower() for w in words(title)]
    direction = _direction_words(lowered)
    local = _remaining_name(title)
    return Frame(local=local, direction=direction, optional=optional, service=service)


# -- sentences --------------------------------------------------------------------------------

_PORTS_ON = re.compile(
    r"\b(?:ports?|connections?|traffic)\s+(?:on|of|into)\s+(?:the\s+|all\s+|each\s+|every\s+)?"
    r"(?P<name>[\w*][\w .'/\-]{1,60}?)\s+(?=must|should|need|have|are|is|to\s+be|can|:|$)",
    re.IGNORECASE,
)
_OPEN_ON = re.compile(
    r"\b(?:open|opened|enabled|allowed|permitted|reachable|accessible|available"
    r"|firewall(?:\s+configuration)?)\b[^.]{0,30}?"
    r"\b(?:on|at)\s+(?:the\s+|all\s+|each\s+|every\s+|both\s+)?(?P<name>[\w*][\w .'/\-]{1,60}?)"
    r"\s*(?=[.,;:(]|\band\b|\bfor\b|\bto\b|\bas\s+well\b|$)",
    re.IGNORECASE,
)
_END_OF_NAME = r"\s*(?=[.,;:()]|\bto\b|\bfor\b|\bin\s+order\b|\bwhen\b|\bif\b|$)"
# "… accessible from the X", "connections from X", "(originating from X)": X connects.
_FROM_SIDE = re.compile(
    r"\b(?:(?:accessible|reachable|available)\s+(?:from|by|to)|accessed\s+(?:from|by)"
    r"|(?:connections?|requests?|traffic)\s+(?:from|by)|originat\w*\s+from|sent\s+from)"
    r"\s+(?:the\s+|all\s+|each\s+|any\s+)?(?P<name>[\w*][\w .'/\-]{1,60}?)" + _END_OF_NAME,
    re.IGNORECASE,
)
# "… connections to X", "must be forwarded to the internal IP address of your X": X receives.
_TO_SIDE = re.compile(
    r"\b(?:(?:connections?|requests?|traffic)\s+to|forward(?:ed)?\s+(?:\w+\s+){0,3}?to)"
    r"\s+(?:the\s+)?(?:(?:internal|external|public|private)\s+)?(?:ip\s+)?(?:address(?:es)?\s+of\s+)?"
    r"(?:the\s+|your\s+)?(?P<name>[\w*][\w .'/\-]{1,60}?)" + _END_OF_NAME,
    re.IGNORECASE,
)
# "The central computer uses the following ports …", "CouchDB also uses these ports:": the
# system whose ports the table or list gives.
# "… lists the ports the Harbinger server must expose": the system whose ports they are.
_PORTS_OF = re.compile(
    r"\bports?\s+(?:that\s+)?(?:the\s+)?(?P<name>[\w][\w .'\-]{1,50}?)\s+"
    r"(?:must|should|needs?\s+to|has\s+to|will)\s+(?:expose|open|listen\s+on|use)\b",
    re.IGNORECASE,
)
_USES_PORTS = re.compile(
    r"^(?:the\s+)?(?P<name>[\w][\w .'\-]{1,50}?)\s+(?:also\s+)?"
    r"(?:uses?|requires?|needs?|opens?|exposes?|listens?\s+on)\s+"
    r"(?:the\s+following|these|several|two|three|four|some)\s+(?:\w+\s+){0,2}?ports?\b",
    re.IGNORECASE,
)
# "Compute nodes must allow these from the controller:": the list or table below is opened on
# the subject for the one after "from".
_ALLOW_FROM = re.compile(
    r"^(?:the\s+)?(?P<dst>[\w][\w .'\-]{1,50}?)\s+(?:must|should|need\s+to|have\s+to)\s+"
    r"(?:allow|accept|permit)\s+(?:these|them|the\s+following(?:\s+\w+)?|(?:\w+\s+)?ports?)\s+"
    r"from\s+(?:the\s+|all\s+|any\s+)?(?P<src>[\w][\w .'\-]{1,50}?)\s*[.:]?\s*$",
    re.IGNORECASE,
)
_FOR_SYSTEM = re.compile(
    r"\bfor\s+(?:the\s+)?"
    r"(?P<name>both\s+nodes|all\s+nodes|each\s+node|every\s+node|[\w][\w .'\-]{1,40}?)"
    r"\s*[.:]?\s*$",
    re.IGNORECASE,
)
_ITEMS = re.compile(
    r"\bthe\s+following(?:\s+(?:hosts?|urls?|addresses|domains?|servers?|endpoints?|destinations?"
    r"|sites?|systems?|services|repositories|mirrors))?\s*:?\s*$",
    re.IGNORECASE,
)
_CONNECT_OUT = re.compile(
    r"\b(?:connect|access|reach|communicate|talk)\w*\b.{0,40}?\b(?:to|with)\s+the\s+following",
    re.IGNORECASE,
)
# "Opening these ports allows external network traffic to access the Uyuni Server."
_ALLOWS = re.compile(
    r"\b(?:allows?|permits?|lets?|enables?)\s+(?:the\s+)?(?P<src>[\w][\w .'\-]{1,40}?)\s+"
    r"(?:traffic|connections?|requests?|clients?)\s+(?:to\s+(?:access|reach|connect\s+to|communicate\s+with)"
    r"|to)\s+(?:the\s+)?(?P<dst>[\w][\w .'\-]{1,50}?)\s*(?:[.,;]|$)",
    re.IGNORECASE,
)
# "Used for Agent services communicating with each other locally": both ends are the same.
_EACH_OTHER = re.compile(
    r"(?:^|\bfor\s+|\bthe\s+)(?P<name>[\w][\w .'\-]{1,40}?)\s+"
    r"(?:communicat\w*|talk\w*|connect\w*)\s+"
    r"(?:with|to)\s+(?:each\s+other|one\s+another)",
    re.IGNORECASE,
)
# "Direction is given relative to the Kestrel Management Server": the system rows are about.
_RELATIVE_TO = re.compile(
    r"\brelative\s+to\s+(?:the\s+)?(?P<name>[\w][\w .'\-]{1,50}?)\s*(?:[.,;:(]|$)", re.IGNORECASE
)
_INCOMING_HEADING = re.compile(
    r"\b(?:incoming|inbound)\s+to\s+the\s+(?:component|system|server|host|node)s?\s+"
    r"(?:mentioned|named|given)\s+in\s+the\s+(?:chapter\s+|section\s+)?(?:heading|title)",
    re.IGNORECASE,
)
_INITIATED = re.compile(
    r"\binitiated\s+by\s+(?:the\s+)?(?P<src>[\w][\w .'\-]{1,40}?)\s+to\s+(?:the\s+)?"
    r"(?P<dst>[\w][\w .'\-]{1,40}?)\s*[.,;]",
    re.IGNORECASE,
)
_NEGATION = re.compile(r"\b(?:no|never|not|nor|cannot)\b", re.IGNORECASE)


_VERB_START = re.compile(r"^(?:access|reach|connect|communicate|send|use|allow|open)\b")


def _name_of(text: str) -> str:
    found = words(text)
    lowered = found[0] if found else ""
    verb = lowered[:1].islower() and (bool(_VERB_START.match(lowered)) or lowered in VERBS)
    if not found or verb:
        return ""  # "access the server": a verb phrase, not a name
    return join_words(found) if is_entity(found) else ""


def _sentence_direction(text: str) -> Direction | None:
    lowered = [w.lower() for w in words(text)]
    return _direction_words(lowered)


@lru_cache(maxsize=4096)
def read_sentence(text: str) -> Frame:
    """The frame of a sentence that introduces a table or list, or states a rule for the
    whole document."""
    paragraph = clean_inline(text).strip()
    if not paragraph or len(paragraph) > 2000:
        return EMPTY
    if _INCOMING_HEADING.search(paragraph):
        return Frame(headings_incoming=True)
    initiated = _INITIATED.search(paragraph)
    if initiated and not _NEGATION.search(paragraph[: initiated.start()]):
        return Frame(src=tidy_name(initiated.group("src")), dst=tidy_name(initiated.group("dst")))
    relative = _RELATIVE_TO.search(paragraph)
    if relative and _name_of(relative.group("name")):
        return Frame(local=_antecedent(relative.group("name"), paragraph))
    # The topical sentences, the last (nearest the table or list) first: the first that names
    # an end speaks for the paragraph.
    nearest = EMPTY
    for n, sentence in enumerate(reversed(_topical_sentences(paragraph))):
        found = _sentence_frame(sentence)
        if found.src or found.dst or found.local or found.items:
            return (
                found if n == 0 or found.direction else replace(found, direction=nearest.direction)
            )
        nearest = found if n == 0 else nearest
    return nearest


_CAPITALISED = re.compile(r"(?:[A-Z][\w\-]*\s+){1,4}[A-Za-z]+")


def _antecedent(name: str, paragraph: str) -> str:
    """ "relative to that server" after "… runs on a single TallyHR Application Server": the
    name the pronoun points back to (the last capitalised name ending in the same word)."""
    found = words(name)
    if not found or found[0].lower() not in ("that", "this", "these", "those", "said"):
        return _name_of(name)
    head = found[-1].lower().rstrip("s")
    candidates = [
        m.group(0).strip()
        for m in _CAPITALISED.finditer(paragraph)
        if m.group(0).split()[-1].lower().rstrip("s") == head
    ]
    return tidy_name(candidates[-1]) if candidates else _name_of(name)


def _sentence_frame(sentence: str) -> Frame:
    frame = Frame(optional=is_optional(sentence), direction=_sentence_direction(sentence))
    reciprocal = _EACH_OTHER.search(sentence)
    if reciprocal and _name_of(reciprocal.group("name").split(" for ")[-1]):
        name = _name_of(reciprocal.group("name").split(" for ")[-1])
        return replace(frame, src=name, dst=name)
    allows = _ALLOWS.search(sentence)
    if allows and _name_of(allows.group("src")) and _name_of(allows.group("dst")):
        return replace(frame, src=_name_of(allows.group("src")), dst=_name_of(allows.group("dst")))
    frame = _items_frame(sentence, frame)
    ports_on = _PORTS_ON.search(sentence) or _OPEN_ON.search(sentence)
    if ports_on and _name_of(ports_on.group("name")):
        # "Ports must be open on the X", "… a firewall on the X": the system the rules are
        # for — the destination of what comes in, the source of what goes out.
        frame = replace(frame, local=_name_of(ports_on.group("name")))
    allowed = _ALLOW_FROM.search(sentence)
    client, server = (_name_of(allowed.group(g)) for g in ("src", "dst")) if allowed else ("", "")
    if client and server:
        return replace(frame, src=client, dst=server)
    uses = (_USES_PORTS.search(sentence) or _PORTS_OF.search(sentence)) if not frame.local else None
    if uses and _name_of(uses.group("name")):
        frame = replace(frame, local=_name_of(uses.group("name")))
    side = _FROM_SIDE.search(sentence)
    if side and _name_of(side.group("name")) and _name_of(side.group("name")) != frame.dst:
        frame = replace(frame, src=_name_of(side.group("name")))
    receiving = _TO_SIDE.search(sentence)
    if receiving and not frame.dst and _name_of(receiving.group("name")):
        frame = replace(frame, dst=_name_of(receiving.group("name")))
    if not (frame.src and frame.dst):
        frame = _grammar_frame(sentence, frame)
    if not (frame.src or frame.dst):
        frame = _open_pair(sentence, frame)
    if not (frame.src or frame.dst or frame.local):
        system = _FOR_SYSTEM.search(sentence)
        if system and names_system(system.group("name")):
            frame = replace(frame, local=tidy_name(system.group("name")))
    return frame


_TOPICAL = re.compile(
    r"\b(?:ports?|traffic|connections?|communicat\w*|firewalls?|access\w*|reach\w*|requests?"
    r"|calls|messages|queries|packets|sessions)\b",
    re.I,
)
# A sentence that ends on its preposition: the list below names that end ("The X server
# accepts TCP connections from:").
_OPEN_END = re.compile(r"\b(?:from|to)\s*:\s*$", re.I)
_LISTED = "the listed systems"


def _open_pair(sentence: str, frame: Frame) -> Frame:
    """ "X accepts connections from:" names X as the destination; "X connects to:" as the
    source. The list's items are the other end."""
    if not _OPEN_END.search(sentence):
        return frame
    parsed = parse_sentence(sentence.rstrip().rstrip(":") + " " + _LISTED)
    pair = (parsed.src or "", parsed.dst or "")
    listed = _LISTED.removeprefix("the ")
    if not all(pair) or listed not in (pair[0].lower(), pair[1].lower()):
        return frame
    if pair[0].lower() == listed:
        return replace(frame, dst=pair[1], listed="src")
    return replace(frame, src=pair[0], listed="dst")


def _topical_sentences(paragraph: str) -> list[str]:
    """The sentences of a paragraph that speak about ports or traffic (or the last sentence,
    when none does)."""
    sentences = split_sentences(paragraph)
    return [s for s in sentences if _TOPICAL.search(s)] or (sentences or [paragraph])[-1:]


def _items_frame(sentence: str, frame: Frame) -> Frame:
    """ "… can connect outbound (TCP/443) to the following:": the list names destinations."""
    if not _ITEMS.search(sentence):
        return frame
    service = parse_ports(sentence, numbers_are_ports=False)
    parsed = parse_sentence(sentence.split(" to the following")[0])
    items = "dst"
    if re.search(r"\bfrom\s+the\s+following", sentence, re.I):
        items = "src"
    src = parsed.src or ""
    if src and not _CONNECT_OUT.search(sentence) and "access" not in sentence.lower():
        return frame
    return replace(frame, items=items, src=src, service=service if service.has_ports else None)


def _grammar_frame(sentence: str, frame: Frame) -> Frame:
    pair = explicit_pair(sentence)
    if pair is None:
        return frame
    if (frame.src and not _names_same(frame.src, pair[0])) or (
        frame.dst and not _names_same(frame.dst, pair[1])
    ):
        return frame
    return replace(frame, src=frame.src or pair[0], dst=frame.dst or pair[1])


def _names_same(a: str, b: str) -> bool:
    return a.strip().lower() == b.strip().lower()

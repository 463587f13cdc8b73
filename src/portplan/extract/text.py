"""Text blocks → mentions: paragraphs, list items, numbered steps, definitions, headings.

- A list item or definition is a requirement of its own: "TCP/443 - Sensoroni", "443/tcp" with
  ": Port for most Agent data", "allow 53 from all (optional)". Its ends come from its own
  words ("(All nodes to Manager)", "for outbound", "from all") and, failing that, from the
  context (:mod:`.resolve`).
- A list item that is only a service ("tcp/80") takes its purpose and ends from the items
  nested under it ("HTTP, used by Let's Encrypt to verify ownership").
- A list under "… connect outbound (TCP/443) to the following:" names endpoints, not ports:
  each item is one end of a flow over the sentence's service (or of a flow with no port).
- Numbered steps form a conversation: a step that names no endpoints continues the one before.
- A paragraph gives a flow only for a sentence that names at least one end itself ("This port
  is used by ingesters to connect to indexers"); a sentence with ports and no end at all is
  listed as unparsed, because prose mentions ports for many reasons.
- A heading that states ports ("Indexer Control Port: TCP 9404") is a requirement whose ends
  the section's sentences give.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from portplan.extract.document import (
    DefinitionItem,
    Heading,
    ListItem,
    Paragraph,
    StructuredBlock,
    TextLine,
)
from portplan.extract.frames import Frame, read_sentence, read_title
from portplan.extract.inline import clean_inline
from portplan.extract.mentions import End, Mention
from portplan.extract.notes import NotedEnds, read_notes
from portplan.extract.outline import Context
from portplan.extract.phrases import HOST_NAME, is_entity, is_service_label, tidy_name, words
from portplan.extract.ports import (
    PortGroup,
    fill_protocols,
    looks_port_like,
    parse_ports,
    parse_protocols,
    word_protocols,
)
from portplan.extract.result import Unparsed
from portplan.extract.sentences import Endpoints, SentenceParse, parse_sentence
from portplan.extract.statements import (
    Statement,
    item_statement,
    paragraph_statements,
    port_groups,
    split_sentences,
    split_statement,
)
from portplan.extract.vocabulary import Direction, implies_tcp, is_configurable, is_optional

_DIRECTION_PHRASE = re.compile(
    r"\b(?:for\s+)?(?P<a>inbound|outbound|incoming|outgoing)(?:\s*(?:and|/|&)\s*(?P<b>inbound|outbound|incoming|outgoing))?\b",
    re.IGNORECASE,
)
_FROM_PEER = re.compile(
    r"\bfrom\s+(?:the\s+)?(?P<name>all|any(?:where)?|[\w*][\w .'/\-]{1,40}?)\s*(?:\(|[.,;:]|$)",
    re.IGNORECASE,
)
_PAREN_PAIR = re.compile(r"\(([^()]{3,80}\bto\b[^()]{2,80})\)")
_MARKUP = re.compile(r"\*\*|__|`")


def _direction(text: str) -> Direction | None:
    match = _DIRECTION_PHRASE.search(text)
    if match is None:
        return None
    words_found = {match.group("a").lower()[:2], (match.group("b") or "").lower()[:2]}
    if words_found >= {"in", "ou"}:
        return Direction.BOTH
    return Direction.IN if match.group("a").lower().startswith("in") else Direction.OUT


@dataclass
class TextReading:
    mentions: list[Mention] = field(default_factory=list)
    unparsed: list[Unparsed] = field(default_factory=list)
    used: set[int] = field(default_factory=set)


def _own_ends(sentence: str, kind: str) -> tuple[End | None, End | None, SentenceParse]:
    parsed = parse_sentence(_MARKUP.sub("", clean_inline(sentence)))
    clue = f"{kind} words"
    src = End(parsed.src, clue) if parsed.src else None
    dst = End(parsed.dst, clue) if parsed.dst else None
    return src, dst, parsed


def _paren_pair(text: str) -> tuple[End, End] | None:
    """ "TCP/8220 (All nodes to Manager, Fleet nodes) - Elastic Agent management"."""
    match = _PAREN_PAIR.search(text)
    if match is None:
        return None
    frame = read_title(match.group(1))
    if frame.src and frame.dst:
        return End(frame.src, "list item words"), End(frame.dst, "list item words")
    return None


def _peer(text: str) -> End | None:
    match = _FROM_PEER.search(text)
    if match is None:
        return None
    name = tidy_name(match.group("name"))
    found = words(name)
    if not found or any(w.isdigit() for w in found) or len(found) > 6:
        return None
    return End(name, "list item words")


def _mention(statement: Statement, groups: list[PortGroup], block: int, kind: str) -> Mention:
    phrases = [p for p in statement.port_phrases if p != statement.sentence]  # said once
    purpose = " ".join(part for part in (statement.sentence, *phrases) if part)
    purpose = re.sub(r"^\s*(?:step\s+)?\d{1,2}\s*[.):]\s*", "", clean_inline(purpose))
    whole = " ".join((statement.sentence, *statement.port_phrases))
    noted = read_notes(clean_inline(whole)) if kind in ("item", "definition") else NotedEnds()
    if not any(group.protocols for group in groups):
        # Numbers without a written protocol take the one the text's service implies.
        implied = parse_protocols(whole)[0] or (("tcp",) if implies_tcp(whole) else ())
        groups = fill_protocols(groups, implied) if implied else groups
    return Mention(
        peer_src=End(noted.src, f"{kind} notes") if noted.src else None,
        peer_dst=End(noted.dst, f"{kind} notes") if noted.dst else None,
        peer_other=End(noted.other, f"{kind} notes") if noted.other else None,
        implied_direction=noted.direction,
        groups=tuple(groups),
        line=statement.line,
        text=statement.text,
        block=block,
        kind=kind,
        purpose=purpose,
        optional=is_optional(purpose),
        configurable=is_configurable(purpose)
        or any(
            parse_ports(p, numbers_are_ports=False).configurable for p in statement.port_phrases
        ),
        protocol_stated=any(g.explicit and g.protocols for g in groups),
        service=_named_services(clean_inline(whole)),
    )


# "vrts-at 2821", "PBX 1556": a daemon's or service's name written right before its port.
_NAMED_PORT = re.compile(
    r"(?<![\w./-])([a-z][a-z0-9]*[-_][a-z0-9_-]*[a-z0-9]|[A-Z][A-Z0-9]{1,9})\s+(?=\d{2,5}\b)"
)


def _named_services(text: str) -> str:
    names: list[str] = []
    for found in _NAMED_PORT.finditer(text):
        name = found.group(1)
        if word_protocols(name) is None and name not in names:
            names.append(name)
    return " and ".join(names)


# "Inbound: 443/tcp from the management network", "Outbound to the X: 443/tcp": a line relative
# to the system the section is about, read like a list item.
_DIRECTED = re.compile(
    r"^\W*(?:inbound|outbound|incoming|outgoing|ingress|egress)\b\s*(?::|to\b|from\b)", re.I
)
_PORT_FIRST = re.compile(
    r"^\W*\d{2,5}(?:\s*[-–]\s*\d{2,5})?(?:\s*/\s*|\s+)(?:tcp|udp|sctp)\b|^\W*(?:tcp|udp)\W*\d", re.I
)
# "3306 is the default port for …", "4567 is reserved for replication traffic": the number the
# sentence is about.
_NUMBER_SUBJECT = re.compile(
    r"^\W*(?P<label>\d{2,5}(?:\s*(?:,|and|or|-|–)\s*\d{2,5})*)\W*\s+(?:is|are)\s+"
    r"(?=(?:\w+\s+){0,3}(?:port|ports|used|reserved|required|needed|open)\b)",
    re.IGNORECASE,
)
_LABEL = re.compile(r"^\W*(?P<label>\d[^:]{0,60}?)\s*(?::|\s[-–—]\s)")


def _statement_groups(statement: Statement, *, strict: bool) -> list[list[PortGroup]]:
    phrases = statement.port_phrases or (statement.sentence,)
    cleaned = clean_inline(statement.sentence)
    label = (_LABEL.match(cleaned) or _NUMBER_SUBJECT.match(cleaned)) if strict else None
    if label:
        # "**8085 (exporter Pro):** If you are building …": the label before the colon is
        # the list of ports; the rest only explains it.
        phrases = (label.group("label"),)
        strict = False
    groups = port_groups(phrases, strict=strict)
    if not groups and "icmp" in parse_ports(statement.text, numbers_are_ports=False).protocols:
        groups = [[PortGroup(("icmp",), ())]]  # "checks reachability with ICMP echo"
    return groups


class TextReader:
    """Reads the text blocks of one document in order, remembering what the steps and the
    sentences before said."""

    def __init__(self, blocks: Sequence[StructuredBlock], contexts: Sequence[Context]) -> None:
        self.blocks = blocks
        self.contexts = contexts
        self.reading = TextReading()
        self.previous: Endpoints | None = None  # the conversation of numbered steps
        self.consumed: set[int] = set()  # blocks read as part of another (nested details)
        self.target_sources: dict[int, End] = {}  # per section: the source of its lists of hosts

    # -- paragraphs --------------------------------------------------------------------------
    def paragraph(self, block: Paragraph, index: int) -> None:
        if index in self.consumed:
            return
        self.previous = None
        if block.text.rstrip().endswith(":") and read_sentence(clean_inline(block.text)).items:
            return  # "… connect outbound (TCP/443) to the following:" — the items are the flows
        earlier: tuple[End | None, End | None] = (None, None)
        before: Mention | None = (
            None  # the mention of the clause before (for a clause that goes on)
        )
        for statement in paragraph_statements(block.lines):
            groups = _statement_groups(statement, strict=True)
            if not groups:
                self._unparsed(statement, "mentions a protocol or port but states no port number")
                continue
            if _restates_heading(groups, self.contexts[index]):
                self.reading.used.update(statement.lines)
                continue  # "The default port is TCP 4023" under "Ingest Port: TCP 4023"
            if before is not None and statement.follows:
                groups = [_same_transport(found, before) for found in groups]
            src, dst = self._sentence_ends(statement, earlier)
            itemlike = _cell_like(statement.sentence) or _DIRECTED.match(statement.sentence)
            if (
                src is None
                and dst is None
                and (itemlike or (before is not None and statement.follows))
            ):
                before = self._item_mentions(
                    statement, groups, index, like=before if not itemlike else None
                )
                continue
            if src is None and dst is None:
                self._unparsed(
                    statement,
                    "ports mentioned, but no source or destination could be read from the sentence",
                )
                continue
            earlier = (src, dst)
            for group_list in groups:
                mention = _mention(statement, group_list, index, "sentence")
                before = replace(
                    mention, src=src, dst=dst, direction=_direction(statement.sentence)
                )
                self._add(before, statement)

    def _sentence_ends(
        self, statement: Statement, earlier: tuple[End | None, End | None]
    ) -> tuple[End | None, End | None]:
        src, dst, _ = _own_ends(statement.sentence, "sentence")
        if src is None and dst is None and statement.before:
            before_src, before_dst, _ = _own_ends(
                statement.before.split(". ")[-1], "sentence before"
            )
            if before_src is not None and before_dst is not None:
                src, dst = before_src, before_dst
        if src is None and dst is None and statement.follows:
            src, dst = earlier
        if src is None and dst is None:
            # "… having port 10000 open on the media server": the system it is open on.
            local = read_sentence(clean_inline(statement.sentence)).local
            if local:
                dst = End(local, "sentence words")
        return src, dst

    # -- list items and steps -----------------------------------------------------------------
    def item(self, block: ListItem, index: int) -> None:
        if index in self.consumed:
            return
        statement = item_statement(self._labelled(block, index))
        # A numbered step tells a conversation; a numbered list of ports ("1. 80 TCP - web
        # admin panel") is a list like any other.
        step = (block.ordered or block.marker[:1].isdigit()) and not _PORT_FIRST.match(block.text)
        if step:
            statement = self._with_comms(statement, index)
        # A short item is a list of ports ("allow 53 from all"); a long one is prose; a step's
        # comms are ports, its sentence is prose ("stored on these 3 edge nodes").
        short = len(" ".join((statement.sentence, *statement.port_phrases)).split()) <= 10
        strict = not (short or (step and statement.port_phrases))
        groups = _statement_groups(statement, strict=strict)
        context = self.contexts[index]
        if not groups:
            self._item_without_ports(block, index, statement, context, step=step)
            return
        children = self._children(index)
        if children and not statement.sentence.strip(" -–:*"):
            statement = self._with_children(statement, children)
        self._item_mentions(statement, groups, index, step=step)

    def _item_mentions(
        self,
        statement: Statement,
        groups: list[list[PortGroup]],
        index: int,
        *,
        step: bool = False,
        like: Mention | None = None,
    ) -> Mention | None:
        """Mentions of a list item (or a line read as one); ``like`` is the mention of the
        clause before, whose ends a clause without its own goes on with."""
        src, dst = self._item_ends(statement, step)
        if src is None and dst is None and not step:
            src, dst = _listed_end(statement, self.contexts[index])
        added: Mention | None = None
        for group_list in groups:
            if like is not None:
                added = replace(
                    like, groups=tuple(group_list), line=statement.line, text=statement.text
                )
                self._add(added, statement)
                continue
            mention = _mention(statement, group_list, index, "item")
            text = " ".join((statement.sentence, *statement.port_phrases))
            peer = _peer(text) if src is None and dst is None else None
            added = replace(
                mention,
                src=src,
                dst=dst,
                direction=_direction(text),
                peer_src=peer or mention.peer_src,
            )
            self._add(added, statement)
        return added

    def _with_comms(self, statement: Statement, index: int) -> Statement:
        """A numbered step followed by lines that only state ports ("HTTP/S via Port 9263
        (Chromebook) 9264", "9265 (Win, MacOS)"): those are the step's comms."""
        phrases = list(statement.port_phrases)
        lines = list(statement.lines)
        for j in range(index + 1, len(self.blocks)):
            block = self.blocks[j]
            if not isinstance(block, Paragraph | Heading) or (
                isinstance(block, Heading) and not block.plain
            ):
                break
            text = clean_inline(block.text)
            sentence, found = split_statement(text)
            if sentence.strip() or not found:
                break
            phrases.extend(found)
            lines.append(block.line)
            self.consumed.add(j)
        if len(phrases) == len(statement.port_phrases):
            return statement
        return replace(statement, port_phrases=tuple(phrases), lines=tuple(lines))

    def _item_ends(self, statement: Statement, step: bool) -> tuple[End | None, End | None]:
        whole = " ".join(part for part in (statement.sentence, *statement.port_phrases) if part)
        paired = _paren_pair(whole)
        if paired is not None:
            return paired
        if step:
            pair = endpoints_for(statement, self.previous)
            if pair is not None:
                self.previous = pair
                return (
                    End(pair.src, "step words") if pair.src else None,
                    End(pair.dst, "step words") if pair.dst else None,
                )
            return None, None
        # Each sentence on its own: the notes under "tcp/80" are several ("Expose publicly: yes.
        # HTTP, used by Let's Encrypt to verify …").
        for sentence in split_sentences(statement.sentence or whole) or [whole]:
            src, dst, _ = _own_ends(sentence, "list item")
            if src or dst:
                return src, dst
        return None, None

    def _item_without_ports(
        self, block: ListItem, index: int, statement: Statement, context: Context, *, step: bool
    ) -> None:
        if step and statement.sentence:
            self.previous = endpoints_for(statement, self.previous) or self.previous
            return
        frame = _items_frame(context)
        if frame is None and _names_host(block.text):
            frame = context.intro[0] if context.intro else (Frame(items="dst"), "list item")
            frame = (replace(frame[0], items="dst"), frame[1])
        if frame is not None and block.depth == 0:
            self._target_item(block, index, statement, frame)
            return
        if looks_port_like(statement.text) and any(c.isdigit() for c in statement.text):
            self._unparsed(statement, "mentions a protocol or port but states no port number")

    def _target_item(
        self, block: ListItem, index: int, statement: Statement, frame: tuple[Frame, str]
    ) -> None:
        """An item of a list of endpoints ("- ghcr.io (Container downloads)")."""
        name, purpose = _endpoint_item(block.text)
        if not name:
            return
        service = frame[0].service
        groups: tuple[PortGroup, ...] = service.groups if service is not None else ()
        end = End(name, "list item")
        src = End(frame[0].src, frame[1]) if frame[0].src else None
        section = self.contexts[index].section_line
        if src is None:
            src = self.target_sources.get(section)  # the lists of one section share their source
        elif frame[0].items == "dst":
            self.target_sources[section] = src
        mention = Mention(
            groups=groups,
            line=statement.line,
            text=statement.text,
            block=index,
            kind="target",
            purpose=purpose,
            optional=frame[0].optional or is_optional(purpose),
            no_port=not groups,
            protocol_stated=bool(groups),
            src=src if frame[0].items == "dst" else end,
            dst=end if frame[0].items == "dst" else src,
        )
        self._add(mention, statement)

    def _labelled(self, block: ListItem, index: int) -> Sequence[TextLine]:
        """A nested item that holds only port numbers ("5060, 5061") under an item that only
        names its service and transport ("SIP TCP/UDP"): the parent's words label it."""
        if block.depth == 0 or any(c.isalpha() for c in block.text):
            return block.lines
        for j in range(index - 1, -1, -1):
            parent = self.blocks[j]
            if not isinstance(parent, ListItem) or parent.depth < block.depth - 1:
                break
            if parent.depth == block.depth - 1:
                label = clean_inline(parent.text).strip(" :")
                if is_service_label(label):
                    first = block.lines[0]
                    return (TextLine(first.line, f"{label} {first.text}"), *block.lines[1:])
                break
        return block.lines

    def _children(self, index: int) -> list[int]:
        parent = self.blocks[index]
        found: list[int] = []
        if not isinstance(parent, ListItem):
            return found
        for j in range(index + 1, len(self.blocks)):
            child = self.blocks[j]
            if not isinstance(child, ListItem) or child.depth <= parent.depth:
                break
            found.append(j)
        return found

    def _with_children(self, statement: Statement, children: list[int]) -> Statement:
        """A service-only item ("tcp/80") described by the items nested under it."""
        texts: list[str] = []
        lines = list(statement.lines)
        for j in children:
            child = self.blocks[j]
            assert isinstance(child, ListItem)
            if port_groups((child.text,), strict=True):
                continue  # a nested item with ports of its own is read on its own
            texts.append(child.text)
            lines.extend(line.line for line in child.lines)
            self.consumed.add(j)
        sentence = " ".join(t if t.endswith((".", ":", ";")) else f"{t}." for t in texts)
        return Statement(
            statement.line, statement.text, sentence, statement.port_phrases, tuple(lines)
        )

    # -- definitions and headings -------------------------------------------------------------
    def definition(self, block: DefinitionItem, index: int) -> None:
        """ "443/tcp" then ": Port for most Agent data" — the term is the service."""
        term = clean_inline(block.term.text)
        groups = port_groups((term,), strict=False)
        frame = read_title(term)
        if not groups and frame.src and frame.dst:
            # "Agent to Ingest" then ": UDP 4318 (metrics)": the term names both ends.
            self._pair_definition(block, index, frame)
            return
        statement = Statement(
            block.term.line,
            block.term.text.strip(),
            block.text,
            (term,),
            (block.term.line, *(ln.line for ln in block.lines)),
        )
        if not groups:
            self.item(ListItem(0, "-", (block.term, *block.lines)), index)
            return
        src, dst, _ = _own_ends(block.text, "definition")
        for group_list in groups:
            mention = _mention(statement, group_list, index, "definition")
            self._add(
                replace(mention, src=src, dst=dst, direction=_direction(block.text)), statement
            )

    def _pair_definition(self, block: DefinitionItem, index: int, frame: Frame) -> None:
        statement = item_statement(block.lines)
        groups = _statement_groups(statement, strict=False)
        clue = f"definition term line {block.term.line}"
        for group_list in groups:
            mention = _mention(statement, group_list, index, "definition")
            self._add(
                replace(mention, src=End(frame.src, clue), dst=End(frame.dst, clue)), statement
            )

    def heading(self, block: Heading, index: int) -> None:
        """ "Indexer Control Port: TCP 9404": the section's sentences give the ends."""
        if index in self.consumed:
            return
        self.previous = None
        frame = read_title(block.text)
        if frame.service is None:
            return
        statement = Statement(block.line, block.text, block.text, (block.text,), (block.line,))
        src, dst = self._section_ends(index)
        for group in frame.service.groups:
            mention = _mention(statement, [group], index, "heading")
            body = self._section_text(index)
            self._add(
                replace(
                    mention,
                    src=src,
                    dst=dst,
                    purpose=f"{block.text}: {body}"[:300] if body else block.text,
                    configurable=mention.configurable or is_configurable(body),
                    optional=mention.optional or is_optional(body.split(".")[0]),
                ),
                statement,
            )

    def _section_paragraphs(self, index: int) -> list[Paragraph]:
        found: list[Paragraph] = []
        for j in range(index + 1, len(self.blocks)):
            block = self.blocks[j]
            if isinstance(block, Heading):
                break
            if isinstance(block, Paragraph):
                found.append(block)
        return found

    def _section_text(self, index: int) -> str:
        paragraphs = self._section_paragraphs(index)
        return clean_inline(paragraphs[0].text) if paragraphs else ""

    def _section_ends(self, index: int) -> tuple[End | None, End | None]:
        for paragraph in self._section_paragraphs(index)[:2]:
            for sentence in split_sentences(clean_inline(paragraph.text)):
                src, dst, _ = _own_ends(sentence, "section sentence")
                if src is not None and dst is not None:
                    return src, dst
        return None, None

    # -- bookkeeping ---------------------------------------------------------------------------
    def _add(self, mention: Mention, statement: Statement) -> None:
        self.reading.mentions.append(mention)
        self.reading.used.update(statement.lines)

    def _unparsed(self, statement: Statement, reason: str) -> None:
        # What the line opens with decides whether it is worth a note (a port offset, a port
        # number); a longer text is not parsed again to the end for that.
        spec = parse_ports(statement.text[:_NOTE_PARSED], numbers_are_ports=False)
        if spec.offset is not None:
            reason = f"a port offset (+{spec.offset}), not a flow — model it as an offset variable"
        elif not spec.has_ports and not _states_numbers(statement.text):
            return  # "a list of the TCP and UDP ports" names no port: nothing to act on
        self.reading.unparsed.append(Unparsed(statement.line, statement.text, reason))


_NOTE_PARSED = 4000


_BEFORE_PORTS = re.compile(
    r"\s+(?:on|via|over|using|at)\s+(?:tcp|udp|ports?)\b|\s*\(|\s+[-–—:]\s+|,", re.IGNORECASE
)


def _listed_end(statement: Statement, context: Context) -> tuple[End | None, End | None]:
    """An item under "X connects to:" that opens with the other end ("the license portal on
    TCP 443", "SMTP relay (TCP 25) for alerts")."""
    listed = next((frame.listed for frame, _ in context.intro[:1] if frame.listed), "")
    if not listed:
        return None, None
    head = _BEFORE_PORTS.split(clean_inline(statement.text), maxsplit=1)[0]
    found = words(head)
    if not found or len(found) > 6 or not is_entity(found):
        return None, None
    end = End(tidy_name(head), "list item words")
    return (end, None) if listed == "src" else (None, end)


def _names_host(text: str) -> bool:
    """An item that starts with a host name ("scc.suse.com", "*.example.com (updates)")."""
    first = clean_inline(text).strip().split()
    return bool(first) and bool(HOST_NAME.match(first[0].strip(",;:")))


def _restates_heading(groups: list[list[PortGroup]], context: Context) -> bool:
    """Whether a sentence only repeats the ports its section's heading states."""
    heading = context.headings[0][0] if context.headings else None
    if heading is None or heading.service is None:
        return False
    stated = {span for group in heading.service.groups for span in group.ports}
    found = {span for group_list in groups for group in group_list for span in group.ports}
    return bool(found) and found <= stated


def _same_transport(groups: list[PortGroup], before: Mention) -> list[PortGroup]:
    """A clause that goes on from the one before takes its transport when it names none
    ("TCP port 25672 …, and each node contacts the discovery service on port 4369")."""
    known = next((g.protocols for g in before.groups if g.protocols), ())
    return (
        fill_protocols(groups, known) if known and not any(g.protocols for g in groups) else groups
    )


def _cell_like(text: str) -> bool:
    """A short line that is a label and a port ("Node groups or JGroups: TCP port 7800",
    "TCP port 9090"): a cell or item of a list written as lines, not a sentence."""
    return len(text.split()) <= 10 and not text.rstrip().endswith((".", "!", "?"))


def _states_numbers(text: str) -> bool:
    return any(c.isdigit() for c in text) and bool(
        re.search(r"\b(?:tcp|udp|sctp|port)\b", text, re.I)
    )


def _items_frame(context: Context) -> tuple[Frame, str] | None:
    for frame, clue in context.intro[:1]:
        if frame.items:
            return frame, clue
    return None


_TOPIC = re.compile(
    r"\b(?:ports?|communications?|requests?|traffic|connections?|protocols?)\b", re.I
)
_ITEM_NOTE = re.compile(r"^(?P<name>[^()]+?)\s*\((?P<note>.*)\)\s*$")


def _endpoint_item(text: str) -> tuple[str, str]:
    """ "raw.githubusercontent.com (Security Onion public key)" → name, purpose."""
    text = clean_inline(text).strip()
    match = _ITEM_NOTE.match(text)
    name, note = (match.group("name"), match.group("note")) if match else (text, "")
    name = tidy_name(name)
    if not name or len(name.split()) > 12:
        return "", ""
    if not HOST_NAME.match(name.split()[0]) and _TOPIC.search(name):
        return "", ""  # "Intra cluster ports between servers": a topic, not an endpoint
    first = name.split()[0]
    if not (HOST_NAME.match(first) or len(name.split()) <= 12):
        return "", ""
    return name, note


def endpoints_for(statement: Statement, previous: Endpoints | None) -> Endpoints | None:
    """Source and destination of a step; falls back on the previous step's pair. A response
    ("X returns a list") points back at whoever asked."""
    dst: str | None = None
    fallback_src: str | None = None
    response_server: str | None = None
    for sentence in split_sentences(statement.sentence):
        parsed = parse_sentence(sentence)
        if parsed.response and parsed.src:
            if parsed.dst:
                return Endpoints(parsed.dst, parsed.src)
            response_server = parsed.src
            continue
        if parsed.src and parsed.dst:
            return Endpoints(parsed.src, parsed.dst)
        fallback_src = fallback_src or parsed.src
        dst = dst or parsed.dst
    if response_server is not None:
        client = previous.src if previous else fallback_src
        if client:
            return Endpoints(client, response_server)
    return _continue(fallback_src, dst, previous)


def _continue(src: str | None, dst: str | None, previous: Endpoints | None) -> Endpoints | None:
    if src and dst:
        return Endpoints(src, dst)
    if previous is None:
        return None
    if src:
        return Endpoints(src, previous.dst)
    if dst:
        return Endpoints(previous.src, dst)
    return previous


def text_line_block(line: TextLine) -> Paragraph:
    return Paragraph((line,))

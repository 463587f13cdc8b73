"""The outline: for every block, the context a reader has in mind when reading it.

Walking the structured blocks once, the outline keeps the open headings (a heading closes
those of its level and below), the caption waiting for its table, the paragraphs since the last
heading or table (the sentence that introduces a table or list), and the list items a nested
item sits under. Paragraphs that state a rule for the whole document ("the communication
direction is incoming to the component mentioned in the chapter heading") are kept as
document statements. :func:`outline` returns one :class:`Context` per block.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from portplan.extract.document import (
    Caption,
    CodeBlock,
    Contents,
    DefinitionItem,
    Heading,
    ListItem,
    Paragraph,
    StructuredBlock,
    Table,
)
from portplan.extract.frames import Frame, read_sentence, read_title
from portplan.extract.inline import clean_inline
from portplan.extract.phrases import is_service_label, words
from portplan.extract.sentences import verb_index
from portplan.extract.statements import split_sentences
from portplan.extract.vocabulary import ENTITY_HEADS

_INHERIT_NAMES = re.compile(
    r"\b(?:empty|blank)\s+(?:\w+\s+){0,4}cells?\b.{0,60}?\b(?:same|above|previous|preceding)\b",
    re.IGNORECASE,
)
_INTRO_KEPT = 2  # paragraphs before a table or list that may introduce it
_PLAIN_TITLES_KEPT = 3  # plain-text titles that stay open


@dataclass(frozen=True)
class Context:
    """What surrounds one block: frames with where each came from, nearest first."""

    headings: tuple[tuple[Frame, str], ...] = ()  # innermost heading first
    caption: tuple[tuple[Frame, str], ...] = ()
    intro: tuple[tuple[Frame, str], ...] = ()  # the sentence(s) right before, nearest first
    parents: tuple[tuple[Frame, str], ...] = ()  # enclosing list items, nearest first
    section: str | None = None  # the innermost heading's text
    section_line: int = 0


@dataclass(frozen=True)
class Outline:
    contexts: tuple[Context, ...]
    headings_incoming: bool  # the document says flows go *to* the system in each heading
    statements: tuple[tuple[Frame, str], ...]  # document-wide frames ("initiated by X to Y")
    title: str
    # "An empty Source or Destination cell means the same value as the row above."
    inherit_names: bool = False
    # Paths the prose describes without ports ("forward connections from external clients to
    # the BigBlueButton server"), with the line each is on, in document order.
    paths: tuple[tuple[Frame, str, int], ...] = ()


def _first_sentence(text: str) -> str:
    return text.split(". ")[0] if len(text) > 300 else text


class _Walker:
    def __init__(self) -> None:
        self.headings: list[tuple[Heading, Frame]] = []
        # The paragraphs right under each open heading, before anything else: they speak for
        # its subsections too ("The following ports must be open on the X." over "Inbound").
        self.leads: dict[int, list[tuple[Frame, str]]] = {}
        self.leading = False  # still in the lead paragraphs of the innermost heading
        self.caption: tuple[Frame, str] | None = None
        self.intro: list[tuple[Frame, str]] = []
        self.items: list[tuple[ListItem, Frame]] = []
        self.statements: list[tuple[Frame, str]] = []
        self.preamble: list[tuple[Frame, str]] = []
        self.paths: list[tuple[Frame, str, int]] = []
        self.headings_incoming = False
        self.title = ""
        self.seen: set[str] = set()
        self.inherit_names = False

    def context(self, *, parents: bool = False) -> Context:
        section = self.headings[-1][0] if self.headings else None
        chain: list[tuple[Frame, str]] = []
        for n, (heading, frame) in enumerate(reversed(self.headings)):
            chain.append((frame, f"{'title' if heading.plain else 'heading'} line {heading.line}"))
            if n:  # the innermost heading's lead paragraphs are the intro already
                chain.extend(reversed(self.leads.get(heading.line, [])))
        if self.headings:
            chain.extend(reversed(self.preamble))
        return Context(
            headings=tuple(chain),
            caption=(self.caption,) if self.caption else (),
            intro=tuple(reversed(self.intro)),
            parents=tuple(
                (frame, f"list item line {item.line}") for item, frame in reversed(self.items)
            )
            if parents
            else (),
            section=section.text if section else None,
            section_line=section.line if section else 0,
        )

    def heading(self, block: Heading) -> None:
        key = block.text.strip().lower()
        if block.plain and (key in self.seen or "continued" in key):
            return  # a running page header or a table's continuation, not a new section
        self.seen.add(key)
        # A plain-text title does not close the plain titles before it: text without markup
        # does not say which title is under which ("Firewall requirements for the X" over
        # "Required services"), so the last few stay open, nearest first.
        while (
            self.headings
            and self.headings[-1][0].level >= block.level
            and not (block.plain and self.headings[-1][0].plain)
        ):
            self.headings.pop()
        plain = [h for h in self.headings if h[0].plain]
        if block.plain and len(plain) >= _PLAIN_TITLES_KEPT:
            self.headings.remove(plain[0])
        frame = read_title(block.text)
        if block.plain and frame.local and not _telling_name(frame.local):
            frame = replace(frame, local="")  # "Jump to: navigation" over a saved page
        self.headings.append((block, frame))
        self.leads[block.line] = []
        self.leading = True
        if not self.title:
            self.title = block.text
        self.intro, self.items, self.caption = [], [], None

    def paragraph(self, block: Paragraph) -> None:
        text = block.text
        self.inherit_names = self.inherit_names or bool(_INHERIT_NAMES.search(text))
        frame = read_sentence(text) if not text.rstrip().endswith(":") else _intro_frame(text)
        if frame.headings_incoming:
            self.headings_incoming = True
        else:
            self.statements.extend(
                (found, f"sentence line {block.line}") for found in _statements(text)
            )
            self.paths.extend(
                (found, f"sentence line {block.line}", block.line) for found in _paths(text)
            )
        self.intro = [*self.intro, (frame, f"sentence line {block.line}")][-_INTRO_KEPT:]
        if not self.headings and frame.local and not _is_statement(text):
            # Before the first heading: "The following ports must be open on the X." speaks
            # for the sections below ("Inbound ports", "Outbound ports").
            self.preamble.append((Frame(local=frame.local), f"sentence line {block.line}"))
        if self.leading and self.headings and _carried(frame) and not _is_statement(text):
            # The system a lead paragraph names, or the one end it names ("allowed outbound
            # (originating from the phones)"), carries into subsections; a pair is advice.
            lead = Frame(
                local=frame.local,
                src=frame.src if not frame.dst else "",
                dst=frame.dst if not frame.src else "",
                direction=frame.direction,
            )
            self.leads[self.headings[-1][0].line].append((lead, f"sentence line {block.line}"))
        self.items = []

    def item(self, block: ListItem) -> Context:
        self.leading = False
        while self.items and self.items[-1][0].depth >= block.depth:
            self.items.pop()
        context = self.context(parents=True)
        self.items.append((block, _item_frame(block.text)))
        return context


def _carried(frame: Frame) -> bool:
    return bool(frame.local) or bool(frame.src) != bool(frame.dst)


def _telling_name(name: str) -> bool:
    """A name a plain-text title can give as a system: an endpoint noun, a product spelled in
    capitals inside the word ("FreeSWITCH", "ESXi"), or two capitalised words."""
    found = name.split()
    if any(
        word.lower().rstrip("s") in ENTITY_HEADS or word.lower() in ENTITY_HEADS for word in found
    ):
        return True
    if any(any(c.isupper() for c in word[1:]) for word in found):
        return True
    return sum(1 for word in found if word[:1].isupper()) >= 2


def _intro_frame(text: str) -> Frame:
    """A paragraph ending in ":" introduces the list or table below: a title-like line
    ("All nodes to Manager:") or a sentence ("… must be open on the X:")."""
    title = read_title(text)
    if not title.empty and len(text.split()) <= 10 and not _has_verb(text):
        # A short line with a verb may still be a sentence that names its ends ("The X
        # server accepts connections from:"); the title reading would keep the verb.
        sentence = read_sentence(text) if verb_index(words(text)) is not None else title
        return title if sentence.empty else sentence
    return read_sentence(text)


def _has_verb(text: str) -> bool:
    return any(
        word in ("is", "are", "be", "must", "should", "need", "needs")
        for word in text.lower().split()
    )


def _item_frame(text: str) -> Frame:
    """What a list item says about the items nested under it: "Manager → Agents",
    "If using the OpenStorage plug-in:" (optional), "tcp/80" (a service)."""
    if is_service_label(clean_inline(text).strip(" :")):
        return Frame()  # "SIP TCP/UDP" over its port numbers says what they are for
    if text.rstrip().endswith(":") or len(text.split()) <= 8:
        return _intro_frame(text)
    return read_sentence(text)


_STATEMENT = re.compile(
    r"\balways\b|\ball\s+(?:traffic|connections|communication)\b|\binitiated\s+by\b", re.I
)


def _is_statement(text: str) -> bool:
    return bool(_STATEMENT.search(text))


def _statements(text: str) -> list[Frame]:
    """What a paragraph says of all the document's flows: a sentence without port numbers that
    names both ends and says it always holds ("Traffic is always initiated by the Agent")."""
    found = []
    for sentence in split_sentences(text):
        if _is_statement(sentence) and not re.search(r"\d{2,}", sentence):
            frame = read_sentence(sentence)
            if frame.src and frame.dst:
                found.append(frame)
    return found


_PATH = re.compile(r"\bfrom\b.+\bto\b", re.IGNORECASE)


def _paths(text: str) -> list[Frame]:
    """Sentences that name a path from one system to another and no port ("… forward TCP/UDP
    connections from external clients to the internal BigBlueButton server")."""
    found = []
    for sentence in split_sentences(text):
        if not _PATH.search(sentence) or _PORTISH.search(sentence):
            continue
        frame = read_sentence(sentence)
        if frame.src and frame.dst and frame.src != frame.dst:
            found.append(frame)
    return found


_PORTISH = re.compile(r"\bports?\b|(?<![\d.])\d{2,5}(?![\d.])", re.IGNORECASE)


def outline(blocks: Sequence[StructuredBlock]) -> Outline:
    """One Context per block, and what the document says about itself."""
    walker = _Walker()
    contexts: list[Context] = []
    for block in blocks:
        if isinstance(block, Heading):
            walker.heading(block)
            contexts.append(walker.context())
        elif isinstance(block, ListItem):
            contexts.append(walker.item(block))
        elif isinstance(block, Paragraph):
            contexts.append(walker.context())
            walker.paragraph(block)
        elif isinstance(block, Caption):
            contexts.append(walker.context())
            walker.caption = (read_title(block.text), f"caption line {block.line}")
        elif isinstance(block, Contents):
            contexts.append(walker.context())
        else:
            contexts.append(_table_like(walker, block))
    return Outline(
        tuple(contexts),
        walker.headings_incoming,
        tuple(walker.statements),
        walker.title,
        walker.inherit_names,
        tuple(walker.paths),
    )


def _table_like(walker: _Walker, block: Table | CodeBlock | DefinitionItem) -> Context:
    walker.leading = False
    if isinstance(block, Table) and block.title:
        walker.caption = (read_title(block.title), f"caption line {block.line}")
    context = walker.context()
    if isinstance(block, Table):
        walker.caption = None
        walker.intro = []
    walker.items = []
    return context

"""What a block rule is: a small function that recognises one layout at a given line.

The shape follows markdown-it-py's block rules: ``rule(state, start) -> RuleMatch | None``.
A rule looks at ``state.lines[start:]``; when its layout begins there it returns the blocks it
read and the index of the first line it did not use, otherwise ``None``. Rules are tried in
the order of :data:`portplan.extract.structure.RULES`; the first that matches wins.

Rules never change the state: what they leave for later rules (the attributes an AsciiDoc
``[cols=...]`` line or a ``.Title`` line gives the block below it) travels in
:attr:`RuleMatch.attributes`, and :func:`read_blocks` keeps it in
:attr:`LineState.pending_attributes` until a rule produces a block. So a paragraph may ask a
rule "does your layout start on this line?" without side effects.

Two properties of a rule are declared, not implied:

* ``interrupts_paragraph``: the rule may end a paragraph in the middle (a heading, a list item,
  a fence). The paragraph rule asks only those rules whether a line starts something new.
* ``transparent``: a line the rule drops is not part of the text at all (an AsciiDoc
  ``ifdef::`` or ``// comment`` line), so a paragraph, a list item or a table row carries on
  over it instead of ending there.

A container (a block quote, an admonition, an AsciiDoc example block) reads its body with
:meth:`LineState.read_nested`: the same rules over the body's lines, which keep their source
line numbers.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import ClassVar, Literal

from portplan.extract.document import Caption, Paragraph, StructuredBlock, Table, TextLine

# The lightweight markup a text is written in, as far as the document shows it. Most rules do
# not need it; it settles the few layouts the languages spell alike (``----`` is a listing in
# AsciiDoc, a heading underline in reStructuredText, a rule line in Markdown).
Markup = Literal["markdown", "asciidoc", "rst", "plain"]


# Containers nest their bodies; past this depth a body is read as plain paragraphs (a
# hostile list indented a thousand levels must not exhaust the stack).
MAX_NESTING = 12


@dataclass
class LineState:
    """The text lines of one run, and what earlier rules left for later ones."""

    lines: tuple[TextLine, ...]
    rules: Sequence[BlockRule] = ()
    markup: Markup = "plain"
    # Block attributes written above a block ("[cols=...,options="header"]", ".Caption",
    # "[source,sh]", "[NOTE]"), kept until the block they belong to is read.
    pending_attributes: dict[str, str] = field(default_factory=dict)
    # What a rule remembers for later runs of the same layout (the header of the last
    # tab-separated table, for rows that continue it after a page break).
    memory: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Section titles a table of contents announced, as lower-case words, and their levels.
    outline: dict[str, int] = field(default_factory=dict)
    # Heading adornment styles in the order they first appeared (reStructuredText levels).
    heading_styles: list[str] = field(default_factory=list)
    # How deep in containers this body is (0: the document itself). Front matter and other
    # start-of-document layouts apply only at depth 0.
    depth: int = 0
    _texts: list[str] = field(init=False, repr=False)
    _index: RuleIndex = field(init=False, repr=False)
    _where: dict[object, list[int]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._texts = [line.text for line in self.lines]
        self._index = RuleIndex.of(self.rules)
        self._where = {}
        self._indents: list[int | None] = [None] * len(self._texts)

    def next_where(self, key: object, test: Callable[[int], bool], after: int) -> int | None:
        """The first line index after ``after`` that passes ``test`` (``None``: none does).
        The passing lines are found once per ``key`` and state, so that rules looking for a
        closing line stay linear however many openers a document has."""
        found = self._where.get(key)
        if found is None:
            found = self._where[key] = [i for i in range(len(self._texts)) if test(i)]
        position = bisect_right(found, after)
        return found[position] if position < len(found) else None

    @property
    def nested(self) -> bool:
        return self.depth > 0

    def text(self, index: int) -> str:
        if index < 0:
            return ""
        try:
            return self._texts[index]
        except IndexError:
            return ""

    def stripped(self, index: int) -> str:
        return self.text(index).strip()

    def blank(self, index: int) -> bool:
        return not self.text(index).strip()

    def indent(self, index: int) -> int:
        if not 0 <= index < len(self._indents):
            return 0
        known = self._indents[index]
        if known is None:
            text = self._texts[index].expandtabs(4)
            known = self._indents[index] = len(text) - len(text.lstrip(" "))
        return known

    def line(self, index: int) -> int:
        return self.lines[index].line

    def __len__(self) -> int:
        return len(self.lines)

    def candidates(self, index: int) -> Sequence[BlockRule]:
        """The rules whose layout can start with the first character of line ``index``."""
        return self._index.rules_for(self.text(index))

    def starts_here(self, rule: BlockRule, index: int) -> bool:
        """Whether ``rule``'s layout starts at ``index`` (asked without reading it)."""
        test = rule.starts or rule.match
        return bool(test(self, index))

    def interrupts(self, index: int) -> bool:
        """Whether a rule that may end a paragraph starts at ``index``."""
        return any(
            self.starts_here(rule, index) for rule in self._index.interrupters_for(self.text(index))
        )

    def transparent(self, index: int) -> int | None:
        """Where the lines that are not part of the text (a preprocessor line, a comment)
        starting at ``index`` end; ``None`` when ``index`` is text."""
        for rule in self._index.transparent_for(self.text(index)):
            found = rule.match(self, index)
            if found is not None and found.end > index:
                return found.end
        return None

    def read_nested(
        self, lines: Sequence[TextLine], attributes: Mapping[str, str] | None = None
    ) -> tuple[StructuredBlock, ...]:
        """The blocks of a container's body, read with the same rules; ``attributes`` apply
        to its first block (a directive's title for the table inside it)."""
        if self.depth >= MAX_NESTING:
            return _plain_paragraphs(lines)
        nested = LineState(
            tuple(lines),
            self.rules,
            self.markup,
            pending_attributes=dict(attributes or {}),
            memory=self.memory,
            outline=self.outline,
            heading_styles=self.heading_styles,
            depth=self.depth + 1,
        )
        return read_blocks(nested)


def _plain_paragraphs(lines: Sequence[TextLine]) -> tuple[StructuredBlock, ...]:
    """Runs of non-blank lines as paragraphs, with no rule asked."""
    out: list[StructuredBlock] = []
    run: list[TextLine] = []
    for line in [*lines, TextLine(0, "")]:
        if line.text.strip():
            run.append(line)
        elif run:
            out.append(Paragraph(tuple(run)))
            run = []
    return tuple(out)


class RuleIndex:
    """Which rules to ask at a line, by the line's first non-space character: most lines are
    prose that starts with a letter, and most layouts cannot start with one."""

    _cache: ClassVar[dict[int, RuleIndex]] = {}

    def __init__(self, rules: Sequence[BlockRule]) -> None:
        self.source = rules
        self.rules = tuple(rules)
        self._by_char: dict[str, tuple[tuple[BlockRule, ...], ...]] = {}

    @classmethod
    def of(cls, rules: Sequence[BlockRule]) -> RuleIndex:
        key = id(rules)
        index = cls._cache.get(key)
        if index is None or index.source is not rules or index.rules != tuple(rules):
            index = cls._cache[key] = RuleIndex(rules)
        return index

    def _groups(self, text: str) -> tuple[tuple[BlockRule, ...], ...]:
        char = text.lstrip()[:1]
        if not char.isalnum():
            pass  # each mark is its own group
        elif char.isdigit():
            char = "0"
        else:
            char = "a" if char.islower() else "A"
        groups = self._by_char.get(char)
        if groups is None:
            found = tuple(rule for rule in self.rules if rule.may_start_with(text.lstrip()[:1]))
            groups = (
                found,
                tuple(rule for rule in found if rule.interrupts_paragraph),
                tuple(rule for rule in found if rule.transparent),
            )
            self._by_char[char] = groups
        return groups

    def rules_for(self, text: str) -> tuple[BlockRule, ...]:
        return self._groups(text)[0]

    def interrupters_for(self, text: str) -> tuple[BlockRule, ...]:
        return self._groups(text)[1]

    def transparent_for(self, text: str) -> tuple[BlockRule, ...]:
        return self._groups(text)[2]


@dataclass(frozen=True)
class RuleMatch:
    """What a rule read: the blocks (none for dropped lines), the first line it did not use,
    and attributes for the next block (an AsciiDoc attribute or title line)."""

    blocks: tuple[StructuredBlock, ...]
    end: int
    attributes: Mapping[str, str] | None = None


RuleFunction = Callable[[LineState, int], RuleMatch | None]
StartTest = Callable[[LineState, int], bool]


@dataclass(frozen=True)
class BlockRule:
    """One layout: its name (for fixtures and debugging), the function, and how it relates to
    paragraphs. ``starts`` is a cheap test of whether the layout begins at a line, used when a
    paragraph asks; without it the rule itself is asked."""

    name: str
    match: RuleFunction
    interrupts_paragraph: bool = False
    transparent: bool = False
    starts: StartTest | None = None
    # The characters the layout's first line can start with (after its indentation);
    # empty when it can start with anything. Lets the rules skip lines they cannot read.
    first: str = ""

    def may_start_with(self, char: str) -> bool:
        if not self.first:
            return True
        if not char:  # a blank line
            return False
        if char.isalnum():  # letters and digits are grouped: "a" any lower case, "0" digits
            return any(_same_group(char, mark) for mark in self.first)
        return char in self.first


def read_blocks(state: LineState) -> tuple[StructuredBlock, ...]:
    """Run the state's rules over its lines: the first rule that matches a line reads it."""
    blocks: list[StructuredBlock] = []
    index = 0
    while index < len(state):
        match = _first_match(state, index)
        if match is None or match.end <= index:
            index += 1  # no rule claims the line (cannot happen with the paragraph rule)
            continue
        if match.attributes is not None:
            if "title" in match.attributes:  # a title whose block showed nothing (an image)
                blocks.extend(_pending_caption(state))
            state.pending_attributes.update(match.attributes)
        if match.blocks:
            blocks.extend(_apply_title(state, match.blocks))
            state.pending_attributes.clear()
        index = match.end
    blocks.extend(_pending_caption(state))  # a title with no block below still names something
    return tuple(blocks)


def _pending_caption(state: LineState) -> list[Caption]:
    title = state.pending_attributes.pop("title", "")
    line = int(state.pending_attributes.pop("title_line", "0"))
    return [Caption(title, line)] if title else []


def _first_match(state: LineState, index: int) -> RuleMatch | None:
    for rule in state.candidates(index):
        found = rule.match(state, index)
        if found is not None:
            return found
    return None


def _apply_title(
    state: LineState, blocks: tuple[StructuredBlock, ...]
) -> tuple[StructuredBlock, ...]:
    """A pending ``.Title`` names the table below it; above anything else it is a caption."""
    title = state.pending_attributes.get("title")
    if not title:
        return blocks
    first = blocks[0]
    if isinstance(first, Table) and first.title is None:
        return (replace(first, title=title), *blocks[1:])
    line = int(state.pending_attributes.get("title_line", "0")) or _line_of(first)
    return (Caption(title, line), *blocks)


def _line_of(block: StructuredBlock) -> int:
    return block.line


def dedented(lines: Sequence[TextLine], width: int) -> tuple[TextLine, ...]:
    """Lines with ``width`` columns of indentation removed (tabs count as four)."""
    out: list[TextLine] = []
    for line in lines:
        text = line.text.expandtabs(4)
        cut = min(width, len(text) - len(text.lstrip(" ")))
        out.append(TextLine(line.line, text[cut:]))
    return tuple(out)


def indented_block(state: LineState, start: int, minimum: int) -> int:
    """The end of the block of lines from ``start`` indented at least ``minimum`` columns
    (blank lines inside it included, trailing blank lines left out)."""
    end = start
    last = start
    while end < len(state):
        if state.blank(end):
            end += 1
            continue
        if state.indent(end) < minimum:
            break
        end += 1
        last = end
    return last


def min_indent(state: LineState, start: int, end: int) -> int:
    """The smallest indentation of the non-blank lines in ``start:end``."""
    widths = [state.indent(index) for index in range(start, end) if not state.blank(index)]
    return min(widths) if widths else 0


def closing_line(state: LineState, start: int, delimiter: str) -> int:
    """The index of the first line after ``start`` that is exactly ``delimiter`` (trailing
    spaces aside); ``len(state)`` when the block is never closed (it runs to the end)."""
    found = state.next_where(
        ("closing", delimiter), lambda index: state.text(index).rstrip() == delimiter, start
    )
    return len(state) if found is None else found


def _same_group(char: str, mark: str) -> bool:
    """Letters and digits as :class:`RuleIndex` groups them."""
    if char.isdigit():
        return mark.isdigit()
    if char.islower():
        return mark.islower()
    if char.isupper():
        return mark.isupper()
    return char == mark

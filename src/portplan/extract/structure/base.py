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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from portplan.extract.document import Caption, StructuredBlock, Table, TextLine

# The lightweight markup a text is written in, as far as the document shows it. Most rules do
# not need it; it settles the few layouts the languages spell alike (``----`` is a listing in
# AsciiDoc, a heading underline in reStructuredText, a rule line in Markdown).
Markup = Literal["markdown", "asciidoc", "rst", "plain"]


@dataclass
class LineState:
    """The text lines of one run, and what earlier rules left for later ones."""

    lines: tuple[TextLine, ...]
    rules: Sequence[BlockRule] = ()
    markup: Markup = "plain"
    # Block attributes written above a block ("[cols=...,options="header"]", ".Caption",
    # "[source,sh]", "[NOTE]"), kept until the block they belong to is read.
    pending_attributes: dict[str, str] = field(default_factory=dict)
    # Heading adornment styles in the order they first appeared (reStructuredText levels).
    heading_styles: list[str] = field(default_factory=list)
    # True for a container's body: front matter and other start-of-document layouts do not
    # apply there.
    nested: bool = False

    def text(self, index: int) -> str:
        return self.lines[index].text if 0 <= index < len(self.lines) else ""

    def stripped(self, index: int) -> str:
        return self.text(index).strip()

    def blank(self, index: int) -> bool:
        return not self.text(index).strip()

    def indent(self, index: int) -> int:
        text = self.text(index).expandtabs(4)
        return len(text) - len(text.lstrip(" "))

    def line(self, index: int) -> int:
        return self.lines[index].line

    def __len__(self) -> int:
        return len(self.lines)

    def starts_here(self, rule: BlockRule, index: int) -> bool:
        """Whether ``rule``'s layout starts at ``index`` (asked without reading it)."""
        test = rule.starts or rule.match
        return bool(test(self, index))

    def interrupts(self, index: int) -> bool:
        """Whether a rule that may end a paragraph starts at ``index``."""
        return any(
            self.starts_here(rule, index) for rule in self.rules if rule.interrupts_paragraph
        )

    def transparent(self, index: int) -> int | None:
        """Where the lines that are not part of the text (a preprocessor line, a comment)
        starting at ``index`` end; ``None`` when ``index`` is text."""
        for rule in self.rules:
            if rule.transparent:
                found = rule.match(self, index)
                if found is not None and found.end > index:
                    return found.end
        return None

    def read_nested(
        self, lines: Sequence[TextLine], attributes: Mapping[str, str] | None = None
    ) -> tuple[StructuredBlock, ...]:
        """The blocks of a container's body, read with the same rules; ``attributes`` apply
        to its first block (a directive's title for the table inside it)."""
        nested = LineState(
            tuple(lines),
            self.rules,
            self.markup,
            dict(attributes or {}),
            self.heading_styles,
            nested=True,
        )
        return read_blocks(nested)


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
    for rule in state.rules:
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
    for index in range(start + 1, len(state)):
        if state.text(index).rstrip() == delimiter:
            return index
    return len(state)

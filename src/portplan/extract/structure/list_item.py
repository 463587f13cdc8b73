"""Lists: bullets (``-``, ``*``, ``+``, ``•``, ``·``, ``◦``, ``–``…), numbers (``1.``, ``1)``,
``#.``, ``a.``, ``(a)``) and AsciiDoc's ``*``/``**`` and ``.``/``..`` markers.

Each item is a container: its text after the marker, the lines indented under it (to where
its text starts) and its lazy continuation lines are read again by the rules, so an item can
hold further paragraphs, nested lists, code or tables. The item's own text (the paragraph it
starts with) becomes its ``lines``, without the marker, each line keeping its number.

Depth: AsciiDoc counts marks (``**`` is one deeper than ``*``); elsewhere indentation decides,
both for items indented under an item's text (nested in it) and for items indented less than
that but more than the item above (as loose authors indent sub-items).

A numbered item interrupts a paragraph only when it is number 1 (or ``a``, ``#``) or the line
above ends with ``:`` (wrapped plain text may start a line with "2. "); an AsciiDoc ``+`` line
attaches the next block to the item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from portplan.extract.document import ListItem, Paragraph, StructuredBlock, TextLine
from portplan.extract.structure.base import LineState, RuleMatch
from portplan.extract.structure.paragraph import ends_plain_paragraph

_BULLETS = "-*+•·◦–▪‣○■✓✔➢►"
_MARKER = re.compile(
    r"^(\s*)([-*+•·◦–▪‣○■✓✔➢►]|\d{1,3}[.)]|#\.|[a-zA-Z][.)]|\((?:\d{1,3}|[a-zA-Z])\))([ \t]+)(?=\S)"
)
_ASCIIDOC_MARKER = re.compile(r"^(\s*)(\*{1,5}|\.{1,5})([ \t]+)(?=\S)")
_FIRST = re.compile(r"^(?:1|[aA]|#)[.)]$|^\((?:1|[aA])\)$")
_CODE_GAP = 4  # more spaces than this after a marker start indented code inside the item


@dataclass(frozen=True)
class _Marker:
    indent: int  # where the marker stands
    marker: str  # as ListItem.marker: "-", "1.", "a)", "#."
    content: int  # where the item's text starts (continuation lines indent to here)
    depth: int  # AsciiDoc: marks beyond the first
    text: str  # the first line's text after the marker


def _marker(state: LineState, index: int) -> _Marker | None:
    text = state.text(index)
    first = text.lstrip()[:2]
    if first[:1].isalpha() and first[1:] not in (".", ")"):
        return None  # a word, not a lettered marker (the common case, tested first)
    text = text.expandtabs(4)
    if state.markup == "asciidoc":
        found = _ASCIIDOC_MARKER.match(text)
        if found:
            marks = found.group(2)
            marker = "#." if marks[0] == "." else "*"
            return _Marker(
                len(found.group(1)), marker, found.end(), len(marks) - 1, text[found.end() :]
            )
    found = _MARKER.match(text)
    if found is None:
        return None
    indent, marker, gap = len(found.group(1)), found.group(2), found.group(3)
    content = found.end() if len(gap) <= _CODE_GAP else found.start(3) + 1
    if marker.startswith("("):
        marker = marker[1:]
    return _Marker(indent, marker, content, 0, text[content:].strip())


def starts(state: LineState, start: int) -> bool:
    """An item that may end a paragraph: a bullet, a first number, or any after a ":"."""
    found = _marker(state, start)
    if found is None:
        return False
    if found.marker[0] in _BULLETS or found.marker == "#." or _FIRST.match(found.marker):
        return True
    return state.text(start - 1).rstrip().endswith(":")


def list_item(state: LineState, start: int) -> RuleMatch | None:
    """The list starting at ``start``: items at the same or a looser indentation, blank lines
    between them allowed."""
    first = _marker(state, start)
    if first is None:
        return None
    blocks: list[StructuredBlock] = []
    indents: list[int] = []
    index, end = start, start
    found: _Marker | None = first
    while found is not None:
        while indents and indents[-1] > found.indent:
            indents.pop()
        if not indents or indents[-1] < found.indent:
            indents.append(found.indent)
        end = _item_end(state, index, found)
        blocks.extend(_item_blocks(state, index, end, found, len(indents) - 1 + found.depth))
        index = end
        while index < len(state) and state.blank(index):
            index += 1
        found = _marker(state, index) if index < len(state) else None
    return RuleMatch(tuple(blocks), end)


def _item_end(state: LineState, start: int, item: _Marker) -> int:
    """The index after the item's last line."""
    end = index = start + 1
    after_blank = attached = False
    while index < len(state):
        if state.blank(index):
            after_blank, attached = True, False
            index += 1
            continue
        if state.markup == "asciidoc" and state.stripped(index) == "+":
            attached, after_blank = True, False
            index += 1
            continue
        if state.indent(index) < item.content:
            if _marker(state, index) is not None:
                break  # the next item at this level or above
            if not attached and (after_blank or _ends_item(state, index, start, end, item)):
                break
        index += 1
        end = index
        after_blank = False
    return end


def _ends_item(state: LineState, index: int, start: int, end: int, item: _Marker) -> bool:
    """Whether a line indented less than the item's text ends it (a lazy line continues it).
    In plain text the item's text is a paragraph, ended as plain paragraphs end."""
    if state.interrupts(index):
        return state.transparent(index) is None
    if state.markup == "plain":
        lines = [TextLine(state.line(start), item.text)]
        if end - 1 > start:
            lines.append(state.lines[end - 1])
        return ends_plain_paragraph(lines, state.stripped(index))
    return False


def _item_blocks(
    state: LineState, start: int, end: int, item: _Marker, depth: int
) -> list[StructuredBlock]:
    """The item and what its body holds besides its own text (nested lists, code…)."""
    first = TextLine(state.line(start), item.text)
    if end == start + 1 and item.text[:1].isalpha() and item.text[1:2] not in (".", ")"):
        return [ListItem(depth, item.marker, (first,))]  # one line of text: nothing to nest
    body = [first]
    for index in range(start + 1, end):
        text = state.text(index).expandtabs(4)
        if state.markup == "asciidoc" and text.strip() == "+":
            continue
        cut = item.content if state.indent(index) >= item.content else state.indent(index)
        body.append(TextLine(state.line(index), text[cut:]))
    nested = list(state.read_nested(body))
    lines: tuple[TextLine, ...] = ()
    while nested:  # its text, over blank lines too
        block = nested[0]
        if not isinstance(block, Paragraph):
            break
        lines += block.lines
        nested.pop(0)
    if not lines:  # the item's text starts with another block (a table, a fence)
        lines = (body[0],)
    shifted: list[StructuredBlock] = [
        replace(block, depth=block.depth + depth + 1) if isinstance(block, ListItem) else block
        for block in nested
    ]
    return [ListItem(depth, item.marker, lines), *shifted]

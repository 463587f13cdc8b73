"""reStructuredText literal blocks: a paragraph that ends with ``::`` introduces the indented
block after it, which is code. (The paragraph itself is the paragraph rule's.) A ``::`` alone
on its line after a blank line only introduces the block and produces nothing."""

from __future__ import annotations

from portplan.extract.document import CodeBlock
from portplan.extract.structure.base import (
    LineState,
    RuleMatch,
    dedented,
    indented_block,
    min_indent,
)

_LOOK_BACK = 4  # blank lines allowed between the "::" paragraph and its block


def rst_literal(state: LineState, start: int) -> RuleMatch | None:
    if state.markup != "rst" or state.blank(start):
        return None
    if state.stripped(start) == "::":  # the expanded form: the marker alone shows nothing
        return RuleMatch((), start + 1)
    outer = _marker_indent(state, start)
    if outer is None or state.indent(start) <= outer:
        return None
    end = indented_block(state, start, outer + 1)
    lines = dedented(state.lines[start:end], min_indent(state, start, end))
    return RuleMatch((CodeBlock(lines),), end)


def _marker_indent(state: LineState, start: int) -> int | None:
    """The indentation of the paragraph above ``start`` (across blank lines) when it ends
    with "::"."""
    index = start - 1
    while index >= 0 and start - index <= _LOOK_BACK and state.blank(index):
        index -= 1
    if index < 0 or index == start - 1 or not state.text(index).rstrip().endswith("::"):
        return None
    return state.indent(index)

"""reStructuredText block quotes: an indented block after a blank line. Its body is read again
by the rules, so the blocks inside appear in place. (An indented block directly under a line,
without a blank line between, is that line's definition: the definition-list rule's.)"""

from __future__ import annotations

from portplan.extract.structure.base import (
    LineState,
    RuleMatch,
    dedented,
    indented_block,
    min_indent,
)


def rst_block_quote(state: LineState, start: int) -> RuleMatch | None:
    if state.markup != "rst" or state.blank(start) or state.indent(start) == 0:
        return None
    if start > 0 and not state.blank(start - 1):
        return None
    end = indented_block(state, start, 1)
    lines = dedented(state.lines[start:end], min_indent(state, start, end))
    return RuleMatch(state.read_nested(lines), end)

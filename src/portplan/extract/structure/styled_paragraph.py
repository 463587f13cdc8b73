"""An AsciiDoc paragraph under a ``[source,sh]``, ``[listing]`` or ``[literal]`` line is code,
written without delimiters; it becomes a :class:`~portplan.extract.document.CodeBlock`."""

from __future__ import annotations

from portplan.extract.document import CodeBlock
from portplan.extract.structure.base import LineState, RuleMatch
from portplan.extract.structure.paragraph import paragraph_lines

_CODE_STYLES = frozenset({"source", "listing", "literal"})


def styled_paragraph(state: LineState, start: int) -> RuleMatch | None:
    if state.blank(start) or state.pending_attributes.get("style") not in _CODE_STYLES:
        return None
    lines, end = paragraph_lines(state, start)
    language = state.pending_attributes.get("language", "")
    return RuleMatch((CodeBlock(tuple(lines), language),), end)

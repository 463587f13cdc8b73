"""Indented code: in Markdown a block indented by four spaces (or a tab) after a blank line, in
AsciiDoc an indented "literal paragraph". A list item's indented continuation is the list
rule's (it comes first), and an indented line cannot interrupt a paragraph, so what reaches
this rule cannot be a list continuation. Plain text indents for layout, not for code, and
reStructuredText indents block quotes; neither is read here."""

from __future__ import annotations

from portplan.extract.document import CodeBlock
from portplan.extract.structure.base import (
    LineState,
    RuleMatch,
    dedented,
    indented_block,
    min_indent,
)

_MARKDOWN_CODE_INDENT = 4


def indented_code(state: LineState, start: int) -> RuleMatch | None:
    if state.markup not in ("markdown", "asciidoc") or state.blank(start):
        return None
    minimum = _MARKDOWN_CODE_INDENT if state.markup == "markdown" else 1
    if state.indent(start) < minimum:
        return None
    end = indented_block(state, start, minimum)
    if state.markup == "asciidoc":  # a literal paragraph ends at a blank line
        end = next((i for i in range(start, end) if state.blank(i)), end)
    lines = dedented(state.lines[start:end], min_indent(state, start, end))
    return RuleMatch((CodeBlock(lines),), end)

"""Rule lines: a line of one repeated mark (``---``, ``***``, ``___``, ``- - -``; AsciiDoc
``'''`` and ``<<<``; a reStructuredText transition of any punctuation; a plain text's
``=====`` separator) shows a line across the page and holds no text, so it produces no block.

A mark run under a text line is a heading underline, and AsciiDoc's ``----``, ``====``,
``****``, ``____`` and ``....`` delimit blocks: those rules come before this one.
"""

from __future__ import annotations

import re

from portplan.extract.structure.base import LineState, RuleMatch

_BREAK = re.compile(r"^ {0,3}([-*_=~^+#.:'\"`<>])(?:[ \t]*\1){2,}[ \t]*$")


def thematic_break(state: LineState, start: int) -> RuleMatch | None:
    text = state.text(start)
    if text[:4].strip()[:1] and _BREAK.match(text):
        return RuleMatch((), start + 1)
    return None

"""Markdown link reference definitions: ``[1]: /path`` or ``[name]: https://… "Title"``.
They give the target of ``[text][1]`` links and show nothing. Footnote definitions
(``[^1]: text``) are text and stay."""

from __future__ import annotations

import re

from portplan.extract.structure.base import LineState, RuleMatch

_DEFINITION = re.compile(
    r"^ {0,3}\[(?!\^)[^\[\]]+\]:\s*\S+(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^()]*\)))?\s*$"
)


def link_reference(state: LineState, start: int) -> RuleMatch | None:
    text = state.text(start)
    if "]:" in text and _DEFINITION.match(text):
        return RuleMatch((), start + 1)
    return None

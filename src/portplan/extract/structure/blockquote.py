"""Markdown block quotes: ``>`` lines, whose body is read again by the rules (its blocks
appear in place). A line without ``>`` that carries a quoted paragraph on is part of it; a
GitHub alert's ``[!NOTE]`` label is dropped."""

from __future__ import annotations

import re

from portplan.extract.document import TextLine
from portplan.extract.structure.base import LineState, RuleMatch

_QUOTE = re.compile(r"^ {0,3}> ?")
_ALERT = re.compile(r"^\s*\[!\w+\]\s*$")


def starts(state: LineState, start: int) -> bool:
    return state.text(start).lstrip(" ")[:1] == ">" and _QUOTE.match(state.text(start)) is not None


def blockquote(state: LineState, start: int) -> RuleMatch | None:
    if not starts(state, start):
        return None
    body: list[TextLine] = []
    end = start
    while end < len(state) and not state.blank(end):
        text = state.text(end)
        quoted = _QUOTE.match(text)
        if quoted is not None:
            body.append(TextLine(state.line(end), text[quoted.end() :]))
        elif state.interrupts(end) or not body or not body[-1].text.strip():
            break
        else:  # a lazy continuation line of the quoted paragraph
            body.append(state.lines[end])
        end += 1
    kept = [line for line in body if not _ALERT.match(line.text)]
    return RuleMatch(state.read_nested(kept), end)

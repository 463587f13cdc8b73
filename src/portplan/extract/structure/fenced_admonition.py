"""Docusaurus admonitions: ``:::note`` (or ``:::tip Title``) … ``:::``. The body is read again
by the rules; the fences and the label produce nothing. An unclosed one runs to the end."""

from __future__ import annotations

import re

from portplan.extract.structure.base import LineState, RuleMatch

_OPEN = re.compile(r"^ {0,3}(:{3,})[ \t]*\w")


def starts(state: LineState, start: int) -> bool:
    text = state.text(start)
    return text.lstrip(" ")[:3] == ":::" and _OPEN.match(text) is not None


def fenced_admonition(state: LineState, start: int) -> RuleMatch | None:
    if not starts(state, start):
        return None
    found = _OPEN.match(state.text(start))
    assert found is not None
    marks = found.group(1)
    closing = state.next_where(
        ("admonition", marks), lambda line: state.stripped(line) == marks, start
    )
    end = len(state) if closing is None else closing
    return RuleMatch(state.read_nested(state.lines[start + 1 : end]), min(end + 1, len(state)))

"""Markdown ATX headings: ``# Title`` … ``###### Title`` (level = the number of ``#``), with an
optional closing run of ``#``. An empty heading (``##`` alone) produces no block."""

from __future__ import annotations

import re

from portplan.extract.document import Heading
from portplan.extract.inline import clean_inline
from portplan.extract.structure.base import LineState, RuleMatch

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")


def atx_heading(state: LineState, start: int) -> RuleMatch | None:
    text = state.text(start)
    if "#" not in text[:4]:
        return None
    found = _ATX.match(text)
    if found is None:
        return None
    title = clean_inline(found.group(2) or "")
    if not title:
        return RuleMatch((), start + 1)
    return RuleMatch((Heading(len(found.group(1)), title, state.line(start)),), start + 1)

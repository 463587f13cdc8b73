"""reStructuredText comments and hyperlink targets: ``.. _label:``, ``.. __: url``,
``.. a comment`` (and a bare ``..`` with an indented block under it) produce no block,
together with the lines indented under them.

Directives (``.. name::``), footnotes and citations (``.. [1] text``) are other rules'.
"""

from __future__ import annotations

import re

from portplan.extract.structure.base import LineState, RuleMatch, indented_block
from portplan.extract.structure.directive import directive_name

_EXPLICIT = re.compile(r"^(\s*)\.\.(?:\s|$)")
_FOOTNOTE = re.compile(r"^\s*\.\.\s+\[[^\]]+\]\s")


def rst_comment(state: LineState, start: int) -> RuleMatch | None:
    text = state.text(start)
    found = _EXPLICIT.match(text)
    if found is None or _FOOTNOTE.match(text) or directive_name(state, start) is not None:
        return None
    own_indent = len(found.group(1).expandtabs(4))
    return RuleMatch((), max(start + 1, indented_block(state, start + 1, own_indent + 1)))

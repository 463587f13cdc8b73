"""AsciiDoc attribute entries: ``:name: value`` (and ``:name!:``) set document attributes and
show nothing. A value continued with `` \\`` at the end of the line takes the next line too.

reStructuredText writes field lists the same way (``:Port: 8080``) and those are content, so
the rule does not apply to reStructuredText.
"""

from __future__ import annotations

import re

from portplan.extract.structure.base import LineState, RuleMatch

_ENTRY = re.compile(r"^:!?\w[\w-]*!?:(?:\s|$)")


def attribute_entry(state: LineState, start: int) -> RuleMatch | None:
    text = state.text(start)
    if not text.startswith(":") or state.markup == "rst" or not _ENTRY.match(text):
        return None
    end = start + 1
    while text.rstrip().endswith((" \\", " +")) and end < len(state):
        text = state.text(end)
        end += 1
    return RuleMatch((), end)

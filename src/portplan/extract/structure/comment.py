"""AsciiDoc comments: ``// a line`` and ``////`` … ``////`` blocks produce no block.

A comment is not part of the text around it, so the rule is transparent: a paragraph or a
table row carries on over a comment line. ``//`` must start the line; ``///`` and more
slashes open a block only when the line holds nothing else.
"""

from __future__ import annotations

import re

from portplan.extract.structure.base import LineState, RuleMatch, closing_line

_BLOCK = re.compile(r"^/{4,}\s*$")
# In AsciiDoc any "//" line is a comment; elsewhere only "// text" (not "//host/share").
_LINE_ASCIIDOC = re.compile(r"^//(?!/)")
_LINE_OTHER = re.compile(r"^//(?:\s|$)")


def comment(state: LineState, start: int) -> RuleMatch | None:
    text = state.text(start)
    if not text.startswith("//"):
        return None
    if _BLOCK.match(text):
        end = closing_line(state, start, text.rstrip())  # an unclosed block runs to the end
        return RuleMatch((), min(end + 1, len(state)))
    line = _LINE_ASCIIDOC if state.markup == "asciidoc" else _LINE_OTHER
    if line.match(text):
        return RuleMatch((), start + 1)
    return None

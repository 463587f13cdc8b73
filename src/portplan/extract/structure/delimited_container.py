"""AsciiDoc blocks whose body is ordinary content: example ``====`` (an admonition when a
``[NOTE]``/``[TIP]``… line is above it), sidebar ``****``, quote ``____``, open ``--`` and
passthrough ``++++`` blocks. The body is read again by the rules; its blocks appear in place
and the delimiters (and an admonition's label) produce nothing. A block left open runs to the
end of the document.
"""

from __future__ import annotations

import re

from portplan.extract.structure.base import LineState, RuleMatch, closing_line

_DELIMITER = re.compile(r"^(={4,}|\*{4,}|_{4,}|\+{4,}|--)\s*$")


def starts(state: LineState, start: int) -> bool:
    text = state.text(start)
    return state.markup == "asciidoc" and text[:1] in "=*_+-" and _DELIMITER.match(text) is not None


def delimited_container(state: LineState, start: int) -> RuleMatch | None:
    if not starts(state, start):
        return None
    end = closing_line(state, start, state.text(start).rstrip())
    body = state.read_nested(state.lines[start + 1 : end])
    return RuleMatch(body, min(end + 1, len(state)))

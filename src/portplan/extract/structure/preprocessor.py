"""AsciiDoc preprocessor lines: ``ifdef::…[]``, ``ifndef``, ``ifeval``, ``endif::…[]`` and
``include::…[]`` produce no block.

The preprocessor runs before the document is parsed, so the text on both sides of such a line
is one text: the rule is transparent (a paragraph or a table carries on over it). Conditional
content is kept whatever the condition, since a reader of any edition may need it.
"""

from __future__ import annotations

import re

from portplan.extract.structure.base import LineState, RuleMatch

_DIRECTIVE = re.compile(r"^(?:ifn?def|ifeval|endif|include)::[^\[\s]*\[[^\]]*\]\s*$")


def preprocessor(state: LineState, start: int) -> RuleMatch | None:
    text = state.text(start)
    if text[:1] in ("i", "e") and _DIRECTIVE.match(text):
        return RuleMatch((), start + 1)
    return None

"""reStructuredText directives that show no text of the document: images, the table of
contents, index entries, metadata, raw output, included files, substitution definitions.
They produce no block, with their options and body; a figure's caption (the paragraph in its
body) is kept as a :class:`~portplan.extract.document.Caption`.
"""

from __future__ import annotations

from portplan.extract.document import Caption
from portplan.extract.inline import clean_inline
from portplan.extract.structure.base import LineState, RuleMatch
from portplan.extract.structure.directive import directive_name, read_directive

DROPPED = frozenset(
    {
        "image",
        "figure",
        "toctree",
        "contents",
        "index",
        "meta",
        "highlight",
        "raw",
        "include",
        "literalinclude",
        "sectnum",
        "tabularcolumns",
        "default-role",
        "role",
        "title",
        "header",
        "footer",
        "replace",
        "unicode",
        "date",
        "target-notes",
    }
)


def rst_dropped_directive(state: LineState, start: int) -> RuleMatch | None:
    name = directive_name(state, start)
    if name is None or (name not in DROPPED and "|" not in state.text(start)):
        return None
    directive = read_directive(state, start)
    if directive is None or not (directive.substitution or name in DROPPED):
        return None
    if name == "figure" and directive.body:
        caption = []
        for line in directive.body:
            if not line.text.strip():
                break
            caption.append(line.text.strip())
        first = directive.body[0].line
        return RuleMatch((Caption(clean_inline(" ".join(caption)), first),), directive.end)
    return RuleMatch((), directive.end)

"""AsciiDoc listing and literal blocks: ``----`` … ``----`` and ``....`` … ``....`` (four or
more marks; the closing line repeats the opening one exactly). A ``[source,sh]`` line above
gives the language. A block left open runs to the end of the document, as Asciidoctor reads it.
"""

from __future__ import annotations

import re

from portplan.extract.document import CodeBlock
from portplan.extract.structure.base import LineState, RuleMatch, closing_line

_DELIMITER = re.compile(r"^(-{4,}|\.{4,})\s*$")


def starts(state: LineState, start: int) -> bool:
    text = state.text(start)
    return state.markup == "asciidoc" and text[:1] in "-." and _DELIMITER.match(text) is not None


def delimited_code(state: LineState, start: int) -> RuleMatch | None:
    if not starts(state, start):
        return None
    delimiter = state.text(start).rstrip()
    end = closing_line(state, start, delimiter)
    language = state.pending_attributes.get("language", "")
    return RuleMatch((CodeBlock(state.lines[start + 1 : end], language),), min(end + 1, len(state)))

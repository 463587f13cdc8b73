"""Admonition paragraphs: ``NOTE: text``, ``TIP:``, ``IMPORTANT:``, ``WARNING:``, ``CAUTION:``
(AsciiDoc's spelling, common in plain text too). The paragraph is read without its label,
which says how to read the text but is not part of it; the first line keeps its number."""

from __future__ import annotations

import re

from portplan.extract.document import Paragraph, TextLine
from portplan.extract.structure.base import LineState, RuleMatch
from portplan.extract.structure.paragraph import paragraph_lines

_LABEL = re.compile(r"^\s*(?:NOTE|TIP|IMPORTANT|WARNING|CAUTION):\s+(?=\S)")


def admonition_paragraph(state: LineState, start: int) -> RuleMatch | None:
    text = state.text(start)
    found = _LABEL.match(text)
    if found is None:
        return None
    lines, end = paragraph_lines(state, start)
    first = TextLine(lines[0].line, text[found.end() :])
    return RuleMatch((Paragraph((first, *lines[1:])),), end)

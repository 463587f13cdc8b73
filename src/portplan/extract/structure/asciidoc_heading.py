"""AsciiDoc section titles: ``= Document title``, ``== Section`` … ``====== Section``; the level
is the number of ``=`` (so the document title is level 1, as in Markdown). A closing run of
``=`` (``== Title ==``, as wikis write it) is dropped. A line of ``=`` runs alone is a
delimiter or a table border, not a title. Markdown and reStructuredText have no such titles
(there, ``== text`` is a line of text), plain text from a wiki does."""

from __future__ import annotations

import re

from portplan.extract.document import Heading
from portplan.extract.inline import clean_inline
from portplan.extract.structure.base import LineState, RuleMatch

_TITLE = re.compile(r"^(={1,6})[ \t]+(.*?)(?:[ \t]+=+)?[ \t]*$")


def asciidoc_heading(state: LineState, start: int) -> RuleMatch | None:
    text = state.text(start)
    if not text.startswith("=") or state.markup in ("markdown", "rst"):
        return None
    found = _TITLE.match(text)
    if found is None or not found.group(2).strip("= \t"):
        return None
    title = clean_inline(found.group(2))
    return RuleMatch((Heading(len(found.group(1)), title, state.line(start)),), start + 1)

"""Front matter: a YAML (``---``) or TOML (``+++``) block of page settings at the very start.

Static site generators (Hugo, Docusaurus, Jekyll, MkDocs) read it; a person reading the page
never sees it, so it produces no block. It counts only on the document's first lines and only
when it closes and its first entry looks like a setting (``key: value`` or ``key = value``).
"""

from __future__ import annotations

import re

from portplan.extract.structure.base import LineState, RuleMatch

_DELIMITERS = {"---": ("---", "..."), "+++": ("+++",)}
_SETTING = re.compile(r"^\s*(?:[\w.-]+\s*[:=]|\[[\w.-]+\]\s*$|#)")
_LEADING_BLANKS = 3
_MAX_LINES = 400  # a settings block longer than this is not front matter


def front_matter(state: LineState, start: int) -> RuleMatch | None:
    opening = state.stripped(start)
    if opening not in _DELIMITERS or not _at_document_start(state, start):
        return None
    closing = _DELIMITERS[opening]
    for index in range(start + 1, min(len(state), start + _MAX_LINES)):
        text = state.stripped(index)
        if text in closing:
            first = next((i for i in range(start + 1, index) if not state.blank(i)), None)
            if first is not None and not _SETTING.match(state.text(first)):
                return None
            return RuleMatch((), index + 1)
    return None


def _at_document_start(state: LineState, start: int) -> bool:
    """``start`` is the first non-blank line of the document (not of a container's body)."""
    if state.nested or start > _LEADING_BLANKS or state.line(0) != 1:
        return False
    return all(state.blank(index) for index in range(start))

"""Captions: an AsciiDoc block title (``.Ports of the server``: a dot directly followed by a
letter) and a numbered table or figure title in any text (``Table 1. Ports used by …``,
``Table 3: …``, ``Table B-1. …``, ``Figure 2 – …``; ``Tabelle 1.``, ``Tableau 2 :`` alike).

An AsciiDoc title belongs to the block below it: above a table it becomes the table's title,
above anything else a :class:`~portplan.extract.document.Caption` before it (the rule hands
the title on as a pending attribute). A numbered caption is always its own Caption block: the
interpreter decides what it names.
"""

from __future__ import annotations

import re

from portplan.extract.document import Caption
from portplan.extract.inline import clean_inline
from portplan.extract.structure.base import LineState, RuleMatch

_BLOCK_TITLE = re.compile(r"^\.([A-Za-z{*_`\"'].*)$")
_NUMBERED = re.compile(
    r"^\s*(?:Table|Figure|Tab\.|Fig\.|Tabelle|Tableau|Tabla|Tabella|Tabel|Abbildung)"
    r"\s+(?:[A-Z]-?)?\d+(?:[-.]\d+)*\s*(?:[.:]|\s[–—-])\s*\S"
)
_LONGEST = 200  # a caption is a title, not a paragraph that starts with "Table 1:"


def starts(state: LineState, start: int) -> bool:
    text = state.text(start)
    if text.startswith(".") and state.markup == "asciidoc":
        return _BLOCK_TITLE.match(text) is not None and not text.startswith("..")
    return (
        text.lstrip()[:1] in ("T", "F", "A")
        and len(text) <= _LONGEST
        and bool(_NUMBERED.match(text))
    )


def caption(state: LineState, start: int) -> RuleMatch | None:
    if not starts(state, start):
        return None
    text = state.text(start)
    if text.startswith("."):
        title = clean_inline(text[1:])
        return RuleMatch((), start + 1, {"title": title, "title_line": str(state.line(start))})
    return RuleMatch((Caption(clean_inline(text), state.line(start)),), start + 1)

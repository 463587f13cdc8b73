"""Headings underlined (and in reStructuredText also overlined) with a run of one mark::

    Title            =======
    =====             Title
                     =======

Markdown (and plain text) underline with ``=`` (level 1) or ``-`` (level 2).
reStructuredText may use any punctuation, and as docutils does, the levels follow the order
in which each adornment style (the mark, with or without an overline) first appears.
AsciiDoc's ``----`` and ``====`` lines delimit blocks, so this rule does not apply there.
"""

from __future__ import annotations

import re

from portplan.extract.document import Heading
from portplan.extract.inline import clean_inline
from portplan.extract.structure.base import LineState, RuleMatch

_RUN = re.compile(r"^ {0,3}([!-/:-@\[-`{-~])\1*[ \t]*$")
_MARKDOWN_MARKS = "=-"
_SHORTEST = 3


def _mark(state: LineState, index: int) -> str | None:
    """The mark of an adornment line at ``index`` (a run of one punctuation character)."""
    text = state.text(index)
    if len(text.strip()) < 2:
        return None
    found = _RUN.match(text)
    if found is None:
        return None
    mark = found.group(1)
    if state.markup == "rst":
        return mark
    return mark if mark in _MARKDOWN_MARKS and state.markup != "asciidoc" else None


def _title_line(state: LineState, index: int, overlined: bool) -> bool:
    text = state.text(index)
    if not text.strip() or _RUN.match(text):
        return False
    limit = len(text) if overlined else (0 if state.markup == "rst" else 3)
    return state.indent(index) <= limit


def _underline(state: LineState, title: int, mark: str) -> bool:
    length = len(state.stripped(title + 1))
    return _mark(state, title + 1) == mark and length >= min(_SHORTEST, len(state.stripped(title)))


def starts(state: LineState, start: int) -> bool:
    return _shape(state, start) is not None


def _shape(state: LineState, start: int) -> tuple[str, int, bool] | None:
    """(mark, title index, overlined) when a heading starts at ``start``."""
    if state.markup == "rst" and not state.text(start).lstrip()[:1].isalnum():
        mark = _mark(state, start)
        if (
            mark is not None
            and _title_line(state, start + 1, overlined=True)
            and _mark(state, start + 2) == mark
        ):
            return mark, start + 1, True
    below = state.text(start + 1).lstrip()[:1]
    if not below or below.isalnum():
        return None  # no underline follows (the common case, tested first)
    if not _title_line(state, start, overlined=False):
        return None
    under = _mark(state, start + 1)
    if under is not None and _underline(state, start, under):
        return under, start, False
    return None


def underline_heading(state: LineState, start: int) -> RuleMatch | None:
    shape = _shape(state, start)
    if shape is None:
        return None
    mark, title, overlined = shape
    text = clean_inline(state.text(title))
    if state.markup == "rst":
        style = mark + ("/" if overlined else "")
        if style not in state.heading_styles:
            state.heading_styles.append(style)
        level = state.heading_styles.index(style) + 1
    else:
        level = 1 if mark == "=" else 2
    return RuleMatch((Heading(level, text, state.line(title)),), title + 2)

"""AsciiDoc description lists: ``term:: definition`` (also ``:::``, ``::::`` and ``;;`` for
deeper lists), or ``term::`` with the definition on the lines below it (until a blank line,
the next term or another block)."""

from __future__ import annotations

import re

from portplan.extract.document import DefinitionItem, TextLine
from portplan.extract.structure.base import LineState, RuleMatch

_TERM = re.compile(r"^\s*(\S.*?)(?::{2,4}|;;)(?:[ \t]+(\S.*))?\s*$")


def _term(state: LineState, index: int) -> re.Match[str] | None:
    text = state.text(index)
    if state.markup != "asciidoc" or ("::" not in text and ";;" not in text):
        return None
    return _TERM.match(text)


def starts(state: LineState, start: int) -> bool:
    return _term(state, start) is not None


def asciidoc_definition(state: LineState, start: int) -> RuleMatch | None:
    found = _term(state, start)
    if found is None:
        return None
    term = TextLine(state.line(start), found.group(1).strip())
    lines: list[TextLine] = []
    if found.group(2):
        lines.append(TextLine(state.line(start), found.group(2)))
    index = start + 1
    if not lines and index < len(state) and state.blank(index):
        index += 1  # the definition may start after one blank line
    while index < len(state) and not state.blank(index):
        if _term(state, index) is not None or state.interrupts(index):
            break
        lines.append(TextLine(state.line(index), state.stripped(index)))
        index += 1
    return RuleMatch((DefinitionItem(term, tuple(lines)),), index)

"""Definition lists written with a colon (PHP Markdown Extra, Hugo, Pandoc)::

    443/tcp
    : Port for most agent data.<br>
      See the endpoint list.

A term line, then (directly or after one blank line) lines starting with ``:``. A
definition's further lines (indented or lazy) join it; a second ``:`` line is a second
definition of the same term. Lines keep their raw text (``<br>`` included).
"""

from __future__ import annotations

import re

from portplan.extract.document import DefinitionItem, TextLine
from portplan.extract.structure.base import LineState, RuleMatch

_DEFINITION = re.compile(r"^ {0,3}:[ \t]+(?=\S)")


def _definition_at(state: LineState, index: int) -> bool:
    text = state.text(index)
    return text.lstrip(" ")[:1] == ":" and _DEFINITION.match(text) is not None


def starts(state: LineState, start: int) -> bool:
    """A term line directly followed by a definition (the form that may end a paragraph)."""
    return (
        not state.blank(start)
        and not _definition_at(state, start)
        and _definition_at(state, start + 1)
    )


def colon_definition(state: LineState, start: int) -> RuleMatch | None:
    if state.blank(start) or _definition_at(state, start):
        return None
    first = start + 1
    if state.blank(first) and _definition_at(state, first + 1):
        first += 1
    if not _definition_at(state, first):
        return None
    term = TextLine(state.line(start), state.stripped(start))
    items: list[DefinitionItem] = []
    index = first
    while index < len(state) and _definition_at(state, index):
        found = _DEFINITION.match(state.text(index))
        assert found is not None
        lines = [TextLine(state.line(index), state.text(index)[found.end() :].rstrip())]
        index += 1
        while (
            index < len(state)
            and not state.blank(index)
            and not _definition_at(state, index)
            and not state.interrupts(index)
        ):
            lines.append(TextLine(state.line(index), state.stripped(index)))
            index += 1
        items.append(DefinitionItem(term, tuple(lines)))
    return RuleMatch(tuple(items), index)

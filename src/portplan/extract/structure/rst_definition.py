"""reStructuredText definition lists: a term line, and directly under it (no blank line
between) a block indented deeper, which is its definition::

    ssh
       Port 22, from the administrators' network.

An indented block after a blank line is a block quote instead (another rule), and one that
starts with a list marker or another block is read as that block."""

from __future__ import annotations

from portplan.extract.document import DefinitionItem, TextLine
from portplan.extract.structure.base import LineState, RuleMatch, indented_block


def rst_definition(state: LineState, start: int) -> RuleMatch | None:
    if state.markup != "rst" or state.blank(start) or state.blank(start + 1):
        return None
    if start + 1 >= len(state) or state.indent(start + 1) <= state.indent(start):
        return None
    if state.interrupts(start + 1) or state.text(start).rstrip().endswith("::"):
        return None
    end = indented_block(state, start + 1, state.indent(start) + 1)
    term = TextLine(state.line(start), state.stripped(start))
    lines = tuple(
        TextLine(state.line(index), state.stripped(index))
        for index in range(start + 1, end)
        if not state.blank(index)
    )
    return RuleMatch((DefinitionItem(term, lines),), end)

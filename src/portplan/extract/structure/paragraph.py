"""Blank lines and paragraphs: the rules every other rule falls back on."""

from __future__ import annotations

from collections.abc import Sequence

from portplan.extract.document import Paragraph
from portplan.extract.structure.base import BlockRule, LineState, RuleMatch


def blank(state: LineState, start: int) -> RuleMatch | None:
    """Blank lines separate blocks and produce none."""
    end = start
    while end < len(state) and state.blank(end):
        end += 1
    return RuleMatch((), end) if end > start else None


def paragraph_rule(interrupters: Sequence[BlockRule]) -> BlockRule:
    """Consecutive non-blank lines, up to a line where an interrupting rule starts."""

    def paragraph(state: LineState, start: int) -> RuleMatch | None:
        if state.blank(start):
            return None
        end = start + 1
        while end < len(state) and not state.blank(end):
            if any(rule.match(state, end) is not None for rule in interrupters):
                break
            end += 1
        return RuleMatch((Paragraph(state.lines[start:end]),), end)

    return BlockRule("paragraph", paragraph)

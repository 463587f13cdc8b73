"""Text → block tree: the ordered registry of block rules.

:func:`structure` keeps the blocks a reader already structured and runs every run of plain
:class:`~portplan.extract.document.TextLine` through :data:`RULES`, in order; the first rule
that recognises its layout at a line reads it. A new layout is one module with one rule plus
one line here, and a fixture in ``tests/extract/structure/``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from portplan.extract.document import Document, StructuredBlock, TextLine
from portplan.extract.structure.aligned import aligned_table
from portplan.extract.structure.base import BlockRule, LineState, RuleMatch
from portplan.extract.structure.one_cell_per_line import one_cell_per_line
from portplan.extract.structure.paragraph import blank, paragraph_rule
from portplan.extract.structure.pipe_rows import pipe_rows
from portplan.extract.structure.records import field_record, inline_record
from portplan.extract.structure.tab_table import tab_table
from portplan.extract.structure.titles import promote_titles

# Rules tried at every line, most specific first. ``interrupts_paragraph`` rules may also end
# a paragraph in the middle.
LEADING_RULES: list[BlockRule] = [
    BlockRule("blank", blank),
    BlockRule("pipe rows", pipe_rows, interrupts_paragraph=True),
    BlockRule("tab table", tab_table, interrupts_paragraph=True),
    BlockRule("space-aligned table", aligned_table, interrupts_paragraph=True),
    BlockRule("one cell per line", one_cell_per_line, interrupts_paragraph=True),
    BlockRule("inline record", inline_record, interrupts_paragraph=True),
    BlockRule("field record", field_record, interrupts_paragraph=True),
]
RULES: list[BlockRule] = [
    *LEADING_RULES,
    paragraph_rule([rule for rule in LEADING_RULES if rule.interrupts_paragraph]),
]


def structure_lines(
    lines: Sequence[TextLine], rules: Sequence[BlockRule] = RULES
) -> tuple[StructuredBlock, ...]:
    """The blocks a run of text lines holds."""
    state = LineState(tuple(lines))
    blocks: list[StructuredBlock] = []
    index = 0
    while index < len(state):
        match = _first_match(rules, state, index)
        if match is None or match.end <= index:
            index += 1  # no rule claims the line (cannot happen with the paragraph rule)
            continue
        blocks.extend(match.blocks)
        index = match.end
    return tuple(blocks)


def _first_match(rules: Iterable[BlockRule], state: LineState, index: int) -> RuleMatch | None:
    for rule in rules:
        found = rule.match(state, index)
        if found is not None:
            return found
    return None


def structure(document: Document) -> tuple[StructuredBlock, ...]:
    """Every block of the document, structured, in reading order."""
    out: list[StructuredBlock] = []
    run: list[TextLine] = []
    for block in document.blocks:
        if isinstance(block, TextLine):
            run.append(block)
            continue
        if run:
            out.extend(structure_lines(run))
            run = []
        out.append(block)
    if run:
        out.extend(structure_lines(run))
    return promote_titles(out)

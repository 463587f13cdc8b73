"""What a block rule is: a small function that recognises one layout at a given line.

The shape follows markdown-it-py's block rules: ``rule(state, start) -> RuleMatch | None``.
A rule looks at ``state.lines[start:]``; when its layout begins there it returns the blocks it
read and the index of the first line it did not use, otherwise ``None``. Rules are tried in
the order of :data:`portplan.extract.structure.RULES`; the first that matches wins. A rule
that may end a paragraph in the middle (a heading, a list item, a fence) says so with
``interrupts_paragraph``; the paragraph rule asks only those rules whether the next line
starts something new.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from portplan.extract.document import StructuredBlock, TextLine


@dataclass
class LineState:
    """The text lines of one run, and what earlier rules left for later ones."""

    lines: tuple[TextLine, ...]
    # Table attributes written on the line above a table ("[cols=...,options="header"]",
    # ".Caption"), kept until the table they belong to is read.
    pending_attributes: dict[str, str] = field(default_factory=dict)
    # What a rule remembers for later runs of the same layout (the header of the last
    # tab-separated table, for rows that continue it after a page break).
    memory: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def text(self, index: int) -> str:
        return self.lines[index].text if 0 <= index < len(self.lines) else ""

    def blank(self, index: int) -> bool:
        return not self.text(index).strip()

    def indent(self, index: int) -> int:
        text = self.text(index).expandtabs(4)
        return len(text) - len(text.lstrip(" "))

    def __len__(self) -> int:
        return len(self.lines)


@dataclass(frozen=True)
class RuleMatch:
    blocks: tuple[StructuredBlock, ...]
    end: int


RuleFunction = Callable[[LineState, int], RuleMatch | None]


@dataclass(frozen=True)
class BlockRule:
    """One layout: its name (for fixtures and debugging), the function, and whether it may
    start in the middle of a paragraph."""

    name: str
    match: RuleFunction
    interrupts_paragraph: bool = False

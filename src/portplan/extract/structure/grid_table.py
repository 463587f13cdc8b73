"""reStructuredText grid tables::

    +--------+----------+
    | Port   | Use      |
    +========+==========+
    | 443    | Web UI,  |
    |        | API      |
    +--------+----------+
    | 22     | SSH      |
    +--------+----------+

Cells are found the way docutils finds them: from each top-left corner, along the top edge
to a corner with a wall below it, down that wall, back along the bottom edge and up the left
wall. So a cell may span rows or columns. The ``=`` border ends the header rows. A cell's
lines are joined and its inline markup removed.
"""

from __future__ import annotations

import re
from collections import deque

from portplan.extract.inline import clean_inline
from portplan.extract.structure.base import LineState, RuleMatch
from portplan.extract.structure.table_grid import GridCell, build_table

_BORDER = re.compile(r"^(\s*)\+(?:[-=]+\+)+\s*$")
_MAX_LINES = 5000


def starts(state: LineState, start: int) -> bool:
    text = state.text(start)
    return text.lstrip()[:2] in ("+-", "+=") and _BORDER.match(text) is not None


def grid_table(state: LineState, start: int) -> RuleMatch | None:
    if not starts(state, start):
        return None
    indent = state.indent(start)
    end = start + 1
    while end < len(state) and end - start < _MAX_LINES:
        text = state.text(end).expandtabs(4)[indent:]
        if not text.startswith(("+", "|")):
            break
        end += 1
    block = [state.text(index).expandtabs(4)[indent:].rstrip() for index in range(start, end)]
    width = max(len(line) for line in block)
    block = [line.ljust(width) for line in block]
    if len(block) < 3 or not _BORDER.match(block[-1]):
        return None
    cells = _Scanner(block).cells()
    if not cells:
        return None
    header = next((index for index, line in enumerate(block) if "+=" in line), None)
    tops = sorted({top for top, _, _, _, _ in cells})
    lefts = sorted({left for _, left, _, _, _ in cells})
    row_of = {top: index for index, top in enumerate(tops)}
    column_of = {left: index for index, left in enumerate(lefts)}
    grid = [
        GridCell(
            row=row_of[top],
            column=column_of[left],
            text=clean_inline(text),
            line=state.line(start + top + 1),
            rows=sum(1 for edge in tops if top <= edge < bottom),
            columns=sum(1 for edge in lefts if left <= edge < right),
        )
        for top, left, bottom, right, text in cells
    ]
    header_rows = sum(1 for top in tops if top < header) if header is not None else None
    table = build_table(grid, header_rows=header_rows)
    return RuleMatch((table,) if table is not None else (), end)


class _Scanner:
    """docutils' corner scan over a rectangle of text."""

    def __init__(self, block: list[str]) -> None:
        self.block = block
        self.bottom = len(block) - 1
        self.right = len(block[0]) - 1

    def cells(self) -> list[tuple[int, int, int, int, str]]:
        found: list[tuple[int, int, int, int, str]] = []
        corners = deque([(0, 0)])
        seen: set[tuple[int, int]] = set()
        while corners:
            top, left = corners.popleft()
            if (top, left) in seen or top >= self.bottom or left >= self.right:
                continue
            seen.add((top, left))
            if self.block[top][left] != "+":
                continue
            shape = self._scan_right(top, left)
            if shape is None:
                continue
            bottom, right = shape
            found.append((top, left, bottom, right, self._text(top, left, bottom, right)))
            corners.extend([(top, right), (bottom, left)])
        found.sort()
        return found

    def _text(self, top: int, left: int, bottom: int, right: int) -> str:
        return " ".join(self.block[row][left + 1 : right].strip() for row in range(top + 1, bottom))

    def _scan_right(self, top: int, left: int) -> tuple[int, int] | None:
        line = self.block[top]
        for column in range(left + 1, self.right + 1):
            if line[column] == "+":
                bottom = self._scan_down(top, left, column)
                if bottom is not None:
                    return bottom, column
            elif line[column] not in "-=":
                return None
        return None

    def _scan_down(self, top: int, left: int, right: int) -> int | None:
        for row in range(top + 1, self.bottom + 1):
            mark = self.block[row][right]
            if mark == "+":
                if self._scan_left(top, left, row, right):
                    return row
            elif mark != "|":
                return None
        return None

    def _scan_left(self, top: int, left: int, bottom: int, right: int) -> bool:
        line = self.block[bottom]
        for column in range(right - 1, left, -1):
            if line[column] not in "-=+":
                return False
        if line[left] != "+":
            return False
        return all(self.block[row][left] in "|+" for row in range(bottom - 1, top, -1))

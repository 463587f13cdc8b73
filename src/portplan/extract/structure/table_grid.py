"""Cells with spans → a :class:`~portplan.extract.document.Table` grid (shared by the table
rules; not a rule itself).

A cell that spans rows or columns is repeated over every position it covers, and those
repeats are recorded in ``Table.spanned``, so the interpreter can tell "the same as above"
from a value written twice. Each row's line is the first source line of a cell that starts in
it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from portplan.extract.document import Table

# Spans larger than this are authoring errors; capping them keeps a hostile table small.
MAX_SPAN = 1000


@dataclass(frozen=True)
class GridCell:
    """A cell at its place: top row, left column, how many rows and columns it covers."""

    row: int
    column: int
    text: str
    line: int
    rows: int = 1
    columns: int = 1


@dataclass(frozen=True)
class FlowCell:
    """A cell as written in a flowing table (AsciiDoc): placed into the next free position."""

    text: str
    line: int
    rows: int = 1
    columns: int = 1


def flow(cells: Sequence[FlowCell], width: int) -> list[GridCell]:
    """Place cells left to right, row after row, skipping positions a row span above took."""
    placed: list[GridCell] = []
    taken: set[tuple[int, int]] = set()
    row = column = 0
    for cell in cells:
        while column >= width or (row, column) in taken:
            if column >= width:
                row, column = row + 1, 0
            else:
                column += 1
        columns = max(1, min(cell.columns, width - column))
        rows = max(1, min(cell.rows, MAX_SPAN))
        for down in range(rows):
            for across in range(columns):
                taken.add((row + down, column + across))
        placed.append(GridCell(row, column, cell.text, cell.line, rows, columns))
        column += columns
    return placed


def build_table(
    cells: Sequence[GridCell],
    title: str | None = None,
    header_rows: int | None = None,
) -> Table | None:
    """The table the cells make (``None`` when there are none)."""
    if not cells:
        return None
    # A row span reaching past the last written row is cut there (as Asciidoctor does).
    height = max(cell.row for cell in cells) + 1
    width = max(cell.column + cell.columns for cell in cells)
    grid = [[""] * width for _ in range(height)]
    spanned: set[tuple[int, int]] = set()
    starts: dict[int, int] = {}
    for cell in cells:
        starts[cell.row] = min(starts.get(cell.row, cell.line), cell.line)
        for row in range(cell.row, min(cell.row + cell.rows, height)):
            for column in range(cell.column, cell.column + cell.columns):
                grid[row][column] = cell.text
                if (row, column) != (cell.row, cell.column):
                    spanned.add((row, column))
    lines: list[int] = []
    for row in range(height):
        lines.append(starts.get(row, lines[-1] if lines else min(starts.values())))
    return Table(
        rows=tuple(tuple(row) for row in grid),
        lines=tuple(lines),
        title=title,
        header_rows=header_rows,
        spanned=frozenset(spanned),
    )

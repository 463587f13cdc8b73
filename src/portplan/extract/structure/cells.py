"""Shared helpers of the text-table rules: building a Table from rows of cells."""

from __future__ import annotations

from collections.abc import Sequence

from portplan.extract.columns import read_header
from portplan.extract.document import Table


def pad(rows: Sequence[Sequence[str]]) -> tuple[tuple[str, ...], ...]:
    width = max((len(row) for row in rows), default=0)
    return tuple(tuple(row) + ("",) * (width - len(row)) for row in rows)


def make_table(
    rows: Sequence[Sequence[str]], lines: Sequence[int], sources: Sequence[str]
) -> Table:
    return Table(rows=pad(rows), lines=tuple(lines), sources=tuple(sources))


def has_ports_header(rows: Sequence[Sequence[str]], limit: int = 4) -> bool:
    """Whether one of the first rows reads as the header of a ports table."""
    return any(read_header([c.strip() for c in row]) is not None for row in rows[:limit])

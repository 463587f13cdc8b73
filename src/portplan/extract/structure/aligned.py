"""Space-aligned columns, as text copied from a PDF keeps them:

    Port         Proto  From                   To                     Description
    -----------  -----  ---------------------  ---------------------  ----------------
    443          TCP    Managed devices        Secure Gateway         Enrolment and
                                                                      check-in

Columns are where the header's words start; each word of a row goes to the column it starts
under. A header may wrap over two lines ("Destination" over "Port"); an indented line with
words only under some columns continues the row above (the interpreter joins it).
"""

from __future__ import annotations

import re

from portplan.extract.columns import ColumnRole, read_header
from portplan.extract.structure.base import LineState, RuleMatch
from portplan.extract.structure.cells import make_table

_COLUMNS = re.compile(r"\S(?:\S| (?! ))*")
_RULE = re.compile(r"^\s*-{3,}(?:\s+-{3,})+\s*$")
_TWO_DIGITS = re.compile(r"\d\d")


def _columns(text: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group()) for m in _COLUMNS.finditer(text.expandtabs(8))]


def _wrapped(columns: list[tuple[int, str]], text: str) -> list[str]:
    """A header line joined with its second line, word by column position."""
    cells = [name for _, name in columns]
    starts = [start for start, _ in columns]
    for start, word in _columns(text):
        index = min(range(len(starts)), key=lambda i: abs(starts[i] - start))
        cells[index] = f"{cells[index]} {word}"
    return cells


def _names_port(cells: list[str]) -> bool:
    found = read_header(cells)
    return found is not None and found.index(ColumnRole.PORT) is not None


def _header(state: LineState, start: int) -> tuple[list[str], list[int], int] | None:
    """The header cells, their column starts and the index after the header."""
    text = state.text(start)
    if not re.search(r"\S {2,}\S", text) or _TWO_DIGITS.search(text):
        return None
    columns = _columns(text)
    if len(columns) < 3:
        return None
    starts = [s for s, _ in columns]
    cells = [c for _, c in columns]
    after = start + 1
    below = state.text(after)
    if below.strip() and not _TWO_DIGITS.search(below) and not _RULE.match(below):
        joined = _wrapped(columns, below)
        if _names_port(joined) and not _names_port(cells):
            return joined, starts, after + 1
    if read_header(cells) is None:
        return None
    return cells, starts, after


def _cells(text: str, starts: list[int]) -> list[str]:
    cells = [""] * len(starts)
    for start, word in _columns(text):
        index = max((i for i, s in enumerate(starts) if s <= start + 2), default=0)
        cells[index] = f"{cells[index]} {word}".strip()
    return cells


def _is_row(text: str) -> bool:
    expanded = text.expandtabs(8)
    return bool(re.search(r"\S {2,}\S", expanded)) or (
        expanded[:1] == " " and bool(expanded.strip())
    )


def aligned_table(state: LineState, start: int) -> RuleMatch | None:
    found = _header(state, start)
    if found is None:
        return None
    header, starts, index = found
    rows, lines, sources = [header], [state.lines[start].line], [state.text(start).rstrip()]
    while index < len(state):
        text = state.text(index)
        if _RULE.match(text):
            index += 1
            continue
        if not text.strip() or not _is_row(text):
            break
        rows.append(_cells(text, starts))
        lines.append(state.lines[index].line)
        sources.append(text.rstrip())
        index += 1
    if len(rows) < 2:
        return None
    return RuleMatch((make_table(rows, lines, sources),), index)

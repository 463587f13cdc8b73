"""Rows of cells between pipes, with or without a Markdown separator row:

    Device | Port number | Protocol | Port purpose |
    ---|---|---|---|
    Network Agent | 15000 | UDP | Multicasting |

Box-drawn tables (terminal and database client output, ``│`` ``┃``) read the same way, their
borders dropped. A row broken over two lines (its second part starting with ``|``) is joined.
"""

from __future__ import annotations

import re

from portplan.extract.structure.base import LineState, RuleMatch
from portplan.extract.structure.cells import make_table

_BOX_VERTICALS = re.compile(r"[│┃║]")
_BORDER = re.compile(
    r"^\s*[+┏┓┗┛┡┩└┘├┤┼╇╋┳┻┌┐╔╗╚╝╠╣╦╩╬═─━|]?[-=─━═+┏┓┗┛┡┩└┘├┤┼╇╋┳┻┌┐╔╗╚╝╠╣╦╩╬:| ]{3,}"
    r"[+┏┓┗┛┡┩└┘├┤┼╇╋┳┻┌┐╔╗╚╝╠╣╦╩╬|]?\s*$"
)
_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")


def _text(state: LineState, index: int) -> str:
    return _BOX_VERTICALS.sub("|", state.text(index)).strip()


def _is_row(text: str) -> bool:
    return text.count("|") >= 2 or (
        text.count("|") == 1
        and not text.startswith("|")
        and not text.endswith("|")
        and len(text) < 200
    )


def _is_border(text: str) -> bool:
    return bool(_BORDER.match(text)) and any(c in text for c in "-=─━═")


def cells_of(text: str) -> list[str]:
    body = text.strip().replace("\\|", "\u2502")
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") else body
    return [c.strip().replace("\u2502", "|") for c in body.split("|")]


def _starts(state: LineState, start: int) -> bool:
    first = _text(state, start)
    if first.count("|") < 2 and not _is_border(first):
        return False
    # A table: a separator or border near the top, or several rows in a row.
    window = [_text(state, i) for i in range(start, min(start + 3, len(state)))]
    separated = any(_SEPARATOR.match(t) or _is_border(t) for t in window)
    rows = sum(1 for t in window if t.count("|") >= 2)
    return separated or rows >= 2


def pipe_rows(state: LineState, start: int) -> RuleMatch | None:
    if not _starts(state, start):
        return None
    rows: list[list[str]] = []
    lines: list[int] = []
    sources: list[str] = []
    index = start
    while index < len(state):
        text = _text(state, index)
        if not text or not (_is_row(text) or _is_border(text) or _SEPARATOR.match(text)):
            break
        index += 1
        if _is_border(text) or _SEPARATOR.match(text):
            continue
        cells = cells_of(text)
        width = len(rows[0]) if rows else 0
        if (
            rows
            and text.startswith("|")
            and len(rows[-1]) < width
            and sources[-1].rstrip().endswith("|")
        ):
            sources[-1] = f"{sources[-1]} {text}"  # the tail of a row broken over two lines
            rows[-1] = cells_of(_BOX_VERTICALS.sub("|", sources[-1]))
            continue
        rows.append(cells)
        lines.append(state.lines[index - 1].line)
        sources.append(state.text(index - 1).strip())
    if not rows:
        return None
    return RuleMatch((make_table(rows, lines, sources),), index)

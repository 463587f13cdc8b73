"""HTML tables written into a text document (Markdown allows raw HTML, and documentation
sites use it for tables with spans): ``<table>`` … ``</table>`` is read as the HTML reader
reads a table, with its row and column spans, header rows and caption, and each row keeps its
line in the text. A table of one column is a frame around text: its lines are left to the
other rules, as text."""

from __future__ import annotations

import re
from dataclasses import replace

from bs4 import BeautifulSoup
from bs4.element import Tag

from portplan.extract.readers.html import data_table
from portplan.extract.structure.base import LineState, RuleMatch

_OPEN = re.compile(r"^\s*<table\b", re.IGNORECASE)


def starts(state: LineState, start: int) -> bool:
    return _OPEN.match(state.text(start)) is not None


def html_table(state: LineState, start: int) -> RuleMatch | None:
    if not starts(state, start):
        return None
    closing = state.next_where(
        "html-table-end", lambda line: "</table>" in state.text(line).lower(), start - 1
    )
    if closing is None:
        return None
    markup = "\n".join(state.text(index) for index in range(start, closing + 1))
    element = BeautifulSoup(markup, "html.parser").find("table")
    if not isinstance(element, Tag):
        return None
    table = data_table(element)
    if table is None:
        return None
    lines = tuple(state.line(min(start + line - 1, closing)) for line in table.lines)
    return RuleMatch((replace(table, lines=lines),), closing + 1)

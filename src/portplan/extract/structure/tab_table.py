"""Tab-separated tables, as copied from a spreadsheet or a PDF:

    Port<TAB>Type<TAB>Source<TAB>Destination<TAB>Description
    161<TAB>UDP<TAB>VPSX<TAB>Printers<TAB>SNMP status query
    <TAB><TAB>PULLSVC<TAB>Printers<TAB>SNMP status query (only for DSR)

The table goes on over blank lines and short title lines between its rows (a page header, a
group title), which become one-cell rows (the interpreter reads those as group rows or skips
them). A ports header must appear in its first rows; other tab-separated text stays text.
"""

from __future__ import annotations

from portplan.extract.structure.base import LineState, RuleMatch
from portplan.extract.structure.cells import has_ports_header, make_table

_LOOKAHEAD = 3  # lines a table may skip (blank, a title) before its next row


def _tabbed(state: LineState, index: int) -> bool:
    return "\t" in state.text(index).strip("\r\n ") and bool(state.text(index).strip())


def _title(text: str) -> bool:
    words = text.split()
    return 0 < len(words) <= 10 and not text.rstrip().endswith((".", ":", ";"))


def _resumes(state: LineState, index: int) -> bool:
    """A blank or title line inside the table: more tab rows follow soon."""
    for ahead in range(index + 1, min(index + 1 + _LOOKAHEAD, len(state))):
        if _tabbed(state, ahead):
            return True
        if not state.blank(ahead) and not _title(state.text(ahead)):
            return False
    return False


def _starts_table(state: LineState, index: int) -> bool:
    """A title line followed by a new header: the title belongs to the next table."""
    for ahead in range(index + 1, min(index + 1 + _LOOKAHEAD, len(state))):
        if _tabbed(state, ahead):
            return has_ports_header([state.text(ahead).split("\t")], limit=1)
    return False


def tab_table(state: LineState, start: int) -> RuleMatch | None:
    if not _tabbed(state, start):
        return None
    probe = [
        state.text(i).split("\t")
        for i in range(start, min(start + 4, len(state)))
        if _tabbed(state, i)
    ]
    rows: list[list[str]] = []
    lines: list[int] = []
    sources: list[str] = []
    if not has_ports_header(probe):
        # Rows after an interruption (a page break, a paragraph) continue the table above
        # when they have its width: they take its header.
        header = state.memory.get("tab header")
        if header is None or len(header) != len(probe[0]):
            return None
        rows, lines, sources = [list(header)], [state.lines[start].line], [""]
    index = start
    while index < len(state):
        text = state.text(index)
        if _tabbed(state, index):
            rows.append([c.strip() for c in text.rstrip("\r\n ").split("\t")])
        elif (
            (state.blank(index) or _title(text))
            and _resumes(state, index)
            and not _starts_table(state, index)
        ):
            if not state.blank(index):
                rows.append([text.strip()])
            else:
                index += 1
                continue
        else:
            break
        lines.append(state.lines[index].line)
        sources.append(text.rstrip())
        index += 1
    state.memory["tab header"] = tuple(rows[0])
    return RuleMatch((make_table(rows, lines, sources),), index)

"""A table copied out of a web page as text: the header cells, then every cell, one per line.

    From                 Browser              Driver /
    To                   Standalone Master    Standalone Worker
    Default Port         8080                 Standalone Master
    Purpose              Web UI               7077
    Notes                Jetty-based.         Submit job to cluster
                                              …

Empty cells vanish in such text, so rows cannot be counted off; they are found by the cell
every row has — its port. The header says how many cells come before the port (the first
row's cells before its port must be exactly that many, which is how the header's end is
found); each later port cell takes that many cells before it, and the cells between it and
the next row are the row's tail. A cell ending in "/" goes on in the next line ("Driver /",
"Standalone Worker"). The table ends where a gap between two ports holds more cells than a
row has, or after the last row's tail.
"""

from __future__ import annotations

import re

from portplan.extract.columns import ColumnRole, read_header
from portplan.extract.document import TextLine
from portplan.extract.ports import parse_ports
from portplan.extract.structure.base import LineState, RuleMatch
from portplan.extract.structure.cells import make_table

_MAX_HEADER = 8
_MAX_LABEL_WORDS = 6
_NO_FIXED_PORT = re.compile(
    r"^\(?(?:random|dynamic|ephemeral|auto(?:matic)?|configurable)\)?$", re.I
)
_ENDS = re.compile(r"^\s*(?:#|\|)|\t")


def _label(text: str) -> bool:
    stripped = text.strip()
    words = stripped.split()
    return (
        0 < len(words) <= _MAX_LABEL_WORDS
        and not re.search(r"\d\d", stripped)
        and not stripped.endswith((".", ":", ";"))
        and ". " not in stripped  # "Table 7. Ports for the collector": a caption
        and not _GLUED.search(stripped)  # "SourceDestinationProtocol": a header of its own
    )


# Three words run together ("SourceDestinationProtocolPort"): a header copied without spaces.
_GLUED = re.compile(r"[a-z][A-Z][a-z]+[A-Z]")
# A port column's label is a name for it ("Port", "Default port", "TCP ports"), not a
# sentence or a title that happens to say "port" ("The gateway listens on port").
_MAX_PORT_LABEL_WORDS = 3


def is_port_cell(text: str) -> bool:
    stripped = text.strip()
    if _NO_FIXED_PORT.match(stripped):
        return True
    return len(stripped.split()) <= 4 and parse_ports(stripped).has_ports


def _cells(
    state: LineState, start: int, limit: int
) -> tuple[list[TextLine], list[int], list[bool]]:
    """Non-blank lines from ``start`` (a line ending in "/" joined with the next), the index
    after each cell's last line, and whether a blank line came before each cell."""
    cells: list[TextLine] = []
    ends: list[int] = []
    gaps: list[bool] = []
    index = start
    gap = False
    while index < len(state) and len(cells) < limit:
        if state.blank(index):
            index += 1
            gap = True
            continue
        if _ENDS.search(state.text(index)) or len(state.text(index).split()) > 40:
            break
        line = state.lines[index]
        if cells and cells[-1].text.rstrip().endswith("/"):
            cells[-1] = TextLine(cells[-1].line, f"{cells[-1].text.rstrip()} {line.text.strip()}")
            ends[-1] = index + 1
        else:
            cells.append(TextLine(line.line, line.text.strip()))
            ends.append(index + 1)
            gaps.append(gap)
        gap = False
        index += 1
    return cells, ends, gaps


def _header(cells: list[TextLine], gaps: list[bool]) -> tuple[int, int] | None:
    """(number of header cells, index of the port column), when the cells start with a
    header that the first row confirms. The cells of one table are spaced alike: a title
    set off by a blank line above cells that are not is not part of the header."""
    first_port = next((i for i, cell in enumerate(cells) if is_port_cell(cell.text)), None)
    if first_port is None or first_port < 2:
        return None
    labels = [cell.text for cell in cells[:first_port]]
    if not all(_label(text) for text in labels):
        return None
    for size in range(min(len(labels), _MAX_HEADER), 1, -1):
        header = read_header(labels[:size])
        if header is None or header.index(ColumnRole.PORT) is None:
            continue
        port = header.index(ColumnRole.PORT)
        if port is None or len(labels[port].split()) > _MAX_PORT_LABEL_WORDS:
            continue
        leading = labels[size:]
        spacing = set(gaps[1 : size + 1])
        if port is not None and len(leading) == port and len(spacing) <= 1:
            return size, port
    return None


def _rows(cells: list[TextLine], size: int, port: int) -> tuple[list[list[TextLine]], int]:
    """The rows (cells in column order) and how many cells they used."""
    ports = [i for i in range(size, len(cells)) if is_port_cell(cells[i].text)]
    rows: list[list[TextLine]] = []
    tail = size - port - 1
    used = size
    for n, at in enumerate(ports):
        if at - port < used:
            break  # the cells before this port belong to the row above: the table ended
        lead = cells[at - port : at]
        after = ports[n + 1] - port if n + 1 < len(ports) else len(cells)
        ended = after - (at + 1) > tail or after < at + 1
        after = min(after, at + 1 + tail) if ended or n + 1 == len(ports) else after
        rows.append([*lead, cells[at], *cells[at + 1 : after]])
        used = after
        if ended:
            break  # more cells than a row has before the next port: the table ends here
    return rows, used


def cell_lines(state: LineState, start: int) -> RuleMatch | None:
    if not _label(state.text(start)):
        return None
    cells, ends, gaps = _cells(state, start, limit=4000)
    found = _header(cells, gaps)
    if found is None:
        return None
    size, port = found
    rows, used = _rows(cells, size, port)
    if not rows:
        return None
    end = ends[used - 1]
    table_rows = [
        [cell.text for cell in cells[:size]],
        *([cell.text for cell in row] for row in rows),
    ]
    lines = [cells[0].line, *(row[port].line for row in rows)]
    sources = [" | ".join(table_rows[0]), *(" | ".join(cell.text for cell in row) for row in rows)]
    return RuleMatch((make_table(table_rows, lines, sources),), end)

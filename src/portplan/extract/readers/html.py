"""HTML: real ``<table>``s become Table blocks, every other block-level element a TextLine.

Cells spanning several rows or columns are expanded into the grid they cover (a ``rowspan``
cell repeats down, a ``colspan`` cell repeats across), so every row of the Table is complete.
A table whose cells hold further tables is a layout table: its content is read as ordinary
blocks. Line numbers are the element's line in the HTML source (``html.parser`` records them).
"""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup
from bs4.element import (
    Comment,
    Declaration,
    Doctype,
    NavigableString,
    ProcessingInstruction,
    Tag,
)

from portplan.errors import InputError
from portplan.extract.document import Block, Document, Table, TextLine
from portplan.extract.readers.common import clean, pad, read_bytes

# Content that is not part of the document a person reads.
_DROPPED = frozenset(
    {"script", "style", "nav", "noscript", "template", "svg", "iframe", "object", "head"}
)
# Elements that start a new line of text (HTML's block-level and line-breaking elements).
_BLOCKS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "caption",
        "center",
        "dd",
        "details",
        "dialog",
        "dir",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "html",
        "li",
        "main",
        "menu",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "title",
        "tr",
        "ul",
    ]
)
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_NOT_TEXT = (Comment, Declaration, Doctype, ProcessingInstruction)
_ARIA_CELLS = frozenset({"cell", "gridcell", "columnheader", "rowheader"})
# Spans larger than this are authoring errors; capping them keeps a hostile file small.
_MAX_SPAN = 1000
# A data cell holds a name, a port list or a sentence of notes, not a page of text.
_LAYOUT_CELL_WORDS = 150


class HtmlReader:
    suffixes: tuple[str, ...] = (".html", ".htm", ".xhtml")

    def read(self, path: Path) -> Document:
        data = read_bytes(path)
        if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise InputError("binary data, not HTML — give the page saved as .html", file=str(path))
        try:
            soup = BeautifulSoup(data, "html.parser")
            walker = _Walker()
            title = soup.find("title")
            if isinstance(title, Tag) and clean(title.get_text()):
                walker.blocks.append(TextLine(_line(title), clean(title.get_text())))
            walker.visit(soup)
            walker.flush()
        except RecursionError:
            raise InputError(
                "cannot read HTML: elements are nested thousands deep — save the page again "
                "from a browser or give it as text",
                file=str(path),
            ) from None
        return Document(name=str(path), blocks=tuple(walker.blocks))


def _line(tag: Tag, default: int = 1) -> int:
    line = getattr(tag, "sourceline", None)
    return line if isinstance(line, int) and line > 0 else default


class _Walker:
    """Collects blocks in reading order; inline text gathers until a block element ends it."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.words: list[str] = []
        self.line = 1
        self.heading: str | None = None

    def flush(self) -> None:
        text = clean(" ".join(self.words))
        self.words = []
        if text:
            self.blocks.append(TextLine(self.line, text))

    def add_text(self, text: str, line: int) -> None:
        if not self.words and text.strip():
            self.line = line
        self.words.append(text)

    def visit(self, node: Tag) -> None:
        for child in node.children:
            if isinstance(child, _NOT_TEXT):
                continue
            if isinstance(child, NavigableString):
                self.add_text(str(child), _line(node, self.line))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name.lower()
            if name in _DROPPED:
                continue
            if name == "br":
                self.flush()
            elif name == "table" and not _is_layout(child):
                self.flush()
                self.table(child)
            elif _role(child) in ("table", "grid") and not child.find("table"):
                self.flush()
                self.aria_table(child)
            elif name == "pre":
                self.flush()
                self.preformatted(child)
            elif name in _BLOCKS:
                self.flush()
                self.line = _line(child, self.line)
                self.visit(child)
                self.flush()
                if name in _HEADINGS:
                    self.heading = clean(child.get_text(" "))
            else:
                if not self.words:
                    self.line = _line(child, self.line)
                self.visit(child)

    def preformatted(self, pre: Tag) -> None:
        """Keep a ``<pre>`` block's own lines (tab- or space-aligned tables live there)."""
        first = _line(pre, self.line)
        text = pre.get_text()
        if text.startswith("\n"):  # HTML ignores a newline right after <pre>
            text = text[1:]
            first += 1
        for offset, raw in enumerate(text.splitlines()):
            line = raw.rstrip()
            if line.strip():
                self.blocks.append(TextLine(first + offset, line))

    def table(self, table: Tag) -> None:
        rows, lines = _grid(table)
        if rows and len(rows[0]) < 2:
            # One column is a frame around content (a note box, a layout table), not data.
            self.line = _line(table, self.line)
            self.visit(table)
            self.flush()
            return
        if not rows:
            return
        caption = table.find("caption")
        title = clean(caption.get_text(" ")) if isinstance(caption, Tag) else ""
        self.blocks.append(Table(rows=rows, lines=lines, title=title or self.heading))

    def aria_table(self, table: Tag) -> None:
        """A table built from ``<div role="row">`` and ``role="cell"`` elements, as some
        documentation sites render them; read like a ``<table>`` (without spans)."""
        rows: list[list[str]] = []
        lines: list[int] = []
        for row in table.find_all(lambda tag: _role(tag) == "row"):
            cells = row.find_all(lambda tag: _role(tag) in _ARIA_CELLS)
            texts = [_cell_text(cell) for cell in cells]
            if any(texts):
                rows.append(texts)
                lines.append(_line(row))
        if len(rows) < 2 or max(len(row) for row in rows) < 2:
            self.line = _line(table, self.line)
            self.visit_children_as_text(table)
            return
        label = str(table.get("aria-label") or "").strip()
        self.blocks.append(Table(rows=pad(rows), lines=tuple(lines), title=label or self.heading))

    def visit_children_as_text(self, node: Tag) -> None:
        for child in node.children:
            if isinstance(child, Tag) and _role(child) not in ("table", "grid"):
                self.flush()
                self.visit(child)
                self.flush()
            elif isinstance(child, NavigableString) and not isinstance(child, _NOT_TEXT):
                self.add_text(str(child), _line(node, self.line))
        self.flush()


def _role(tag: Tag) -> str:
    return str(tag.get("role") or "").strip().lower()


def _is_layout(table: Tag) -> bool:
    """A table that arranges the page rather than holding data: it says so (role), holds
    further tables or headings, or has cells as long as an article."""
    if str(table.get("role") or "").lower() in ("presentation", "none"):
        return True
    if table.find(["table", *_HEADINGS]) is not None:
        return True
    return any(
        len(cell.get_text(" ").split()) > _LAYOUT_CELL_WORDS
        for cell in table.find_all(["td", "th"])
    )


def _rows_of(table: Tag) -> list[Tag]:
    """The table's own ``<tr>`` elements (not those of a table nested inside a cell)."""
    return [row for row in table.find_all("tr") if row.find_parent("table") is table]


def _span(cell: Tag, attribute: str, remaining: int) -> int:
    raw = str(cell.get(attribute) or "1")
    match = re.match(r"\s*(\d+)", raw)
    value = int(match.group(1)) if match else 1
    if value == 0 and attribute == "rowspan":  # rowspan="0": to the end of the table
        return max(1, remaining)
    return min(max(value, 1), _MAX_SPAN)


def _grid(table: Tag) -> tuple[tuple[tuple[str, ...], ...], tuple[int, ...]]:
    """Expand row and column spans: every cell a span covers gets the spanning cell's text."""
    tr_tags = _rows_of(table)
    pending: dict[tuple[int, int], str] = {}  # (row, column) filled by a rowspan from above
    rows: list[list[str]] = []
    lines: list[int] = []
    for index, tr in enumerate(tr_tags):
        row: list[str] = []
        column = 0
        for cell in tr.find_all(["td", "th"], recursive=False):
            while (index, column) in pending:
                row.append(pending.pop((index, column)))
                column += 1
            text = _cell_text(cell)
            down = _span(cell, "rowspan", len(tr_tags) - index)
            across = _span(cell, "colspan", 1)
            for _ in range(across):
                row.append(text)
                for below in range(index + 1, min(index + down, len(tr_tags))):
                    pending[(below, column)] = text
                column += 1
        while (index, column) in pending:
            row.append(pending.pop((index, column)))
            column += 1
        if any(row):
            rows.append(row)
            lines.append(_line(tr))
    return pad(rows), tuple(lines)


def _cell_text(cell: Tag) -> str:
    parts = [
        str(text)
        for text in cell.find_all(string=True)
        if not isinstance(text, _NOT_TEXT)
        and not any(parent.name in _DROPPED for parent in text.parents if parent is not cell)
    ]
    return clean(" ".join(parts))

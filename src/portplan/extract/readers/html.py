"""HTML: real ``<table>``s become Table blocks, every other block-level element a TextLine.

Cells spanning several rows or columns are expanded into the grid they cover (a ``rowspan``
cell repeats down, a ``colspan`` cell repeats across), so every row of the Table is complete.
A table whose cells hold further tables is a layout table: its content is read as ordinary
blocks. Line numbers are the element's line in the HTML source (``html.parser`` records them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
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
from portplan.extract.document import (
    Caption,
    CodeBlock,
    DefinitionItem,
    Document,
    Heading,
    ListItem,
    Paragraph,
    StructuredBlock,
    Table,
    TextLine,
)
from portplan.extract.readers.common import clean, grid_start, pad, read_bytes

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
# Elements whose text is a block of a kind of its own, and the lists that hold items.
_KINDS = _HEADINGS | {"li", "dt", "dd", "figcaption"}
_LISTS = frozenset({"ul", "ol", "dl", "menu", "dir"})
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
                line = TextLine(_line(title), clean(title.get_text()))
                # The page's title names the document when its body has no title of its own.
                has_h1 = soup.find("h1") is not None
                walker.blocks.append(
                    Paragraph((line,)) if has_h1 else Heading(1, line.text, line.line)
                )
            walker.visit(soup)
            walker.end_block()
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


@dataclass
class _Kind:
    """What the text of the element being read becomes: a paragraph, a heading of a level,
    a list item (depth and marker), a definition's term or text, a caption. An item's text
    over several child blocks (``<li><p>…</p><p>…</p></li>``) stays one block."""

    name: str = "paragraph"  # paragraph | heading | item | term | definition | caption
    level: int = 0  # heading level, or list depth
    marker: str = ""
    done: bool = False  # the item's block was emitted (text after a nested list is a paragraph)


class _Walker:
    """Collects blocks in reading order; inline text gathers until a block element ends it."""

    def __init__(self) -> None:
        self.blocks: list[StructuredBlock] = []
        self.words: list[str] = []
        self.collected: list[TextLine] = []  # lines of the block being read (split at <br>)
        self.line = 1
        self.heading: str | None = None
        self.kind = _Kind()
        self.list_depth = 0
        self.term: TextLine | None = None  # a <dt> waiting for its <dd>

    def end_line(self) -> None:
        text = clean(" ".join(self.words))
        self.words = []
        if text:
            self.collected.append(TextLine(self.line, text))

    def end_block(self) -> None:
        """Emit what the current block collected, as the kind of block it is."""
        self.end_line()
        lines, self.collected = tuple(self.collected), []
        if not lines:
            return
        kind = self.kind
        if kind.done or kind.name == "paragraph":
            self.blocks.append(Paragraph(lines))
        elif kind.name == "heading":
            text = " ".join(line.text for line in lines)
            self.blocks.append(Heading(kind.level, text, lines[0].line))
        elif kind.name == "item":
            self.blocks.append(ListItem(kind.level, kind.marker, lines))
        elif kind.name == "term":
            self.flush_term()
            self.term = TextLine(lines[0].line, " ".join(line.text for line in lines))
            return
        elif kind.name == "definition":
            self.blocks.append(self.definition(lines))
        else:
            self.blocks.append(Caption(" ".join(line.text for line in lines), lines[0].line))
        kind.done = kind.name in ("item", "definition")

    def definition(self, lines: tuple[TextLine, ...]) -> StructuredBlock:
        if self.term is None:
            return Paragraph(lines)
        term, self.term = self.term, None
        return DefinitionItem(term, lines)

    def flush_term(self) -> None:
        """A term with no definition after it is a paragraph of its own."""
        if self.term is not None:
            self.blocks.append(Paragraph((self.term,)))
            self.term = None

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
            if isinstance(child, Tag) and child.name.lower() not in _DROPPED:
                self.element(child, child.name.lower())

    def element(self, child: Tag, name: str) -> None:
        if name == "br":
            self.end_line()
        elif name == "table" and not _is_layout(child):
            self.end_block()
            self.table(child)
        elif _role(child) in ("table", "grid") and not child.find("table"):
            self.end_block()
            self.aria_table(child)
        elif name == "pre":
            self.end_block()
            self.preformatted(child)
        elif name in _KINDS or name in _LISTS:
            self.end_block()
            self.line = _line(child, self.line)
            self.structured(child, name)
        elif name in _BLOCKS:
            self.block(child, name)
        else:
            if not self.words:
                self.line = _line(child, self.line)
            self.visit(child)

    def block(self, child: Tag, name: str) -> None:
        """A block element (p, div, section…): a paragraph of its own, or, inside an item,
        a definition or a caption that is still being read, more lines of that block."""
        inside = self.kind.name != "paragraph" and not self.kind.done
        if inside:
            self.end_line()
        else:
            self.end_block()
        self.line = _line(child, self.line)
        saved, self.kind = self.kind, (self.kind if inside else _Kind())
        self.visit(child)
        if inside:
            self.end_line()
        else:
            self.end_block()
        self.kind = saved
        if name in _HEADINGS:
            self.heading = clean(child.get_text(" "))

    def structured(self, child: Tag, name: str) -> None:
        """Headings, list items, definition terms and texts, captions, and the lists that
        hold items (which set how deep their items are)."""
        saved = self.kind
        if name in _LISTS:
            if name == "dl":
                self.flush_term()
            self.list_depth += name != "dl"
            self.visit(child)
            self.end_block()
            self.list_depth -= name != "dl"
            if name == "dl":
                self.flush_term()
            return
        self.kind = _kind_of(child, name, self.list_depth)
        self.visit(child)
        self.end_block()
        self.kind = saved
        if name in _HEADINGS:
            self.heading = clean(child.get_text(" "))

    def preformatted(self, pre: Tag) -> None:
        """Keep a ``<pre>`` block's own lines (tab- or space-aligned tables live there)."""
        first = _line(pre, self.line)
        text = pre.get_text()
        if text.startswith("\n"):  # HTML ignores a newline right after <pre>
            text = text[1:]
            first += 1
        lines = tuple(
            TextLine(first + offset, raw.rstrip())
            for offset, raw in enumerate(text.splitlines())
            if raw.strip()
        )
        if lines:
            self.blocks.append(CodeBlock(lines))

    def table(self, table: Tag) -> None:
        found = data_table(table)
        if found is None and _grid(table).rows:
            # One column is a frame around content (a note box, a layout table), not data.
            self.line = _line(table, self.line)
            self.visit(table)
            self.end_block()
            return
        if found is not None:
            self.blocks.append(replace(found, title=found.title or self.heading))

    def aria_table(self, table: Tag) -> None:
        """A table built from ``<div role="row">`` and ``role="cell"`` elements, as some
        documentation sites render them; read like a ``<table>`` (without spans)."""
        rows: list[list[str]] = []
        lines: list[int] = []
        headers = 0
        for row in table.find_all(lambda tag: _role(tag) == "row"):
            cells = row.find_all(lambda tag: _role(tag) in _ARIA_CELLS)
            texts = [_cell_text(cell) for cell in cells]
            if any(texts):
                if len(rows) == headers and all(_role(c) == "columnheader" for c in cells):
                    headers += 1
                rows.append(texts)
                lines.append(_line(row))
        if len(rows) < 2 or max(len(row) for row in rows) < 2:
            self.line = _line(table, self.line)
            self.visit_children_as_text(table)
            return
        label = str(table.get("aria-label") or "").strip()
        self.blocks.append(
            Table(
                rows=pad(rows),
                lines=tuple(lines),
                title=label or self.heading,
                header_rows=headers or None,
            )
        )

    def visit_children_as_text(self, node: Tag) -> None:
        for child in node.children:
            if isinstance(child, Tag) and _role(child) not in ("table", "grid"):
                self.end_block()
                self.visit(child)
                self.end_block()
            elif isinstance(child, NavigableString) and not isinstance(child, _NOT_TEXT):
                self.add_text(str(child), _line(node, self.line))
        self.end_block()


def _kind_of(tag: Tag, name: str, depth: int) -> _Kind:
    if name in _HEADINGS:
        return _Kind("heading", int(name[1]))
    if name == "li":
        return _Kind("item", max(depth - 1, 0), _marker(tag))
    if name == "dt":
        return _Kind("term")
    if name == "dd":
        return _Kind("definition")
    return _Kind("caption")


def _marker(item: Tag) -> str:
    """ "•" in a bulleted list, "N." (the item's number) in a numbered one."""
    parent = item.parent
    if not isinstance(parent, Tag) or parent.name.lower() != "ol":
        return "•"
    start = re.match(r"\s*(-?\d{1,9})(?!\d)", str(parent.get("start") or "1"))
    number = int(start.group(1)) if start else 1
    for sibling in item.find_previous_siblings("li"):
        if sibling.parent is parent:
            number += 1
    return f"{number}."


def data_table(table: Tag, first_line: int = 1) -> Table | None:
    """The Table a ``<table>`` element holds (``None`` for a layout table, or one with no row
    or a single column: a frame around content). Its caption is its title; ``first_line`` is
    the line the markup starts on, for a table cut out of a larger text."""
    if _is_layout(table):
        return None
    grid = _grid(table)
    if not grid.rows or len(grid.rows[0]) < 2:
        return None
    caption = table.find("caption")
    title = clean(caption.get_text(" ")) if isinstance(caption, Tag) else ""
    return Table(
        rows=grid.rows,
        lines=tuple(line + first_line - 1 for line in grid.lines),
        title=title or None,
        header_rows=grid.header_rows,
        spanned=grid.spanned,
    )


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
    match = re.match(r"\s*(\d{1,6})(?!\d)", raw)  # a longer number is no span: read as 1
    value = int(match.group(1)) if match else 1
    if value == 0 and attribute == "rowspan":  # rowspan="0": to the end of the table
        return max(1, remaining)
    return min(max(value, 1), _MAX_SPAN)


@dataclass
class _Grid:
    rows: tuple[tuple[str, ...], ...]
    lines: tuple[int, ...]
    spanned: frozenset[tuple[int, int]]
    header_rows: int | None


def _grid(table: Tag) -> _Grid:
    """Expand row and column spans: every cell a span covers gets the spanning cell's text,
    and its position is recorded as spanned. Leading rows in ``<thead>`` or made of ``<th>``
    cells only are the header."""
    tr_tags = _rows_of(table)
    pending: dict[tuple[int, int], str] = {}  # (row, column) filled by a rowspan from above
    rows: list[list[str]] = []
    lines: list[int] = []
    spanned: set[tuple[int, int]] = set()
    header: int | None = 0
    for index, tr in enumerate(tr_tags):
        row: list[str] = []
        repeats: list[int] = []
        cells = tr.find_all(["td", "th"], recursive=False)
        for cell in cells:
            _take_pending(pending, index, row, repeats)
            text = _cell_text(cell)
            down = _span(cell, "rowspan", len(tr_tags) - index)
            for across in range(_span(cell, "colspan", 1)):
                if across:
                    repeats.append(len(row))
                for below in range(index + 1, min(index + down, len(tr_tags))):
                    pending[(below, len(row))] = text
                row.append(text)
        _take_pending(pending, index, row, repeats)
        if any(row):
            spanned.update((len(rows), column) for column in repeats)
            if header == len(rows) and _is_header_row(tr, cells):
                header += 1
            rows.append(row)
            lines.append(_line(tr))
    start = grid_start(rows)
    padded = pad(rows)
    width = len(padded[0]) if padded else 0
    return _Grid(
        padded,
        tuple(lines),
        frozenset((r, c - start) for r, c in spanned if start <= c < start + width),
        header or None,
    )


def _take_pending(
    pending: dict[tuple[int, int], str], index: int, row: list[str], repeats: list[int]
) -> None:
    """Fill the positions a row span from above covers, before the next cell of the row."""
    while (index, len(row)) in pending:
        repeats.append(len(row))
        row.append(pending.pop((index, len(row))))


def _is_header_row(tr: Tag, cells: list[Tag]) -> bool:
    in_head = any(parent.name == "thead" for parent in tr.parents if isinstance(parent, Tag))
    return in_head or (bool(cells) and all(cell.name == "th" for cell in cells))


def _cell_text(cell: Tag) -> str:
    parts = [
        str(text)
        for text in cell.find_all(string=True)
        if not isinstance(text, _NOT_TEXT)
        and not any(parent.name in _DROPPED for parent in text.parents if parent is not cell)
    ]
    return clean(" ".join(parts))

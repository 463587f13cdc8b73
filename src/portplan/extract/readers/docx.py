"""Word documents (DOCX) through python-docx: paragraphs and tables in body order.

Paragraphs in the "Title" and "Heading N" styles are headings (level 1 and N), "Caption" ones
captions, numbered and bulleted ones list items (their "1." or "•" marker and their list level
come back from the numbering Word stores as formatting, not text), the rest paragraphs (a soft
line break starts a new line). Each table is a Table block whose merged cells repeat over every
position they cover, those repeats marked as spanned. Line numbers count paragraphs and table
rows in document order, starting at 1.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any

from portplan.errors import InputError
from portplan.extract.document import (
    Caption,
    Document,
    Heading,
    ListItem,
    Paragraph,
    StructuredBlock,
    Table,
    TextLine,
)
from portplan.extract.readers.common import TYPESET, clean, pad, read_bytes
from portplan.extras import require

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc, or an encrypted Office file
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class DocxReader:
    suffixes: tuple[str, ...] = (".docx", ".docm")

    def read(self, path: Path) -> Document:
        data = read_bytes(path)
        if data.startswith(_OLE_MAGIC):
            raise InputError(
                "cannot read DOCX: the file is password-protected or an old .doc — save it "
                "as an unprotected .docx",
                file=str(path),
            )
        docx = require("office", "docx", file=str(path))
        try:
            document = docx.Document(str(path))
            blocks = list(_blocks(document))
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise InputError(
                f"cannot read DOCX: the file is damaged or not a Word document "
                f"({type(exc).__name__}) — save it again from Word as .docx",
                file=str(path),
            ) from None
        except Exception as exc:  # python-docx/lxml raise assorted types for broken parts
            raise InputError(
                f"cannot read DOCX: {type(exc).__name__}: {' '.join(str(exc).split())[:120]} "
                "— save it again from Word as .docx",
                file=str(path),
            ) from None
        return Document(name=str(path), blocks=tuple(blocks))


def _blocks(document: Any) -> Iterator[StructuredBlock]:
    walker = _Walker(document)
    yield from walker.blocks(document.element.body, document._body)


class _Walker:
    """Paragraphs and tables in document order, also inside content controls and layout
    tables (a table whose cells hold further tables), which ``iter_inner_content`` skips."""

    def __init__(self, document: Any) -> None:
        self.numbering = _Numbering(document)
        self.line = 0
        self.heading: str | None = None

    def items(self, element: Any, parent: Any) -> Iterator[Any]:
        from docx.table import Table as DocxTable
        from docx.text.paragraph import Paragraph

        for child in element.iterchildren():
            if child.tag == f"{_W}p":
                yield Paragraph(child, parent)
            elif child.tag == f"{_W}tbl":
                yield DocxTable(child, parent)
            elif child.tag == f"{_W}sdt":  # a content control wraps ordinary body content
                content = child.find(f"{_W}sdtContent")
                if content is not None:
                    yield from self.items(content, parent)

    def blocks(self, element: Any, parent: Any) -> Iterator[StructuredBlock]:
        from docx.table import Table as DocxTable

        for item in self.items(element, parent):
            if not isinstance(item, DocxTable):
                yield from self.paragraph(item)
            elif item._tbl.find(f".//{_W}tbl") is not None:
                # A layout table: read what its cells hold, once per merged cell.
                # (Holding the elements keeps lxml's proxies, so ``is`` finds merged cells.)
                seen: list[Any] = []
                for row in item.rows:
                    for cell in row.cells:
                        if not any(cell._tc is done for done in seen):
                            seen.append(cell._tc)
                            yield from self.blocks(cell._tc, cell)
            else:
                yield from self.table(item)

    def paragraph(self, paragraph: Any) -> Iterator[StructuredBlock]:
        """A heading, list item, caption or paragraph; each soft line break starts a new line
        of it. Tabs stay, since tab-aligned rows in Word are tables without a table."""
        pieces = [_keep_tabs(piece) for piece in _paragraph_text(paragraph._p).split("\n")]
        pieces = [piece for piece in pieces if piece.strip()]
        if not pieces:
            self.line += 1
            return
        lines = []
        for piece in pieces:
            self.line += 1
            lines.append(TextLine(self.line, piece))
        text = clean(" ".join(pieces))
        style = (getattr(paragraph.style, "name", "") or "").lower()
        if style.startswith(("heading", "title", "caption")) or text.lower().startswith("table "):
            self.heading = text
        yield self.block(paragraph, style, tuple(lines), text)

    def block(
        self, paragraph: Any, style: str, lines: tuple[TextLine, ...], text: str
    ) -> StructuredBlock:
        level = _heading_level(style)
        if level is not None:
            return Heading(level, text, lines[0].line)
        if style.startswith("caption"):
            return Caption(text, lines[0].line)
        numbered = self.numbering.marker(paragraph)
        if numbered is not None:
            marker, depth = numbered
            return ListItem(depth, marker, lines)
        return Paragraph(lines)

    def table(self, table: Any) -> Iterator[StructuredBlock]:
        rows, spanned = _rows(table)
        kept = [
            (index, row, number)
            for index, (row, number) in enumerate(zip(rows, count(self.line + 1), strict=False))
            if any(row)
        ]
        self.line += len(rows)
        if kept and max(len(row) for _, row, _ in kept) < 2:
            # A one-column table is a frame around text (a note or warning box).
            for _, row, number in kept:
                yield Paragraph((TextLine(number, row[0]),))
        elif kept:
            renumber = {index: new for new, (index, _, _) in enumerate(kept)}
            yield Table(
                rows=pad([row for _, row, _ in kept]),
                lines=tuple(number for _, _, number in kept),
                title=self.heading,
                spanned=frozenset(
                    (renumber[row], column) for row, column in spanned if row in renumber
                ),
            )


def _heading_level(style: str) -> int | None:
    """1 for Title, N for "Heading N" (Word's built-in heading styles)."""
    if style == "title":
        return 1
    found = re.fullmatch(r"heading\s*(\d)", style.strip())
    return int(found.group(1)) if found else None


# Text as Word shows it with tracked changes accepted: inserted runs count (python-docx's
# Paragraph.text skips runs inside <w:ins> and inline content controls), moved-away and deleted
# text does not, and text boxes anchored in the paragraph are not part of its sentence.
_TEXT = {f"{_W}t": None, f"{_W}tab": "\t", f"{_W}br": "\n", f"{_W}cr": "\n"}
_SKIPPED = frozenset({f"{_W}del", f"{_W}moveFrom", f"{_W}txbxContent"})
_SPACES = re.compile(r"[^\S\t\n]+")


def _paragraph_text(element: Any) -> str:
    parts: list[str] = []
    for node in element.iter(*_TEXT):
        skipped = False
        for ancestor in node.iterancestors():
            if ancestor is element:
                break
            if ancestor.tag in _SKIPPED:
                skipped = True
                break
        if not skipped:
            fixed = _TEXT[node.tag]
            parts.append(node.text or "" if fixed is None else fixed)
    return "".join(parts)


def _cell_text(cell: Any) -> str:
    paragraphs = cell.xpath("./w:p | ./w:sdt/w:sdtContent/w:p")
    return clean(" ".join(_paragraph_text(paragraph) for paragraph in paragraphs))


def _keep_tabs(text: str) -> str:
    """Collapse spaces (and undo typesetting marks) but keep tabs: they separate columns."""
    return _SPACES.sub(" ", text.translate(TYPESET)).strip(" ")


def _rows(table: Any) -> tuple[list[list[str]], set[tuple[int, int]]]:
    """The cells row by row, a merged cell repeated over every position it covers; the
    positions that repeat a merged cell (not the cell itself) are returned as spanned."""
    rows: list[list[str]] = []
    spanned: set[tuple[int, int]] = set()
    above: list[Any] = []
    for row_index, row in enumerate(table.rows):
        values: list[str] = []
        elements: list[Any] = []
        for column, cell in enumerate(row.cells):
            # python-docx returns the same cell element for each position a merge covers.
            merged_across = bool(elements) and cell._tc is elements[-1]
            merged_down = column < len(above) and cell._tc is above[column]
            if merged_across or merged_down:
                spanned.add((row_index, column))
                values.append(values[-1] if merged_across else rows[-1][column])
            else:
                values.append(_cell_text(cell._tc))
            elements.append(cell._tc)
        rows.append(values)
        above = elements
    return rows, spanned


class _Numbering:
    """Recreates list numbers: Word stores "1.", "2." as numbering formats, not as text."""

    def __init__(self, document: Any) -> None:
        self.formats: dict[tuple[str, str], str] = {}
        self.counters: dict[tuple[str, str], int] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract: dict[str, dict[str, str]] = {}
        for node in root.findall(f"{_W}abstractNum"):
            levels = {}
            for level in node.findall(f"{_W}lvl"):
                fmt = level.find(f"{_W}numFmt")
                levels[level.get(f"{_W}ilvl", "0")] = (
                    fmt.get(f"{_W}val", "") if fmt is not None else ""
                )
            abstract[node.get(f"{_W}abstractNumId", "")] = levels
        for num in root.findall(f"{_W}num"):
            ref = num.find(f"{_W}abstractNumId")
            if ref is None:
                continue
            for ilvl, fmt in abstract.get(ref.get(f"{_W}val", ""), {}).items():
                self.formats[(num.get(f"{_W}numId", ""), ilvl)] = fmt

    def marker(self, paragraph: Any) -> tuple[str, int] | None:
        """The item's marker ("•" or its number, "2.") and its list level; ``None`` for a
        paragraph that is not a list item."""
        key = self._key(paragraph)
        if key is None:
            return None
        fmt = self.formats.get(key, "")
        if fmt == "bullet":
            return "•", int(key[1])
        if fmt in ("", "none"):
            return None
        number = self.counters.get(key, 0) + 1
        self.counters[key] = number
        for other in list(self.counters):  # a new item restarts the deeper levels under it
            if other[0] == key[0] and int(other[1]) > int(key[1]):
                del self.counters[other]
        return f"{number}.", int(key[1])

    def _key(self, paragraph: Any) -> tuple[str, str] | None:
        sources = [paragraph._p.pPr]
        style = paragraph.style
        while style is not None and len(sources) < 8:
            sources.append(style.element.pPr)
            style = style.base_style
        for ppr in sources:
            numpr = ppr.find(f"{_W}numPr") if ppr is not None else None
            if numpr is None:
                continue
            num = numpr.find(f"{_W}numId")
            level = numpr.find(f"{_W}ilvl")
            if num is None:
                continue
            num_id = num.get(f"{_W}val", "")
            if num_id in ("", "0"):  # numId 0 switches numbering off
                return None
            return (num_id, level.get(f"{_W}val", "0") if level is not None else "0")
        return None

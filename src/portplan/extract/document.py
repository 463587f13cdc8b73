"""The document model every reader produces and the interpreter consumes.

A reader turns a file (text, HTML, PDF, DOCX, CSV, XLSX) into a :class:`Document`: blocks in
reading order, each either one line of text or a table the format itself marked as a table.
Line numbers are the reader's best notion of "where a person finds this" (text line, PDF
line counted across pages, row number in a CSV); evidence in the extraction points at them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TextLine:
    """One line of running text (paragraph, heading, list item, or a flattened table cell)."""

    line: int
    text: str


@dataclass(frozen=True)
class Table:
    """A table the source format marked as such; ``lines[i]`` is the source line of ``rows[i]``.

    The first row is normally the header; the interpreter decides (it also recognises tables
    without a header row and tables with several header rows).
    """

    rows: tuple[tuple[str, ...], ...]
    lines: tuple[int, ...]
    title: str | None = None


Block = TextLine | Table


@dataclass(frozen=True)
class Document:
    """A document in reading order; ``name`` is what evidence cites as its file."""

    name: str
    blocks: tuple[Block, ...]

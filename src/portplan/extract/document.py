"""The document model: what readers produce and what the interpreter walks.

A reader turns a file into a :class:`Document`: blocks in reading order. Formats that know their
structure (HTML, DOCX, PDF tables, spreadsheets) emit structured blocks directly; everything
that is only text arrives as :class:`TextLine` runs, and :mod:`portplan.extract.structure`
turns those into the same structured blocks by recognising the markup they are written in
(Markdown, AsciiDoc, reStructuredText, Hugo definition lists, plain text tables), whatever the
file is called.

The structured blocks form a tree without pointers: a :class:`Heading` opens a section that
lasts until the next heading of the same or a higher level; a :class:`ListItem` belongs to the
nearest item above it with a smaller ``depth``. :func:`portplan.extract.outline.outline` walks
that tree for the interpreter.

Line numbers are the reader's best notion of "where a person finds this" (text line, PDF line
counted across pages, row number of a CSV); every flow's evidence points at one.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TextLine:
    """One line of text as the source gives it (markup not yet recognised)."""

    line: int
    text: str


@dataclass(frozen=True)
class Heading:
    """A section title; ``level`` 1 is the document title, 2 its chapters, and so on."""

    level: int
    text: str
    line: int
    plain: bool = False  # a short line of plain text read as a title (no markup said so)


class _Lines:
    """A block made of source lines: its text is theirs joined, its line the first one's."""

    lines: tuple[TextLine, ...]

    @property
    def text(self) -> str:
        return " ".join(part.text.strip() for part in self.lines if part.text.strip())

    @property
    def line(self) -> int:
        return self.lines[0].line


@dataclass(frozen=True)
class Paragraph(_Lines):
    """Running text: one or more lines that belong together."""

    lines: tuple[TextLine, ...]


@dataclass(frozen=True)
class ListItem(_Lines):
    """A bullet or numbered item; ``depth`` 0 is the outermost list. ``lines`` hold the item's
    text with the marker removed (continuation lines included)."""

    depth: int
    marker: str  # "-", "*", "•", "1.", "#.", "a)"
    lines: tuple[TextLine, ...]

    @property
    def ordered(self) -> bool:
        return self.marker[:1].isalnum() or self.marker.startswith("#")


@dataclass(frozen=True)
class DefinitionItem:
    """A term and its definition ("443/tcp" then ": Port for most Agent data")."""

    term: TextLine
    lines: tuple[TextLine, ...]

    @property
    def text(self) -> str:
        return " ".join(part.text.strip() for part in self.lines if part.text.strip())

    @property
    def line(self) -> int:
        return self.term.line


@dataclass(frozen=True)
class CodeBlock:
    """Literal text: a fenced block, an indented listing, an AsciiDoc ``----`` block."""

    lines: tuple[TextLine, ...]
    language: str = ""

    @property
    def line(self) -> int:
        return self.lines[0].line if self.lines else 0


@dataclass(frozen=True)
class Caption:
    """A table or figure title written apart from it (".Ports of the server", "Table 1. …")."""

    text: str
    line: int


@dataclass(frozen=True)
class Table:
    """A table as a grid: every row has one string per column.

    ``lines[i]`` is the source line of ``rows[i]``. A cell that spans several rows or columns
    is repeated over the cells it covers; ``spanned`` marks those repeats (row ``i``, column
    ``j``) so that the interpreter can tell "the same as above" from a written value.
    ``header_rows`` is how many leading rows the source marked as header (``None`` when the
    source does not say; the interpreter then decides). ``sources[i]``, when given, is the
    text of row ``i`` as the document wrote it (evidence quotes it).
    """

    rows: tuple[tuple[str, ...], ...]
    lines: tuple[int, ...]
    title: str | None = None
    header_rows: int | None = None
    spanned: frozenset[tuple[int, int]] = field(default_factory=frozenset)
    sources: tuple[str, ...] = ()

    @property
    def line(self) -> int:
        return self.lines[0] if self.lines else 0


@dataclass(frozen=True)
class Contents:
    """A table of contents: section titles with page numbers, which state no ports. Kept
    (not dropped) so that every line of the text is in some block."""

    lines: tuple[TextLine, ...]

    @property
    def line(self) -> int:
        return self.lines[0].line if self.lines else 0


Block = (
    TextLine
    | Heading
    | Paragraph
    | ListItem
    | DefinitionItem
    | CodeBlock
    | Caption
    | Table
    | Contents
)
StructuredBlock = (
    Heading | Paragraph | ListItem | DefinitionItem | CodeBlock | Caption | Table | Contents
)


@dataclass(frozen=True)
class Document:
    """A document in reading order; ``name`` is what evidence cites as its file."""

    name: str
    blocks: tuple[Block, ...]


def first_line(block: Block) -> int:
    """The source line a block starts on."""
    return block.line

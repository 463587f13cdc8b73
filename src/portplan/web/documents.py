"""A document as the review page shows it: numbered lines, the numbers evidence cites.

For text formats (plain text, Markdown, CSV, …) the lines are the file's own lines, so every
line a reviewer reads is there, blank ones included. For formats whose lines the reader
numbers itself (PDF lines across pages, DOCX paragraphs and table rows, HTML elements by
source line, XLSX rows) the lines come from the document the extractor read: each text block
at its line, each table row as its cells separated by `` │ ``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from portplan.errors import InputError

# Formats whose line numbers are the reader's, not the file's (see each reader's docstring).
READER_NUMBERED = (".pdf", ".docx", ".docm", ".xlsx", ".xlsm", ".html", ".htm", ".xhtml")
CELL_SEPARATOR = " │ "
SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


@dataclass(frozen=True)
class DocumentLine:
    number: int
    text: str


def document_lines(path: Path, blocks: Iterable[object]) -> list[DocumentLine]:
    """The numbered lines of ``path``; ``blocks`` are the reader's blocks of it."""
    if path.suffix.lower() not in READER_NUMBERED:
        try:
            text = path.read_text(encoding="utf-8-sig", errors="replace")
        except OSError as exc:
            raise InputError(
                f"cannot read the document ({exc.strerror}).", file=path.name
            ) from None
        return [DocumentLine(n, line) for n, line in enumerate(text.splitlines(), start=1)]
    by_line: dict[int, list[str]] = {}
    for number, text in _block_lines(blocks):
        by_line.setdefault(number, []).append(text)
    return [DocumentLine(n, "  ".join(by_line[n])) for n in sorted(by_line)]


def _block_lines(blocks: Iterable[object]) -> Iterable[tuple[int, str]]:
    """(line, text) of every block: text blocks carry ``line`` and ``text``, tables ``rows``
    and ``lines``; blocks that hold others (``blocks`` or ``children``) are walked into."""
    for block in blocks:
        rows = getattr(block, "rows", None)
        lines = getattr(block, "lines", None)
        if rows is not None and lines is not None:
            for number, row in zip(lines, rows, strict=False):
                cells = [getattr(cell, "text", cell) for cell in row]
                yield int(number), CELL_SEPARATOR.join(str(c) for c in cells)
            continue
        line, text = getattr(block, "line", None), getattr(block, "text", None)
        if isinstance(line, int) and isinstance(text, str):
            yield line, text
        children = getattr(block, "children", None) or getattr(block, "blocks", None)
        if children:
            yield from _block_lines(children)


def upload_name(filename: str) -> str:
    """A file name safe to store: the last path part, odd characters replaced."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    cleaned = SAFE_NAME.sub("_", base).strip(". ")
    if not cleaned or "." not in cleaned:
        raise InputError(
            f"'{filename}' has no file extension — upload a .txt .md .html .pdf .docx .csv "
            "or .xlsx document."
        )
    return cleaned[:120]

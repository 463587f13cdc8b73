"""PDF through pdfplumber: ruled tables become Table blocks, the rest is text with its layout.

Per page, the tables pdfplumber finds (``find_tables``) are cut out and the text above, between
and below them is extracted with ``layout=True``, which keeps the horizontal gaps between
columns of tables drawn without rules. Line numbers count the extracted lines across pages
(a table row counts as one line), so evidence points at the n-th line of the PDF's text.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from portplan.errors import InputError
from portplan.extract.document import Block, Document, Table, TextLine
from portplan.extract.readers.common import clean, pad, read_bytes

# pdfminer and pdfplumber log (and sometimes warn about) every oddity of a damaged file; the
# user gets one InputError line instead.
_QUIET_LOGGERS = ("pdfminer", "pdfplumber", "PIL")


class PdfReader:
    suffixes: tuple[str, ...] = (".pdf",)

    def read(self, path: Path) -> Document:
        data = read_bytes(path)
        if b"%PDF-" not in data[:1024]:
            raise InputError(
                "cannot read PDF: the file is not a PDF (no %PDF header) — give the PDF itself, "
                "or rename the file after its real type",
                file=str(path),
            )
        for name in _QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                blocks = list(_read_blocks(path))
            except InputError:
                raise
            except Exception as exc:  # pdfminer raises many unrelated types for damaged files
                raise InputError(_explain(exc), file=str(path)) from None
        return Document(name=str(path), blocks=tuple(blocks))


def _explain(exc: Exception) -> str:
    """One line saying why pdfminer gave up, and what the user can do about it."""
    kinds = {type(exc).__name__} | {type(e).__name__ for e in _causes(exc)}
    detail = " ".join(str(exc).split())[:120] or type(exc).__name__
    if any("Password" in kind or "Encrypt" in kind for kind in kinds):
        return (
            "cannot read PDF: it is encrypted with a password — save an unprotected copy "
            "(print to PDF) and extract that"
        )
    return (
        f"cannot read PDF: the file is damaged or truncated ({detail}) — export the "
        "document to PDF again or give it in another format"
    )


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 10:
        yield current
        nested = getattr(current, "args", ())
        for item in nested:
            if isinstance(item, BaseException):
                yield item
        current = current.__cause__ or current.__context__
        seen += 1


def _read_blocks(path: Path) -> Iterator[Block]:
    import pdfplumber

    counter = _LineCounter()
    with pdfplumber.open(str(path)) as pdf:
        for page in pdf.pages:
            yield from _page_blocks(page, counter)
            page.close()  # frees the page's parsed objects: a 200-page PDF stays small


class _LineCounter:
    def __init__(self) -> None:
        self.line = 0

    def next(self) -> int:
        self.line += 1
        return self.line


def _page_blocks(page: Any, counter: _LineCounter) -> Iterator[Block]:
    tables = sorted(page.find_tables(), key=lambda table: table.bbox[1])
    x0, top, x1, bottom = page.bbox
    cursor = top
    title: str | None = None
    for table in tables:
        _, t_top, _, t_bottom = table.bbox
        if t_top < cursor:  # overlapping detections: keep the first, skip the rest
            continue
        for block in _text_blocks(page, (x0, cursor, x1, t_top), counter):
            if isinstance(block, TextLine) and block.text:
                title = _caption(block.text)
            yield block
        rows = [[clean(cell) for cell in row] for row in table.extract()]
        rows = [row for row in rows if any(row)]
        if rows:
            lines = tuple(counter.next() for _ in rows)
            yield Table(rows=pad(rows), lines=lines, title=title)
        title = None
        cursor = max(cursor, t_bottom)
    yield from _text_blocks(page, (x0, cursor, x1, bottom), counter)


def _caption(text: str) -> str | None:
    """A short line right above a table reads as its title ("Table 3: Ports used by …")."""
    words = text.split()
    return " ".join(words) if 0 < len(words) <= 12 else None


def _text_blocks(
    page: Any, bbox: tuple[float, float, float, float], counter: _LineCounter
) -> Iterator[Block]:
    if bbox[3] - bbox[1] < 1:
        return
    region = page if bbox == tuple(page.bbox) else page.crop(bbox, strict=False)
    text = region.extract_text(layout=True) or ""
    # Layout mode turns vertical distance into blank lines: one blank line is only looser line
    # spacing (it would split a table drawn without rules), two or more are a paragraph break.
    lines: list[str] = []
    blanks = 0
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line:
            blanks += 1
            continue
        if blanks >= 2 and lines:
            lines.append("")
        blanks = 0
        lines.append(line)
    indent = min((len(line) - len(line.lstrip()) for line in lines if line), default=0)
    for line in lines:
        yield TextLine(counter.next(), line[indent:])

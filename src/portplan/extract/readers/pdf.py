"""PDF through pdfplumber: ruled tables become Table blocks, the rest is text with its layout.

Per page, the tables pdfplumber finds (``find_tables``) are cut out and the text above, between
and below them is extracted with ``layout=True``, which keeps the horizontal gaps between
columns of tables drawn without rules. Line numbers count the extracted lines across pages
(a table row counts as one line), so evidence points at the n-th line of the PDF's text.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import re
import warnings
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from portplan.errors import InputError
from portplan.extract.document import Document, Table, TextLine
from portplan.extract.readers.common import TYPESET, clean, pad, read_bytes
from portplan.extras import require

Block = TextLine | Table

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
        require("pdf", "pdfplumber", file=str(path))  # before errors are read as damage
        _quiet()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                blocks = read_pdf_blocks(path)
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


# Pages are independent until their lines are numbered and page-split tables are joined, so a
# long PDF is read by several processes: pdfminer is pure Python (~40 ms a page), and a
# 200-page PDF would otherwise spend most of its time on one core.
_PAGES_PER_WORKER = 16
_MAX_WORKERS = 4


def _available_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def read_pdf_blocks(path: Path, workers: int | None = None) -> list[Block]:
    """The PDF's blocks in reading order; ``workers`` processes read page ranges (default:
    one per available CPU, at most four, none for short documents)."""
    pdfplumber = require("pdf", "pdfplumber", file=str(path))
    with pdfplumber.open(str(path)) as pdf:
        count = len(pdf.pages)  # opening surfaces encryption and damage here, not in a worker
    if workers is None:
        workers = min(_MAX_WORKERS, _available_cpus(), count // _PAGES_PER_WORKER)
    workers = max(1, min(workers, count))
    if workers == 1:
        pages = _read_range(str(path), 0, count)
    else:
        pages = _read_parallel(str(path), count, workers)
    blocks: list[Block] = []
    offset = 0
    for page_blocks, used in pages:
        shifted = [_shift(block, offset) for block in page_blocks]
        offset += used
        _join_continued_table(blocks, shifted)
        blocks.extend(shifted)
    if not blocks:
        raise InputError(
            "cannot read PDF: it has no text, only images (a scan?) — run it through OCR, "
            "or export it again from the source document",
            file=str(path),
        )
    if _mostly_unmapped(blocks):
        raise InputError(
            "cannot read PDF: its fonts do not say which characters they draw, so the text "
            "comes out as (cid:NN) codes — export it again with embedded Unicode fonts, or "
            "give it in another format",
            file=str(path),
        )
    return blocks


_CID = re.compile(r"\(cid:\d+\)")


def _mostly_unmapped(blocks: list[Block]) -> bool:
    """pdfminer writes glyphs that a font maps to no character as "(cid:NN)"."""
    total = unmapped = 0
    for block in blocks:
        texts = [block.text] if isinstance(block, TextLine) else [c for r in block.rows for c in r]
        for text in texts:
            total += len(text)
            unmapped += sum(len(match) for match in _CID.findall(text))
    return total > 0 and unmapped * 2 > total


def _read_range(path: str, start: int, stop: int) -> list[tuple[list[Block], int]]:
    """Pages ``start``..``stop - 1``: each page's blocks numbered from line 1, and its count."""
    import pdfplumber

    _quiet()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out: list[tuple[list[Block], int]] = []
        with pdfplumber.open(path) as pdf:
            for index in range(start, stop):
                page = pdf.pages[index]
                counter = _LineCounter()
                out.append((list(_page_blocks(page, counter)), counter.line))
                page.close()  # frees the page's parsed objects: a long PDF stays small
        return out


def _read_parallel(path: str, count: int, workers: int) -> list[tuple[list[Block], int]]:
    size = -(-count // workers)
    ranges = [(start, min(start + size, count)) for start in range(0, count, size)]
    # fork starts workers without re-importing portplan; elsewhere the platform default.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [pool.submit(_read_range, path, start, stop) for start, stop in ranges]
            return [page for future in futures for page in future.result()]
    except (OSError, BrokenProcessPool):
        # No processes here (a sandbox, no /dev/shm): read on this one.
        return _read_range(path, 0, count)


def _shift(block: Block, offset: int) -> Block:
    if not offset:
        return block
    if isinstance(block, TextLine):
        return TextLine(block.line + offset, block.text)
    return Table(block.rows, tuple(line + offset for line in block.lines), block.title)


def _quiet() -> None:
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)


# Running headers and footers ("Page 3 of 12", the product name) sit between a table's part on
# one page and its continuation on the next; a few short lines are allowed there.
_MARGIN_LINES = 3
_MARGIN_WORDS = 15


def _line_of(block: Block) -> int:
    return block.line if isinstance(block, TextLine) else block.lines[0]


def _is_margin(block: Block) -> bool:
    return isinstance(block, TextLine) and len(block.text.split()) <= _MARGIN_WORDS


def _join_continued_table(previous: list[Block], page: list[Block]) -> None:
    """Append a table that continues at the top of this page to its start on the last page.

    Without this the continuation reaches the interpreter as a table without a header. A
    continuation either has no header row or repeats the first part's header (dropped here); a
    table that starts with a different header is a new table and is left alone.
    """
    from portplan.extract.columns import read_header

    end = next((i for i in range(len(previous) - 1, -1, -1) if not _is_margin(previous[i])), None)
    start = next((i for i, block in enumerate(page) if not _is_margin(block)), None)
    if end is None or start is None:
        return
    first, second = previous[end], page[start]
    if not isinstance(first, Table) or not isinstance(second, Table):
        return
    # Lines after the table's last row (earlier pages' running headers, which an earlier join
    # left behind the grown table, do not count).
    trailing = [block for block in previous[end + 1 :] if _line_of(block) > first.lines[-1]]
    if len(trailing) > _MARGIN_LINES or start > _MARGIN_LINES:
        return
    if len(first.rows[0]) != len(second.rows[0]):
        return
    rows, lines = second.rows, second.lines
    if rows[0] == first.rows[0]:
        rows, lines = rows[1:], lines[1:]  # the header repeated on each page
    elif read_header(list(rows[0])) is not None:
        return
    previous[end] = Table(first.rows + rows, first.lines + lines, first.title)
    del page[start]


class _LineCounter:
    def __init__(self) -> None:
        self.line = 0

    def next(self) -> int:
        self.line += 1
        return self.line


def _page_blocks(page: Any, counter: _LineCounter) -> Iterator[Block]:
    """Text bands and tables of one page, top to bottom.

    Each character is assigned once — to a table cell or to the text band it sits in — instead
    of cropping the page per band and testing every character against every cell (which is
    what ``Table.extract`` does, and what made long PDFs slow).
    """
    x0, top, x1, bottom = page.bbox
    grids = _grids(page)
    bands, cells = _place_chars(page.chars, grids)
    band_top = top
    title: str | None = None
    for index, grid in enumerate(grids):
        for block in _band_lines(bands[index], (x0, band_top, x1, grid.bbox[1]), counter):
            title = _caption(block.text) if block.text else title
            yield block
        yield from _grid_blocks(grid, cells[index], counter, title)
        title = None
        band_top = grid.bbox[3]
    yield from _band_lines(bands[-1], (x0, band_top, x1, bottom), counter)


def _grids(page: Any) -> list[_Grid]:
    """The page's tables, top to bottom, without overlaps and one-cell-wide boxes."""
    # Table.rows and Table.bbox are recomputed on every access: _Grid reads them once.
    grids: list[_Grid] = []
    for table in sorted(page.find_tables(), key=lambda found: found.bbox[1]):
        grid = _Grid(table)
        if grids and grid.bbox[1] < grids[-1].bbox[3]:
            continue  # overlapping detections: keep the first
        widest = max(
            (sum(cell is not None for cell in cells) for _, _, cells in grid.rows), default=0
        )
        if widest < 2:
            # One cell wide: a shaded header bar, a zebra stripe or a framed note. Its text
            # stays in the text band, in line with the unruled rows around it. (A ruled row
            # has a cell per column, so even a one-row continuation of a table stays a table.)
            continue
        grids.append(grid)
    return grids


_Chars = list[dict[str, Any]]


def _place_chars(
    chars: list[dict[str, Any]], grids: list[_Grid]
) -> tuple[list[_Chars], list[dict[tuple[int, int], _Chars]]]:
    """Each character in a table cell or a text band. Band i < len(grids) is the text above
    table i; the last band is below them all."""
    bands: list[_Chars] = [[] for _ in range(len(grids) + 1)]
    cells: list[dict[tuple[int, int], _Chars]] = [{} for _ in grids]
    for char in chars:
        middle_y = (char["top"] + char["bottom"]) / 2
        middle_x = (char["x0"] + char["x1"]) / 2
        segment = len(grids)
        for index, grid in enumerate(grids):
            t_x0, t_top, t_x1, t_bottom = grid.bbox
            if middle_y < t_top:
                segment = index
                break
            if middle_y < t_bottom:
                place = grid.cell_of(middle_x, middle_y) if t_x0 <= middle_x < t_x1 else None
                if place is not None:
                    cells[index].setdefault(place, []).append(char)
                    segment = -1
                else:  # beside the table: read it with the text below the table
                    segment = index + 1
                break
        if segment >= 0:
            bands[segment].append(char)
    return bands, cells


def _grid_blocks(
    grid: _Grid, cells: dict[tuple[int, int], _Chars], counter: _LineCounter, title: str | None
) -> Iterator[Block]:
    rows: list[list[str]] = []
    for r, (_, _, row_cells) in enumerate(grid.rows):
        rows.append([clean(_cell_text(cells.get((r, c), []))) for c in range(len(row_cells))])
    kept = pad([row for row in rows if any(row)])
    if kept and len(kept[0]) < 2:
        # Only one column holds text: a framed box of text (a note), not data.
        for row in kept:
            yield TextLine(counter.next(), row[0])
    elif kept:
        lines = tuple(counter.next() for _ in kept)
        yield Table(rows=kept, lines=lines, title=title)


class _Grid:
    """A found table's rows as (top, bottom, cell boxes), for placing characters in cells."""

    def __init__(self, table: Any) -> None:
        self.bbox: tuple[float, float, float, float] = tuple(table.bbox)
        self.rows: list[tuple[float, float, list[Any]]] = [
            (row.bbox[1], row.bbox[3], list(row.cells)) for row in table.rows
        ]

    def cell_of(self, x: float, y: float) -> tuple[int, int] | None:
        """(row, column) of the cell holding the point, as ``Table.extract`` decides it."""
        for r, (top, bottom, cells) in enumerate(self.rows):
            if not top <= y < bottom:
                continue
            for c, cell in enumerate(cells):
                if cell is not None and cell[0] <= x < cell[2] and cell[1] <= y < cell[3]:
                    return (r, c)
        return None


# Characters closer than this (in points) belong to one word; pdfplumber's default tolerance.
_GAP = 3.0


def _cell_text(chars: list[dict[str, Any]]) -> str:
    """A cell's characters as text: lines by position, a space where a gap separates words.

    The same reading as pdfplumber's ``extract_text`` defaults for the simple case of a cell,
    without its per-call word clustering (which cost a third of the reading time).
    """
    if not chars:
        return ""
    lines: list[list[dict[str, Any]]] = []
    line_top = float("-inf")
    for char in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        if char["top"] - line_top > _GAP:
            lines.append([])
            line_top = char["top"]
        lines[-1].append(char)
    words: list[str] = []
    for line in lines:
        previous_end = None
        for char in sorted(line, key=lambda c: c["x0"]):
            if previous_end is not None and char["x0"] - previous_end > _GAP:
                words.append(" ")
            words.append(char["text"])
            previous_end = char["x1"]
        words.append(" ")
    return "".join(words)


def _caption(text: str) -> str | None:
    """A short line right above a table reads as its title ("Table 3: Ports used by …")."""
    words = text.split()
    if not 0 < len(words) <= 12 or text.rstrip().endswith((".", ",", ";")):
        return None  # the end of a paragraph, not a caption
    return " ".join(words)


def _band_lines(
    chars: list[dict[str, Any]],
    bbox: tuple[float, float, float, float],
    counter: _LineCounter,
) -> Iterator[TextLine]:
    """The band's characters as text lines, keeping the column gaps of unruled tables."""
    from pdfplumber.utils.text import extract_text as chars_to_text

    if not chars:
        return
    # Text beside a table is read with the band below it, so the band may start higher.
    bbox = (bbox[0], min(bbox[1], min(char["top"] for char in chars)), bbox[2], bbox[3])
    text = chars_to_text(
        chars,
        layout=True,
        layout_bbox=bbox,
        layout_width=bbox[2] - bbox[0],
        layout_height=bbox[3] - bbox[1],
    )
    # Layout mode turns vertical distance into blank lines: one blank line is only looser line
    # spacing (it would split a table drawn without rules), two or more are a paragraph break.
    lines: list[str] = []
    blanks = 0
    for raw in text.translate(TYPESET).splitlines():
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

"""Excel workbooks (XLSX) through openpyxl in read-only mode: each sheet is one Table.

Read-only mode streams rows (a large workbook stays small in memory) but does not report merged
cells, so the merge ranges are read from the sheet XML directly; every cell of a merged range
gets the value of its top-left cell. Empty rows are skipped; line numbers are sheet row numbers.
"""

from __future__ import annotations

import datetime
import posixpath
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from portplan.errors import InputError
from portplan.extract.document import Document, Table
from portplan.extract.readers.common import clean, grid_start, pad, read_bytes

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, or an encrypted Office file
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL = re.compile(r"([A-Z]+)(\d+)")


class XlsxReader:
    suffixes: tuple[str, ...] = (".xlsx", ".xlsm")

    def read(self, path: Path) -> Document:
        data = read_bytes(path)
        if data.startswith(_OLE_MAGIC):
            raise InputError(
                "cannot read XLSX: the workbook is password-protected or an old .xls — save it "
                "as an unprotected .xlsx",
                file=str(path),
            )
        try:
            tables = list(_tables(path))
        except InputError:
            raise
        except Exception as exc:  # zipfile, XML and openpyxl errors for damaged workbooks
            raise InputError(
                f"cannot read XLSX: the file is damaged or not an Excel workbook "
                f"({type(exc).__name__}) — save it again from Excel as .xlsx",
                file=str(path),
            ) from None
        return Document(name=str(path), blocks=tuple(tables))


def _tables(path: Path) -> Iterator[Table]:
    from openpyxl import load_workbook

    merges = _merged_ranges(path)
    workbook = load_workbook(str(path), read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            table = _sheet_table(sheet, merges.get(sheet.title, []))
            if table is not None:
                yield table
    finally:
        workbook.close()


def _sheet_table(sheet: Any, merged: list[tuple[int, int, int, int]]) -> Table | None:
    # (row, column) -> top-left (row, column) of the merged range covering it
    anchors: dict[tuple[int, int], tuple[int, int]] = {}
    for min_row, min_col, max_row, max_col in merged:
        if (max_row - min_row + 1) * (max_col - min_col + 1) > 100_000:
            continue  # a whole-sheet merge is formatting, not data
        for row in range(min_row, max_row + 1):
            for col in range(min_col, max_col + 1):
                if (row, col) != (min_row, min_col):
                    anchors[(row, col)] = (min_row, min_col)
    wanted = set(anchors.values())
    values: dict[tuple[int, int], str] = {}
    rows: list[list[str]] = []
    lines: list[int] = []
    spanned: set[tuple[int, int]] = set()
    # Some writers store a wrong <dimension>; forget it, and start at A1 so that row numbers
    # and the merge coordinates line up.
    if hasattr(sheet, "reset_dimensions"):
        sheet.reset_dimensions()
    rows_iter = sheet.iter_rows(min_row=1, min_col=1, values_only=True)
    for number, raw in enumerate(rows_iter, start=1):
        cells = [_text(value) for value in raw]
        for col, text in enumerate(cells, start=1):
            if (number, col) in wanted:
                values[(number, col)] = text
        repeats = _fill_merged(number, cells, anchors, values)
        if any(cells):
            spanned.update((len(rows), col) for col in repeats)
            rows.append(cells)
            lines.append(number)
    if not rows:
        return None
    start = grid_start(rows)
    grid = pad(rows)
    return Table(
        rows=grid,
        lines=tuple(lines),
        title=str(sheet.title),
        spanned=frozenset(
            (row, col - start) for row, col in spanned if start <= col < start + len(grid[0])
        ),
    )


def _fill_merged(
    number: int,
    cells: list[str],
    anchors: dict[tuple[int, int], tuple[int, int]],
    values: dict[tuple[int, int], str],
) -> list[int]:
    """Give row ``number``'s positions inside a merged range the range's value; the columns
    (0-based) so filled."""
    repeats: list[int] = []
    for col in range(1, len(cells) + 1):
        anchor = anchors.get((number, col))
        if anchor is not None and not cells[col - 1]:
            cells[col - 1] = values.get(anchor, "")
            repeats.append(col - 1)
    for (row, col), anchor in anchors.items():  # merged cells past the row's last value
        if row == number and col > len(cells):
            cells.extend([""] * (col - len(cells)))
            cells[col - 1] = values.get(anchor, "")
            repeats.append(col - 1)
    return repeats


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a port typed as a number: 443.0 -> "443"
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return clean(value)


def _merged_ranges(path: Path) -> dict[str, list[tuple[int, int, int, int]]]:
    """Sheet title -> merged ranges as (min_row, min_col, max_row, max_col), from the XML."""
    ranges: dict[str, list[tuple[int, int, int, int]]] = {}
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        targets: dict[str, str] = {}
        if "xl/_rels/workbook.xml.rels" in names:
            relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
            for relation in relations.iter(f"{_PKG_REL}Relationship"):
                target = relation.get("Target", "")
                target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                targets[relation.get("Id", "")] = posixpath.normpath(target)
        for sheet in workbook.iter(f"{_MAIN}sheet"):
            member = targets.get(sheet.get(f"{_REL}id", ""), "")
            if member not in names:
                continue
            found: list[tuple[int, int, int, int]] = []
            with archive.open(member) as stream:
                for _, element in ElementTree.iterparse(stream):
                    if element.tag == f"{_MAIN}mergeCell":
                        bounds = _bounds(element.get("ref", ""))
                        if bounds is not None:
                            found.append(bounds)
                    elif element.tag == f"{_MAIN}row":
                        element.clear()  # rows are read by openpyxl; keep memory flat
            ranges[sheet.get("name", "")] = found
    return ranges


def _bounds(ref: str) -> tuple[int, int, int, int] | None:
    first, _, last = ref.partition(":")
    start, end = _CELL.fullmatch(first), _CELL.fullmatch(last or first)
    if start is None or end is None:
        return None
    return (int(start.group(2)), _column(start.group(1)), int(end.group(2)), _column(end.group(1)))


def _column(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number

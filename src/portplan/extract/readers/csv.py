"""CSV and TSV exports (spreadsheets, firewall change requests): the whole file is one Table.

The delimiter is sniffed from the first lines (comma, semicolon, tab or pipe; a ``.tsv`` file is
tab-separated unless its content clearly says otherwise). Line numbers are the line in the file
where each row starts (a quoted cell may span lines).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from portplan.errors import InputError
from portplan.extract.document import Document, Table
from portplan.extract.readers.common import clean, pad, read_bytes
from portplan.extract.readers.text import decode_text

_DELIMITERS = ",;\t|"
_SEPARATOR_HINT = re.compile(r"sep=([^\r\n])\r?\n")
# csv.Sniffer's quote-guessing regexes slow down sharply on long samples; the first lines decide.
_SAMPLE = 8 * 1024


class CsvReader:
    suffixes: tuple[str, ...] = (".csv", ".tsv", ".tab")

    def read(self, path: Path) -> Document:
        text = decode_text(read_bytes(path), str(path))
        start = 1
        hint = _SEPARATOR_HINT.match(text)
        if hint:  # Excel's "sep=;" first line names the delimiter
            delimiter = hint.group(1)
            text = text[hint.end() :]
            start = 2
        else:
            delimiter = _delimiter(text[:_SAMPLE], tsv=path.suffix.lower() in (".tsv", ".tab"))
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows: list[list[str]] = []
        lines: list[int] = []
        offset = start - 1
        try:
            for record in reader:
                cells = [clean(cell) for cell in record]
                if any(cells):
                    rows.append(cells)
                    lines.append(start)
                start = offset + reader.line_num + 1
        except csv.Error as exc:
            raise InputError(
                f"cannot read CSV: {exc} — check the quoting near this line",
                file=str(path),
                line=offset + reader.line_num,
            ) from None
        blocks = (Table(rows=pad(rows), lines=tuple(lines)),) if rows else ()
        return Document(name=str(path), blocks=blocks)


def _delimiter(sample: str, *, tsv: bool) -> str:
    """The separator: what csv.Sniffer finds, else the candidate most consistent per line."""
    head = "\n".join(sample.splitlines()[:50])
    try:
        found = csv.Sniffer().sniff(head, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        found = ""
    if tsv and found != "\t" and "\t" in head:
        return "\t"
    if found:
        return found
    counts = {candidate: head.count(candidate) for candidate in _DELIMITERS}
    best = max(counts, key=lambda candidate: counts[candidate])
    return best if counts[best] else ("\t" if tsv else ",")

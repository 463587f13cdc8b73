"""Plain text and Markdown: every line becomes a TextLine (tables are found by the interpreter)."""

from __future__ import annotations

import sys
from pathlib import Path

from portplan.errors import InputError
from portplan.extract.document import Document, TextLine

# Windows-1252 decodes every byte except five; those five are kept via latin-1 as a last resort.
_ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")


def decode_text(data: bytes, name: str) -> str:
    """Decode bytes as text: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError("not valid UTF-16 text — save it as UTF-8", file=name) from exc
    if b"\x00" in data[:4096]:
        raise InputError(
            "binary data, not text — give a .txt/.md/.html/.pdf/.docx/.csv/.xlsx document",
            file=name,
        )
    for encoding in _ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError("cannot decode the text — save it as UTF-8", file=name)  # pragma: no cover


def text_document(text: str, name: str) -> Document:
    """Split text into numbered lines (1-based), whatever the line endings."""
    lines = text.splitlines()
    return Document(
        name=name,
        blocks=tuple(TextLine(number, line) for number, line in enumerate(lines, start=1)),
    )


class TextReader:
    """``.txt`` and ``.md`` files (and anything without a more specific reader)."""

    suffixes: tuple[str, ...] = (".txt", ".md", ".markdown", ".text", ".rst")

    def read(self, path: Path) -> Document:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", file=str(path)) from exc
        return text_document(decode_text(data, str(path)), str(path))


def read_stdin() -> Document:
    """Text given on standard input (the file name ``-``)."""
    data = sys.stdin.buffer.read()
    return text_document(decode_text(data, "<stdin>"), "<stdin>")

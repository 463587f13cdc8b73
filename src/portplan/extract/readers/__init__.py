"""Document readers, chosen by file suffix.

A new format is one module with a class that satisfies :class:`~.base.Reader` plus one line in
``REGISTRY`` below.
"""

from __future__ import annotations

from pathlib import Path

from portplan.errors import InputError
from portplan.extract.document import Document
from portplan.extract.readers.base import Reader
from portplan.extract.readers.text import TextReader, read_stdin
from portplan.registry import Registry

# Imported lazily: the PDF and Word libraries (optional extras) load only for their files.
REGISTRY: Registry[Reader] = Registry(
    {
        "text": "portplan.extract.readers.text:TextReader",
        "html": "portplan.extract.readers.html:HtmlReader",
        "pdf": "portplan.extract.readers.pdf:PdfReader",
        "docx": "portplan.extract.readers.docx:DocxReader",
        "csv": "portplan.extract.readers.csv:CsvReader",
        "xlsx": "portplan.extract.readers.xlsx:XlsxReader",
    },
    unknown="unknown document reader {name!r}; known: {names}",
)


def readers() -> list[Reader]:
    """One instance of every registered reader."""
    return [REGISTRY.create(name) for name in REGISTRY]


def reader_for(path: Path) -> Reader:
    """The reader for ``path``'s suffix; plain text when no reader claims the suffix."""
    suffix = path.suffix.lower()
    for reader in readers():
        if suffix in reader.suffixes:
            return reader
    return TextReader()


def read_document(path: str | Path) -> Document:
    """Read a document; ``"-"`` reads text from standard input."""
    if str(path) == "-":
        return read_stdin()
    file_path = Path(path)
    if not file_path.exists():
        raise InputError("no such file — check the path", file=str(path))
    if file_path.is_dir():
        raise InputError("is a directory, not a document — give a file", file=str(path))
    return reader_for(file_path).read(file_path)

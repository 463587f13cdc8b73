"""What a document reader is: a set of file suffixes and a function from a path to a Document."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from portplan.extract.document import Document


class Reader(Protocol):
    """Reads one family of file formats.

    ``read`` raises :class:`portplan.errors.InputError` (one line, naming the file) when the
    file cannot be read; it never returns a partial document silently.
    """

    suffixes: tuple[str, ...]

    def read(self, path: Path) -> Document: ...

"""Helpers the binary and tabular readers share: reading bytes, cleaning cell text."""

from __future__ import annotations

import re
from pathlib import Path

from portplan.errors import InputError

_SPACE = re.compile(r"\s+")
# Typesetting leaves ligatures ("conﬁgurable") and soft hyphens in PDF and Word text; words
# must read as typed for the interpreter's keywords ("configurable", "optional") to match.
TYPESET = str.maketrans(
    {
        "\ufb00": "ff",
        "\ufb01": "fi",
        "\ufb02": "fl",
        "\ufb03": "ffi",
        "\ufb04": "ffl",
        "\ufb05": "st",
        "\ufb06": "st",
        "\u00ad": "",
    }
)


def read_bytes(path: Path) -> bytes:
    """The file's bytes; an unreadable or empty file is an :class:`InputError`."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(
            f"cannot read: {exc.strerror or exc} — check the path and permissions", file=str(path)
        ) from exc
    if not data.strip():
        raise InputError(
            "the file is empty — give the document that lists the ports", file=str(path)
        )
    return data


def clean(text: object) -> str:
    """A cell's text on one line: runs of whitespace (also line breaks in a cell) become a space."""
    if text is None:
        return ""
    return _SPACE.sub(" ", str(text).translate(TYPESET)).strip()


def grid_start(rows: list[list[str]]) -> int:
    """The first column :func:`pad` keeps (the leftmost column any row uses)."""
    used = [next(i for i, cell in enumerate(row) if cell) for row in rows if any(row)]
    return min(used) if used else 0


def pad(rows: list[list[str]]) -> tuple[tuple[str, ...], ...]:
    """Rows of equal width: short rows padded with empty cells, and columns that are empty in
    every row dropped at both edges (a table that starts in column C of a sheet)."""
    width = 0
    first = None
    for row in rows:
        used = [index for index, cell in enumerate(row) if cell]
        if used:
            width = max(width, used[-1] + 1)
            first = used[0] if first is None else min(first, used[0])
    start = first or 0
    return tuple(tuple((row + [""] * width)[start:width]) for row in rows)

"""Plain-text titles: a short line on its own that reads like a heading is one.

Text without markup (a PDF's text, a web page saved as text) writes its section titles as
short lines without a final full stop ("Ports List: Optional Products – AlertX", "Server
connections"). Such a one-line paragraph becomes a :class:`Heading` one level below the
document's deepest marked-up heading, so it never closes a real chapter.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from portplan.extract.document import Heading, Paragraph, StructuredBlock
from portplan.extract.inline import clean_inline
from portplan.extract.ports import parse_ports

_BULLET = re.compile(r"^\s*(?:[•\u2022*\-–·]|\(?\d+[.)]|\(?[a-z][.)])\s")
_LETTERS = re.compile(r"[A-Za-z]{2}")
_LEADING_NUMBER = re.compile(r"^\d{2,5}(?![.\d])")
_FIELD_VALUE = re.compile(r":\s*\S*\d")


def is_title(text: str) -> bool:
    stripped = clean_inline(text).strip()
    found = stripped.split()
    if not 1 <= len(found) <= 12 or len(stripped) > 100:
        return False
    if stripped.endswith((".", ",", ";", ":", "!", "?")) or _BULLET.match(stripped):
        return False
    if not _LETTERS.search(stripped) or (not stripped[:1].isupper() and not stripped[:1].isdigit()):
        return False
    if _LEADING_NUMBER.match(stripped):
        return False  # "9265 (Win, MacOS)": a port number and its note, not a title
    if _FIELD_VALUE.search(stripped):
        return False  # "Document ID: KES-0542  Last updated: 2024-03-18": metadata
    return not parse_ports(stripped, numbers_are_ports=False).has_ports


def promote_titles(blocks: Sequence[StructuredBlock]) -> tuple[StructuredBlock, ...]:
    deepest = max((b.level for b in blocks if isinstance(b, Heading)), default=0)
    level = min(deepest + 1, 9)
    out: list[StructuredBlock] = []
    for block in blocks:
        if (
            isinstance(block, Paragraph)
            and len(block.lines) <= 3
            and all(is_title(line.text) for line in block.lines)
        ):
            # Title lines one under the other ("Product 5.4" over "Firewall requirements"):
            # each is a title.
            out.extend(
                Heading(level, clean_inline(line.text).strip(), line.line, plain=True)
                for line in block.lines
            )
        else:
            out.append(block)
    return tuple(out)

"""The block tree as a whole: reader blocks kept in order, titles left without a block, deep
nesting, and real documents read without losing a number a reader sees."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from portplan.extract.document import (
    Caption,
    CodeBlock,
    Contents,
    DefinitionItem,
    Document,
    Heading,
    ListItem,
    Paragraph,
    StructuredBlock,
    Table,
    TextLine,
)
from portplan.extract.readers import read_document
from portplan.extract.structure import structure
from tests.conftest import SEEDS, SHARED

CORPUS_DOCS = SHARED / "eval" / "corpus" / "docs"


def lines(*texts: str, first: int = 1) -> tuple[TextLine, ...]:
    return tuple(TextLine(number, text) for number, text in enumerate(texts, start=first))


def test_reader_blocks_stay_in_place_between_structured_runs() -> None:
    table = Table((("Port", "Use"), ("443", "Web")), (3, 4))
    document = Document(
        "guide.pdf",
        (*lines("Ports", "======"), table, *lines("* TCP 22 for administrators", first=5)),
    )
    blocks = structure(document)
    assert blocks == (
        Heading(1, "Ports", 1),
        table,
        ListItem(0, "*", (TextLine(5, "TCP 22 for administrators"),)),
    )


def test_a_title_with_no_block_below_it_is_a_caption() -> None:
    text = lines("= Guide", ":toc:", "", ".Ports of the hub")
    assert structure(Document("x.adoc", text)) == (
        Heading(1, "Guide", 1),
        Caption("Ports of the hub", 4),
    )


def test_nesting_thousands_deep_keeps_every_line() -> None:
    """Containers nest to a limit; deeper bodies are read as plain paragraphs, never lost."""
    deep = [("  " * depth) + f"- item {depth}" for depth in range(1500)]
    blocks = structure(Document("deep.md", lines("# Deep", "## List", *deep)))
    seen = " ".join(_text(block) for block in blocks)
    assert all(f"item {depth}" in seen for depth in (0, 5, 11, 12, 700, 1499))
    assert max(block.depth for block in blocks if isinstance(block, ListItem)) <= 12


def _text(block: StructuredBlock) -> str:
    if isinstance(block, Table):
        return " ".join(" ".join(row) for row in block.rows) + " " + (block.title or "")
    if isinstance(block, Heading | Caption):
        return block.text
    if isinstance(block, DefinitionItem):
        return f"{block.term.text} {block.text}"
    assert isinstance(block, Paragraph | ListItem | CodeBlock | Contents)
    return " ".join(line.text for line in block.lines)


# Numbers a reader of the rendered page never sees: in link targets, in attribute lists
# ("[cols=10,10,~,~]") and in front matter.
_NUMBER = re.compile(r"(?<![\w.])\d{2,5}(?![\w.])")
_URL = re.compile(r"(?:https?|ftp)://[^\s\[\]()<>]+|\]\([^)]*\)")
_ATTRIBUTE_LIST = re.compile(r"^\s*\[[^\]]*\]\s*$")


def _visible_numbers(text: str) -> list[str]:
    lines = text.splitlines()
    if lines and lines[0].strip() in ("---", "+++"):
        closing = next((i for i in range(1, len(lines)) if lines[i].strip() == lines[0].strip()), 0)
        lines = lines[closing + 1 :]
    return [
        number
        for line in lines
        if not _ATTRIBUTE_LIST.match(line)
        for number in _NUMBER.findall(_URL.sub(" ", line))
    ]


def _documents() -> list[Path]:
    return sorted(CORPUS_DOCS.glob("*.txt")) + sorted(SEEDS.glob("*.txt"))


@pytest.mark.parametrize("path", _documents(), ids=lambda path: path.stem)
def test_real_documents_keep_every_number_a_reader_sees(path: Path) -> None:
    """Dropping markup must not drop text: every port-sized number shown on the rendered page
    is in some block (a paragraph, an item, a cell, a heading…) after structuring."""
    blocks = structure(read_document(path))
    kept = set(_NUMBER.findall(" ".join(_text(block) for block in blocks)))
    lost = sorted(set(_visible_numbers(path.read_text(encoding="utf-8"))) - kept)
    assert not lost, f"{path.name}: numbers lost in structuring: {lost}"


def test_real_documents_are_beside_the_checkout() -> None:
    if not _documents():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the evaluation corpus is missing beside this checkout ({SHARED})")
        pytest.skip("../shared/eval/corpus is not beside this checkout")

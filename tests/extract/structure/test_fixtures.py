"""Every block rule against its fixtures: ``fixtures/<name>.txt`` is the input text and
``fixtures/<name>.yaml`` the blocks it must give, written out by hand-checked example.

A fixture's YAML names the rules it is about (``rules:``) and, when the document's markup
matters, the markup the text must be recognised as (``markup:``). Every registered rule must
be named by a fixture and must recognise its layout somewhere in that fixture, so the registry
and the fixtures cannot drift apart.

To write a new fixture, put the input text beside the others and print what the rules make
of it (then check every block before saving it as the expected YAML)::

    .venv/bin/python -m tests.extract.structure.test_fixtures tests/extract/structure/fixtures/x.txt
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from portplan.extract.document import (
    Caption,
    CodeBlock,
    Contents,
    DefinitionItem,
    Heading,
    ListItem,
    Paragraph,
    StructuredBlock,
    Table,
    TextLine,
)
from portplan.extract.readers.text import text_document
from portplan.extract.structure import RULES, structure_lines
from portplan.extract.structure.base import BlockRule, RuleMatch
from portplan.extract.structure.markup import detect_markup

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(FIXTURES.glob("*.txt"))


def describe(block: StructuredBlock) -> dict[str, Any]:
    """A block as plain data, in the shape the fixture files are written in."""
    if isinstance(block, Heading):
        return {"heading": block.text, "level": block.level, "line": block.line}
    if isinstance(block, Paragraph):
        return {"paragraph": _lines(block.lines)}
    if isinstance(block, ListItem):
        return {"item": _lines(block.lines), "depth": block.depth, "marker": block.marker}
    if isinstance(block, DefinitionItem):
        return {"term": _lines((block.term,))[0], "definition": _lines(block.lines)}
    if isinstance(block, CodeBlock):
        return {"code": _lines(block.lines), "language": block.language}
    if isinstance(block, Caption):
        return {"caption": block.text, "line": block.line}
    if isinstance(block, Contents):
        return {"contents": _lines(block.lines)}
    assert isinstance(block, Table)
    table: dict[str, Any] = {
        "table": [list(row) for row in block.rows],
        "lines": list(block.lines),
        "title": block.title,
        "header_rows": block.header_rows,
        "spanned": sorted([row, column] for row, column in block.spanned),
    }
    if block.sources:  # the rows as written, for tables recognised by their cells' meaning
        table["sources"] = list(block.sources)
    return table


def _lines(lines: tuple[TextLine, ...]) -> list[str]:
    return [f"{line.line}: {line.text}" for line in lines]


def read_fixture(source: Path) -> tuple[StructuredBlock, ...]:
    document = text_document(source.read_text(encoding="utf-8"), source.name)
    lines = [block for block in document.blocks if isinstance(block, TextLine)]
    return structure_lines(lines)


def expectation(source: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(source.with_suffix(".yaml").read_text("utf-8"))
    return data


@pytest.mark.parametrize("source", CASES, ids=lambda path: path.stem)
def test_fixture(source: Path) -> None:
    expected = expectation(source)
    got = [describe(block) for block in read_fixture(source)]
    assert got == expected["blocks"]
    if "markup" in expected:
        text = source.read_text(encoding="utf-8").splitlines()
        lines = [TextLine(number, line) for number, line in enumerate(text, start=1)]
        assert detect_markup(lines) == expected["markup"]


@contextmanager
def recording(fired: set[str]) -> Iterator[None]:
    """RULES with every rule reporting to ``fired`` when it recognises its layout."""
    original = list(RULES)

    def wrap(rule: BlockRule) -> BlockRule:
        def match(state: Any, start: int) -> RuleMatch | None:
            found = rule.match(state, start)
            if found is not None:
                fired.add(rule.name)
            return found

        return replace(rule, match=match)

    RULES[:] = [wrap(rule) for rule in original]
    try:
        yield
    finally:
        RULES[:] = original


def test_every_rule_has_a_fixture_where_it_fires() -> None:
    named: dict[str, list[Path]] = {}
    for source in CASES:
        for name in expectation(source)["rules"]:
            named.setdefault(name, []).append(source)
    registered = {rule.name for rule in RULES}
    assert set(named) <= registered, f"fixtures name unknown rules: {set(named) - registered}"
    assert registered <= set(named), f"rules without a fixture: {registered - set(named)}"
    for name, sources in named.items():
        fired: set[str] = set()
        with recording(fired):
            for source in sources:
                read_fixture(source)
        assert name in fired, f"{name} recognises nothing in {[s.name for s in sources]}"


def test_fixture_inputs_have_expectations() -> None:
    assert CASES, "no fixtures found"
    for source in CASES:
        assert source.with_suffix(".yaml").is_file(), f"{source.name} has no expected blocks"


def _dump(path: Path) -> None:
    """Print the blocks of ``path`` in the fixture format (for writing a new fixture)."""
    blocks = [describe(block) for block in read_fixture(path)]
    print(yaml.safe_dump({"blocks": blocks}, sort_keys=False, allow_unicode=True, width=100))


if __name__ == "__main__":  # pragma: no cover
    for argument in sys.argv[1:]:
        _dump(Path(argument))

"""The gates stay the same everywhere: pre-commit runs exactly what `make test` runs."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).parents[2]


def make_recipes(*targets: str) -> list[str]:
    """The command lines of ``targets`` in the Makefile, with $(BIN) spelled out."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    commands: list[str] = []
    for target in targets:
        block = re.search(rf"^{target}:.*\n((?:\t.*\n)+)", text, re.MULTILINE)
        assert block, f"no '{target}' target in the Makefile"
        commands += [line.strip().replace("$(BIN)", ".venv/bin") for line in block[1].splitlines()]
    return commands


def test_pre_commit_runs_every_check_of_make_test() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    entries = {hook["entry"] for repo in config["repos"] for hook in repo["hooks"]}
    recipes = make_recipes("lint", "typecheck", "pytest")
    assert recipes and set(recipes) == entries


def test_make_test_is_lint_typecheck_and_pytest() -> None:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^test: lint typecheck pytest$", text, re.MULTILINE)

"""Extraction on real vendor documents nobody wrote for portplan: ``../shared/eval/corpus``.

The shared scorer runs ``portplan extract {doc} --format json`` on each of the corpus's real
public documents and compares the flows with hand-labelled truth. The floors below are the
scores the extractor reaches today, rounded down, so that a change that loses flows on real
documents fails here; docs/extract.md keeps the per-document table and the targets still ahead.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED

CORPUS = SHARED / "eval" / "corpus"
SCORER = SHARED / "eval" / "score_extraction.py"
PORTPLAN = Path(sys.executable).parent / "portplan"

FLOW_F1_MICRO = 0.79
FLOW_F1_MACRO = 0.73
SERVICE_F1_MICRO = 0.96

_ROW = re.compile(
    r"^(?P<name>\S+)\s+(?P<true>\d+)\s+(?P<pred>\d+)\s+(?P<fp>[\d.]+)\s+(?P<fr>[\d.]+)\s+"
    r"(?P<ff>[\d.]+)\s+(?P<sp>[\d.]+)\s+(?P<sr>[\d.]+)\s+(?P<sf>[\d.]+)"
)
_MACRO = re.compile(r"^MACRO.*?(?P<ff>[\d.]+)\s+(?P<sf>[\d.]+)\s*$")


@pytest.fixture(scope="module")
def scored() -> dict[str, dict[str, float]]:
    if not SCORER.is_file() or not (CORPUS / "truth").is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the evaluation corpus or its scorer is missing ({CORPUS})")
        pytest.skip("../shared/eval/corpus is not beside this checkout")
    result = subprocess.run(
        [
            sys.executable,
            str(SCORER),
            "--truth",
            str(CORPUS / "truth"),
            "--docs",
            str(CORPUS / "docs"),
            "--cmd",
            f"{PORTPLAN} extract {{doc}} --format json",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=True,
    )
    assert "ERROR" not in result.stdout, result.stdout
    rows: dict[str, dict[str, float]] = {}
    for line in result.stdout.splitlines():
        row = _ROW.match(line)
        if row:
            rows[row["name"]] = {
                key: float(value) for key, value in row.groupdict().items() if key != "name"
            }
        macro = _MACRO.match(line)
        if macro:
            rows["MACRO"] = {"ff": float(macro["ff"]), "sf": float(macro["sf"])}
    return rows


def test_every_document_is_scored(scored: dict[str, dict[str, float]]) -> None:
    truths = {path.stem for path in (CORPUS / "truth").glob("*.json")}
    assert truths and truths <= set(scored), sorted(truths - set(scored))


def test_no_document_gives_nothing(scored: dict[str, dict[str, float]]) -> None:
    """Every real document yields flows: a layout the extractor cannot read at all shows here."""
    empty = [name for name, row in scored.items() if "pred" in row and row["pred"] == 0]
    assert not empty, f"documents with no flow: {empty}"


def test_flow_and_service_scores(scored: dict[str, dict[str, float]]) -> None:
    micro, macro = scored["MICRO"], scored["MACRO"]
    assert micro["ff"] >= FLOW_F1_MICRO, f"flow F1 micro {micro['ff']:.3f}"
    assert macro["ff"] >= FLOW_F1_MACRO, f"flow F1 macro {macro['ff']:.3f}"
    assert micro["sf"] >= SERVICE_F1_MICRO, f"service F1 micro {micro['sf']:.3f}"

"""Extraction quality on documents written in shapes the seed documents do not have.

Every ``corpus/<name>.expected.json`` names its document; the document is extracted with
``portplan extract <doc> --format json`` (PDF, DOCX and XLSX documents are rebuilt from
``corpus_build.py`` first) and scored with the shared scorer's own functions, so these numbers
are the numbers the scorer would print.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner

from portplan.cli.main import cli
from tests.extract.corpus_build import BUILDERS, build

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
CORPUS = Path(__file__).resolve().parent / "corpus"
EXPECTED = sorted(CORPUS.glob("*.expected.json"))
SCORER = SHARED / "eval" / "score_extraction.py"

FLOW_F1_PER_DOCUMENT = 0.9
SERVICE_F1_OVERALL = 0.95
PROTOCOLS = {"tcp", "udp", "sctp", "icmp"}

# One worker runs the whole module, so each document is extracted once (the module-scoped
# ``predictions`` cache) rather than once per xdist worker.
pytestmark = pytest.mark.xdist_group("extract-corpus")


def _scorer() -> ModuleType:
    if not SCORER.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the extraction scorer is missing at {SCORER}")
        pytest.skip("../shared/eval/score_extraction.py is not beside this checkout")
    spec = importlib.util.spec_from_file_location("score_extraction", SCORER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def scorer() -> ModuleType:
    return _scorer()


@pytest.fixture(scope="module")
def predictions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    """Flows extracted from every corpus document, computed once per test module."""
    built = tmp_path_factory.mktemp("corpus")

    class Extracted(dict[str, list[dict[str, Any]]]):
        def __missing__(self, document: str) -> list[dict[str, Any]]:
            self[document] = _extract(document, built)
            return self[document]

    return Extracted()


def _extract(document: str, built: Path) -> list[dict[str, Any]]:
    """``portplan extract <doc> --format json``, run in this process (the command line minus
    the interpreter start-up, which would otherwise dominate the module's run time)."""
    path = build(document, built) if document in BUILDERS else CORPUS / document
    result = CliRunner().invoke(cli, ["extract", str(path), "--format", "json"])
    assert result.exit_code == 0, f"{document}: exit {result.exit_code}: {result.stderr}"
    assert result.exception is None or isinstance(result.exception, SystemExit)
    data = json.loads(result.stdout)
    flows: list[dict[str, Any]] = data["flows"]
    return flows


def _truth(expected: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(expected.read_text(encoding="utf-8"))
    return data


def test_corpus_is_big_and_varied() -> None:
    documents = [_truth(path)["document"] for path in EXPECTED]
    assert len(documents) >= 12
    suffixes = {Path(name).suffix for name in documents}
    assert {".txt", ".md", ".html", ".htm", ".csv", ".xlsx", ".pdf", ".docx"} <= suffixes


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda path: path.name)
def test_expected_file_is_well_formed(expected: Path, scorer: ModuleType) -> None:
    truth = _truth(expected)
    assert expected.name == Path(truth["document"]).stem + ".expected.json"
    document = truth["document"]
    assert document in BUILDERS or (CORPUS / document).is_file()
    assert truth["flows"], "a corpus document without flows tests nothing"
    for flow in truth["flows"]:
        assert set(flow) == {
            "src",
            "dst",
            "protocols",
            "ports",
            "purpose",
            "optional",
            "configurable",
        }
        assert flow["src"] and flow["dst"] and flow["purpose"]
        assert set(flow["protocols"]) <= PROTOCOLS
        # Every port string must survive the scorer's own normalisation.
        assert bool(scorer.norm_ports(flow)) == bool(flow["ports"])
        for port in flow["ports"]:
            low, _, high = port.partition("-")
            assert 1 <= int(low) <= int(high or low) <= 65535


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda path: path.stem.split(".")[0])
def test_document_flow_f1(
    expected: Path, scorer: ModuleType, predictions: dict[str, list[dict[str, Any]]]
) -> None:
    truth = _truth(expected)
    predicted = predictions[truth["document"]]
    matched = scorer.match_flows(predicted, truth["flows"])
    precision, recall, f1 = scorer.prf(matched, len(predicted), len(truth["flows"]))
    assert f1 >= FLOW_F1_PER_DOCUMENT, (
        f"{truth['document']}: flow F1 {f1:.3f} (precision {precision:.3f}, recall {recall:.3f}; "
        f"{matched} of {len(truth['flows'])} expected flows matched, {len(predicted)} predicted)"
    )


def test_service_f1_overall(
    scorer: ModuleType, predictions: dict[str, list[dict[str, Any]]]
) -> None:
    true_positive = predicted_total = true_total = 0
    misses: list[str] = []
    for expected in EXPECTED:
        truth = _truth(expected)
        predicted = scorer.services(predictions[truth["document"]])
        wanted = scorer.services(truth["flows"])
        true_positive += len(predicted & wanted)
        predicted_total += len(predicted)
        true_total += len(wanted)
        if predicted != wanted:
            misses.append(
                f"{truth['document']}: missing {sorted(wanted - predicted)}, "
                f"extra {sorted(predicted - wanted)}"
            )
    _, _, f1 = scorer.prf(true_positive, predicted_total, true_total)
    assert f1 >= SERVICE_F1_OVERALL, f"service F1 {f1:.3f}\n" + "\n".join(misses)

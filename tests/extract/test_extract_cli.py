"""``portplan extract`` as a user runs it: the JSON contract, the YAML draft, the table, stdin."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from portplan.catalog.loader import load_product_file
from tests.conftest import SEEDS

PORTPLAN = Path(sys.executable).parent / "portplan"
SAMPLE = (
    "Port\tType\tSource\tDestination\tDescription\n"
    "161\tUDP\tServer\tPrinters\tSNMP status\n"
    "1433*\tTCP\tServer\tSQL Server\tDatabase\n"
    "\n"
    "Optional: Mail alerts\n"
    "Port\tType\tSource\tDestination\tDescription\n"
    "25\tSMTP\tServer\tMail relay\tAlerts\n"
    "\n"
    "The second instance uses ports +2000.\n"
)


def run(*args: str | Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PORTPLAN), "extract", *map(str, args)],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
        check=False,
    )


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    path = tmp_path / "vendor.txt"
    path.write_text(SAMPLE, encoding="utf-8")
    return path


def test_json_contract(sample: Path) -> None:
    result = run(sample, "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"flows", "unparsed"}
    keys = {"src", "dst", "protocols", "ports", "purpose", "optional", "configurable", "evidence"}
    for flow in data["flows"]:
        assert set(flow) == keys
        # Which clue gave each end and the protocol, when one did (never an empty string).
        clues = {"src_from", "dst_from", "protocol_from"}
        assert {"file", "line", "text"} <= set(flow["evidence"]) <= {"file", "line", "text"} | clues
        assert all(flow["evidence"][k] for k in clues & set(flow["evidence"]))
        assert all(p in {"tcp", "udp", "sctp", "icmp"} for p in flow["protocols"])
        assert all(isinstance(p, str) for p in flow["ports"])
        assert isinstance(flow["evidence"]["line"], int)
    assert [(f["dst"], f["protocols"], f["ports"]) for f in data["flows"]] == [
        ("Printers", ["udp"], ["161"]),
        ("SQL Server", ["tcp"], ["1433"]),
        ("Mail relay", ["tcp"], ["25"]),
    ]
    assert [f["optional"] for f in data["flows"]] == [False, False, True]
    assert [f["configurable"] for f in data["flows"]] == [False, True, False]
    assert data["flows"][1]["evidence"] == {
        "file": str(sample),
        "line": 3,
        "text": "1433*\tTCP\tServer\tSQL Server\tDatabase",
        "src_from": "column Source",
        "dst_from": "column Destination",
    }
    assert [(u["line"], "offset" in u["reason"]) for u in data["unparsed"]] == [(9, True)]


def test_stdin_and_several_files(sample: Path) -> None:
    piped = run("-", stdin=SAMPLE)
    assert piped.returncode == 0, piped.stderr
    assert len(json.loads(piped.stdout)["flows"]) == 3
    both = run(sample, "-", stdin=SAMPLE)
    assert len(json.loads(both.stdout)["flows"]) == 6


def test_table_format(sample: Path) -> None:
    result = run(sample, "--format", "table")
    assert result.returncode == 0, result.stderr
    assert "SQL Server" in result.stdout and "tcp/1433" in result.stdout
    assert "optional" in result.stdout


def test_yaml_draft_is_a_valid_product(sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "draft.yaml"
    result = run(sample, "--format", "yaml", "-o", out)
    assert result.returncode == 0, result.stderr
    product = load_product_file(out)
    assert {r.id for r in product.roles} == {"server", "printer", "sql-server", "mail-relay"}
    sql = next(f for f in product.flows if f.to_role == "sql-server")
    assert sql.variables and product.variable_values()[sql.variables[0]] == "1433"
    mail = next(f for f in product.flows if f.to_role == "mail-relay")
    assert mail.feature == "optional-mail-alerts"
    assert all(f.evidence is not None and f.evidence.line for f in product.flows)
    validate = subprocess.run(
        [str(PORTPLAN), "catalog", "validate", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert validate.returncode == 0, validate.stderr + validate.stdout


@pytest.mark.parametrize("seed", sorted(p.name for p in SEEDS.glob("*.txt")))
def test_yaml_draft_of_every_seed_validates(seed: str, tmp_path: Path) -> None:
    if not (SEEDS / seed).is_file():
        pytest.skip("seeds not beside this checkout")
    out = tmp_path / "draft.yaml"
    result = run(SEEDS / seed, "--format", "yaml", "-o", out)
    assert result.returncode == 0, result.stderr
    product = load_product_file(out)
    flows = json.loads(run(SEEDS / seed).stdout)["flows"]
    assert len(product.flows) == len(flows)

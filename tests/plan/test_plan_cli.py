"""``portplan plan``: table and JSON output, warnings, --strict and -o."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import portplan.catalog
from portplan import pipeline
from portplan.cli.main import cli
from tests.conftest import EXAMPLES
from tests.plan.plan_fixtures import DEPLOYMENT, PRODUCT


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "acme-print.yaml").write_text(PRODUCT)
    (tmp_path / "deployment.yaml").write_text(DEPLOYMENT)
    # the printer role unbound: a warning, or an error under --strict
    (tmp_path / "unbound.yaml").write_text(
        DEPLOYMENT.replace('["acme-print:printer", "acme-print:edge"]', '["acme-print:edge"]')
    )
    return tmp_path


def run(workspace: Path, *args: str) -> Result:
    runner = CliRunner(env={"COLUMNS": "160"})  # the table's width, whatever the terminal
    return runner.invoke(cli, ["--catalog", str(workspace / "catalog"), "plan", *args])


def test_table_lists_hosts_addresses_services_and_path(workspace: Path) -> None:
    result = run(workspace, str(workspace / "deployment.yaml"), "--all")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "acme: 13 concrete flows" in out
    for text in ("pc1", "2001:db8:2::5", "print1", "10.0.1.10", "tcp/443,9100", "udp/161-162"):
        assert text in out
    assert "east-edge → hq-edge → west-edge" in out
    assert "Submit print jobs" in out


def test_by_default_a_summary_and_what_needs_attention(workspace: Path) -> None:
    result = run(workspace, str(workspace / "unbound.yaml"))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "acme: 12 concrete flows from 5 product flows between 5 hosts and 1 external in 3 sites."
    )
    assert lines[1].startswith("Flows per firewall: core ")
    assert "1 product flow(s) carry a vendor's note: see portplan report." in lines
    assert "1 flow(s) resolve to nothing (warnings below)." in lines
    assert len(lines) <= 6
    assert "portplan: warning: acme-print/deliver" in result.stderr
    assert result.stderr.strip().endswith("add -v to see them.")  # the notes: one line


@pytest.mark.parametrize("width", [80, 100, 160])
def test_the_table_never_splits_an_address(workspace: Path, width: int) -> None:
    runner = CliRunner(env={"COLUMNS": str(width)})
    result = runner.invoke(
        cli,
        ["plan", str(EXAMPLES / "papercut-hive" / "mesh.yaml"), "--all"],
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= width
    words = {word for line in lines for word in line.replace(",", " ").split()}
    for address in ("fd00:30:1::11", "2001:db8:100::/48", "198.51.100.0/24", "10.32.1.12"):
        assert address in words, (width, address)
    # ... and no line ends with a piece of an address continued on the next.
    assert not any(line.rstrip().endswith(("fd00:", "2001:db8:", "198.51.")) for line in lines)


def test_output_file_gets_the_full_data_and_the_terminal_the_summary(workspace: Path) -> None:
    target = workspace / "plan.txt"
    result = run(workspace, str(workspace / "deployment.yaml"), "-o", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("acme: 13 concrete flows from")
    assert (
        "acme: 13 concrete flows" in target.read_text()
        and "Submit print jobs" in target.read_text()
    )


def test_json_has_flows_unbound_and_notices(workspace: Path) -> None:
    result = run(workspace, str(workspace / "unbound.yaml"), "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert set(document) >= {"flows", "unbound", "notices"}
    flows = {f["id"]: f for f in document["flows"]}
    submit = flows["acme-print/submit/pc1->print1"]
    assert submit["services"] == ["tcp/443,9100"]
    assert submit["source"] == {
        "name": "pc1",
        "kind": "host",
        "role": "acme-print:client",
        "addresses": ["10.0.2.5/32", "2001:db8:2::5/128"],
        "zone": "hq-users",
        "site": "hq",
        "fqdn": None,
    }
    assert submit["path"][1] == {"point": "core", "kind": "network", "platform": "aerleon:juniper"}
    assert submit["evidence"] == {"document": "acme.txt", "line": 12}
    assert (submit["feature"], submit["optional"]) == (None, False)
    assert flows["acme-print/cloud/pc1->acme-cloud"]["destination"]["fqdn"] == "cloud.acme.example"
    assert document["unbound"] == [
        {
            "product": "acme-print",
            "flow": "deliver",
            "role": "acme-print:printer",
            "reason": "no host or external plays role 'acme-print:printer'",
        }
    ]
    assert "portplan: warning: acme-print/deliver: no host or external plays role" in result.stderr


def test_strict_turns_unbound_into_exit_2(workspace: Path) -> None:
    path = workspace / "unbound.yaml"
    result = run(workspace, str(path), "--strict", "-o", str(workspace / "plan.json"))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"portplan: error: {path}: 1 flow(s) resolve to nothing")
    assert "Traceback" not in result.output
    assert not (workspace / "plan.json").exists()


def test_output_file_is_written_whole(workspace: Path) -> None:
    target = workspace / "plan.json"
    result = run(
        workspace, str(workspace / "deployment.yaml"), "--format", "json", "-o", str(target)
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("acme: 13 concrete flows from")  # the summary, not data
    assert len(json.loads(target.read_text())["flows"]) == 13


def test_catalog_notices_travel_with_the_plan(tmp_path: Path) -> None:
    """A user product replacing a bundled one is said once more where the plan is printed."""
    bundled = Path(portplan.catalog.bundled_dir()) / "lrs-vpsx.yaml"
    (tmp_path / "lrs-vpsx.yaml").write_text(bundled.read_text(encoding="utf-8"))
    example = EXAMPLES / "lrs-vpsx" / "deployment.yaml"
    _, resolution = pipeline.plan(example, catalog_dirs=[tmp_path])
    assert any("lrs-vpsx" in n and str(tmp_path) in n for n in resolution.notices)
    _, plain = pipeline.plan(example)
    assert len(resolution.notices) == len(plain.notices) + 1
    assert resolution.flows == plain.flows

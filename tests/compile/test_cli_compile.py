"""``portplan compile``: files written all-or-nothing, a summary, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from portplan.cli.main import cli
from portplan.compile.registry import target_names
from tests.conftest import EXAMPLES

LRS = EXAMPLES / "lrs-vpsx" / "deployment.yaml"


@pytest.fixture
def lrs() -> Path:
    if not LRS.is_file():
        pytest.skip("examples/lrs-vpsx is not there yet")
    return LRS


def test_list_targets_names_every_registered_target() -> None:
    result = CliRunner().invoke(cli, ["compile", "--list-targets"])
    assert result.exit_code == 0, result.output
    assert "nftables" in result.output and "iptables" in result.output
    assert "concatenated interval sets" in result.output  # descriptions, not just names
    listed = {line.split("│")[1].strip() for line in result.output.splitlines() if "│" in line}
    assert {name for name in target_names() if not name.endswith(":*")} <= listed
    if "aerleon:*" in target_names():
        assert {"aerleon:<platform>", "aerleon:juniper", "aerleon:nftables"} <= listed


def test_each_firewall_compiles_with_its_own_platform(lrs: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["compile", str(lrs), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in tmp_path.iterdir())
    assert "fw-core.nft" in written  # platform: nftables
    assert any(name.endswith(".ps1") for name in written)  # platform: windows
    assert not any(name.startswith(".staging") for name in written)
    assert "fw-core.nft" in result.output and "Rules" in result.output


def test_target_overrides_the_platforms(lrs: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["compile", str(lrs), "-t", "iptables", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = {p.name for p in tmp_path.iterdir()}
    assert {"fw-core.rules.v4", "fw-core.rules.v6"} <= written
    assert not any(name.endswith((".nft", ".ps1")) for name in written)


def test_unknown_target_is_one_line_and_writes_nothing(lrs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["compile", str(lrs), "-t", "pf", "-o", str(out)])
    assert result.exit_code == 2
    assert "unknown target 'pf'" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists() or not any(out.iterdir())


def test_a_flow_the_target_cannot_express_fails_without_partial_output(
    lrs: Path, tmp_path: Path
) -> None:
    text = lrs.read_text().replace("cidrs: [10.10.9.0/28]", "fqdn: queues.example.com")
    deployment = tmp_path / "deployment.yaml"
    deployment.write_text(text)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["compile", str(deployment), "-t", "nftables", "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "host-queues" in result.output and "queues.example.com" in result.output
    assert not out.exists() or not any(out.iterdir())


def test_no_deployment_and_no_list_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["compile"])
    assert result.exit_code == 2

"""``portplan fleet`` for real: Ansible over SSH to hosts built as network namespaces.

Each test builds its fleet (tests/fleet/testbed.py: the lab's topology, sshd per host, a
controller namespace running portplan and Ansible) and removes it, also on failure. The hosts
keep Linux's default ICMP rate limit, so UDP verdicts must come from the far end.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from portplan.pipeline import plan
from portplan.verify.lab import run_lab
from tests.conftest import EXAMPLES
from tests.fleet.testbed import CONTROLLER, SshFleet, generated_deployment, ssh_fleet

# One at a time: each runs Ansible (and a fleet of sshd) on a 2-CPU machine.
pytestmark = [pytest.mark.root, pytest.mark.slow, pytest.mark.xdist_group("fleet")]


def verify_json(bed: SshFleet, tmp_path: Path, *args: str) -> tuple[int, str, dict[str, Any]]:
    out = tmp_path / f"fleet-{time.monotonic_ns()}.json"
    result = bed.fleet("verify", "--format", "json", "-o", str(out), *args)
    data = json.loads(out.read_text()) if out.exists() else {}
    return result.returncode, result.stderr, data


def case_key(flow: str, source: str, address: str, protocol: str, port: int | None) -> tuple:
    return (flow, source, address, protocol, port)


@pytest.mark.parametrize("which", ["papercut-mesh", "generated-50"])
def test_fleet_verify_agrees_with_the_lab_flow_by_flow(
    fleet_kernel: None, tmp_path: Path, which: str
) -> None:
    if which == "papercut-mesh":
        deployment, catalog = EXAMPLES / "papercut-hive" / "mesh.yaml", []
    else:
        path, directory = generated_deployment(tmp_path, 50)
        deployment, catalog = path, [str(directory)]
    planned, resolution = plan(deployment, catalog)
    owner = {str(a): h.name for h in planned.hosts for a in h.addresses}
    lab = run_lab(planned, resolution)
    assert lab.mismatches == []
    expected = {
        case_key(r.case.flow, r.case.source, r.case.target.address, r.case.target.protocol,
                 r.case.target.port): r.observed
        for r in lab.results
    }  # fmt: skip
    with ssh_fleet(deployment, catalog) as bed:
        code, stderr, report = verify_json(bed, tmp_path)
    assert code == 0, stderr
    assert report["host_problems"] == {} and report["mismatches"] == 0
    observed = {
        case_key(r["flow"], r["source"], r["address"], r["protocol"], r["port"]): r["observed"]
        for r in report["results"]
    }
    # Every case between two hosts is tried, and each agrees with the lab.
    between_hosts = {k for k in expected if k[1] in owner.values() and k[2] in owner}
    assert set(observed) == between_hosts
    assert {k: expected[k] for k in observed} == observed
    assert {"udp"} <= {k[3] for k in observed}  # UDP verdicts without ICMP are in the mix
    kinds = {r["kind"] for r in report["results"]}
    assert {"required", "negative"} <= kinds


def drop_first_element(text: str, flow: str) -> str:
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if f'"{flow}"' in line)
    removed = lines.pop(index)
    if not removed.rstrip().endswith(","):
        lines[index - 1] = re.sub(r",\s*$", "", lines[index - 1])
    return "\n".join(lines) + "\n"


def test_a_sabotaged_host_firewall_fails_naming_the_flow(
    fleet_kernel: None, tmp_path: Path, small_fleet: tuple[Path, Path]
) -> None:
    deployment, catalog = small_fleet
    removed: list[str] = []

    def sabotage(networks: dict[str, str], hosts: dict[str, str]) -> None:
        before = hosts["app1"]
        hosts["app1"] = drop_first_element(before, "fleetapp/voice")
        removed.extend(set(before.splitlines()) - set(hosts["app1"].splitlines()))

    with ssh_fleet(deployment, [str(catalog)], sabotage=sabotage) as bed:
        code, stderr, report = verify_json(bed, tmp_path)
    assert code == 1
    source = removed[0].split()[0]  # the element's source address: one client
    bad = {(r["flow"], r["protocol"], r["observed"]) for r in report["results"] if not r["ok"]}
    assert len(bad) == 1
    ((flow, protocol, state),) = bad
    assert flow.startswith("fleetapp/voice/") and flow.endswith("->app1")
    assert (protocol, state) == ("udp", "FILTERED")
    assert flow in stderr
    detail = next(r["detail"] for r in report["results"] if r["flow"] == flow)
    assert "never arrived" in detail
    assert any(source in r["address"] or r["source"] for r in report["results"])


def test_a_host_whose_sshd_is_down_is_reported_and_the_rest_verified(
    fleet_kernel: None, tmp_path: Path, small_fleet: tuple[Path, Path]
) -> None:
    deployment, catalog = small_fleet
    with ssh_fleet(deployment, [str(catalog)]) as bed:
        bed.stop_sshd("db1")
        code, stderr, report = verify_json(bed, tmp_path)
    assert code == 1
    assert list(report["host_problems"]) == ["db1"]
    assert "unreachable" in report["host_problems"]["db1"]
    assert "db1" in stderr
    assert report["mismatches"] == 0
    unverified = report["unverified"]
    assert unverified and all(u["host_down"] == "db1" for u in unverified)
    assert all("db1" in u["flow"] for u in unverified)
    # Everything that does not involve db1 was verified.
    assert any(r["flow"].startswith("fleetapp/voice/") for r in report["results"])
    assert all("db1" not in r["flow"] for r in report["results"])


def test_apply_then_verify_on_a_fresh_fleet(
    fleet_kernel: None, tmp_path: Path, small_fleet: tuple[Path, Path]
) -> None:
    deployment, catalog = small_fleet
    with ssh_fleet(deployment, [str(catalog)], host_firewalls=False) as bed:
        # --check: a difference per host, nothing changed.
        checked = bed.fleet("apply", "--target", "nftables", "--check", "--format", "json")
        assert checked.returncode == 0, checked.stderr
        data = json.loads(checked.stdout)
        assert {h["host"] for h in data["hosts"]} == {"app1", "app2", "db1", "mon1"}
        assert all(h["status"] == "checked" and "+table inet portplan" in h["diff"]
                   for h in data["hosts"])  # fmt: skip
        assert "portplan" not in bed.hosts["app1"].run("nft", "list", "tables").stdout
        # Before: nothing filters, so an unrequested probe passes and verify fails.
        code, _, report = verify_json(bed, tmp_path)
        assert code == 1 and report["mismatches"] > 0
        applied = bed.fleet("apply", "--target", "nftables", "--confirm-within", "60",
                            "--format", "json")  # fmt: skip
        assert applied.returncode == 0, applied.stdout + applied.stderr
        statuses = {h["host"]: h["status"] for h in json.loads(applied.stdout)["hosts"]}
        assert statuses == dict.fromkeys(("app1", "app2", "db1", "mon1"), "confirmed")
        rules = bed.hosts["app1"].run("nft", "list", "table", "inet", "portplan").stdout
        assert f"ip saddr {CONTROLLER} tcp dport 22 accept" in rules
        code, stderr, report = verify_json(bed, tmp_path)
        assert code == 0, stderr
        assert report["mismatches"] == 0 and len(report["results"]) > 50


def test_an_apply_that_breaks_ssh_rolls_back_by_itself(
    fleet_kernel: None, tmp_path: Path, small_fleet: tuple[Path, Path]
) -> None:
    deployment, catalog = small_fleet
    window = 8
    with ssh_fleet(deployment, [str(catalog)], host_firewalls=False) as bed:
        started = time.monotonic()
        result = bed.fleet("apply", "--target", "nftables", "--management", "none",
                           "--confirm-within", str(window), "--limit", "app1")  # fmt: skip
        assert result.returncode == 1
        assert "app1" in result.stderr and "not applied and confirmed" in result.stderr
        assert "not confirmed" in result.stdout
        namespace = bed.hosts["app1"]
        while "portplan" in namespace.run("nft", "list", "tables").stdout:
            assert time.monotonic() - started < window + 30, "the rules never rolled back"
            time.sleep(0.5)
        # SSH works again: a new login through Ansible succeeds.
        again = bed.fleet("confirm", "--limit", "app1", "--format", "json")
        hosts = json.loads(again.stdout)["hosts"]
        assert hosts[0]["status"] == "not confirmed"
        assert "rolled back" in hosts[0]["message"]  # reached the host: it answered

"""firewalld output: parsed by firewalld's own readers, and structurally what the flows ask."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from portplan.compile.base import Artifact
from portplan.compile.firewalld import FirewalldCompiler
from portplan.io import write_tree
from tests.compile.nonnative_sample import sample

CHECKER = Path(__file__).with_name("firewalld_check.py")
SYSTEM_PYTHON = "/usr/bin/python3"


def firewalld_available() -> bool:
    if not Path(SYSTEM_PYTHON).exists():
        return False
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import firewall.core.io.zone"], check=False)
    return probe.returncode == 0


def require_firewalld() -> None:
    if not firewalld_available():
        if os.environ.get("CI") == "true":
            pytest.fail("python3-firewall is missing (make system-deps installs it)")
        pytest.skip("python3-firewall is not installed")


def check_with_firewalld(directory: Path) -> str:
    """Run firewalld's readers over ``directory``; fail the test on any error."""
    require_firewalld()
    result = subprocess.run(
        [SYSTEM_PYTHON, str(CHECKER), str(directory)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def write(artifacts: list[Artifact], directory: Path) -> None:
    write_tree(directory, {a.path: a.content for a in artifacts})


def test_every_file_passes_firewalld_readers(tmp_path: Path) -> None:
    deployment, resolution = sample(sctp=True)
    artifacts = FirewalldCompiler().compile(deployment, resolution)
    write(artifacts, tmp_path)
    out = check_with_firewalld(tmp_path)
    assert out.strip().endswith(f"ok {len(artifacts)}")


def test_firewalld_readers_reject_a_broken_file(tmp_path: Path) -> None:
    """The check must be able to fail: a port that is not a number is refused."""
    deployment, resolution = sample()
    artifacts = FirewalldCompiler().compile(deployment, resolution)
    write(artifacts, tmp_path)
    policy = next(tmp_path.glob("core/policies/clients-servers.xml"))
    policy.write_text(policy.read_text().replace('port="515"', 'port="5x5"'))
    require_firewalld()
    result = subprocess.run(
        [SYSTEM_PYTHON, str(CHECKER), str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert result.returncode != 0


def rules_of(content: str | bytes) -> list[dict[str, str]]:
    root = etree.fromstring(content.encode() if isinstance(content, str) else content)
    found = []
    for rule in root.iter("rule"):
        entry = {"family": rule.get("family", "")}
        for child in rule:
            for key, value in child.attrib.items():
                entry[f"{child.tag}.{key}"] = value
            entry.setdefault("action", child.tag if child.tag == "accept" else "")
        found.append(entry)
    return found


def test_network_policy_rules_are_exactly_the_flows() -> None:
    deployment, resolution = sample()
    artifacts = {a.path: a for a in FirewalldCompiler().compile(deployment, resolution)}
    policy = artifacts["core/policies/clients-servers.xml"]
    root = etree.fromstring(str(policy.content).encode())
    assert root.tag == "policy"
    assert root.find("ingress-zone").get("name") == "pp-clients"
    assert root.find("egress-zone").get("name") == "pp-servers"
    rules = rules_of(policy.content)
    v4 = {(r["destination.address"], r["port.port"]) for r in rules if r["family"] == "ipv4"}
    assert v4 == {
        (dst, port)
        for dst in ("10.0.1.10/32", "10.0.1.11/32")
        for port in ("515", "631", "9100-9102")
    }
    v6 = {(r["destination.address"], r["port.port"]) for r in rules if r["family"] == "ipv6"}
    # srv2 has no IPv6 address: only srv1 gets IPv6 rules.
    assert v6 == {("2001:db8:1::10/128", p) for p in ("515", "631", "9100-9102")}
    assert all(r["source.address"] in ("10.0.2.50/32", "2001:db8:2::50/128") for r in rules)
    zone = etree.fromstring(str(artifacts["core/zones/pp-servers.xml"].content).encode())
    assert [s.get("address") for s in zone.findall("source")] == ["10.0.1.0/24", "2001:db8:1::/64"]


def test_external_source_uses_any_zone_and_icmp_types() -> None:
    deployment, resolution = sample()
    artifacts = {a.path: a for a in FirewalldCompiler().compile(deployment, resolution)}
    root = etree.fromstring(str(artifacts["core/policies/any-servers.xml"].content).encode())
    assert root.find("ingress-zone").get("name") == "ANY"
    assert {r.find("source").get("address") for r in root.iter("rule")} == {"192.0.2.0/24"}
    mgmt = etree.fromstring(str(artifacts["core/policies/mgmt-servers.xml"].content).encode())
    assert [i.get("name") for i in mgmt.iter("icmp-type")] == ["echo-request", "echo-request"]


def test_host_zone_and_outbound_policy() -> None:
    deployment, resolution = sample()
    artifacts = {a.path: a for a in FirewalldCompiler().compile(deployment, resolution)}
    zone = etree.fromstring(str(artifacts["hostfw/srv2/zones/portplan.xml"].content).encode())
    assert zone.get("target") == "DROP"
    ports = sorted(p.get("port") for p in zone.iter("port"))
    assert ports == sorted(["515", "631", "9100-9102", "443", "161-162"])
    out = etree.fromstring(str(artifacts["hostfw/srv1/policies/portplan-out.xml"].content).encode())
    assert out.find("ingress-zone").get("name") == "HOST"
    assert out.get("target") == "DROP"
    assert {p.get("port") for p in out.iter("port")} == {"8080", "5353"}
    # The monitor is behind no host firewall: no directory for it.
    assert not any(path.startswith("hostfw/mon1/") for path in artifacts)


def test_service_per_role() -> None:
    deployment, resolution = sample()
    artifacts = {a.path: a for a in FirewalldCompiler().compile(deployment, resolution)}
    service = etree.fromstring(str(artifacts["services/acme-print-server.xml"].content).encode())
    got = {(p.get("protocol"), p.get("port")) for p in service.iter("port")}
    assert got == {
        ("tcp", "443"),
        ("tcp", "515"),
        ("tcp", "631"),
        ("tcp", "9100-9102"),
        ("udp", "161-162"),
    }

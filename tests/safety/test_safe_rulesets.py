"""Rulesets that lock nobody out and live beside existing ones, proven in a real kernel.

- the deployment's ``management`` block reaches every host ruleset (and no router), and a
  host firewall without one is warned about on the command line, in reports and in the file;
- a router ruleset's final verdict: ``drop`` decides for the whole forward hook (a drop in
  any base chain is final), ``continue`` leaves every other packet to the existing ruleset.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from portplan import pipeline
from portplan.cli.main import cli
from portplan.errors import UnsupportedError
from portplan.verify.netns import NetnsGroup
from tests.safety.conftest import write_plan_files
from tests.safety.kernel import address, listen, probe, router

PRODUCT = """\
id: vault
name: Vault
roles:
  - {id: client, name: Client}
  - {id: server, name: Server}
flows:
  - {id: api, from: client, to: server, services: [tcp/443], purpose: Clients use the API}
"""

DEPLOYMENT = """\
name: vault
sites: [{name: hq}]
zones:
  - {name: users, site: hq, cidrs: [10.60.1.0/24]}
  - {name: servers, site: hq, cidrs: [10.60.2.0/24]}
hosts:
  - {name: c1, zone: users, os: linux, addresses: [10.60.1.10], roles: ["vault:client"]}
  - {name: s1, zone: servers, os: linux, addresses: [10.60.2.10], roles: ["vault:server"]}
  - {name: w1, zone: servers, os: windows, addresses: [10.60.2.20], roles: ["vault:server"]}
firewalls:
  - {name: fw, kind: network, zones: [users, servers], final: FINAL}
  - {name: linux-hosts, kind: host, platform: nftables, hosts: [s1]}
  - {name: windows-hosts, kind: host, platform: windows, hosts: [w1]}
products:
  - product: vault
"""

MANAGEMENT = """\
management:
  admins: [10.60.9.0/24]
  dns: [10.60.2.53]
  ntp: [10.60.2.123]
  updates: [192.0.2.80/28]
"""


def write(tmp_path: Path, final: str = "drop", management: bool = True) -> tuple[Path, Path]:
    text = DEPLOYMENT.replace("FINAL", final) + (MANAGEMENT if management else "")
    return write_plan_files(tmp_path, PRODUCT, text)


def compiled(tmp_path: Path, final: str = "drop", management: bool = True) -> dict[str, str]:
    path, catalog = write(tmp_path, final, management)
    _, _, artifacts = pipeline.compile(path, catalog_dirs=[catalog])
    return {a.path: str(a.content) for a in artifacts}


def test_management_reaches_every_host_ruleset_and_no_router(tmp_path: Path) -> None:
    path, catalog = write(tmp_path)
    _, resolution = pipeline.plan(path, [catalog])
    managed = {
        (f.flow, f.source.name, f.destination.name)
        for f in resolution.flows
        if f.product == "management"
    }
    assert managed == {
        ("admin-access", "management-admins", "s1"),
        ("admin-access", "management-admins", "w1"),
        ("dns", "s1", "management-dns"),
        ("dns", "w1", "management-dns"),
        ("ntp", "s1", "management-ntp"),
        ("ntp", "w1", "management-ntp"),
        ("updates", "s1", "management-updates"),
        ("updates", "w1", "management-updates"),
    }
    for flow in resolution.flows:
        if flow.product == "management":
            assert [h.kind for h in flow.path] in (["host-ingress"], ["host-egress"])
    files = compiled(tmp_path)
    assert "10.60.9.0/24 . 10.60.2.10 . tcp . 22" in files["linux-hosts-s1.nft"]
    assert "10.60.2.10 . 10.60.2.53 . udp . 53" in files["linux-hosts-s1.nft"]
    assert "management" not in files["fw.nft"]
    script = files["w1.ps1"]
    assert "-LocalPort '3389','5985-5986'" in script and "-RemoteAddress '10.60.9.0/24'" in script
    assert not resolution.warnings


def test_a_host_firewall_without_management_is_warned_about_everywhere(tmp_path: Path) -> None:
    path, catalog = write(tmp_path, management=False)
    result = CliRunner().invoke(cli, ["--catalog", str(catalog), "report", str(path)])
    assert result.exit_code == 0, result.output
    warning = "has no management block: its host firewalls (linux-hosts, windows-hosts)"
    assert f"portplan: warning: deployment 'vault' {warning}" in result.stderr
    assert "## Warnings" in result.stdout and "cut the session" in result.stdout
    header = compiled(tmp_path, management=False)["linux-hosts-s1.nft"].split("\n\n")[0]
    assert "WARNING: no management access" in header


def test_admins_reach_a_host_through_its_ruleset_and_others_do_not(
    netns: NetnsGroup, tmp_path: Path
) -> None:
    host, admin, stranger = (netns.add(n) for n in ("host", "admin", "other"))
    netns.veth(admin, "eth0", host, "e0")
    netns.veth(stranger, "eth0", host, "e1")
    address(host, "e0", "10.60.2.10/32")
    address(admin, "eth0", "10.60.9.5/32")
    address(stranger, "eth0", "10.60.8.5/32")
    for namespace, peer, device in (
        (admin, "10.60.2.10", "eth0"),
        (stranger, "10.60.2.10", "eth0"),
    ):
        namespace.run("ip", "route", "add", peer, "dev", device)
    host.run("ip", "route", "add", "10.60.9.5", "dev", "e0")
    host.run("ip", "route", "add", "10.60.8.5", "dev", "e1")
    host.load_nft(compiled(tmp_path)["linux-hosts-s1.nft"])
    listen(host, "tcp=22,443,2222")
    assert probe(admin, "10.60.2.10", [22, 2222]) == {22: "LISTENING", 2222: "FILTERED"}
    assert probe(stranger, "10.60.2.10", [22]) == {22: "FILTERED"}


@pytest.mark.parametrize("final", ["drop", "continue"])
def test_final_verdict_beside_an_existing_ruleset(
    netns: NetnsGroup, tmp_path: Path, final: str
) -> None:
    """An existing ruleset that accepts everything but tcp/9000: with drop, portplan's table
    decides for every forwarded packet (a drop in any base chain is final); with continue, it
    drops nothing, and the existing ruleset keeps the last word both ways."""
    net = router(netns, ("10.60.1.10", "10.60.1.0/24"), ("10.60.2.10", "10.60.2.0/24"))
    existing = (
        "table inet existing {\n"
        "  chain forward {\n"
        "    type filter hook forward priority filter + 10; policy accept;\n"
        "    tcp dport 9000 drop\n"
        "  }\n"
        "}\n"
    )
    net["router"].load_nft(existing)
    text = compiled(tmp_path, final)["fw.nft"]
    assert f"Final verdict: {final}." in text
    net["router"].load_nft(text)
    listen(net["server"], "tcp=443,8080,9000")
    seen = probe(net["client"], "10.60.2.10", [443, 8080, 9000])
    other = "FILTERED" if final == "drop" else "LISTENING"
    assert seen == {443: "LISTENING", 8080: other, 9000: "FILTERED"}


@pytest.mark.parametrize("target", ["iptables", "aerleon:juniper"])
def test_continue_on_a_target_that_cannot_live_beside_is_an_error(
    tmp_path: Path, target: str
) -> None:
    path, catalog = write(tmp_path, "continue")
    deployment, resolution = pipeline.plan(path, [catalog])
    with pytest.raises(UnsupportedError, match="firewall 'fw' has final: continue"):
        pipeline.compile_plan(deployment, resolution, target, point="fw")

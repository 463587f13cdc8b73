"""The lab on every example: every flow passes, every sampled unrequested flow is blocked.

Under CI (root) these run for real; the ``kernel`` fixture fails them when CI=true and the
machine cannot build namespaces, so CI cannot go green by skipping. A sabotaged ruleset (one
set element removed) proves the lab notices a missing rule and names the flow.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from portplan.cli.main import cli
from portplan.model.concrete import Resolution
from portplan.model.deployment import Deployment
from portplan.pipeline import plan
from portplan.verify.lab import UNTRIED, run_lab, untried
from portplan.verify.topology import plan_topology
from tests.conftest import EXAMPLES, example_deployments

DEPLOYMENTS = example_deployments()


def test_every_example_is_found() -> None:
    assert len(DEPLOYMENTS) >= 6
    assert EXAMPLES / "papercut-hive" / "mesh.yaml" in DEPLOYMENTS


@pytest.mark.slow
@pytest.mark.parametrize("path", DEPLOYMENTS, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_lab_passes_on_every_example(kernel: None, path: Path) -> None:
    deployment, resolution = plan(path)
    report = run_lab(deployment, resolution)
    assert report.mismatches == [], [
        (r.case.flow, r.case.target.label, r.observed) for r in report.mismatches[:10]
    ]
    kinds = {r.case.kind for r in report.results}
    assert {"required", "negative"} <= kinds
    tried = {r.case.flow for r in report.results if r.case.kind != "negative"}
    untried_ids = {f.id for f in resolution.flows} - tried
    # A flow is left out when an endpoint has no address the lab can build (an FQDN, named in
    # a notice), or when the lab cannot try its kind (counted in a notice).
    for flow in resolution.flows:
        if flow.id not in untried_ids:
            continue
        reason = untried(flow)
        if reason is None:
            assert any(flow.id in notice for notice in report.notices), flow.id
        else:
            assert any(UNTRIED[reason] in notice for notice in report.notices), flow.id
    assert report.timings["total"] < 120


def drop_element(text: str, flow: str) -> str:
    """Remove one set element (one allowed flow) from a compiled nft file."""
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if f'comment "{flow}"' in line)
    removed = lines.pop(index)
    if not removed.rstrip().endswith(","):
        # It was the last element: the one before it loses its trailing comma.
        lines[index - 1] = re.sub(r",\s*$", "", lines[index - 1])
    return "\n".join(lines) + "\n"


def test_sabotaged_ruleset_fails_naming_the_flow(
    kernel: None, shop_plan: tuple[Deployment, Resolution]
) -> None:
    def sabotage(networks: dict[str, str], hosts: dict[str, str]) -> None:
        networks["core"] = drop_element(networks["core"], "shop/snmp")

    report = run_lab(*shop_plan, sabotage=sabotage)
    bad = {(r.case.flow, r.observed) for r in report.mismatches}
    assert bad == {("shop/snmp/mon1->app1", "FILTERED")}
    assert len([r for r in report.results if r.ok]) > 10


def test_lab_command_exits_1_on_a_mismatch(
    kernel: None, shop: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import portplan.verify.lab as lab

    original = lab.compile_rulesets

    def sabotaged(*args: object) -> tuple[dict[str, str], dict[str, str]]:
        networks, hosts = original(*args)  # type: ignore[arg-type]
        hosts["app1"] = drop_element(hosts["app1"], "shop/web")
        return networks, hosts

    monkeypatch.setattr(lab, "compile_rulesets", sabotaged)
    deployment, catalog = shop
    result = CliRunner().invoke(cli, ["--catalog", str(catalog), "lab", str(deployment)])
    assert result.exit_code == 1, result.output
    assert "MISMATCH shop/web/ws" in result.output
    assert "did not behave as planned" in result.output


def test_without_root_one_line(shop: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.geteuid", lambda: 1000)
    deployment, catalog = shop
    result = CliRunner().invoke(cli, ["--catalog", str(catalog), "lab", str(deployment)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "needs root" in result.output


def test_topology_follows_zones_sites_and_links() -> None:
    deployment, _ = plan(EXAMPLES / "papercut-hive" / "mesh.yaml")
    topology = plan_topology(deployment)
    kinds = [n.kind for n in topology.nodes.values()]
    assert kinds.count("host") == len(deployment.hosts)
    assert kinds.count("core") == 3 and kinds.count("internet") == 1
    # fw-melbourne guards zones and the site edge: one zone instance and one edge instance.
    assert [n.kind for n in topology.nodes.values() if n.point == "fw-melbourne"] == [
        "zone-fw",
        "edge-fw",
    ]
    hops = topology.next_hops()
    pdx = topology.owner_of("pdx-pc01").name
    bra = topology.owner_of("bra-pc01").name
    # Spoke to spoke goes through the hub's edge, never through the internet.
    path, here = [], bra
    while here != pdx:
        here = hops[pdx][here]
        path.append(topology.nodes[here].kind)
    assert "internet" not in path and path.count("edge-fw") == 3
    assert all(len(n.name) <= 20 for n in topology.nodes.values())


def test_sigterm_removes_every_namespace(kernel: None) -> None:
    """A lab stopped mid-run (SIGTERM, as a CI runner does on timeout) leaves nothing."""
    import signal
    import subprocess
    import sys
    import time

    process = subprocess.Popen(
        [sys.executable, "-m", "portplan", "lab", str(EXAMPLES / "papercut-hive" / "mesh.yaml")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )

    def ours() -> list[str]:
        listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        return [line for line in listing.splitlines() if line.startswith(f"ppl{process.pid}-")]

    try:
        deadline = time.monotonic() + 60
        while len(ours()) < 10 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        assert ours(), "the lab never built its namespaces"
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 143, stderr  # 128 + SIGTERM, as a shell reports it
    assert b"interrupted" in stderr
    assert ours() == []


TWO_SITES = """\
name: shop-two-sites
sites: [{name: hq}, {name: branch}]
zones:
  - {name: users, site: hq, cidrs: [10.20.1.0/24, "fd20:1::/64"]}
  - {name: servers, site: hq, cidrs: [10.20.2.0/24, "fd20:2::/64"]}
  - {name: mgmt, site: branch, cidrs: [10.21.3.0/24]}
hosts:
  - {name: ws1, zone: users, addresses: [10.20.1.11, "fd20:1::11"], roles: ["shop:client"]}
  - {name: app1, zone: servers, os: linux, addresses: [10.20.2.5, "fd20:2::5"], roles: ["shop:app"]}
  - {name: mon1, zone: mgmt, addresses: [10.21.3.7], roles: ["shop:monitor"]}
externals:
  - {name: db-service, cidrs: [192.0.2.0/28], site: branch, roles: ["shop:db"]}
links:
  - {name: wan, kind: wan, sites: [hq, branch], topology: mesh}
firewalls:
  - {name: core, kind: network, zones: [users, servers]}
  - {name: server-fw, kind: network, zones: [servers]}
  - {name: hq-edge, kind: network, sites: [hq]}
  - {name: branch-edge, kind: network, sites: [branch]}
  - {name: app-host, kind: host, hosts: [app1]}
products:
  - product: shop
"""


def test_nested_zone_firewalls_mesh_wan_and_site_externals(
    kernel: None, shop: tuple[Path, Path]
) -> None:
    """Zone firewalls nested inside each other, a mesh WAN router, edge firewalls on both
    sides, an external that lives at a site, and a dual-stack client: every flow passes and
    every sampled unrequested flow is blocked."""
    _, catalog = shop
    path = catalog.parent / "two-sites.yaml"
    path.write_text(TWO_SITES)
    deployment, resolution = plan(path, [catalog])
    topology = plan_topology(deployment)
    assert {n.kind for n in topology.nodes.values()} >= {"wan", "externals", "zone-fw"}
    paths = {f.id: [h.point for h in f.path] for f in resolution.flows}
    assert paths["shop/web/ws1->app1"] == ["core", "server-fw", "app-host"]
    assert paths["shop/sql/app1->db-service"] == [
        "app-host",
        "core",
        "server-fw",
        "hq-edge",
        "branch-edge",
    ]
    report = run_lab(deployment, resolution)
    assert report.mismatches == [], [
        (r.case.flow, r.case.target.label, r.observed) for r in report.mismatches
    ]
    tried = {r.case.flow for r in report.results if r.case.kind != "negative"}
    assert tried == {f.id for f in resolution.flows}
    assert any(":" in r.case.target.address for r in report.results)


def test_keep_going_when_a_ruleset_does_not_load(
    kernel: None, shop_plan: tuple[Deployment, Resolution]
) -> None:
    from portplan.errors import EnvironmentProblem

    def break_core(networks: dict[str, str], hosts: dict[str, str]) -> None:
        networks["core"] = "table inet portplan { this is not nft }\n"

    with pytest.raises(EnvironmentProblem, match="nft"):
        run_lab(*shop_plan, sabotage=break_core)

    def break_core_and_clear_host(networks: dict[str, str], hosts: dict[str, str]) -> None:
        break_core(networks, hosts)
        hosts["app1"] = ""  # and no host firewall behind it

    report = run_lab(*shop_plan, keep_going=True, sabotage=break_core_and_clear_host)
    assert any("core: the ruleset did not load" in n for n in report.notices)
    # Nothing filters now: what should have been blocked gets through; required flows pass.
    assert report.mismatches
    assert {r.case.kind for r in report.mismatches} == {"negative"}

"""Aerleon targets: the YAML renders with Aerleon's own aclgen, and every platform's output
is Aerleon's rendering of exactly the flows (or an error naming the flow it cannot express)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from portplan.compile.aerleon import (
    PLATFORMS,
    AerleonCompiler,
    AerleonPlatformCompiler,
    Term,
    platform_names,
    verify,
)
from portplan.compile.registry import get_compiler
from portplan.errors import UnsupportedError, ValidationError
from portplan.io import write_tree
from tests.compile.nonnative_sample import sample

ACLGEN = Path(sys.executable).with_name("aclgen")


def test_policy_and_definitions_render_with_aclgen(tmp_path: Path) -> None:
    deployment, resolution = sample()
    artifacts = AerleonCompiler().compile(deployment, resolution)
    write_tree(tmp_path, {a.path: a.content for a in artifacts})
    policy = yaml.safe_load((tmp_path / "policies/pol/core.yaml").read_text())
    names = [t["name"] for f in policy["filters"] for t in f["terms"]]
    networks = yaml.safe_load((tmp_path / "def/networks.yaml").read_text())["networks"]
    assert networks["WS1_V6"] == {"values": [{"address": "2001:db8:2::50/128"}]}
    out = tmp_path / "out"
    out.mkdir()
    result = subprocess.run(
        [
            str(ACLGEN),
            f"--base_directory={tmp_path / 'policies'}",
            f"--definitions_directory={tmp_path / 'def'}",
            f"--output_directory={out}",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    juniper = (out / "core.jcl").read_text()
    cisco = (out / "core.acl").read_text()
    for name in names:
        assert f"term {name} " in juniper
        assert f"remark {name}" in cisco
    assert "permit icmp host 10.0.3.5 host 10.0.1.10 8" in cisco  # echo-request is type 8


def render(platform: str, **options: bool) -> dict[str, str]:
    deployment, resolution = sample(**options)
    compiler = get_compiler(f"aerleon:{platform}")
    return {a.path: str(a.content) for a in compiler.compile(deployment, resolution)}


EXPECTED = {
    "cisco": (
        "cisco/core.acl",
        [
            "permit tcp host 10.0.2.50 host 10.0.1.10 range 9100 9102",
            "permit tcp 192.0.2.0 0.0.0.255 host 10.0.1.11 eq 443",
            "permit udp host 10.0.3.5 host 10.0.1.10 eq 161",
            "permit udp host 10.0.3.5 host 10.0.1.10 eq 162",
            "permit tcp host 2001:db8:2::50 host 2001:db8:1::10 eq 631",
        ],
    ),
    "juniper": (
        "juniper/core.jcl",
        [
            "destination-port [ 515 631 9100-9102 ];",
            "2001:db8:1::10/128;",
            "192.0.2.0/24;",
        ],
    ),
    "paloalto": ("paloalto/core.xml", ["<port>515,631,9100-9102</port>", "<port>161-162</port>"]),
    "srx": ("srx/core.srx", ["from-zone clients to-zone servers", "destination-port 9100-9102"]),
    "speedway": (
        "speedway/core.ipt",
        [
            "-p tcp -m multiport --dports 515,631,9100:9102 -s 10.0.2.50/32 -d 10.0.1.10/32",
        ],
    ),
    "nftables": (
        "nftables/core.nft",
        [
            "ip6 saddr 2001:db8:2::50/128 ip6 daddr 2001:db8:1::10/128 "
            "tcp dport { 515, 631, 9100-9102 }",
            "type filter hook forward priority 0; policy drop;",
        ],
    ),
    "arista": ("arista/core.eacl", ["permit tcp host 10.0.2.50 host 10.0.1.11 range 9100 9102"]),
    "ciscoasa": (
        "ciscoasa/core.asa",
        [
            "permit tcp host 10.0.2.50 host 10.0.1.10 range 9100 9102",
            "permit tcp 192.0.2.0 255.255.255.0 host 10.0.1.10 eq https",
        ],
    ),
    "windows_advfirewall": (
        "windows_advfirewall/core.bat",
        [
            "dir=in remoteip=2001:db8:2::50/128 localip=2001:db8:1::10/128 "
            "localport=515,631,9100-9102 protocol=tcp action=allow",
        ],
    ),
}


@pytest.mark.parametrize("platform", sorted(EXPECTED))
def test_platform_output_holds_the_flows(platform: str) -> None:
    outputs = render(platform, icmp=False)
    path, snippets = EXPECTED[platform]
    assert path in outputs, sorted(outputs)
    text = outputs[path]
    missing = [s for s in snippets if s not in text]
    assert not missing, text[:3000]


def test_host_point_gets_input_and_output_filters() -> None:
    text = render("speedway", icmp=False)["speedway/hostfw-srv1.ipt"]
    assert ":INPUT DROP" in text and ":OUTPUT DROP" in text
    assert "-p tcp --dport 8080 -s 10.0.1.10/32 -d 10.0.2.50/32" in text


def test_every_platform_renders_or_names_a_flow() -> None:
    deployment, resolution = sample()
    flow_ids = {f.id for f in resolution.flows}
    rendered = 0
    for platform in platform_names():
        try:
            outputs = AerleonPlatformCompiler(platform).compile(deployment, resolution)
        except UnsupportedError as error:
            assert any(f"flow {flow_id} " in str(error) for flow_id in flow_ids), str(error)
            continue
        assert outputs
        rendered += 1
    assert rendered >= 15


def test_unrenderable_icmp_type_names_the_flow() -> None:
    """Aerleon's nftables generator fails on ICMP types; the error says which flow."""
    with pytest.raises(UnsupportedError, match=r"flow acme-print/ping6?/\S+ \(icmp"):
        render("nftables")


def test_gce_filters_host_points_without_their_own_side() -> None:
    deployment, resolution = sample(icmp=False)
    hosts_only = deployment.model_copy(
        update={"firewalls": [p for p in deployment.firewalls if p.kind == "host"]}
    )
    outputs = AerleonPlatformCompiler("gce").compile(hosts_only, resolution)
    rules = [rule for a in outputs for rule in json.loads(a.content)]
    assert {r["direction"] for r in rules} == {"INGRESS", "EGRESS"}
    for rule in rules:
        own = "destinationRanges" if rule["direction"] == "INGRESS" else "sourceRanges"
        assert own not in rule
    assert any("10.0.2.50/32" in r.get("sourceRanges", []) for r in rules)
    # A network firewall's forward filter needs destinations, which GCE ingress cannot have.
    with pytest.raises(UnsupportedError, match=r"flow acme-print/\S+ .*gce"):
        AerleonPlatformCompiler("gce").compile(deployment, resolution)


def test_a_term_missing_from_the_output_is_an_error() -> None:
    _, resolution = sample(icmp=False)
    flow = resolution.flows[0]
    term = Term("t0001-submit", flow, flow.services[0], 6, (), flow.destination.addresses, {})
    with pytest.raises(UnsupportedError, match=f"flow {flow.id} .*IPv6.*left it out"):
        verify("cisco", {"x.acl": "remark t0002-other"}, [term], PLATFORMS["cisco"])
    verify("cisco", {"x.acl": "remark t0001-submit"}, [term], PLATFORMS["cisco"])


def test_unknown_platform_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="unknown Aerleon platform 'nope'"):
        get_compiler("aerleon:nope")


def test_platforms_exist_in_installed_aerleon() -> None:
    from aerleon.lib import plugin_supervisor

    installed = {entry[0] for entry in plugin_supervisor.BUILTIN_GENERATORS}
    assert set(PLATFORMS) <= installed
    assert platform_names() == sorted(PLATFORMS)


def test_fqdn_only_external_is_an_error_naming_the_flow() -> None:
    deployment, resolution = sample(icmp=False)
    flows = tuple(
        dataclasses.replace(f, source=dataclasses.replace(f.source, addresses=(), fqdn="x.test"))
        if f.source.kind == "external"
        else f
        for f in resolution.flows
    )
    with pytest.raises(UnsupportedError, match=r"flow acme-print/partner-api/partners->srv1"):
        AerleonCompiler().compile(deployment, dataclasses.replace(resolution, flows=flows))

"""iptables target: ipset, iptables-restore and ip6tables-restore accept every artifact, and a
router carrying the rules passes exactly the flows."""

from __future__ import annotations

import os
import re
import sys

import pytest

from portplan.compile.base import Artifact
from portplan.compile.iptables import IptablesCompiler
from portplan.verify.netns import Namespace, NetnsGroup
from tests.compile.factories import deployment, flow, host, network
from tests.compile.factories import network_point as network_firewall
from tests.compile.factories import resolution as make_resolution
from tests.compile.test_nftables import CONNECT, HOSTILE, LISTEN, WEB, settle, small
from tests.conftest import require_kernel


@pytest.fixture
def iptables_kernel(netns: NetnsGroup) -> NetnsGroup:
    require_kernel(("ip", "iptables-restore", "ip6tables-restore", "ipset"))
    return netns


def restore(namespace: Namespace, artifacts: dict[str, Artifact], stem: str) -> None:
    """Load one ruleset as an administrator would: ipsets first, then both tables."""
    if f"{stem}.ipset" in artifacts:
        namespace.run("ipset", "restore", "-exist", input=str(artifacts[f"{stem}.ipset"].content))
    for suffix, tool in (("v4", "iptables-restore"), ("v6", "ip6tables-restore")):
        content = str(artifacts[f"{stem}.rules.{suffix}"].content)
        namespace.run(tool, "--test", input=content)
        namespace.run(tool, input=content)


def saved_rules(namespace: Namespace, tool: str) -> list[str]:
    return [line for line in namespace.run(tool).stdout.splitlines() if line.startswith("-A ")]


def test_every_artifact_restores_in_a_namespace(iptables_kernel: NetnsGroup) -> None:
    artifacts = {a.path: a for a in IptablesCompiler().compile(*small())}
    stems = sorted({path.split(".")[0] for path in artifacts})
    assert stems == ["edge", "hosts-db", "hosts-web"]
    for stem in stems:
        namespace = iptables_kernel.add("ipt")
        restore(namespace, artifacts, stem)
        for suffix, tool in (("v4", "iptables-save"), ("v6", "ip6tables-save")):
            artifact = artifacts[f"{stem}.rules.{suffix}"]
            assert len(saved_rules(namespace, tool)) == artifact.rules
        policies = namespace.run("iptables-save").stdout
        if stem == "edge":
            assert ":FORWARD DROP" in policies and ":INPUT ACCEPT" in policies
        else:
            assert ":INPUT DROP" in policies and ":OUTPUT DROP" in policies


def test_hosts_sharing_a_requirement_share_an_ipset_and_a_rule(
    iptables_kernel: NetnsGroup,
) -> None:
    clients = [host(f"pc{i}", f"10.{i % 7}.{i}.5", f"2001:db8:{i}::5") for i in range(100)]
    flows = [flow(c, WEB, "tcp/443", path=[network("edge")]) for c in clients]
    artifacts = {
        a.path: a
        for a in IptablesCompiler().compile(
            deployment([WEB, *clients], [network_firewall("edge")]), make_resolution(*flows)
        )
    }
    rules = str(artifacts["edge.rules.v4"].content).splitlines()
    flow_rules = [line for line in rules if "--dport 443" in line]
    assert len(flow_rules) == 1 and "--match-set portplan4-" in flow_rules[0]
    namespace = iptables_kernel.add("ipset")
    restore(namespace, artifacts, "edge")
    members = namespace.run("ipset", "list").stdout
    assert len(re.findall(r"^10\.\d+\.\d+\.5$", members, re.M)) == 100
    assert len(re.findall(r"^2001:db8:(\w+:)?:5$", members, re.M)) == 100
    v6 = [line for line in saved_rules(namespace, "ip6tables-save") if "--dport 443" in line]
    assert len(v6) == 1 and "--match-set portplan6-" in v6[0]


def test_many_ports_split_into_multiport_rules_of_at_most_15() -> None:
    a, b = host("a", "10.0.0.1"), host("b", "10.0.0.2")
    ports = ",".join(str(p) for p in range(1000, 1040, 2)) + ",2000-2010"  # 20 ports, 1 range
    artifacts = IptablesCompiler().compile(
        deployment([a, b], [network_firewall("edge")]),
        make_resolution(flow(a, b, f"tcp/{ports}", path=[network("edge")])),
    )
    lines = [line for line in str(artifacts[0].content).splitlines() if "multiport" in line]
    slots = []
    for line in lines:
        listed = re.search(r"--dports (\S+)", line)
        assert listed
        slots.append(sum(2 if ":" in p else 1 for p in listed.group(1).split(",")))
    assert slots == [15, 7]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_stay_inside_their_comments(iptables_kernel: NetnsGroup, name: str) -> None:
    db = host("db", "10.0.2.20", "2001:db8:2::20")
    flows = [flow(WEB, db, "tcp/5432", product=name, flow=name, path=[network("edge")])]
    artifacts = {
        a.path: a
        for a in IptablesCompiler().compile(
            deployment([WEB, db], [network_firewall("edge")]), make_resolution(*flows)
        )
    }
    namespace = iptables_kernel.add("hostile")
    restore(namespace, artifacts, "edge")
    for tool in ("iptables-save", "ip6tables-save"):
        rules = saved_rules(namespace, tool)
        assert len(rules) == 3  # established, invalid, the flow: nothing injected
        assert all(line.startswith("-A FORWARD ") for line in rules)
    assert not os.path.exists("/tmp/portplan-pwned")


def test_a_router_with_the_rules_passes_exactly_its_flows(iptables_kernel: NetnsGroup) -> None:
    """Real connections through a router namespace carrying the restored rules: the flow's port
    opens over IPv4 and IPv6 (through an ipset of clients), the next port and the reverse
    direction stay closed."""
    client = host("client", "192.0.2.1", "2001:db8:1::1", role="shop:client")
    others = [host(f"pc{i}", f"192.0.2.{i}", f"2001:db8:1::{i:x}") for i in range(10, 30)]
    server = host("server", "198.51.100.2", "2001:db8:2::2", role="shop:web")
    flows = [
        flow(c, server, "tcp/8080", path=[network("edge")], flow="web") for c in [client, *others]
    ]
    artifacts = {
        a.path: a
        for a in IptablesCompiler().compile(
            deployment([client, *others, server], [network_firewall("edge")]),
            make_resolution(*flows),
        )
    }
    assert "edge.ipset" in artifacts  # the clients are a group: one rule over an ipset
    group = iptables_kernel
    a, router, b = group.add("client"), group.add("router"), group.add("server")
    group.veth(a, "eth0", router, "c0")
    group.veth(router, "s0", b, "eth0")
    links = (
        (a, "eth0", "192.0.2.1/24", "2001:db8:1::1/64", "192.0.2.254", "2001:db8:1::fe"),
        (b, "eth0", "198.51.100.2/24", "2001:db8:2::2/64", "198.51.100.254", "2001:db8:2::fe"),
    )
    for namespace, device, v4, v6, gateway4, gateway6 in links:
        namespace.run("ip", "addr", "add", v4, "dev", device)
        namespace.run("ip", "addr", "add", v6, "dev", device, "nodad")
        namespace.run("ip", "route", "add", "default", "via", gateway4)
        namespace.run("ip", "-6", "route", "add", "default", "via", gateway6)
    for device, v4, v6 in (
        ("c0", "192.0.2.254/24", "2001:db8:1::fe/64"),
        ("s0", "198.51.100.254/24", "2001:db8:2::fe/64"),
    ):
        router.run("ip", "addr", "add", v4, "dev", device)
        router.run("ip", "addr", "add", v6, "dev", device, "nodad")
    router.run("sysctl", "-qw", "net.ipv4.ip_forward=1")
    router.run("sysctl", "-qw", "net.ipv6.conf.all.forwarding=1")
    settle(a, router, b)
    restore(router, artifacts, "edge")
    for namespace in (a, b):
        listener = namespace.popen(sys.executable, "-c", LISTEN)
        assert listener.stdout is not None and listener.stdout.readline().strip() == b"ready"

    def state(source: Namespace, address: str, port: int) -> str:
        return source.run(sys.executable, "-c", CONNECT, address, str(port)).stdout.strip()

    assert state(a, "198.51.100.2", 8080) == "open"
    assert state(a, "2001:db8:2::2", 8080) == "open"
    assert state(a, "198.51.100.2", 8081) == "closed"
    assert state(a, "2001:db8:2::2", 8081) == "closed"
    assert state(b, "192.0.2.1", 8080) == "closed"  # the reverse direction is no flow
    assert state(b, "2001:db8:1::1", 8080) == "closed"

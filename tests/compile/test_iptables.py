"""iptables target: ipset, iptables-restore and ip6tables-restore accept every artifact."""

from __future__ import annotations

import os
import re

import pytest

from portplan.compile.base import Artifact
from portplan.compile.iptables import IptablesCompiler
from portplan.verify.netns import Namespace, NetnsGroup
from tests.compile.factories import deployment, flow, host, network
from tests.compile.factories import network_point as network_firewall
from tests.compile.factories import resolution as make_resolution
from tests.compile.test_nftables import HOSTILE, WEB, small
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

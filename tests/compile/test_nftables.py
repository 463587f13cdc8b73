"""nftables target: the real ``nft`` loads every artifact; the loaded rules do what flows say."""

from __future__ import annotations

import json
import os
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from portplan.compile.nftables import NftablesCompiler
from portplan.errors import UnsupportedError
from portplan.model.concrete import ConcreteFlow, Resolution
from portplan.model.deployment import Deployment
from portplan.verify.evaluate import Packet, load_ruleset
from portplan.verify.netns import Namespace, NetnsGroup
from tests.compile.factories import (
    deployment,
    egress,
    external,
    flow,
    host,
    host_point,
    ingress,
    network,
)
from tests.compile.factories import network_point as network_firewall
from tests.compile.factories import resolution as make_resolution

GOLDEN = Path(__file__).parent / "golden"

WEB = host("web", "10.0.1.10", "2001:db8:1::10", role="shop:web")
DB = host("db", "10.0.2.20", "2001:db8:2::20", role="shop:db")
CLIENTS = [host(f"pc{i}", f"10.0.3.{i}", role="shop:client") for i in range(1, 21)]
PARTNERS = external("partners", "192.0.2.0/24", role="shop:partner")
PATH = (network("edge"), egress("hosts"), ingress("hosts"))


def small() -> tuple[Deployment, Resolution]:
    """A shop: clients and a partner network reach the web server, which reaches the database."""
    flows = [
        flow(WEB, DB, "tcp/5432", "icmp/echo-request", "icmpv6", flow="web-db", path=PATH),
        flow(PARTNERS, WEB, "tcp/443,8000-8100", flow="partner-api", path=PATH[::2]),
        *(
            flow(c, WEB, "tcp/443", "udp/161-162", flow="client-web", path=PATH[::2])
            for c in CLIENTS
        ),
    ]
    points = [network_firewall("edge"), host_point("hosts", ["web", "db"])]
    return deployment([WEB, DB, *CLIENTS], points, name="shop"), make_resolution(*flows)


def listed(namespace_text: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(namespace_text)
    return data


def load_and_list(netns: NetnsGroup, content: str) -> dict[str, Any]:
    namespace = netns.add("nft")
    namespace.load_nft(content)
    return listed(namespace.run("nft", "-j", "list", "ruleset").stdout)


def objects(ruleset: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [item[kind] for item in ruleset["nftables"] if kind in item]


def test_every_artifact_loads_into_the_kernel_and_lists_back(netns: NetnsGroup) -> None:
    artifacts = {a.path: a for a in NftablesCompiler().compile(*small())}
    assert sorted(artifacts) == ["edge.nft", "hosts-db.nft", "hosts-web.nft"]
    for artifact in artifacts.values():
        assert isinstance(artifact.content, str)
        ruleset = load_and_list(netns, artifact.content)
        tables = objects(ruleset, "table")
        assert [(t["family"], t["name"]) for t in tables] == [("inet", "portplan")]
        chains = {c["name"]: c for c in objects(ruleset, "chain")}
        expected = ["forward"] if artifact.path == "edge.nft" else ["input", "output"]
        assert sorted(chains) == expected
        assert all(c["policy"] == "drop" for c in chains.values())
        rules = objects(ruleset, "rule")
        assert len(rules) == artifact.rules
        # Every set the file declares is in the kernel with every element.
        assert kernel_sets(ruleset) == text_sets(artifact.content)


def text_sets(content: str) -> dict[str, int]:
    """Set name -> number of elements, read from the generated text."""
    blocks = re.findall(r"^\tset (\w+) \{\n(.*?)^\t\}", content, re.S | re.M)
    return {name: body.count("\n\t\t\t") for name, body in blocks}


def kernel_sets(ruleset: dict[str, Any]) -> dict[str, int]:
    return {s["name"]: len(s.get("elem", [])) for s in objects(ruleset, "set")}


def test_loaded_rules_allow_the_flows_and_nothing_near_them(netns: NetnsGroup) -> None:
    artifacts = {a.path: a for a in NftablesCompiler().compile(*small())}
    edge = load_ruleset(load_and_list(netns, str(artifacts["edge.nft"].content)))

    def forward(saddr: str, daddr: str, protocol: str, port: int | None = None, **kw: Any) -> bool:
        return edge.verdict(Packet("forward", None, saddr, daddr, protocol, port, **kw)).allowed

    assert forward("10.0.3.7", "10.0.1.10", "tcp", 443)
    assert forward("10.0.3.20", "10.0.1.10", "udp", 162)
    assert forward("192.0.2.99", "10.0.1.10", "tcp", 8100)
    assert forward("2001:db8:1::10", "2001:db8:2::20", "tcp", 5432)
    assert forward("10.0.1.10", "10.0.2.20", "icmp", icmp_type="echo-request")
    assert forward("2001:db8:1::10", "2001:db8:2::20", "icmpv6", icmp_type="echo-reply")
    assert not forward("10.0.3.21", "10.0.1.10", "tcp", 443)  # not a client
    assert not forward("10.0.3.7", "10.0.1.10", "tcp", 444)
    assert not forward("10.0.3.7", "10.0.1.10", "udp", 443)
    assert not forward("192.0.2.99", "10.0.1.10", "tcp", 8101)
    assert not forward("10.0.2.20", "10.0.1.10", "tcp", 5432)  # wrong direction
    assert not forward("10.0.1.10", "10.0.2.20", "icmp", icmp_type="timestamp-request")
    assert forward("10.0.2.20", "10.0.1.10", "tcp", 5432, ct_state="established")

    web = load_ruleset(load_and_list(netns, str(artifacts["hosts-web.nft"].content)))
    assert web.verdict(Packet("input", None, "10.0.3.1", "10.0.1.10", "tcp", 443)).allowed
    assert not web.verdict(Packet("input", None, "10.0.3.1", "10.0.1.10", "tcp", 22)).allowed
    assert web.verdict(Packet("output", None, "10.0.1.10", "10.0.2.20", "tcp", 5432)).allowed
    assert not web.verdict(Packet("output", None, "10.0.1.10", "10.0.2.20", "tcp", 22)).allowed
    # Partner traffic has no host-egress hop, and the partners are no host: only input sees it.
    assert web.verdict(Packet("input", None, "192.0.2.1", "10.0.1.10", "tcp", 8000)).allowed
    # IPv6 neighbour discovery keeps working on hosts (RFC 4890).
    nd = Packet("input", None, "fe80::1", "ff02::1:ff00:10", "icmpv6", icmp_type=135)
    assert web.verdict(nd).allowed
    assert web.verdict(
        Packet("input", None, "127.0.0.1", "127.0.0.1", "tcp", 9, iifname="lo")
    ).allowed


def test_reloading_replaces_the_table_and_leaves_others_alone(netns: NetnsGroup) -> None:
    artifact = NftablesCompiler().compile(*small())[0]
    namespace = netns.add("reload")
    namespace.load_nft("table inet other { chain c { type filter hook input priority 10; }; }")
    namespace.load_nft(str(artifact.content))
    namespace.load_nft(str(artifact.content))
    tables = objects(listed(namespace.run("nft", "-j", "list", "ruleset").stdout), "table")
    assert sorted(t["name"] for t in tables) == ["other", "portplan"]


HOSTILE = [
    'quote" accept; } } table inet x { chain y { type filter hook input priority 0; }',
    "newline\nchain evil { }",
    'backslash\\" drop',
    "$(touch /tmp/portplan-pwned) `touch /tmp/portplan-pwned` ; # @set",
    "unicodé ✓ \u202e bidi \x00 nul \t tab",
    "long " * 80,
]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_stay_inside_their_comments(netns: NetnsGroup, name: str) -> None:
    flows = [
        flow(WEB, DB, "tcp/5432", product=name, flow=name, purpose=name, path=[network("edge")])
    ]
    artifact = NftablesCompiler().compile(
        deployment([WEB, DB], [network_firewall("edge")], name="shop"), make_resolution(*flows)
    )[0]
    ruleset = load_and_list(netns, str(artifact.content))
    assert [t["name"] for t in objects(ruleset, "table")] == ["portplan"]
    assert [c["name"] for c in objects(ruleset, "chain")] == ["forward"]
    assert not os.path.exists("/tmp/portplan-pwned")
    comments = [e["elem"]["comment"] for s in objects(ruleset, "set") for e in s["elem"]]
    assert comments and all(len(c.encode()) <= 128 and '"' not in c for c in comments)
    assert all("\n" not in c and "\\" not in c for c in comments)


def test_an_endpoint_without_addresses_is_an_error_naming_the_flow() -> None:
    cloud = external("cloud", fqdn="api.example.com", role="shop:cloud")
    flows = [flow(WEB, cloud, "tcp/443", flow="upload", path=[network("edge")])]
    with pytest.raises(UnsupportedError, match=r"acme/upload/web->cloud.*api\.example\.com"):
        NftablesCompiler().compile(
            deployment([WEB], [network_firewall("edge")]), make_resolution(*flows)
        )


def test_output_does_not_depend_on_flow_order() -> None:
    dep, res = small()
    shuffled: list[ConcreteFlow] = list(res.flows)
    random.Random(7).shuffle(shuffled)
    first = NftablesCompiler().compile(dep, res)
    second = NftablesCompiler().compile(dep, make_resolution(*shuffled))
    assert first == second


def test_rule_count_grows_with_services_not_hosts() -> None:
    def rules(clients: int) -> int:
        hosts = [host(f"pc{i}", f"10.{i // 250}.{i % 250}.1") for i in range(clients)]
        flows = [
            flow(h, WEB, "tcp/443", "udp/161-162", path=[network("edge")], flow=f"f{i % 3}")
            for i, h in enumerate(hosts)
        ]
        artifacts = NftablesCompiler().compile(
            deployment([WEB, *hosts], [network_firewall("edge")]), make_resolution(*flows)
        )
        return artifacts[0].rules or 0

    # Three flows x two services: at most six flow rules, however many hosts play the role.
    assert rules(40) <= rules(200) == rules(2000) <= 2 + 6


def test_golden_small_deployment() -> None:
    """Text stability for review; the semantic tests above prove what the text does."""
    artifacts = {a.path: str(a.content) for a in NftablesCompiler().compile(*small())}
    golden = GOLDEN / "nftables-edge.nft"
    if os.environ.get("PORTPLAN_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(artifacts["edge.nft"])
    assert artifacts["edge.nft"] == golden.read_text()


def test_many_large_groups_go_through_a_verdict_map(netns: NetnsGroup) -> None:
    """Ten services for a hundred clients each: a new connection meets the rules of its own
    service only, behind one map lookup, and the map still allows exactly the flows."""
    clients = [host(f"pc{i}", f"10.1.{i}.9", role="shop:client") for i in range(100)]
    flows = [
        flow(c, WEB, f"tcp/{1000 + 10 * s}-{1004 + 10 * s}", flow=f"s{s}", path=[network("edge")])
        for s in range(10)
        for c in clients[s:]
    ]
    artifact = NftablesCompiler().compile(
        deployment([WEB, *clients], [network_firewall("edge")]), make_resolution(*flows)
    )[0]
    content = str(artifact.content)
    assert "vmap @forward_services" in content
    ruleset = load_ruleset(load_and_list(netns, content))

    def allowed(client: int, port: int) -> bool:
        packet = Packet("forward", None, f"10.1.{client}.9", "10.0.1.10", "tcp", port)
        return ruleset.verdict(packet).allowed

    assert allowed(0, 1000) and allowed(0, 1004) and allowed(99, 1094)
    assert not allowed(0, 1010)  # service s1 starts at client 1
    assert allowed(1, 1010) and not allowed(1, 1005) and not allowed(5, 1095)


LISTEN = """
import socket, sys, threading
def serve(port):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", port))
    s.listen(16)
    while True:
        c, _ = s.accept()
        c.close()
threads = [threading.Thread(target=serve, args=(p,), daemon=True) for p in (8080, 8081)]
[t.start() for t in threads]
print("ready", flush=True)
threading.Event().wait()
"""

CONNECT = """
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1.5).close()
    print("open")
except OSError:
    print("closed")
"""


def settle(*namespaces: Namespace) -> None:
    """Wait until no IPv6 address is tentative (duplicate address detection on the link-local
    addresses of new veths), so the first connection does not stall on it."""
    deadline = time.monotonic() + 10
    for namespace in namespaces:
        while namespace.run("ip", "-6", "addr", "show", "tentative").stdout.strip():
            assert time.monotonic() < deadline, f"{namespace.name}: IPv6 addresses stay tentative"
            time.sleep(0.1)


def test_a_host_firewall_passes_its_flows_over_ipv4_and_ipv6(netns: NetnsGroup) -> None:
    """Real connections: IPv6 only works if neighbour discovery passes the host's own
    firewall both ways (RFC 4890), so this proves the ICMPv6 rules as much as the flows."""
    client = host("client", "192.0.2.1", "2001:db8::1", role="shop:client")
    server = host("server", "192.0.2.2", "2001:db8::2", role="shop:web")
    flows = [flow(client, server, "tcp/8080", path=[egress("hosts"), ingress("hosts")])]
    artifacts = {
        a.path: str(a.content)
        for a in NftablesCompiler().compile(
            deployment([client, server], [host_point("hosts")]), make_resolution(*flows)
        )
    }
    a, b = netns.add("client"), netns.add("server")
    netns.veth(a, "eth0", b, "eth0")
    for namespace, end in ((a, "1"), (b, "2")):
        namespace.run("ip", "addr", "add", f"192.0.2.{end}/24", "dev", "eth0")
        namespace.run("ip", "addr", "add", f"2001:db8::{end}/64", "dev", "eth0", "nodad")
    settle(a, b)
    a.load_nft(artifacts["hosts-client.nft"])
    b.load_nft(artifacts["hosts-server.nft"])
    listener = b.popen(sys.executable, "-c", LISTEN)
    assert listener.stdout is not None and listener.stdout.readline().strip() == b"ready"

    def state(address: str, port: int) -> str:
        return a.run(sys.executable, "-c", CONNECT, address, str(port)).stdout.strip()

    assert state("192.0.2.2", 8080) == "open"
    assert state("2001:db8::2", 8080) == "open"
    assert state("192.0.2.2", 8081) == "closed"
    assert state("2001:db8::2", 8081) == "closed"

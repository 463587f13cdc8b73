"""Least privilege, property-tested: what the compiled nftables allows is exactly the flows.

For random small deployments (hosts with IPv4 and/or IPv6 addresses, an external network that
may contain hosts, flows with random services including port ranges and ICMP types) the
ruleset is compiled, loaded into a real kernel with ``nft -f``, read back with ``nft -j list
ruleset`` and evaluated by :mod:`portplan.verify.evaluate` on a grid of packets: every pair of
known and unknown addresses, ports inside, at the edges of and just outside every range, and
ICMP types next to the allowed ones. The set of allowed tuples must equal the set the concrete
flows describe — no more, no less. Checked for the network firewall (forward) and for one
host's own firewall (input and output), with every way the compiler writes a group (set
elements, a rule over named address sets, a verdict map to per-service chains).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterator
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portplan.compile.nftables import NftablesCompiler
from portplan.model.concrete import ConcreteFlow, Endpoint
from portplan.model.service import ICMP_TYPES, PortSet, Service
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

PORTED = ("tcp", "udp", "sctp")
# ICMPv6 types every host accepts whatever the flows say (RFC 4890 4.4.1; see nftables.py).
ND_TYPES = {130, 131, 132, 133, 134, 135, 136, 143}
OUTSIDERS = ("10.0.0.200", "10.9.9.9", "2001:db8::ff", "2001:db8:9::1")


@dataclass(frozen=True)
class Case:
    hosts: tuple[Endpoint, ...]
    outside: Endpoint | None
    flows: tuple[ConcreteFlow, ...]


@st.composite
def services(draw: st.DrawFn) -> Service:
    protocol = draw(st.sampled_from((*PORTED, "icmp", "icmpv6")))
    if protocol in PORTED:
        ranges = []
        for _ in range(draw(st.integers(1, 3))):
            low = draw(st.one_of(st.integers(1, 65535), st.sampled_from([1, 443, 65535])))
            high = min(65535, low + draw(st.sampled_from([0, 0, 1, 10, 1000])))
            ranges.append((low, high))
        return Service(protocol, PortSet.of(ranges))
    names = [None, *ICMP_TYPES[protocol]]
    return Service(protocol, icmp_type=draw(st.sampled_from(names)))


@st.composite
def cases(draw: st.DrawFn) -> Case:
    count = draw(st.integers(2, 5))
    hosts = []
    for i in range(count):
        versions = draw(st.sampled_from([(4,), (6,), (4, 6)]))
        addresses = []
        if 4 in versions:
            addresses.append(f"10.0.0.{i * 3 + 1}")
        if 6 in versions:
            addresses.append(f"2001:db8::{i * 3 + 1:x}")
        hosts.append(host(f"h{i}", *addresses, role=f"acme:r{i}"))
    # An external network that contains some hosts' addresses (nested CIDRs) or not.
    cidr = draw(st.sampled_from([None, "10.0.0.0/29", "10.0.0.8/30", "192.0.2.0/30"]))
    outside = external("ext", cidr, role="acme:ext") if cidr else None
    endpoints = [*hosts, *([outside] if outside else [])]
    flows = []
    for n in range(draw(st.integers(1, 6))):
        source = draw(st.sampled_from(endpoints))
        destination = draw(st.sampled_from([e for e in endpoints if e is not source]))
        path = [network("fw")]
        if source.kind == "host":
            path.append(egress("hosts"))
        if destination.kind == "host":
            path.append(ingress("hosts"))
        chosen = draw(st.lists(services(), min_size=1, max_size=3))
        flows.append(flow(source, destination, *chosen, flow=f"f{n}", path=path))
    return Case(tuple(hosts), outside, tuple(flows))


def covers(endpoint: Endpoint, address: str) -> bool:
    parsed = ipaddress.ip_address(address)
    return any(parsed.version == n.version and parsed in n for n in endpoint.addresses)


def expected(flows: tuple[ConcreteFlow, ...], packet: tuple[str, str, str, int]) -> bool:
    saddr, daddr, protocol, value = packet
    for f in flows:
        if not (covers(f.source, saddr) and covers(f.destination, daddr)):
            continue
        for service in f.services:
            if service.protocol != protocol:
                continue
            if protocol in PORTED and value in service.ports:
                return True
            if protocol not in PORTED and service.icmp_type_number in (None, value):
                return True
    return False


def addresses(case: Case) -> list[str]:
    out = {str(a.network_address) for h in case.hosts for a in h.addresses}
    if case.outside:
        for net in case.outside.addresses:
            out |= {str(net.network_address), str(net.broadcast_address), str(net[1])}
    return sorted(out | set(OUTSIDERS))


def probe_values(flows: tuple[ConcreteFlow, ...], protocol: str) -> list[int]:
    """Ports at, inside and just outside every range of ``protocol``; ICMP types likewise."""
    values = {8, 128} if protocol in ("icmp", "icmpv6") else {1, 65535}
    for f in flows:
        for service in f.services:
            if service.protocol != protocol:
                continue
            if protocol in PORTED:
                for r in service.ports:
                    values |= {r.low - 1, r.low, (r.low + r.high) // 2, r.high, r.high + 1}
            elif service.icmp_type_number is not None:
                number = service.icmp_type_number
                values |= {number - 1, number, number + 1}
    limit = 65535 if protocol in PORTED else 255
    floor = 1 if protocol in PORTED else 0
    return sorted(v for v in values if floor <= v <= limit)


def packets(case: Case, flows: tuple[ConcreteFlow, ...]) -> Iterator[tuple[str, str, str, int]]:
    pool = addresses(case)
    for protocol in (*PORTED, "icmp", "icmpv6"):
        values = probe_values(flows, protocol)
        for saddr in pool:
            for daddr in pool:
                version = ipaddress.ip_address(saddr).version
                if saddr == daddr or version != ipaddress.ip_address(daddr).version:
                    continue
                if (protocol, version) in (("icmp", 6), ("icmpv6", 4)):
                    continue
                for value in values:
                    yield saddr, daddr, protocol, value


def evaluate(
    namespace: Namespace, content: str, hook: str, case: Case, flows: tuple[ConcreteFlow, ...]
) -> None:
    namespace.load_nft(content)
    ruleset = load_ruleset(json.loads(namespace.run("nft", "-j", "list", "ruleset").stdout))
    wrong = []
    for saddr, daddr, protocol, value in packets(case, flows):
        if hook != "forward" and protocol == "icmpv6" and value in ND_TYPES:
            continue  # allowed on every host on purpose (RFC 4890), not a flow
        ported = protocol in PORTED
        packet = Packet(
            hook,  # type: ignore[arg-type]
            None,
            saddr,
            daddr,
            protocol,
            value if ported else None,
            icmp_type=None if ported else value,
        )
        allowed = ruleset.verdict(packet).allowed
        if allowed != expected(flows, (saddr, daddr, protocol, value)):
            wrong.append(f"{hook} {saddr} -> {daddr} {protocol} {value}: allowed={allowed}")
    assert not wrong, "\n".join(wrong[:20])


def test_compiled_nftables_allows_exactly_the_flows(kernel: None) -> None:
    with NetnsGroup(prefix="ppl") as group:
        namespace = group.add("lp")

        @settings(
            max_examples=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        # (rule_min_elements, dispatch_min_rules): the defaults, and thresholds low enough that
        # small cases take every path (set elements, rules over address sets, a verdict map).
        @given(cases(), st.sampled_from([(16, 8), (1, 1), (2, 1), (1, 1000), (3, 2)]))
        def check(case: Case, thresholds: tuple[int, int]) -> None:
            points = [network_firewall("fw"), host_point("hosts", ["h0"])]
            compiler = NftablesCompiler(*thresholds)
            artifacts = {
                a.path: str(a.content)
                for a in compiler.compile(
                    deployment(case.hosts, points), make_resolution(*case.flows)
                )
            }
            evaluate(namespace, artifacts["fw.nft"], "forward", case, case.flows)
            into = tuple(f for f in case.flows if f.destination.name == "h0")
            out_of = tuple(f for f in case.flows if f.source.name == "h0")
            evaluate(namespace, artifacts["hosts-h0.nft"], "input", case, into)
            evaluate(namespace, artifacts["hosts-h0.nft"], "output", case, out_of)

        check()

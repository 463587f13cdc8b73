"""The compression shared by the packet-filter targets: exact, disjoint, and it compresses."""

from __future__ import annotations

import ipaddress
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portplan.compile.boxes import RuleBox, allow_boxes, interval_cidrs, laminar_regions, port_atoms
from portplan.errors import UnsupportedError
from tests.compile.factories import external, flow, host

# A tiny universe so every tuple can be enumerated: 10.0.0.0/29 and ports 1-8.
ADDRESSES = [ipaddress.ip_address(f"10.0.0.{i}") for i in range(8)]
CIDRS = [f"10.0.0.{i}/32" for i in range(8)] + ["10.0.0.0/30", "10.0.0.4/31", "10.0.0.0/29"]


def covered(boxes: list[RuleBox]) -> list[tuple[str, str, str, int]]:
    """Every (source, destination, protocol, port) the boxes allow, with repetitions."""
    out = []
    for box in boxes:
        for source, destination in itertools.product(box.sources, box.destinations):
            for s, d in itertools.product(source, destination):
                for port in range(box.low, box.high + 1):
                    out.append((str(s), str(d), box.protocol, port))
    return out


requirement = st.tuples(
    st.sampled_from(CIDRS),
    st.sampled_from(CIDRS),
    st.sampled_from(["tcp", "udp"]),
    st.integers(1, 8),
    st.integers(0, 3),
    st.sampled_from(["p/a", "p/b", "q/c"]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(requirement, min_size=1, max_size=12))
def test_boxes_allow_exactly_the_flows_and_never_overlap(
    requirements: list[tuple[str, str, str, int, int, str]],
) -> None:
    flows = []
    expected: dict[tuple[str, str, str, int], set[str]] = {}
    for i, (src, dst, protocol, low, width, label) in enumerate(requirements):
        high = min(low + width, 8)
        product, name = label.split("/")
        flows.append(
            flow(
                external(f"s{i}", src),
                external(f"d{i}", dst),
                f"{protocol}/{low}-{high}",
                product=product,
                flow=name,
            )
        )
        for s, d in itertools.product(ipaddress.ip_network(src), ipaddress.ip_network(dst)):
            for port in range(low, high + 1):
                expected.setdefault((str(s), str(d), protocol, port), set()).add(label)
    boxes = allow_boxes(flows, "test")
    allowed = covered(boxes)
    assert len(allowed) == len(set(allowed)), "boxes overlap"
    assert set(allowed) == set(expected)
    # Each tuple's box names exactly the flows that asked for it.
    for box in boxes:
        for source, destination in itertools.product(box.sources, box.destinations):
            s, d = str(source.network_address), str(destination.network_address)
            assert set(box.labels) == expected[(s, d, box.protocol, box.low)]


def test_many_hosts_with_one_requirement_become_one_box() -> None:
    server = host("srv", "10.9.0.1")
    clients = [host(f"c{i}", f"10.1.{i // 256}.{i % 256}") for i in range(1024)]
    boxes = allow_boxes([flow(c, server, "tcp/443,8443") for c in clients], "test")
    assert [(b.protocol, b.low, b.high) for b in boxes] == [("tcp", 443, 443), ("tcp", 8443, 8443)]
    assert all(b.destinations == (ipaddress.ip_network("10.9.0.1/32"),) for b in boxes)
    # 1,024 contiguous addresses collapse to one CIDR.
    assert all(b.sources == (ipaddress.ip_network("10.1.0.0/22"),) for b in boxes)


def test_icmp_goes_with_ipv4_and_icmpv6_with_ipv6() -> None:
    a = host("a", "10.0.0.1", "2001:db8::1")
    b = host("b", "10.0.0.2", "2001:db8::2")
    boxes = allow_boxes([flow(a, b, "icmp/echo-request", "icmpv6")], "test")
    assert [(x.family, x.protocol, x.low, x.high) for x in boxes] == [
        (4, "icmp", 8, 8),
        (6, "icmpv6", 0, 255),
    ]


def test_service_between_families_allows_nothing_and_raises_nothing() -> None:
    # A v4-only host cannot send a packet to a v6-only host: no rule is missing.
    a = host("a", "10.0.0.1")
    b = host("b", "2001:db8::2")
    assert allow_boxes([flow(a, b, "tcp/22")], "test") == []


def test_endpoint_known_only_by_name_is_an_error_naming_the_flow() -> None:
    cloud = external("cloud", fqdn="api.example.com")
    with pytest.raises(UnsupportedError, match=r"acme/f1/web->cloud.*api\.example\.com"):
        allow_boxes([flow(host("web", "10.0.0.1"), cloud, "tcp/443")], "nftables")


def test_nested_networks_split_into_disjoint_regions() -> None:
    outer, inner, second = (0, 255), (128, 191), (192, 192)
    regions = laminar_regions([(outer, "wide"), (inner, "narrow"), (second, "one")])
    assert regions == [
        (((0, 127), (193, 255)), ["wide"]),
        (((128, 191),), ["wide", "narrow"]),
        (((192, 192),), ["wide", "one"]),
    ]


def test_intervals_become_the_fewest_cidrs() -> None:
    assert interval_cidrs(4, ((1, 6),)) == tuple(
        ipaddress.ip_network(n) for n in ("0.0.0.1/32", "0.0.0.2/31", "0.0.0.4/31", "0.0.0.6/32")
    )
    assert interval_cidrs(4, ((0, 2**32 - 1),)) == (ipaddress.ip_network("0.0.0.0/0"),)
    assert interval_cidrs(6, ((0, 2**128 - 1),)) == (ipaddress.ip_network("::/0"),)


def test_port_atoms_split_overlaps_and_join_neighbours() -> None:
    atoms = port_atoms([("tcp", 80, 80, "a"), ("tcp", 81, 90, "a"), ("tcp", 85, 100, "b")])
    assert atoms == [
        ("tcp", 80, 84, ("a",)),
        ("tcp", 85, 90, ("a", "b")),
        ("tcp", 91, 100, ("b",)),
    ]

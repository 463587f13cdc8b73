"""The compact service syntax: parsing, canonical printing, and the errors users see."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portplan.errors import ServiceSyntaxError
from portplan.model.service import (
    PortRange,
    PortSet,
    Service,
    canonical_services,
    format_services,
    parse_service,
    parse_services,
)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("tcp/443", ["tcp/443"]),
        ("udp/161-162", ["udp/161-162"]),
        ("tcp+udp/5060-5061", ["tcp+udp/5060-5061"]),
        ("tcp/1196,1197,1198,1199", ["tcp/1196-1199"]),
        ("tcp/443,80,81", ["tcp/80-81,443"]),
        ("icmp", ["icmp"]),
        ("icmp/echo-request", ["icmp/echo-request"]),
        ("TCP/22", ["tcp/22"]),
        ("udp+tcp/53", ["tcp+udp/53"]),
    ],
)
def test_parse_prints_canonically(text: str, canonical: list[str]) -> None:
    assert format_services(parse_service(text)) == canonical


def test_ports_of_one_protocol_merge_across_strings() -> None:
    services = parse_services(["tcp/80", "tcp/81-90", "udp/53", "tcp/443"])
    assert format_services(services) == ["tcp/80-90,443", "udp/53"]
    assert 85 in services[0].ports
    assert 91 not in services[0].ports


def test_untyped_icmp_absorbs_typed_icmp() -> None:
    assert format_services(parse_services(["icmp/echo-request", "icmp"])) == ["icmp"]


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("tcp/0", "0"),
        ("tcp/65536", "65536"),
        ("udp/70000", "70000"),
        ("tcp/10-5", "10-5"),
        ("gre/1", "gre"),
        ("tcp", "tcp"),
        ("tcp/", "tcp/"),
        ("tcp/http", "http"),
        ("icmp/22", "22"),
        ("tcp/1,,2", "1,,2"),
    ],
)
def test_bad_services_are_errors_quoting_the_text(text: str, quoted: str) -> None:
    with pytest.raises(ServiceSyntaxError) as info:
        parse_service(text)
    assert quoted in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("text", ["tcp/４４３", "tcp/٤٤٣", "tcp/00443"])
def test_digits_of_any_script_are_the_number_they_write(text: str) -> None:
    # As extraction reads a document's "４４３": a pasted port means the port, printed in ASCII.
    assert format_services(parse_service(text)) == ["tcp/443"]


@pytest.mark.parametrize("digits", ["9" * 4301, "1" * 6, "0" * 5000 + "70000"])
def test_numbers_past_a_port_are_refused_before_conversion(digits: str) -> None:
    with pytest.raises(ServiceSyntaxError, match="outside 1–65535") as info:
        parse_service(f"tcp/{digits}")
    assert len(str(info.value)) < 200  # a long number is quoted by its start


def test_other_digit_like_characters_are_no_port() -> None:
    with pytest.raises(ServiceSyntaxError, match="not a port"):
        parse_service("tcp/²")


port = st.integers(min_value=1, max_value=65535)
port_range = st.tuples(port, port).map(lambda p: PortRange(min(p), max(p)))
ported = st.builds(
    Service,
    st.sampled_from(["tcp", "udp", "sctp"]),
    st.lists(port_range, min_size=1, max_size=6).map(PortSet.of),
)
icmp = st.builds(
    Service,
    st.sampled_from(["icmp", "icmpv6"]),
    icmp_type=st.sampled_from([None, "echo-request", "echo-reply", "destination-unreachable"]),
)


@given(st.lists(st.one_of(ported, icmp), min_size=1, max_size=6))
def test_round_trip_is_canonical(services: list[Service]) -> None:
    printed = format_services(services)
    reparsed = parse_services(printed)
    assert reparsed == canonical_services(services)
    assert format_services(reparsed) == printed


@given(st.lists(port_range, min_size=1, max_size=8))
def test_port_set_has_exactly_the_ports_of_its_ranges(ranges: list[PortRange]) -> None:
    merged = PortSet.of(ranges)
    expected = {p for r in ranges for p in range(r.low, r.high + 1)}
    assert merged.size == len(expected)
    for r in ranges:
        assert r.low in merged and r.high in merged
    # canonical: sorted, disjoint, not adjacent
    for left, right in zip(merged.ranges, merged.ranges[1:], strict=False):
        assert left.high + 1 < right.low

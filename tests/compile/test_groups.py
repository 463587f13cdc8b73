"""The helpers every non-native target shares: safe names, clean text, exact role pairs."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from portplan.compile.groups import (
    address_pairs,
    clean_text,
    host_flows,
    role_flows,
    safe_name,
    whole_role_pairs,
)
from portplan.model.concrete import Resolution
from portplan.model.service import parse_service
from tests.compile.nonnative_sample import sample

ALPHABETS = [
    ("A-Za-z0-9_-", "A-Za-z", 63, False),  # Terraform-like
    ("a-z0-9-", "a-z0-9", 63, True),  # DNS-1123 label
    ("A-Za-z0-9_-", "A-Za-z", 17, False),  # firewalld zone
]


@given(st.text(max_size=120), st.sampled_from(ALPHABETS))
def test_safe_name_stays_in_its_alphabet(text: str, alphabet: tuple[str, str, int, bool]) -> None:
    allowed, first, limit, lower = alphabet
    name = safe_name(text, allowed=allowed, first=first, max_length=limit, lower=lower)
    assert re.fullmatch(f"[{first}][{allowed}]*", name), name
    assert len(name) <= limit


@given(st.text(max_size=60), st.text(max_size=60))
def test_safe_name_keeps_different_names_apart(a: str, b: str) -> None:
    if a != b:
        assert safe_name(a) != safe_name(b) or safe_name(a) == a == b


def test_safe_name_leaves_clean_names_alone() -> None:
    assert safe_name("srv01") == "srv01"
    assert safe_name("srv 01") != "srv-01"  # changed: a hash says so
    assert safe_name("srv 01").startswith("srv-01-")


@given(st.text(max_size=300))
def test_clean_text_is_one_printable_line(text: str) -> None:
    cleaned = clean_text(text)
    assert "\n" not in cleaned and "\r" not in cleaned
    assert all(ch == " " or ch.isprintable() for ch in cleaned)
    assert len(cleaned) <= 200


def test_whole_role_pairs_only_for_complete_pairings() -> None:
    _, resolution = sample(icmp=False)
    whole = whole_role_pairs(resolution)
    assert ("acme-print", "submit", "acme-print:client", "acme-print:server") in whole
    # Only srv1 (of two servers) sends status to the client.
    assert ("acme-print", "status", "acme-print:server", "acme-print:client") not in whole
    dropped = Resolution("x", tuple(f for f in resolution.flows if f.destination.name != "srv2"))
    assert ("acme-print", "submit", "acme-print:client", "acme-print:server") in (
        whole_role_pairs(dropped)
    )


def test_role_and_host_views() -> None:
    _, resolution = sample(icmp=False)
    roles = {r.role: r for r in role_flows(resolution)}
    assert [m.name for m in roles["acme-print:server"].members] == ["srv1", "srv2"]
    assert "acme-print:partner" not in roles  # externals are peers, not groups
    srv1 = host_flows(resolution, "srv1", "hostfw")
    assert {f.flow for f in srv1.inbound} == {"submit", "partner-api", "snmp"}
    assert {f.flow for f in srv1.outbound} == {"status"}


def test_address_pairs_follow_the_service_family() -> None:
    _, resolution = sample(icmp=False)
    flow = next(f for f in resolution.flows if f.flow == "status")
    [tcp] = parse_service("tcp/80")
    assert [p.version for p in address_pairs(flow, tcp, "t")] == [4, 6]
    [icmpv6] = parse_service("icmpv6")
    assert [p.version for p in address_pairs(flow, icmpv6, "t")] == [6]

"""Constants and fields in nft JSON, checked: what a rule's tests compare.

A field is something the evaluator models (:class:`~portplan.verify.matches.Field`) or
:class:`Undecidable` — any other expression a rule may test, which the compiler turns into a
condition. Constants are read per kind (a port, a protocol name, an address or prefix, a
conntrack state …), bounded before conversion and refused with their JSON path when wrong.
"""

from __future__ import annotations

import functools
import ipaddress
import operator
import socket
from collections.abc import Callable, Mapping, Sequence

from portplan.errors import InputError
from portplan.model.intervals import Interval
from portplan.verify.matches import UNKNOWN, Constant, Element, Field, Undecided, Unknown
from portplan.verify.netfilter import (
    ADDRESS_TYPES,
    CT_DIRECTIONS,
    CT_STATES,
    CT_STATUS,
    ETHERTYPES,
    IP_PROTOCOLS,
    NFPROTO,
    PKTTYPES,
    PORTED,
    TCP_FLAGS,
    ascii_number,
    icmp_type_number,
)
from portplan.verify.nftjson import Node
from portplan.verify.nfttext import render
from portplan.verify.rules import Step

KIND_LIMITS = {
    "port": 65535,
    "proto": 255,
    "icmp": 255,
    "icmpv6": 255,
    "nfproto": 255,
    "ethertype": 0xFFFF,
    "mark": 2**32 - 1,
    "ctstate": 2**32 - 1,
    "ctstatus": 2**32 - 1,
    "ctdir": 1,
    "tcpflags": 255,
    "pkttype": 255,
    "addrtype": 255,
}
NAMES: dict[str, Mapping[str, int]] = {
    "proto": IP_PROTOCOLS,
    "nfproto": NFPROTO,
    "ethertype": ETHERTYPES,
    "ctstate": {name: 1 << i for i, name in enumerate(CT_STATES)},
    "ctstatus": CT_STATUS,
    "ctdir": CT_DIRECTIONS,
    "tcpflags": TCP_FLAGS,
    "pkttype": PKTTYPES,
    "addrtype": ADDRESS_TYPES,
}
FLAG_KINDS = ("ctstate", "ctstatus")


class Undecidable(Exception):
    """The left side of a match is not a field the evaluator models."""


def elements_of(kinds: Sequence[str], items: Sequence[Node]) -> list[Element]:
    out: list[Element] = []
    for item in items:
        if item.has("elem"):
            item = item.key("elem").key("val")
        if item.value == "*":  # the catch-all element: matches every value
            out.append(tuple("*" if k == "ifname" else (0, 2**128 - 1) for k in kinds))
            continue
        parts = item.key("concat").items() if item.has("concat") else [item]
        if len(parts) != len(kinds):
            raise item.fail(f"an element of {len(parts)} parts where {len(kinds)} are matched")
        out.append(tuple(constant_of(k, p) for k, p in zip(kinds, parts, strict=True)))
    return out


def single_or_unknown(kind: str, node: Node) -> int | Unknown:
    if node.is_integer() or node.is_text():
        return single_value(kind, node)
    if node.has("range"):
        low, high = range_of(node, kind)
        return low if low == high else UNKNOWN
    return UNKNOWN  # a prefix (netmap) or a nested expression


def single_value(kind: str, node: Node) -> int:
    value = constant_of(kind, node)
    if isinstance(value, str) or value[0] != value[1]:
        raise node.fail(f"one {kind} value expected")
    return value[0]


# --- fields -----------------------------------------------------------------------------------

_PAYLOAD_PORTS = ("tcp", "udp", "sctp", "udplite", "dccp")


def fields_of(node: Node) -> tuple[Field, ...]:
    if node.has("concat"):
        return tuple(field_of(part) for part in node.key("concat").items())
    return (field_of(node),)


def field_of(node: Node) -> Field:
    """A modelled field, or Undecidable for anything else a rule may test."""
    if not node.is_object() or len(node.mapping()) != 1:
        raise Undecidable
    kind, body = node.single()
    reader = _FIELD_READERS.get(kind)
    if reader is None or not body.is_object():
        raise Undecidable
    return reader(body)


def _payload_field(body: Node) -> Field:
    if not body.has("protocol"):
        raise Undecidable  # raw payload (@nh,16,8)
    proto, name = body.key("protocol").text(), body.key("field").text()
    text = f"{proto} {name}"
    if proto in ("ip", "ip6") and name in ("saddr", "daddr"):
        return Field(text, "addr4" if proto == "ip" else "addr6", proto)
    if (proto, name) in (("ip", "protocol"), ("ip6", "nexthdr")):
        return Field(text, "proto", proto)
    if name in ("dport", "sport") and (proto in _PAYLOAD_PORTS or proto == "th"):
        protocols = PORTED if proto == "th" else frozenset({IP_PROTOCOLS[proto]})
        return Field(text, "port", protocols=protocols)
    fixed = {
        ("tcp", "flags"): Field(text, "tcpflags", protocols=frozenset({6})),
        ("icmp", "type"): Field(text, "icmp", "ip", frozenset({1})),
        ("icmpv6", "type"): Field(text, "icmpv6", "ip6", frozenset({58})),
    }
    if (proto, name) in fixed:
        return fixed[(proto, name)]
    raise Undecidable


_META_KINDS = {
    "l4proto": "proto",
    "nfproto": "nfproto",
    "protocol": "ethertype",
    "iifname": "ifname",
    "oifname": "ifname",
    "iif": "ifname",
    "oif": "ifname",
    "mark": "mark",
    "pkttype": "pkttype",
}
_CT_KINDS = {"state": "ctstate", "status": "ctstatus", "mark": "mark", "direction": "ctdir"}


def _meta_field(body: Node) -> Field:
    name = body.key("key").text() if body.has("key") else ""
    if name not in _META_KINDS:
        raise Undecidable
    return Field(f"meta {name}", _META_KINDS[name])


def _ct_field(body: Node) -> Field:
    name = body.key("key").text() if body.has("key") else ""
    if name not in _CT_KINDS or body.has("dir"):
        raise Undecidable  # ct original saddr, ct expiration, ct helper, ...
    return Field(f"ct {name}", _CT_KINDS[name])


def _fib_field(body: Node) -> Field:
    """``fib daddr type`` and ``fib saddr type`` (with or without iif); route lookups for an
    output interface depend on the routing table."""
    if not body.has("result") or body.key("result").value != "type":
        raise Undecidable
    flags = {f.text() for f in body.key("flags").listed()} if body.has("flags") else set()
    which = flags & {"saddr", "daddr"}
    if len(which) != 1 or not flags <= {"saddr", "daddr", "iif"}:
        raise Undecidable
    return Field(f"fib {which.pop()} type", "addrtype")


_FIELD_READERS: dict[str, Callable[[Node], Field]] = {
    "payload": _payload_field,
    "meta": _meta_field,
    "ct": _ct_field,
    "fib": _fib_field,
}


def is_frag_off(node: Node) -> bool:
    payload = node.value.get("payload") if isinstance(node.value, dict) else None
    return isinstance(payload, dict) and (payload.get("protocol"), payload.get("field")) == (
        "ip",
        "frag-off",
    )


def frag_off_match(bits: Node, op: str, right: Node, text: str) -> Step:
    """``ip frag-off & 0x1fff != 0``: a first packet is no fragment (offset 0, no
    more-fragments bit); only the don't-fragment bit (0x4000) depends on the sender."""
    mask = number_of("fragoff", bits)
    if mask & 0x4000 or op not in ("==", "!="):
        return Undecided(text)
    value = number_of("fragoff", right)
    equal = (0 & mask) == value
    return Constant(equal if op == "==" else not equal, text)


# --- constants --------------------------------------------------------------------------------


def constant_of(kind: str, node: Node) -> Interval | str:
    """One constant on the right of a match, as an interval (or an interface pattern)."""
    if node.has("range"):
        low, high = range_of(node, kind)
        return (low, high)
    if node.has("prefix"):
        return _prefix(node.key("prefix"), kind)
    if node.is_object() or node.is_list():
        raise node.fail(f"a {kind} value expected, not {render(node)}")
    if kind in ("addr4", "addr6"):
        text = node.text()
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            raise node.fail(f'"{text[:40]}" is not an IP address') from None
        if (address.version == 4) != (kind == "addr4"):
            raise node.fail(f'"{text[:40]}" is an address of the other IP version')
        return (int(address), int(address))
    if kind == "ifname":
        return node.text()[:64]
    number = number_of(kind, node)
    return (number, number)


def range_of(node: Node, kind: str) -> tuple[int, int]:
    bounds = node.key("range").items()
    if len(bounds) != 2:
        raise node.key("range").fail(f"a range has two bounds, not {len(bounds)}")
    low, high = (constant_of(kind, bound) for bound in bounds)
    if isinstance(low, str) or isinstance(high, str):
        raise node.fail("a range of names")
    return (low[0], high[1])


def _prefix(node: Node, kind: str) -> Interval:
    if kind not in ("addr4", "addr6"):
        raise node.fail(f"a prefix where a {kind} value is expected")
    top = 32 if kind == "addr4" else 128
    length = node.key("len").integer(0, top)
    address = constant_of(kind, node.key("addr"))
    assert not isinstance(address, str)
    host_bits = top - length  # the address may have host bits set, as nft allows
    first = address[0] >> host_bits << host_bits
    return (first, first + (1 << host_bits) - 1)


def number_of(kind: str, node: Node) -> int:
    high = KIND_LIMITS.get(kind, 2**32 - 1)
    if node.is_integer():
        return node.integer(0, high)
    text = node.text()
    value = ascii_number(text, high)
    if value is not None:
        return value
    names = NAMES.get(kind)
    if names is not None and text in names:
        return names[text]
    if kind in ("icmp", "icmpv6"):
        try:
            return icmp_type_number(kind, text)
        except InputError:
            pass
    if kind == "port" and text.isascii() and text.replace("-", "").isalnum() and len(text) < 40:
        try:
            return socket.getservbyname(text)
        except OSError:
            pass
    raise node.fail(f'"{text[:40]}" is not a {_KIND_WORDS.get(kind, kind)}')


_KIND_WORDS = {
    "port": "port",
    "proto": "protocol",
    "icmp": "ICMP type",
    "icmpv6": "ICMPv6 type",
    "mark": "mark",
    "ctstate": "conntrack state",
    "ctstatus": "conntrack status",
    "tcpflags": "TCP flag",
    "fragoff": "fragment offset",
}


def flag_bits(node: Node, kind: str = "tcpflags") -> int:
    if node.is_list():
        return functools.reduce(operator.or_, (flag_bits(v, kind) for v in node.items()), 0)
    if node.has("|"):
        return flag_bits(node.key("|"), kind)
    if node.has("set"):
        return flag_bits(node.key("set"), kind)
    return number_of(kind, node)


def is_scalar(node: Node) -> bool:
    return node.is_integer() or (node.is_text() and not node.value.startswith("@"))

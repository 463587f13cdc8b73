"""What a rule can test about a packet, and the packet's state as it passes the hooks.

A :class:`PacketState` holds the numbers rules compare against — addresses, protocol, ports,
ICMP type, the connection tracking state — and what rules change on the way (marks, NAT,
``notrack``). A value can be :data:`UNKNOWN`: a mark set outside the ruleset, an address
``masquerade`` picks. A match on an unknown value, or on something a flow alone never decides
(a rate limit, a MAC address, a hop limit), is a :class:`Condition`: the evaluator follows
both ways and the verdict names what it depends on.
"""

from __future__ import annotations

import bisect
import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final

from portplan.model.intervals import Interval, merge_intervals
from portplan.verify.netfilter import (
    ADDRESS_TYPES,
    CT_STATUS,
    ETHERTYPES,
    INVALID_STATE,
    NEW_STATE,
    NFPROTO,
    PKTTYPES,
    RELATED_STATE,
    TCP_FLAGS,
    UNTRACKED_STATE,
)


class Unknown:
    """A value the ruleset and the flow do not decide (the one instance is UNKNOWN)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = Unknown()
# The packet's interface is not known: the evaluator tries each interface the ruleset names
# (and one it does not), and a verdict that differs between them is conditional. Never a
# valid Linux interface name (those cannot contain ':').
ANY_INTERFACE: Final = ":any"
Value = int | str | None | Unknown
Element = tuple[Interval | str, ...]  # per concatenated field an interval, or an ifname pattern


@dataclass(frozen=True)
class PacketState:
    """A packet as the chain now running sees it."""

    path: str  # input / forward / output: where routing sends it
    hook: str  # the netfilter hook running now
    family: str  # ip or ip6
    saddr: int | Unknown
    daddr: int | Unknown
    proto: int
    dport: int | Unknown | None
    sport: int | Unknown | None
    icmp_type: int | None
    ct_state: int  # the state conntrack gives the packet (a CT_STATES bit)
    opening: bool  # the packet opens its connection (a TCP SYN), not a later one
    conntrack: str  # "before" (not looked up yet), "tracked" or "untracked"
    iifname: str | None  # None: an interface no rule names; ANY_INTERFACE: not known
    oifname: str | None
    mark: int | Unknown = UNKNOWN  # the packet mark; set outside the ruleset unless set here
    ct_mark: int | Unknown = UNKNOWN
    nat: frozenset[str] = frozenset()  # "dnat", "snat" once applied


def _is_multicast(family: str, address: int | Unknown) -> bool | None:
    if isinstance(address, Unknown):
        return None
    if family == "ip":
        return 0xE0000000 <= address <= 0xEFFFFFFF
    return address >> 120 == 0xFF


def _is_loopback(family: str, address: int | Unknown) -> bool:
    if isinstance(address, Unknown):
        return False
    return address >> 24 == 127 if family == "ip" else address == 1


def pkttype(state: PacketState) -> int | Unknown:
    """The link-layer type of a routed packet: multicast and the limited broadcast by their
    address, anything else addressed to this host's (or the router's) MAC."""
    multicast = _is_multicast(state.family, state.daddr)
    if multicast is None:
        return UNKNOWN
    if multicast:
        return PKTTYPES["multicast"]
    if state.family == "ip" and state.daddr == 0xFFFFFFFF:
        return PKTTYPES["broadcast"]
    return PKTTYPES["host"]


def address_type(state: PacketState, which: str) -> int | Unknown:
    """The route type of an address (``fib daddr type``): a packet to this host is local, one
    routed through is unicast; sources are other hosts' (unicast) except on output."""
    address = state.daddr if which == "daddr" else state.saddr
    multicast = _is_multicast(state.family, address)
    if multicast is None:
        return UNKNOWN
    if multicast:
        return ADDRESS_TYPES["multicast"]
    if state.family == "ip" and address == 0xFFFFFFFF:
        return ADDRESS_TYPES["broadcast"]
    if _is_loopback(state.family, address):
        return ADDRESS_TYPES["local"]
    if which == "daddr":
        if state.path == "input":
            return ADDRESS_TYPES["local"]
        return ADDRESS_TYPES["unicast"] if state.path == "forward" else UNKNOWN
    return ADDRESS_TYPES["local"] if state.path == "output" else ADDRESS_TYPES["unicast"]


def _ct_status(state: PacketState) -> int | Unknown:
    if state.ct_state != NEW_STATE:
        return UNKNOWN  # set by the connection's earlier packets
    return sum(CT_STATUS[kind] for kind in state.nat)


@dataclass(frozen=True)
class Field:
    """A value a rule reads from the packet: ``kind`` says how constants are read."""

    name: str  # "ip saddr", "tcp dport", "meta l4proto", ...
    kind: str  # addr4 addr6 proto nfproto ethertype port icmp icmpv6 ctstate ifname mark ...
    family: str | None = None  # the family the field needs (ip/ip6), None: any
    protocols: frozenset[int] | None = None  # the l4 protocols the field needs, None: any

    def read(self, state: PacketState) -> Value:
        """The packet's value; None when the field's implied protocol does not match (or no
        connection is tracked for a ``ct`` key), UNKNOWN when nothing decides it."""
        if self.family is not None and state.family != self.family:
            return None
        if self.protocols is not None and state.proto not in self.protocols:
            return None
        reader = _READERS.get(self.name)
        if reader is not None:
            return reader(state)
        if self.name.endswith(" dport"):
            return state.dport
        if self.name.endswith(" sport"):
            return state.sport
        raise AssertionError(self.name)

    @property
    def interface(self) -> str | None:
        """ "iif" or "oif" for a field reading an interface, else None."""
        if self.kind != "ifname":
            return None
        return "iif" if self.name in ("meta iifname", "meta iif") else "oif"


def _ct(state: PacketState, value: Value) -> Value:
    """A connection's key: only once conntrack has looked the packet up (else no match)."""
    return value if state.conntrack == "tracked" else None


def _ct_state(state: PacketState) -> int:
    # Before conntrack the kernel's ct expression sees no connection: state invalid.
    if state.conntrack == "before":
        return INVALID_STATE
    return UNTRACKED_STATE if state.conntrack == "untracked" else state.ct_state


def _iif(state: PacketState) -> str | None:
    return "" if state.path == "output" else state.iifname


def _oif(state: PacketState) -> str | None:
    return "" if state.hook in ("ingress", "prerouting", "input") else state.oifname


_READERS: dict[str, Callable[[PacketState], Value]] = {
    "ip saddr": lambda s: s.saddr,
    "ip6 saddr": lambda s: s.saddr,
    "ip daddr": lambda s: s.daddr,
    "ip6 daddr": lambda s: s.daddr,
    "meta l4proto": lambda s: s.proto,
    "ip protocol": lambda s: s.proto,
    "ip6 nexthdr": lambda s: s.proto,  # first packets carry no extension headers
    "meta nfproto": lambda s: NFPROTO["ipv4" if s.family == "ip" else "ipv6"],
    "meta protocol": lambda s: ETHERTYPES[s.family],
    "icmp type": lambda s: s.icmp_type,
    "icmpv6 type": lambda s: s.icmp_type,
    "ct state": _ct_state,
    "ct status": lambda s: _ct(s, _ct_status(s)),
    "ct direction": lambda s: _ct(s, 0 if s.ct_state == NEW_STATE else UNKNOWN),
    "ct mark": lambda s: _ct(s, s.ct_mark),
    # A connection's protocol is the packet's, except for an ICMP error related to it.
    "ct protocol": lambda s: _ct(s, s.proto if s.ct_state != RELATED_STATE else UNKNOWN),
    "meta mark": lambda s: s.mark,
    # Packets here open connections: a new one carries SYN, any later one ACK.
    "tcp flags": lambda s: TCP_FLAGS["syn"] if s.opening else TCP_FLAGS["ack"],
    "meta iifname": _iif,
    "meta iif": _iif,
    "meta oifname": _oif,
    "meta oif": _oif,
    "meta pkttype": pkttype,
    "fib daddr type": lambda s: address_type(s, "daddr"),
    "fib saddr type": lambda s: address_type(s, "saddr"),
}


@dataclass(frozen=True)
class Condition:
    """What a verdict depends on beyond the flow: ``text`` as nft (or iptables) writes it;
    ``key`` makes one packet's answers to the same question agree."""

    text: str
    key: str


def in_element(values: Sequence[int | str], element: Element) -> bool:
    for value, part in zip(values, element, strict=True):
        if isinstance(part, str):
            # nft interface wildcards: a trailing '*' matches any suffix.
            if not isinstance(value, str):
                return False
            if part.endswith("*") and not part.endswith("\\*"):
                if not value.startswith(part[:-1]):
                    return False
            elif value != part.replace("\\*", "*"):
                return False
        elif isinstance(value, str) or not part[0] <= value <= part[1]:
            return False
    return True


@dataclass(frozen=True)
class Match:
    """``left op right``: fields (several for a concatenation) against elements. ``text``
    is the match as the ruleset writes it, for conditions and messages."""

    fields: tuple[Field, ...]
    op: str
    elements: tuple[Element, ...]
    flag_test: bool = False  # ct state, tcp flags: any bit in common
    mask: int | None = None  # tcp flags & mask, compared with the elements
    text: str = ""
    # Lookup indexes built once (sets of hundreds of elements are the norm in generated
    # rulesets): sorted merged intervals for one numeric field; for a concatenation whose
    # first field is always one value (host addresses), the elements by that value.
    _starts: tuple[int, ...] = field(default=(), init=False, repr=False, compare=False)
    _ends: tuple[int, ...] = field(default=(), init=False, repr=False, compare=False)
    _by_first: dict[int, tuple[Element, ...]] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _wide: tuple[Element, ...] = field(default=(), init=False, repr=False, compare=False)
    interfaces: frozenset[str] = field(default=frozenset(), init=False, compare=False)

    def __post_init__(self) -> None:
        # "iif"/"oif" when the match reads the packet's interfaces (the evaluator then needs
        # to know them), computed once: every packet asks.
        found = frozenset(f.interface for f in self.fields if f.interface)
        object.__setattr__(self, "interfaces", found)
        parts = [e[0] for e in self.elements]
        if len(self.fields) == 1 and parts and all(not isinstance(p, str) for p in parts):
            merged = merge_intervals(p for p in parts if not isinstance(p, str) and p[0] <= p[1])
            object.__setattr__(self, "_starts", tuple(m[0] for m in merged))
            object.__setattr__(self, "_ends", tuple(m[1] for m in merged))
        elif len(self.fields) > 1 and all(not isinstance(p, str) for p in parts):
            index: dict[int, list[Element]] = {}
            wide: list[Element] = []
            for element in self.elements:
                first = element[0]
                assert not isinstance(first, str)
                if first[0] == first[1]:
                    index.setdefault(first[0], []).append(element)
                else:
                    wide.append(element)  # a network or range first: always a candidate
            object.__setattr__(self, "_by_first", {k: tuple(v) for k, v in index.items()})
            object.__setattr__(self, "_wide", tuple(wide))

    def _lookup(self, values: list[int | str]) -> bool:
        first = values[0]
        if self._starts and isinstance(first, int):
            at = bisect.bisect_right(self._starts, first) - 1
            return at >= 0 and first <= self._ends[at]
        if self._by_first is not None and isinstance(first, int):
            candidates = self._by_first.get(first, ())
            return any(in_element(values, element) for element in candidates) or any(
                in_element(values, element) for element in self._wide
            )
        return any(in_element(values, element) for element in self.elements)

    def test(self, state: PacketState) -> bool | Condition:
        values: list[int | str] = []
        for f in self.fields:
            value = f.read(state)
            if isinstance(value, Unknown):
                return Condition(self.text, self.text)
            if value is None and f.kind != "ifname":
                return False  # the implied protocol dependency fails: never matches
            if value is None:
                # An interface no rule names: equality never holds, inequality always does.
                return self.op == "!="
            values.append(value)
        if self.mask is not None and isinstance(values[0], int):
            values[0] &= self.mask
        if self.op in ("<", ">", "<=", ">="):
            value, bound = values[0], self.elements[0][0]
            assert isinstance(value, int) and not isinstance(bound, str)
            return {
                "<": value < bound[0],
                ">": value > bound[0],
                "<=": value <= bound[0],
                ">=": value >= bound[0],
            }[self.op]
        if self.flag_test:
            mask = 0
            for element in self.elements:
                part = element[0]
                assert not isinstance(part, str)
                mask |= part[0]
            value = values[0]
            assert isinstance(value, int)
            hit = bool(value & mask)
        else:
            hit = self._lookup(values)
        return hit if self.op in ("==", "in") else not hit


@dataclass(frozen=True)
class Undecided:
    """A match a flow alone never decides (``limit rate 10/second``, ``-m recent``, a MAC
    address): always a condition. ``key`` ties repeated questions together."""

    text: str
    key: str = ""

    def test(self, state: PacketState) -> Condition:
        return Condition(self.text, self.key or self.text)


@dataclass(frozen=True)
class Constant:
    """A match the packets evaluated here always (or never) satisfy, decided when the rule
    was read (``ip frag-off & 0x1fff != 0``: first packets are not fragments)."""

    result: bool
    text: str

    def test(self, state: PacketState) -> bool:
        return self.result


Test = Match | Undecided | Constant


def address_text(family: str, value: int) -> str:
    make = ipaddress.IPv4Address if family == "ip" else ipaddress.IPv6Address
    return str(make(value))

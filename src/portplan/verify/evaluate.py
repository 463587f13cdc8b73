"""Packet classification over an nftables ruleset, the JSON of ``nft -j list ruleset``.

The semantics follow the kernel (nftables wiki, "Netfilter hooks" and "Configuring chains"):

- A packet passes the hooks of its path in order — input: prerouting, input; forward:
  prerouting, forward, postrouting; output: output, postrouting. At each hook every base chain
  of a table whose family sees the packet (``inet`` and ``ip`` for IPv4, ``inet`` and ``ip6``
  for IPv6) runs in priority order. ``accept`` ends only that base chain; ``drop`` and
  ``reject`` end the packet. A base chain that ends without a verdict applies its policy.
- Rules run in order; ``jump`` pushes, ``goto`` replaces, ``return`` pops (at a base chain it
  applies the policy). Verdict maps (``vmap``) pick one of these by key.
- A payload match implies its protocol, as ``nft`` adds it when the rule is loaded: ``tcp dport
  != 53`` never matches a UDP packet, ``ip saddr`` never matches an IPv6 packet.
- nat chains see only the first packet of a connection (``ct state new``).

Anything this module cannot evaluate exactly raises :class:`UnsupportedError` naming the rule
when the ruleset is loaded, so a verdict is never a guess. A packet without an interface name
arrives on (or leaves by) an interface no rule names: ``iifname "lo"`` does not match it and
``iifname != "lo"`` does.
"""

from __future__ import annotations

import bisect
import functools
import ipaddress
import operator
import socket
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from portplan.errors import InputError, UnsupportedError
from portplan.model.service import ICMP_TYPES

Hook = Literal["input", "output", "forward"]
Action = Literal["accept", "drop", "reject"]

# The hooks a packet passes, in order, for each kind of traffic a host or router sees.
HOOK_PATH: dict[str, tuple[str, ...]] = {
    "input": ("prerouting", "input"),
    "forward": ("prerouting", "forward", "postrouting"),
    "output": ("output", "postrouting"),
}
FAMILIES_SEEING = {"ip": ("ip", "inet"), "ip6": ("ip6", "inet")}
IP_PROTOCOLS = {
    "icmp": 1,
    "igmp": 2,
    "tcp": 6,
    "udp": 17,
    "gre": 47,
    "esp": 50,
    "ah": 51,
    "icmpv6": 58,
    "ipv6-icmp": 58,
    "sctp": 132,
    "udplite": 136,
    "dccp": 33,
}
PORTED = {6, 17, 132, 136, 33}
NFPROTO = {"ipv4": 2, "ipv6": 10}
CT_STATES = ("invalid", "established", "related", "new", "untracked")
# ICMP type names nft prints beyond the ones the service model knows (RFC 792, RFC 4443).
EXTRA_ICMP = {
    "icmp": {
        "info-request": 15,
        "info-reply": 16,
        "address-mask-request": 17,
        "address-mask-reply": 18,
    },
    "icmpv6": {
        "mld-listener-query": 130,
        "mld-listener-report": 131,
        "mld-listener-done": 132,
        "mld-listener-reduction": 132,
        "nd-redirect": 137,
        "router-renumbering": 138,
        "ind-neighbor-solicit": 141,
        "ind-neighbor-advert": 142,
        "mld2-listener-report": 143,
    },
}
# TCP header flag bits (RFC 9293 3.1, RFC 3168 for ECE and CWR); nft's names.
TCP_FLAGS = {
    "fin": 0x01,
    "syn": 0x02,
    "rst": 0x04,
    "psh": 0x08,
    "ack": 0x10,
    "urg": 0x20,
    "ecn": 0x40,
    "cwr": 0x80,
}
NEW_STATE = 1 << CT_STATES.index("new")
# Statements that give no verdict; "ct helper" attaches a conntrack helper (FTP) to the
# connection, whose data connections then match ct state related.
IGNORED_STATEMENTS = {"counter", "log", "comment", "notrack", "meta-set-nftrace", "ct helper"}

Interval = tuple[int, int]


@dataclass(frozen=True)
class Packet:
    """The first packet of a connection as a hook sees it.

    ``hook``: ``input`` (to this host), ``output`` (from this host) or ``forward`` (routed
    through). ``family``: ``ip`` or ``ip6`` (``ipv4``/``ipv6``/``None`` are accepted; ``None``
    takes it from ``saddr``). ``protocol``: ``tcp``, ``udp``, ``sctp``, ``icmp``, ``icmpv6``
    or a protocol number. ``icmp_type`` defaults to echo-request for ICMP packets.
    """

    hook: Hook
    family: str | None
    saddr: str
    daddr: str
    protocol: str | int
    dport: int | None = None
    sport: int | None = None
    icmp_type: str | int | None = None
    ct_state: str = "new"
    iifname: str | None = None
    oifname: str | None = None

    def __post_init__(self) -> None:
        if self.hook not in HOOK_PATH:
            raise InputError(f"hook '{self.hook}' is not one of input, output, forward.")
        if self.ct_state not in CT_STATES:
            raise InputError(f"ct state '{self.ct_state}' is not one of {', '.join(CT_STATES)}.")


@dataclass(frozen=True)
class Verdict:
    """What the ruleset does with a packet and which rule decided (None: a chain policy or
    no base chain at all; ``chain`` then names the chain whose policy applied)."""

    action: Action
    rule: str | None
    chain: str | None = None

    @property
    def allowed(self) -> bool:
        return self.action == "accept"


@dataclass(frozen=True)
class _PacketView:
    """A packet reduced to the numbers rules compare against."""

    hook: str
    family: str  # "ip" or "ip6"
    saddr: int
    daddr: int
    proto: int
    dport: int | None
    sport: int | None
    icmp_type: int | None
    ct_state: int
    iifname: str | None
    oifname: str | None


def _rest(view: _PacketView) -> tuple[Any, ...]:
    """Every field of a view but the hook, in order (a cheap copy with another hook)."""
    return (
        view.family,
        view.saddr,
        view.daddr,
        view.proto,
        view.dport,
        view.sport,
        view.icmp_type,
        view.ct_state,
        view.iifname,
        view.oifname,
    )


def packet_view(packet: Packet) -> _PacketView:
    try:
        saddr = ipaddress.ip_address(packet.saddr)
        daddr = ipaddress.ip_address(packet.daddr)
    except ValueError as exc:
        raise InputError(f"packet address: {exc}.") from None
    family = {"ipv4": "ip", "ipv6": "ip6", 4: "ip", 6: "ip6"}.get(
        packet.family or "", packet.family
    ) or ("ip" if saddr.version == 4 else "ip6")
    if family not in FAMILIES_SEEING or saddr.version != daddr.version:
        raise InputError(f"packet family '{packet.family}' does not fit {saddr} → {daddr}.")
    if (family == "ip") != (saddr.version == 4):
        raise InputError(f"packet family '{family}' does not fit address {saddr}.")
    proto = _protocol_number(packet.protocol)
    icmp_type: int | None = None
    if proto in (1, 58):
        kind = "icmp" if proto == 1 else "icmpv6"
        raw = packet.icmp_type if packet.icmp_type is not None else "echo-request"
        icmp_type = raw if isinstance(raw, int) else icmp_type_number(kind, raw)
    ported = proto in PORTED
    if ported and packet.dport is None:
        raise InputError(f"a {packet.protocol} packet needs a destination port.")
    return _PacketView(
        hook=packet.hook,
        family=family,
        saddr=int(saddr),
        daddr=int(daddr),
        proto=proto,
        dport=packet.dport if ported else None,
        sport=(packet.sport if packet.sport is not None else 40000) if ported else None,
        icmp_type=icmp_type,
        ct_state=1 << CT_STATES.index(packet.ct_state),
        iifname=packet.iifname,
        oifname=packet.oifname,
    )


def _protocol_number(value: str | int) -> int:
    if isinstance(value, int):
        return value
    key = value.lower()
    if key.isdigit():
        return int(key)
    if key not in IP_PROTOCOLS:
        raise InputError(f"unknown protocol '{value}'.")
    return IP_PROTOCOLS[key]


def icmp_type_number(kind: str, name: str) -> int:
    table = {**ICMP_TYPES[kind], **EXTRA_ICMP[kind]}
    if name.isdigit():
        return int(name)
    if name not in table:
        raise InputError(f"unknown {kind} type '{name}'.")
    return table[name]


# --- compiled rule pieces ---------------------------------------------------------------------


class _Unsupported(Exception):
    """Raised while compiling a rule; turned into UnsupportedError naming the rule."""


@dataclass(frozen=True)
class Field:
    """A value a rule reads from the packet: ``kind`` says how constants are read."""

    name: str  # "ip saddr", "tcp dport", "meta l4proto", ...
    kind: str  # addr4 addr6 proto nfproto port icmp icmpv6 ctstate ifname
    family: str | None = None  # the family the field needs (ip/ip6), None: any
    protocols: frozenset[int] | None = None  # the l4 protocols the field needs, None: any

    def read(self, view: _PacketView) -> int | str | None:
        """The packet's value, or None when the field's implied protocol does not match."""
        if self.family is not None and view.family != self.family:
            return None
        if self.protocols is not None and view.proto not in self.protocols:
            return None
        match self.name:
            case "ip saddr" | "ip6 saddr":
                return view.saddr
            case "ip daddr" | "ip6 daddr":
                return view.daddr
            case "meta l4proto" | "ip protocol" | "ip6 nexthdr":
                return view.proto
            case "meta nfproto":
                return NFPROTO["ipv4" if view.family == "ip" else "ipv6"]
            case "meta protocol":
                return 0x0800 if view.family == "ip" else 0x86DD
            case "icmp type" | "icmpv6 type":
                return view.icmp_type
            case "ct state":
                return view.ct_state
            case "tcp flags":
                # Packets here open connections: a new one carries SYN, any later one ACK.
                return TCP_FLAGS["syn"] if view.ct_state == NEW_STATE else TCP_FLAGS["ack"]
            case "meta iifname" | "meta iif":
                return "" if view.hook in ("output",) else view.iifname
            case "meta oifname" | "meta oif":
                return "" if view.hook in ("prerouting", "input") else view.oifname
        if self.name.endswith(" dport"):
            return view.dport
        if self.name.endswith(" sport"):
            return view.sport
        raise AssertionError(self.name)


def _field(expr: Any) -> Field:
    if not isinstance(expr, dict) or len(expr) != 1:
        raise _Unsupported(f"expression {_short(expr)}")
    ((key, body),) = expr.items()
    if key == "payload" and isinstance(body, dict) and "protocol" in body:
        proto, name = body["protocol"], body.get("field")
        text = f"{proto} {name}"
        if proto in ("ip", "ip6") and name in ("saddr", "daddr"):
            return Field(text, "addr4" if proto == "ip" else "addr6", proto)
        if (proto, name) in (("ip", "protocol"), ("ip6", "nexthdr")):
            return Field(text, "proto", proto)
        if proto in ("tcp", "udp", "sctp", "udplite", "dccp") and name in ("dport", "sport"):
            return Field(text, "port", protocols=frozenset({IP_PROTOCOLS[proto]}))
        if proto == "th" and name in ("dport", "sport"):
            return Field(text, "port", protocols=frozenset(PORTED))
        if (proto, name) == ("tcp", "flags"):
            return Field(text, "tcpflags", protocols=frozenset({6}))
        if (proto, name) == ("icmp", "type"):
            return Field(text, "icmp", "ip", frozenset({1}))
        if (proto, name) == ("icmpv6", "type"):
            return Field(text, "icmpv6", "ip6", frozenset({58}))
        raise _Unsupported(f"the match on '{text}'")
    if key == "meta" and isinstance(body, dict):
        name = body.get("key")
        kinds = {
            "l4proto": "proto",
            "nfproto": "nfproto",
            "protocol": "ethertype",
            "iifname": "ifname",
            "oifname": "ifname",
            "iif": "ifname",
            "oif": "ifname",
        }
        if name in kinds:
            return Field(f"meta {name}", kinds[name])
        raise _Unsupported(f"the match on 'meta {name}'")
    if key == "ct" and isinstance(body, dict) and body.get("key") == "state" and "dir" not in body:
        return Field("ct state", "ctstate")
    raise _Unsupported(f"the expression '{key}' ({_short(body)})")


Element = tuple[Interval | str, ...]  # one set element: per concatenated field, an interval or
# (for interface names) a pattern


def _constant(kind: str, value: Any) -> Interval | str:
    """One constant on the right of a match, as an interval (or an interface pattern)."""
    if isinstance(value, dict) and "range" in value:
        low, high = value["range"]
        low_iv, high_iv = _constant(kind, low), _constant(kind, high)
        if isinstance(low_iv, str) or isinstance(high_iv, str):
            raise _Unsupported(f"a range of names {_short(value)}")
        return (low_iv[0], high_iv[1])
    if isinstance(value, dict) and "prefix" in value:
        if kind not in ("addr4", "addr6"):
            raise _Unsupported(f"a prefix on a non-address {_short(value)}")
        net = ipaddress.ip_network(
            f"{value['prefix']['addr']}/{value['prefix']['len']}", strict=False
        )
        return (int(net.network_address), int(net.broadcast_address))
    if isinstance(value, dict):
        raise _Unsupported(f"the value {_short(value)}")
    if kind in ("addr4", "addr6"):
        try:
            address = ipaddress.ip_address(str(value))
        except ValueError:
            raise _Unsupported(f"the address '{value}' (a host name?)") from None
        if (address.version == 4) != (kind == "addr4"):
            raise _Unsupported(f"the address '{value}' in a field of the other family")
        return (int(address), int(address))
    if kind == "ifname":
        return str(value)
    number = _number(kind, value)
    return (number, number)


def _number(kind: str, value: Any) -> int:
    if isinstance(value, bool):
        raise _Unsupported(f"the value {value!r}")
    if isinstance(value, int):
        return value
    text = str(value)
    if text.isdigit():
        return int(text)
    if text.startswith("0x"):
        return int(text, 16)
    try:
        if kind == "proto":
            return IP_PROTOCOLS[text]
        if kind == "nfproto":
            return NFPROTO[text]
        if kind == "ethertype":
            return {"ip": 0x0800, "ip6": 0x86DD, "arp": 0x0806}[text]
        if kind == "ctstate":
            return 1 << CT_STATES.index(text)
        if kind == "tcpflags":
            return TCP_FLAGS[text]
        if kind in ("icmp", "icmpv6"):
            return icmp_type_number(kind, text)
        if kind == "port":
            return socket.getservbyname(text)
    except (KeyError, ValueError, OSError, InputError):
        pass
    raise _Unsupported(f"the value '{text}' for a {kind} field")


def _elements(kinds: Sequence[str], right: Any, sets: Mapping[str, _NamedSet]) -> list[Element]:
    """Right-hand side → elements (a named set, an anonymous set, a list or a constant)."""
    if isinstance(right, str) and right.startswith("@"):
        named = sets.get(right[1:])
        if named is None:
            raise _Unsupported(f"the unknown set '{right}'")
        if named.map_kind is not None:
            raise _Unsupported(f"a lookup in the map '{right}'")
        return _elements(kinds, {"set": named.elements}, sets)
    if isinstance(right, dict) and "set" in right:
        items = right["set"]
    elif isinstance(right, list):
        items = right
    else:
        items = [right]
    out: list[Element] = []
    for item in items:
        if isinstance(item, dict) and "elem" in item:
            item = item["elem"]["val"]
        parts = item["concat"] if isinstance(item, dict) and "concat" in item else [item]
        if len(parts) != len(kinds):
            raise _Unsupported(f"the element {_short(item)} of the wrong width")
        out.append(tuple(_constant(k, p) for k, p in zip(kinds, parts, strict=True)))
    return out


def _in_element(values: Sequence[int | str], element: Element) -> bool:
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
    """``left op right``: fields (several for a concatenation) against elements."""

    fields: tuple[Field, ...]
    op: str
    elements: tuple[Element, ...]
    flag_test: bool = False  # ct state, tcp flags: any bit in common
    mask: int | None = None  # tcp flags & mask, compared with the elements
    # Lookup indexes built once (sets of hundreds of elements are the norm in generated
    # rulesets): sorted merged intervals for one numeric field; for a concatenation whose
    # first field is always one value (host addresses), the elements by that value.
    _starts: tuple[int, ...] = field(default=(), init=False, repr=False, compare=False)
    _ends: tuple[int, ...] = field(default=(), init=False, repr=False, compare=False)
    _by_first: dict[int, tuple[Element, ...]] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _wide: tuple[Element, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts = [e[0] for e in self.elements]
        if len(self.fields) == 1 and parts and all(not isinstance(p, str) for p in parts):
            merged: list[list[int]] = []
            for low, high in sorted(p for p in parts if not isinstance(p, str)):
                if merged and low <= merged[-1][1] + 1:
                    merged[-1][1] = max(merged[-1][1], high)
                else:
                    merged.append([low, high])
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
            return any(_in_element(values, element) for element in candidates) or any(
                _in_element(values, element) for element in self._wide
            )
        return any(_in_element(values, element) for element in self.elements)

    def test(self, view: _PacketView) -> bool:
        values: list[int | str] = []
        for f in self.fields:
            value = f.read(view)
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
class Statement:
    """A verdict statement: accept/drop/reject/return/continue, or jump/goto a chain."""

    kind: str
    target: str | None = None


@dataclass(frozen=True)
class VerdictMap:
    field_: tuple[Field, ...]
    entries: tuple[tuple[Element, Statement], ...]

    def pick(self, view: _PacketView) -> Statement | None:
        values: list[int | str] = []
        for f in self.field_:
            value = f.read(view)
            if value is None:
                return None
            values.append(value)
        for element, verdict in self.entries:
            if _in_element(values, element):
                return verdict
        return None


@dataclass(frozen=True)
class Rule:
    """One rule: its matches in order and the verdict it ends with (None: none, go on)."""

    family: str
    table: str
    chain: str
    handle: int | None
    comment: str | None
    matches: tuple[Match, ...]
    verdict: Statement | VerdictMap | None
    raw: Mapping[str, Any] = field(compare=False, repr=False, default_factory=dict)

    @property
    def label(self) -> str:
        where = f"{self.family} {self.table} {self.chain} handle {self.handle}"
        return f'{where} "{self.comment}"' if self.comment else where

    @property
    def terminal(self) -> bool:
        """Whether the rule ends evaluation for the packets it matches (accept/drop/reject)."""
        return isinstance(self.verdict, Statement) and self.verdict.kind in (
            "accept",
            "drop",
            "reject",
        )

    def matches_packet(self, view: _PacketView) -> bool:
        return all(m.test(view) for m in self.matches)


@dataclass
class _NamedSet:
    name: str
    elements: list[Any]
    map_kind: str | None  # "verdict" for a verdict map, another type for a data map


@dataclass
class Chain:
    family: str
    table: str
    name: str
    hook: str | None
    priority: int
    policy: str
    type: str
    rules: list[Rule] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.family} {self.table} {self.name}"


_VERDICTS = ("accept", "drop", "reject", "return", "continue", "jump", "goto")


def _verdict(expr: Mapping[str, Any]) -> Statement | None:
    ((key, body),) = expr.items()
    if key in ("jump", "goto"):
        return Statement(key, body["target"])
    if key in ("accept", "drop", "return", "continue", "reject"):
        return Statement(key)
    if key in ("masquerade", "snat"):
        return Statement("accept")  # a nat verdict: the nat chain ends, the packet goes on
    return None


def _compile_rule(raw: Mapping[str, Any], chain: Chain, sets: Mapping[str, _NamedSet]) -> Rule:
    matches: list[Match] = []
    verdict: Statement | VerdictMap | None = None
    for expr in raw.get("expr", []):
        if verdict is not None:
            break  # statements after a verdict never run
        if not isinstance(expr, dict) or len(expr) != 1:
            raise _Unsupported(f"the statement {_short(expr)}")
        ((key, body),) = expr.items()
        if key == "match":
            matches.append(_compile_match(body, sets))
        elif key in IGNORED_STATEMENTS:
            continue
        elif key == "vmap":
            verdict = _compile_vmap(body, sets)
        elif key in _VERDICTS or key in ("masquerade", "snat"):
            verdict = _verdict(expr)
            if key == "reject":
                matches.extend(_reject_dependencies(body))
        else:
            raise _Unsupported(f"the statement '{key}' ({_short(body)})")
    return Rule(
        family=chain.family,
        table=chain.table,
        chain=chain.name,
        handle=raw.get("handle"),
        comment=raw.get("comment"),
        matches=tuple(matches),
        verdict=verdict,
        raw=raw,
    )


def _reject_dependencies(body: Any) -> list[Match]:
    """What a reject type implies about the packet. nft adds these matches to the kernel rule
    and leaves them out of its JSON: ``reject with icmpv6 ...`` only ever matches IPv6,
    ``reject with icmp ...`` only IPv4, ``reject with tcp reset`` only TCP."""
    kind = body.get("type") if isinstance(body, dict) else None
    if kind == "icmp":
        return [Match((Field("meta nfproto", "nfproto"),), "==", (((2, 2),),))]
    if kind == "icmpv6":
        return [Match((Field("meta nfproto", "nfproto"),), "==", (((10, 10),),))]
    if kind == "tcp reset":
        return [Match((Field("meta l4proto", "proto"),), "==", (((6, 6),),))]
    return []


def _compile_match(body: Mapping[str, Any], sets: Mapping[str, _NamedSet]) -> Match:
    left, op, right = body["left"], body.get("op", "=="), body["right"]
    mask: int | None = None
    if isinstance(left, dict) and "&" in left:
        # A bitmask: only TCP flags (``tcp flags & (fin|syn|rst|ack) == syn``).
        inner, bits = left["&"]
        field_ = _field(inner)
        if field_.kind != "tcpflags":
            raise _Unsupported(f"a bitmask on {field_.name}")
        mask = _flag_bits(bits)
        return Match(
            (field_,), op if op != "in" else "==", ((_point(_flag_bits(right)),),), mask=mask
        )
    if isinstance(left, dict) and "concat" in left:
        fields = tuple(_field(part) for part in left["concat"])
    else:
        fields = (_field(left),)
    kinds = [f.kind for f in fields]
    if kinds == ["tcpflags"] and op == "in":
        # ``tcp flags syn``: any of the named bits set.
        return Match(fields, "==", ((_point(_flag_bits(right)),),), flag_test=True)
    if op in ("<", ">", "<=", ">="):
        if len(fields) != 1 or kinds[0] in ("ifname", "ctstate") or not _scalar(right):
            raise _Unsupported(f"the comparison '{op}' on {fields[0].name}")
    elif op not in ("==", "!=", "in"):
        raise _Unsupported(f"the operator '{op}'")
    elements = tuple(_elements(kinds, right, sets))
    flag_test = kinds == ["ctstate"]
    return Match(fields, op, elements, flag_test)


def _flag_bits(value: Any) -> int:
    if isinstance(value, list):
        return functools.reduce(operator.or_, (_flag_bits(v) for v in value), 0)
    if isinstance(value, dict) and "|" in value:
        return _flag_bits(list(value["|"]))
    return _number("tcpflags", value)


def _point(value: int) -> Interval:
    return (value, value)


def _scalar(value: Any) -> bool:
    return isinstance(value, int | str) and not (isinstance(value, str) and value.startswith("@"))


def _compile_vmap(body: Mapping[str, Any], sets: Mapping[str, _NamedSet]) -> VerdictMap:
    key = body["key"]
    fields = tuple(_field(p) for p in key["concat"]) if "concat" in key else (_field(key),)
    data = body["data"]
    if isinstance(data, str) and data.startswith("@"):
        named = sets.get(data[1:])
        if named is None or named.map_kind != "verdict":
            raise _Unsupported(f"the verdict map '{data}'")
        items = named.elements
    elif isinstance(data, dict) and "set" in data:
        items = data["set"]
    else:
        raise _Unsupported(f"the verdict map data {_short(data)}")
    entries: list[tuple[Element, Statement]] = []
    for item in items:
        if not isinstance(item, list) or len(item) != 2:
            raise _Unsupported(f"the map element {_short(item)}")
        (element,) = _elements([f.kind for f in fields], [item[0]], sets)
        verdict = _verdict(item[1])
        if verdict is None:
            raise _Unsupported(f"the map verdict {_short(item[1])}")
        entries.append((element, verdict))
    return VerdictMap(fields, tuple(entries))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


# --- the ruleset ------------------------------------------------------------------------------


@dataclass
class Trace:
    """What happened to one packet: the verdict and every rule whose matches all held."""

    verdict: Verdict
    matched: list[Rule]


class Ruleset:
    """A loaded ruleset; :meth:`verdict` classifies packets."""

    def __init__(self, chains: dict[tuple[str, str, str], Chain]):
        self.chains = chains
        self._base: dict[tuple[str, str], list[Chain]] = {}
        for chain in chains.values():
            if chain.hook is None:
                continue
            for packet_family, seen_by in FAMILIES_SEEING.items():
                if chain.family in seen_by:
                    self._base.setdefault((packet_family, chain.hook), []).append(chain)
        for chain_list in self._base.values():
            chain_list.sort(key=lambda c: c.priority)

    def rules(self) -> Iterator[Rule]:
        """Every rule of every chain in the families packets are evaluated in."""
        for chain in self.chains.values():
            yield from chain.rules

    def base_chains(self, hook: str, family: str = "ip") -> list[Chain]:
        return list(self._base.get((family, hook), []))

    @property
    def uses_interfaces(self) -> bool:
        return any(f.kind == "ifname" for r in self.rules() for m in r.matches for f in m.fields)

    def verdict(self, packet: Packet) -> Verdict:
        return self.trace(packet).verdict

    def trace(self, packet: Packet) -> Trace:
        view = packet_view(packet)
        matched: list[Rule] = []
        # The accept worth naming is a rule's accept in a chain that would otherwise drop;
        # failing that, any rule's accept; failing that, a chain policy.
        accepts: list[tuple[int, str | None, str]] = []
        for hook in HOOK_PATH[view.hook]:
            hooked = view if view.hook == hook else _PacketView(hook, *_rest(view))
            for chain in self._base.get((view.family, hook), []):
                if chain.type == "nat" and view.ct_state != 1 << CT_STATES.index("new"):
                    continue
                action, rule = self._run_base(chain, hooked, matched)
                if action != "accept":
                    return Trace(Verdict(action, rule, chain.label), matched)
                rank = (0 if chain.policy == "drop" else 1) if rule else 2
                accepts.append((rank, rule, chain.label))
        if not accepts:
            return Trace(Verdict("accept", None, None), matched)
        _, rule, label = min(accepts, key=lambda a: a[0])
        return Trace(Verdict("accept", rule, label), matched)

    def _run_base(
        self, base: Chain, view: _PacketView, matched: list[Rule]
    ) -> tuple[Action, str | None]:
        stack: list[tuple[Chain, int]] = []
        chain, index = base, 0
        while True:
            if index >= len(chain.rules):
                if not stack:
                    return ("accept" if base.policy == "accept" else "drop"), None
                chain, index = stack.pop()
                continue
            rule = chain.rules[index]
            index += 1
            if not rule.matches_packet(view):
                continue
            matched.append(rule)
            verdict = (
                rule.verdict.pick(view) if isinstance(rule.verdict, VerdictMap) else (rule.verdict)
            )
            if verdict is None or verdict.kind == "continue":
                continue
            if verdict.kind in ("accept", "drop", "reject"):
                return verdict.kind, rule.label  # type: ignore[return-value]
            if verdict.kind == "return":
                if not stack:
                    return ("accept" if base.policy == "accept" else "drop"), None
                chain, index = stack.pop()
                continue
            target = self.chains.get((chain.family, chain.table, verdict.target or ""))
            if target is None:
                raise UnsupportedError(f"{rule.label}: jumps to unknown chain '{verdict.target}'.")
            if len(stack) > 16:
                raise UnsupportedError(f"{rule.label}: jumps nest deeper than 16 chains.")
            if verdict.kind == "jump":
                stack.append((chain, index))
            chain, index = target, 0


def load_ruleset(data: Mapping[str, Any] | str) -> Ruleset:
    """Load the JSON of ``nft -j list ruleset`` (a parsed object or its text)."""
    if isinstance(data, str):
        import json

        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise InputError(f"not nft JSON (line {exc.lineno}): {exc.msg}.") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("nftables"), list):
        raise InputError("not the JSON of 'nft -j list ruleset' — it has no 'nftables' list.")
    objects: list[Mapping[str, Any]] = data["nftables"]
    sets: dict[tuple[str, str], dict[str, _NamedSet]] = {}
    chains: dict[tuple[str, str, str], Chain] = {}
    raw_rules: list[Mapping[str, Any]] = []
    for obj in objects:
        ((key, body),) = obj.items()
        if key in ("set", "map"):
            table = (body["family"], body["table"])
            sets.setdefault(table, {})[body["name"]] = _NamedSet(
                body["name"], list(body.get("elem", [])), body.get("map") if key == "map" else None
            )
        elif key == "chain":
            if body["family"] not in ("ip", "ip6", "inet"):
                continue  # arp, bridge and netdev tables do not see routed IP packets
            chains[(body["family"], body["table"], body["name"])] = Chain(
                family=body["family"],
                table=body["table"],
                name=body["name"],
                hook=body.get("hook"),
                priority=_priority(body.get("prio", 0)),
                policy=body.get("policy", "accept"),
                type=body.get("type", "filter"),
            )
        elif key == "rule":
            raw_rules.append(body)
        elif key == "element":
            named = sets.get((body["family"], body["table"]), {}).get(body["name"])
            if named is not None:
                named.elements.extend(body.get("elem", []))
    for body in raw_rules:
        chain_key = (body["family"], body["table"], body["chain"])
        chain = chains.get(chain_key)
        if chain is None:
            continue
        try:
            chain.rules.append(
                _compile_rule(body, chain, sets.get((body["family"], body["table"]), {}))
            )
        except _Unsupported as exc:
            label = f"{body['family']} {body['table']} {body['chain']} handle {body.get('handle')}"
            raise UnsupportedError(
                f"{label}: portplan cannot evaluate {exc} — rewrite the rule with plain "
                "matches or audit this ruleset by hand."
            ) from None
    return Ruleset(chains)


def _priority(value: Any) -> int:
    # nft -j prints numbers; accept the standard names too (nftables wiki, "Base chain priority").
    names = {
        "raw": -300,
        "mangle": -150,
        "dstnat": -100,
        "filter": 0,
        "security": 50,
        "srcnat": 100,
    }
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value in names:
        return names[value]
    raise UnsupportedError(f"chain priority '{value}' is not a number.")

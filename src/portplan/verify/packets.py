"""What the evaluator takes and gives: a packet, and the verdict on it.

A :class:`Packet` is a connection's first packet as a hook sees it (or a later one, by its
conntrack state); :func:`packet_state` turns it into the numbers rules compare. A
:class:`Verdict` is what the ruleset does with it — plain, or conditional when it depends on
something the packet does not carry — and which rule decided.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from portplan.errors import InputError
from portplan.verify.matches import PacketState
from portplan.verify.netfilter import (
    CT_STATES,
    FAMILIES_SEEING,
    HOOK_PATH,
    IP_PROTOCOLS,
    PORTED,
    Action,
    Hook,
    icmp_type_number,
)
from portplan.verify.rules import Rule


@dataclass(frozen=True)
class Packet:
    """The first packet of a connection as a hook sees it.

    ``hook``: ``input`` (to this host), ``output`` (from this host) or ``forward`` (routed
    through). ``family``: ``ip`` or ``ip6`` (``ipv4``/``ipv6``/``None`` are accepted; ``None``
    takes it from ``saddr``). ``protocol``: ``tcp``, ``udp``, ``sctp``, ``icmp``, ``icmpv6``
    or a protocol number. ``icmp_type`` defaults to echo-request for ICMP packets.
    ``iifname``/``oifname``: None is an interface no rule names; :data:`ANY_INTERFACE`
    means not known, so the verdict says which interfaces it depends on.
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
    no base chain at all; ``chain`` then names the chain whose policy applied).

    A *conditional* verdict (``conditions`` not empty) accepts the packet only on some ways
    through the ruleset: each condition is one such way ("`limit rate 10/second` (rule)");
    ``otherwise`` is what happens on the others.
    """

    action: Action
    rule: str | None
    chain: str | None = None
    conditions: tuple[str, ...] = ()
    otherwise: str | None = None
    rewrites: tuple[str, ...] = ()
    possible: frozenset[str] = frozenset()
    destination: tuple[str | None, int | None] | None = None  # after dnat/redirect

    @property
    def allowed(self) -> bool:
        """Accepted on every way through the ruleset."""
        return self.action == "accept" and not self.conditions

    @property
    def conditional(self) -> bool:
        return bool(self.conditions)

    @property
    def decided_by(self) -> str:
        return self.rule or (f"policy of {self.chain}" if self.chain else "no base chain")

    def describe(self) -> str:
        if self.conditional:
            ways = "; or ".join(self.conditions[:3])
            more = (
                f" (and {len(self.conditions) - 3} more ways)" if len(self.conditions) > 3 else ""
            )
            return f"allowed, subject to {ways}{more}; otherwise {self.otherwise}"
        word = {"accept": "allowed", "drop": "dropped", "reject": "rejected"}[self.action]
        return f"{word} by {self.decided_by}"


@dataclass
class Trace:
    """What happened to one packet: the verdict and every rule whose tests all held (on any
    way through the ruleset)."""

    verdict: Verdict
    matched: list[Rule]


def _protocol_number(value: str | int) -> int:
    if isinstance(value, int):
        return value
    key = value.lower()
    if key.isascii() and key.isdigit() and len(key) <= 3:
        return int(key)
    if key not in IP_PROTOCOLS:
        raise InputError(f"unknown protocol '{value}'.")
    return IP_PROTOCOLS[key]


def packet_state(packet: Packet) -> PacketState:
    """The packet as the first hook of its path sees it."""
    try:
        saddr = ipaddress.ip_address(packet.saddr)
        daddr = ipaddress.ip_address(packet.daddr)
    except ValueError as exc:
        raise InputError(f"packet address: {exc}.") from None
    family = {"ipv4": "ip", "ipv6": "ip6"}.get(packet.family or "", packet.family) or (
        "ip" if saddr.version == 4 else "ip6"
    )
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
    hooks = HOOK_PATH[packet.hook]
    return PacketState(
        path=packet.hook,
        hook=hooks[0],
        family=family,
        saddr=int(saddr),
        daddr=int(daddr),
        proto=proto,
        dport=packet.dport if ported else None,
        sport=(packet.sport if packet.sport is not None else 40000) if ported else None,
        icmp_type=icmp_type,
        ct_state=1 << CT_STATES.index(packet.ct_state),
        opening=packet.ct_state in ("new", "related", "untracked"),
        conntrack="before",
        iifname=packet.iifname,
        oifname=packet.oifname,
    )

"""Audit an existing ruleset against the concrete flows of a deployment.

Per flow (at the enforcement point the ruleset belongs to): allowed, blocked or partially
allowed, with the ports that pass. Per rule: *too wide* (it accepts new connections no flow
needs — any port, any address, more ports than needed) and *shadowed* (no packet can reach it
and match it, because earlier rules decide every packet it would match).

Both rule analyses work on representative packets. Rules compare fields against intervals, so
the interval ends used anywhere in the ruleset (and in the flows) cut every field into
pieces inside which all rules behave alike; one packet per piece is exact for rules that match
boxes. Concatenated sets are cut per component (still exact for the pieces tried), and when the
pieces multiply past a cap a fixed-seed random sample is taken — a "shadowed" finding therefore
means "no representative packet reaches it", which the report says.
"""

from __future__ import annotations

import ipaddress
import itertools
import math
import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, cast

from portplan.errors import InputError
from portplan.model.concrete import ConcreteFlow, Resolution
from portplan.model.deployment import Deployment, EnforcementPoint
from portplan.model.service import PortSet, Service
from portplan.verify.evaluate import (
    CT_STATES,
    IP_PROTOCOLS,
    PORTED,
    Hook,
    Interval,
    Packet,
    Rule,
    Ruleset,
    VerdictMap,
    packet_view,
)

Status = Literal["allowed", "blocked", "partial"]
Span = tuple[int, int, int]  # IP version, first address, last address
# hook, family, saddr, daddr, protocol, dport or ICMP type, sport, ct state, iif, oif
Combo = tuple[str, str, int, int, int, int, int, str, str | None, str | None]
HOOK_OF_HOP = {"network": "forward", "host-egress": "output", "host-ingress": "input"}
# Which packet hooks reach a base chain on each netfilter hook.
PACKET_HOOKS = {
    "input": ("input",),
    "output": ("output",),
    "forward": ("forward",),
    "prerouting": ("input", "forward"),
    "postrouting": ("forward", "output"),
}
DOMAINS: dict[str, Interval] = {
    "saddr": (0, 2**128 - 1),
    "daddr": (0, 2**128 - 1),
    "proto": (0, 255),
    "dport": (1, 65535),
    "sport": (1, 65535),
    "icmp": (0, 255),
}
ADDRESS_CAP = 48  # representative addresses per side of a flow with wide CIDRs
SAMPLE_CAP = 1500  # representative packets per rule analysis
# Infrastructure ICMP: errors (RFC 792, RFC 4443), IPv6 neighbour discovery (RFC 4861) and
# multicast listener discovery (RFC 3810, RFC 4890 4.4.1)
# keep the network working; accepting them is never "too wide".
INFRASTRUCTURE_ICMP = {
    1: {3, 4, 11, 12},
    58: {1, 2, 3, 4, 130, 131, 132, 133, 134, 135, 136, 143},
}


@dataclass(frozen=True)
class FlowCheck:
    flow: ConcreteFlow
    hook: str
    status: Status
    allowed: tuple[Service, ...]
    blocked: tuple[Service, ...]
    rule: str | None  # the rule (or chain policy) that decided a blocked or an allowed packet

    @property
    def required(self) -> bool:
        return not self.flow.optional


@dataclass(frozen=True)
class RuleFinding:
    kind: Literal["too-wide", "shadowed"]
    rule: str
    detail: str


@dataclass(frozen=True)
class AuditReport:
    point: str | None
    checks: tuple[FlowCheck, ...]
    findings: tuple[RuleFinding, ...]
    notices: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        return any(c.required and c.status != "allowed" for c in self.checks)


@dataclass(frozen=True)
class Need:
    """One flow as the ruleset must see it: a hook, address intervals, services."""

    hook: str
    sources: tuple[Span, ...]
    destinations: tuple[Span, ...]
    services: tuple[Service, ...]
    flow: ConcreteFlow

    def covers(self, packet: Packet, saddr: int, daddr: int, proto: int) -> bool:
        if packet.hook != self.hook:
            return False
        version = 4 if packet.family == "ip" else 6
        if not any(v == version and a <= saddr <= b for v, a, b in self.sources):
            return False
        if not any(v == version and a <= daddr <= b for v, a, b in self.destinations):
            return False
        return any(_service_covers(s, proto, packet) for s in self.services)


def _service_covers(service: Service, proto: int, packet: Packet) -> bool:
    if IP_PROTOCOLS[service.protocol] != proto:
        return False
    if proto in PORTED:
        return packet.dport in service.ports
    number = service.icmp_type_number
    return number is None or number == packet.icmp_type


def _spans(networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> list[Span]:
    return [(n.version, int(n.network_address), int(n.broadcast_address)) for n in networks]


# --- selecting the flows a ruleset must carry -------------------------------------------------


def needs_for_point(
    deployment: Deployment,
    resolution: Resolution,
    ruleset: Ruleset,
    point: str | None,
    host: str | None = None,
) -> tuple[list[Need], list[str]]:
    """The (flow, hook) pairs the ruleset must allow, and notices about the choice made.
    ``host``: for a host firewall covering several hosts, the one this ruleset is from."""
    notices: list[str] = []
    needs: list[Need] = []
    resolution, skipped = without_ftp_data(resolution)
    if skipped:
        notices.append(
            f"{skipped} FTP data flow(s) not audited: they pass as related traffic of their "
            "control connection where the ruleset attaches the FTP helper."
        )
    if point is not None:
        known = {p.name: p for p in deployment.firewalls}
        if point not in known:
            names = ", ".join(known) or "none"
            raise InputError(f"no enforcement point '{point}' in the deployment (it has: {names}).")
        host = _host_of_point(deployment, resolution, known[point], host)
        for flow in resolution.flows:
            for hop in flow.path:
                if hop.point != point:
                    continue
                if host is not None:
                    mine = flow.source if hop.kind == "host-egress" else flow.destination
                    if mine.name != host:
                        continue
                needs.append(_need(flow, HOOK_OF_HOP[hop.kind]))
        return needs, notices
    if ruleset.base_chains("forward") or ruleset.base_chains("forward", "ip6"):
        notices.append(
            "no --point given: the ruleset is treated as a router every flow passes (forward)."
        )
        needs = [_need(flow, "forward") for flow in resolution.flows]
        return needs, notices
    hosts = [p.name for p in deployment.firewalls if p.kind == "host"]
    raise InputError(
        "this ruleset has no forward chain, so it is a host's — name the host firewall it "
        f"belongs to with --point ({', '.join(hosts) or 'the deployment has none'})."
    )


def without_ftp_data(resolution: Resolution) -> tuple[Resolution, int]:
    """The resolution without its FTP data flows, and how many there were."""
    kept = tuple(f for f in resolution.flows if f.application != "ftp-data")
    return replace(resolution, flows=kept), len(resolution.flows) - len(kept)


def _host_of_point(
    deployment: Deployment, resolution: Resolution, point: EnforcementPoint, host: str | None
) -> str | None:
    """The one host a host-firewall ruleset belongs to (None for a network firewall)."""
    if point.kind != "host":
        if host is not None:
            raise InputError(f"--host applies to host firewalls; '{point.name}' is a network one.")
        return None
    covered = {
        endpoint.name
        for flow in resolution.flows
        for hop in flow.path
        if hop.point == point.name
        for endpoint in ((flow.source,) if hop.kind == "host-egress" else (flow.destination,))
    }
    if host is not None:
        if host not in covered:
            names = ", ".join(sorted(covered)) or "none"
            raise InputError(
                f"no flow passes host firewall '{point.name}' on host '{host}' (hosts: {names})."
            )
        return host
    if len(covered) > 1:
        raise InputError(
            f"host firewall '{point.name}' runs on {len(covered)} hosts "
            f"({', '.join(sorted(covered))}) — name the host this ruleset is from with --host."
        )
    return None


def _need(flow: ConcreteFlow, hook: str) -> Need:
    return Need(
        hook,
        tuple(_spans(flow.source.addresses)),
        tuple(_spans(flow.destination.addresses)),
        flow.services,
        flow,
    )


# --- flows ------------------------------------------------------------------------------------


def boundaries(ruleset: Ruleset, needs: Sequence[Need] = ()) -> dict[str, set[int]]:
    """Every interval end any rule (or flow) uses, with the values just outside it."""
    cuts: dict[str, set[int]] = {dim: set() for dim in DOMAINS}
    for rule in ruleset.rules():
        for dim, intervals in _rule_intervals(rule):
            for low, high in intervals:
                cuts[dim].update((low - 1, low, high, high + 1))
    for need in needs:
        for dim, spans in (("saddr", need.sources), ("daddr", need.destinations)):
            for _, low, high in spans:
                cuts[dim].update((low - 1, low, high, high + 1))
        for service in need.services:
            for r in service.ports:
                cuts["dport"].update((r.low - 1, r.low, r.high, r.high + 1))
    return cuts


def _rule_intervals(rule: Rule) -> Iterator[tuple[str, list[Interval]]]:
    for match in rule.matches:
        for index, f in enumerate(match.fields):
            dim = _dimension(f.name, f.kind)
            if dim in DOMAINS:
                parts = [e[index] for e in match.elements]
                yield dim, [p for p in parts if not isinstance(p, str)]
    if isinstance(rule.verdict, VerdictMap):
        for index, f in enumerate(rule.verdict.field_):
            dim = _dimension(f.name, f.kind)
            if dim in DOMAINS:
                parts = [element[index] for element, _ in rule.verdict.entries]
                yield dim, [p for p in parts if not isinstance(p, str)]


def _dimension(name: str, kind: str) -> str:
    if kind in ("addr4", "addr6"):
        return name.split()[1]  # saddr / daddr
    if kind == "port":
        return name.split()[1]  # dport / sport
    if kind in ("icmp", "icmpv6"):
        return "icmp"
    if kind == "ifname":
        return "iif" if name in ("meta iifname", "meta iif") else "oif"
    return {"proto": "proto", "ctstate": "ct"}.get(kind, kind)


def _pieces(intervals: Iterable[Interval], cuts: set[int]) -> list[Interval]:
    """Split intervals at the cuts into pieces inside which every rule behaves alike."""
    pieces: list[Interval] = []
    for low, high in intervals:
        inner = sorted(c for c in cuts if low < c <= high)
        start = low
        for cut in inner:
            pieces.append((start, cut - 1))
            start = cut
        pieces.append((start, high))
    return pieces


def _spread(values: list[int], cap: int) -> list[int]:
    if len(values) <= cap:
        return values
    step = len(values) / cap
    picked = {values[int(i * step)] for i in range(cap)} | {values[0], values[-1]}
    return sorted(picked)


def check_flow(
    ruleset: Ruleset,
    need: Need,
    cuts: Mapping[str, set[int]],
    interfaces: Mapping[str, str] | None = None,
) -> FlowCheck:
    """Try one packet per piece of the flow's ports × addresses; a piece passes when every
    address pair passes."""
    flow = need.flow
    interfaces = interfaces or {}
    iif = oif = None
    if need.hook == "forward":
        iif = interfaces.get(flow.source.zone or "") or interfaces.get(flow.source.name)
        oif = interfaces.get(flow.destination.zone or "") or interfaces.get(flow.destination.name)
    sources = _representatives(need.sources, cuts["saddr"])
    targets = _representatives(need.destinations, cuts["daddr"])
    allowed: list[Service] = []
    blocked: list[Service] = []
    deciding: str | None = None
    for service in flow.services:
        proto = IP_PROTOCOLS[service.protocol]
        version = 6 if service.protocol == "icmpv6" else 4 if service.protocol == "icmp" else None
        pairs = [
            (s, d)
            for s in sources
            for d in targets
            if s[0] == d[0] and (version is None or s[0] == version)
        ]
        if not pairs:
            continue
        if proto in PORTED:
            good: list[Interval] = []
            bad: list[Interval] = []
            for low, high in _pieces([(r.low, r.high) for r in service.ports], cuts["dport"]):
                ok = True
                for s, d in pairs:
                    verdict = ruleset.verdict(_packet(need.hook, s, d, proto, low, None, iif, oif))
                    if not verdict.allowed:
                        ok = False
                        deciding = verdict.rule or f"policy of {verdict.chain}"
                        break
                    deciding = deciding or verdict.rule
                (good if ok else bad).append((low, high))
            if good:
                allowed.append(Service(service.protocol, PortSet.of(good)))
            if bad:
                blocked.append(Service(service.protocol, PortSet.of(bad)))
        else:
            verdicts = [
                ruleset.verdict(
                    _packet(need.hook, s, d, proto, None, service.icmp_type_number, iif, oif)
                )
                for s, d in pairs
            ]
            failing = [v for v in verdicts if not v.allowed]
            if failing:
                blocked.append(service)
                deciding = failing[0].rule or f"policy of {failing[0].chain}"
            else:
                allowed.append(service)
                deciding = deciding or verdicts[0].rule
    status: Status = "allowed" if not blocked else "blocked" if not allowed else "partial"
    return FlowCheck(flow, need.hook, status, tuple(allowed), tuple(blocked), deciding)


def _representatives(spans: Sequence[Span], cuts: set[int]) -> list[tuple[int, int]]:
    """(version, address) per piece of the spans, at most ADDRESS_CAP per version."""
    out: list[tuple[int, int]] = []
    for version in (4, 6):
        mine = [(low, high) for v, low, high in spans if v == version]
        out += [(version, a) for a in _spread([low for low, _ in _pieces(mine, cuts)], ADDRESS_CAP)]
    return out


def _packet(
    hook: str,
    source: tuple[int, int],
    target: tuple[int, int],
    proto: int,
    dport: int | None,
    icmp_type: int | None,
    iif: str | None,
    oif: str | None,
) -> Packet:
    version = source[0]
    make = ipaddress.IPv4Address if version == 4 else ipaddress.IPv6Address
    return Packet(
        cast(Hook, hook),
        "ip" if version == 4 else "ip6",
        str(make(source[1])),
        str(make(target[1])),
        proto,
        dport,
        icmp_type=icmp_type,
        iifname=iif,
        oifname=oif,
    )


# --- rules ------------------------------------------------------------------------------------


@dataclass
class Box:
    """What a rule's matches allow per field (None: unconstrained)."""

    intervals: dict[str, list[Interval]] = field(default_factory=dict)
    families: set[str] = field(default_factory=lambda: {"ip", "ip6"})
    names: dict[str, set[str]] = field(default_factory=dict)
    empty: bool = False

    def intersect(self, other: Box) -> Box:
        out = Box(dict(self.intervals), self.families & other.families, {}, self.empty)
        for dim, spans in other.intervals.items():
            out.restrict(dim, spans)
        for dim in {*self.names, *other.names}:
            out.names[dim] = self.names.get(dim, set()) | other.names.get(dim, set())
        out.empty = out.empty or other.empty or not out.families
        return out

    def restrict(self, dim: str, allowed: list[Interval]) -> None:
        current = self.intervals.get(dim)
        if current is None:
            self.intervals[dim] = sorted(allowed)
            return
        merged = [
            (max(a, c), min(b, d)) for a, b in current for c, d in allowed if max(a, c) <= min(b, d)
        ]
        self.intervals[dim] = merged
        if not merged:
            self.empty = True


def rule_box(rule: Rule) -> Box:
    box = Box()
    if rule.family in ("ip", "ip6"):
        box.families = {rule.family}
    for match in rule.matches:
        for index, f in enumerate(match.fields):
            if f.family is not None:
                box.families &= {f.family}
            if f.protocols is not None:
                box.restrict("proto", [(p, p) for p in sorted(f.protocols)])
            dim = _dimension(f.name, f.kind)
            parts = [e[index] for e in match.elements]
            if dim in ("iif", "oif"):
                box.names.setdefault(dim, set()).update(p for p in parts if isinstance(p, str))
                continue
            numeric = [p for p in parts if not isinstance(p, str)]
            if dim == "ct":
                states = {bit for low, _ in numeric for bit in _bits(low)}
                if match.op == "!=":
                    states = {1 << i for i in range(len(CT_STATES))} - states
                box.restrict("ct", [(s, s) for s in sorted(states)])
                continue
            if dim not in DOMAINS:
                continue
            if match.op in ("<", ">", "<=", ">="):
                bound = numeric[0][0]
                low, high = DOMAINS[dim]
                allowed = {
                    "<": (low, bound - 1),
                    "<=": (low, bound),
                    ">": (bound + 1, high),
                    ">=": (bound, high),
                }[match.op]
                box.restrict(dim, [allowed])
            elif match.op == "!=":
                if len(match.fields) == 1:
                    box.restrict(dim, _complement(numeric, DOMAINS[dim]))
            else:
                box.restrict(dim, numeric)
    if not box.families:
        box.empty = True
    return box


def _bits(value: int) -> list[int]:
    return [1 << i for i in range(len(CT_STATES)) if value & (1 << i)]


def _complement(intervals: list[Interval], domain: Interval) -> list[Interval]:
    out: list[Interval] = []
    start = domain[0]
    for low, high in sorted(intervals):
        if low > start:
            out.append((start, low - 1))
        start = max(start, high + 1)
    if start <= domain[1]:
        out.append((start, domain[1]))
    return out


def _points(allowed: list[Interval] | None, domain: Interval, cuts: set[int]) -> list[int]:
    spans = allowed if allowed is not None else [domain]
    spans = [(max(a, domain[0]), min(b, domain[1])) for a, b in spans]
    spans = [(a, b) for a, b in spans if a <= b]
    ends = {a for a, _ in spans} | {b for _, b in spans}
    inner = {c for c in cuts if any(a <= c <= b for a, b in spans)} - ends
    # Cut points (next to real hosts and ports) first, so a finding's example packet reads
    # like traffic someone could send; the ends of ranges and of the address space last.
    return sorted(inner) + sorted(ends - set(domain)) + sorted(ends & set(domain))


def sample_packets(
    box: Box,
    hooks: Sequence[str],
    cuts: Mapping[str, set[int]],
    *,
    states: Sequence[str] | None = None,
    seed: int = 0,
) -> Iterator[Packet]:
    """Representative packets inside ``box`` (capped with a fixed-seed random sample)."""
    if box.empty:
        return
    groups: list[list[Sequence[object]]] = []  # per (family, protocol): one list per field
    ct_allowed = box.intervals.get("ct")
    state_names = [
        name
        for i, name in enumerate(CT_STATES)
        if (states is None or name in states)
        and (ct_allowed is None or any(a <= 1 << i <= b for a, b in ct_allowed))
    ]
    if states is None and ct_allowed is None:
        state_names = ["new", "established"]
    interface_choices: dict[str, list[str | None]] = {
        dim: [None, *sorted(_concrete_name(n) for n in box.names.get(dim, ()))]
        for dim in ("iif", "oif")
    }
    for family in sorted(box.families):
        domain = (0, 2**32 - 1) if family == "ip" else (0, 2**128 - 1)
        saddrs = _points(box.intervals.get("saddr"), domain, cuts["saddr"])
        daddrs = _points(box.intervals.get("daddr"), domain, cuts["daddr"])
        wanted = [6, 17, 132, 1 if family == "ip" else 58]
        proto_allowed = box.intervals.get("proto")
        protos = [p for p in wanted if proto_allowed is None or _inside(p, proto_allowed)]
        if proto_allowed is not None:
            protos += [a for a, _ in proto_allowed if a not in protos and a not in (1, 58)][:2]
        for proto in protos:
            if proto in PORTED:
                second = _points(box.intervals.get("dport"), DOMAINS["dport"], cuts["dport"])
                third = _points(box.intervals.get("sport"), DOMAINS["sport"], cuts["sport"])
            elif proto in (1, 58):
                second = _points(box.intervals.get("icmp"), DOMAINS["icmp"], cuts["icmp"])
                third = [0]
            else:
                second, third = [0], [0]
            groups.append(
                [
                    hooks,
                    [family],
                    saddrs,
                    daddrs,
                    [proto],
                    second,
                    third,
                    state_names,
                    interface_choices["iif"],
                    interface_choices["oif"],
                ]
            )
    for combo in _sample_products(groups, SAMPLE_CAP, seed):
        hook, family, saddr, daddr, proto, value, sport, state, iif, oif = cast(Combo, combo)
        make = ipaddress.IPv4Address if family == "ip" else ipaddress.IPv6Address
        ported = proto in PORTED
        yield Packet(
            cast(Hook, hook),
            family,
            str(make(saddr)),
            str(make(daddr)),
            proto,
            value if ported else None,
            sport=sport if ported else None,
            icmp_type=value if proto in (1, 58) else None,
            ct_state=state,
            iifname=iif,
            oifname=oif,
        )


def _sample_products(
    groups: Sequence[Sequence[Sequence[object]]], cap: int, seed: int
) -> Iterator[tuple[object, ...]]:
    """Every element of the union of the groups' cartesian products, or — past ``cap`` — the
    first one and a fixed-seed random sample, drawn by index without building the products."""
    sizes = [math.prod(len(values) for values in group) for group in groups]
    total = sum(sizes)
    if total <= cap:
        for group in groups:
            yield from itertools.product(*group)
        return
    picks = [0, *sorted(random.Random(seed).sample(range(1, total), cap - 1))]
    for pick in picks:
        number, index = 0, pick
        while index >= sizes[number]:
            index -= sizes[number]
            number += 1
        values = []
        for field_values in reversed(groups[number]):
            index, position = divmod(index, len(field_values))
            values.append(field_values[position])
        yield tuple(reversed(values))


def _inside(value: int, intervals: list[Interval]) -> bool:
    return any(a <= value <= b for a, b in intervals)


def _concrete_name(pattern: str) -> str:
    return pattern[:-1] + "0" if pattern.endswith("*") else pattern


ChainKey = tuple[str, str, str]
Context = tuple[Box, tuple[str, ...]]  # what a packet matched to get here, and its hooks


def chain_contexts(ruleset: Ruleset) -> dict[ChainKey, list[Context]]:
    """How packets reach each chain: per path from a base chain, the matches passed on the
    way (the jumping rules' boxes) and the packet hooks. A chain nothing jumps to has none."""
    callers: dict[ChainKey, list[Rule]] = {}
    for rule in ruleset.rules():
        targets: list[str] = []
        if isinstance(rule.verdict, VerdictMap):
            targets = [v.target for _, v in rule.verdict.entries if v.target]
        elif rule.verdict is not None and rule.verdict.target:
            targets = [rule.verdict.target]
        for target in targets:
            callers.setdefault((rule.family, rule.table, target), []).append(rule)
    contexts: dict[ChainKey, list[Context]] = {}

    def visit(key: ChainKey, depth: int) -> list[Context]:
        if key in contexts:
            return contexts[key]
        chain = ruleset.chains[key]
        if chain.hook in PACKET_HOOKS:
            contexts[key] = [(Box(), PACKET_HOOKS[chain.hook])]
            return contexts[key]
        found: list[Context] = []
        if depth < 8:
            for rule in callers.get(key, []):
                caller_key = (rule.family, rule.table, rule.chain)
                for box, hooks in visit(caller_key, depth + 1):
                    found.append((box.intersect(rule_box(rule)), hooks))
        contexts[key] = found
        return found

    for key in ruleset.chains:
        visit(key, 0)
    return contexts


def _accepts(rule: Rule) -> bool:
    if isinstance(rule.verdict, VerdictMap):
        return any(v.kind == "accept" for _, v in rule.verdict.entries)
    return rule.verdict is not None and rule.verdict.kind == "accept"


def too_wide(
    ruleset: Ruleset,
    needs: Sequence[Need],
    cuts: Mapping[str, set[int]],
    own: list[Interval] | None = None,
) -> list[RuleFinding]:
    """Accept rules that let in a new connection no flow needs (``own``: the addresses of the
    host(s) a host ruleset runs on)."""
    contexts = chain_contexts(ruleset)
    needed_hooks = {n.hook for n in needs}
    findings: list[RuleFinding] = []
    for key, chain in ruleset.chains.items():
        for rule in chain.rules:
            if not _accepts(rule) or _is_loopback(rule):
                continue
            example: tuple[Box, Packet] | None = None
            for context, context_hooks in contexts[key]:
                for hook in context_hooks:
                    if hook not in needed_hooks or example is not None:
                        continue
                    box = context.intersect(rule_box(rule))
                    # A host's input only sees its own destination addresses, its output only
                    # its own sources: a rule need not repeat them to be exact.
                    if own and hook == "input":
                        box.restrict("daddr", own)
                    if own and hook == "output":
                        box.restrict("saddr", own)
                    packet = _unneeded_accept(ruleset, rule, box, [hook], needs, cuts)
                    if packet is not None:
                        example = (box, packet)
            if example is not None:
                findings.append(RuleFinding("too-wide", rule.label, _wide_detail(*example)))
    return findings


def _is_loopback(rule: Rule) -> bool:
    names = rule_box(rule).names
    return any(name == "lo" for dim in ("iif", "oif") for name in names.get(dim, ()))


def _unneeded_accept(
    ruleset: Ruleset,
    rule: Rule,
    box: Box,
    hooks: Sequence[str],
    needs: Sequence[Need],
    cuts: Mapping[str, set[int]],
) -> Packet | None:
    for packet in sample_packets(box, hooks, cuts, states=("new",)):
        proto = int(packet.protocol)
        if proto in INFRASTRUCTURE_ICMP and packet.icmp_type in INFRASTRUCTURE_ICMP[proto]:
            continue
        if not _would_match(rule, packet):
            continue  # the box over-approximates sets; cheapest test first
        saddr = int(ipaddress.ip_address(packet.saddr))
        daddr = int(ipaddress.ip_address(packet.daddr))
        if any(n.covers(packet, saddr, daddr, proto) for n in needs):
            continue
        trace = ruleset.trace(packet)
        if trace.verdict.allowed and rule in trace.matched:
            return packet
    return None


def _wide_detail(box: Box, packet: Packet) -> str:
    what = []
    if "saddr" not in box.intervals:
        what.append("any source address")
    if "daddr" not in box.intervals:
        what.append("any destination address")
    if "proto" not in box.intervals:
        what.append("any protocol")
    elif "dport" not in box.intervals and int(packet.protocol) in PORTED:
        what.append("any port")
    name = {v: k for k, v in IP_PROTOCOLS.items() if k != "ipv6-icmp"}.get(
        int(packet.protocol), str(packet.protocol)
    )
    target = f"{packet.daddr}:{packet.dport}" if packet.dport is not None else packet.daddr
    kind = f" ({name} type {packet.icmp_type})" if packet.icmp_type is not None else ""
    reason = ", ".join(what) if what else "more than the flows need"
    return f"accepts {reason}: e.g. {name} {packet.saddr} → {target}{kind}, which no flow needs"


def shadowed(ruleset: Ruleset, cuts: Mapping[str, set[int]]) -> list[RuleFinding]:
    """Rules no representative packet reaches while matching them."""
    contexts = chain_contexts(ruleset)
    findings: list[RuleFinding] = []
    for key, chain in ruleset.chains.items():
        for rule in chain.rules:
            if not contexts[key]:
                detail = f"chain {chain.name} is never jumped to: it never runs"
                findings.append(RuleFinding("shadowed", rule.label, detail))
                continue
            finding = _shadow_of(ruleset, rule, contexts[key], cuts)
            if finding is not None:
                findings.append(finding)
    return findings


def _shadow_of(
    ruleset: Ruleset,
    rule: Rule,
    contexts: Sequence[Context],
    cuts: Mapping[str, set[int]],
) -> RuleFinding | None:
    own = rule_box(rule)
    if own.empty:
        return RuleFinding("shadowed", rule.label, "its own matches contradict: it never matches")
    deciders: dict[str, int] = {}
    own_match = False
    for context, hooks in contexts:
        for packet in sample_packets(context.intersect(own), hooks, cuts, states=None):
            trace = ruleset.trace(packet)
            if rule in trace.matched:
                return None
            if _would_match(rule, packet):
                own_match = True
                decider = trace.verdict.rule or f"policy of {trace.verdict.chain}"
                deciders[decider] = deciders.get(decider, 0) + 1
    if not own_match:
        return None  # no packet tried satisfies it: say nothing rather than guess
    earlier = sorted(deciders, key=lambda d: -deciders[d])
    return RuleFinding(
        "shadowed",
        rule.label,
        "every packet it matches is decided earlier, by " + "; ".join(earlier[:3]),
    )


def _would_match(rule: Rule, packet: Packet) -> bool:
    return rule.matches_packet(packet_view(packet))


def _families_of(need: Need) -> set[str]:
    return {"ip" if version == 4 else "ip6" for version, _, _ in need.sources}


def host_addresses(
    deployment: Deployment, point: str | None, host: str | None = None
) -> list[Interval] | None:
    """The addresses of the hosts a host firewall runs on (None: not a host firewall)."""
    found = next((p for p in deployment.firewalls if p.name == point), None)
    if found is None or found.kind != "host":
        return None
    hosts = [
        h
        for h in deployment.hosts
        if (not found.hosts or h.name in found.hosts) and (host is None or h.name == host)
    ]
    return sorted((int(a), int(a)) for h in hosts for a in h.addresses)


# --- the report -------------------------------------------------------------------------------


def audit(
    deployment: Deployment,
    resolution: Resolution,
    ruleset: Ruleset,
    *,
    point: str | None = None,
    host: str | None = None,
    interfaces: Mapping[str, str] | None = None,
) -> AuditReport:
    needs, notices = needs_for_point(deployment, resolution, ruleset, point, host)
    if not needs:
        notices.append(f"no flow passes {point}: nothing to check.")
    named = {
        part
        for rule in ruleset.rules()
        for match in rule.matches
        if any(f.kind == "ifname" for f in match.fields)
        for element in match.elements
        for part in element
        if isinstance(part, str)
    }
    if named - {"lo"} and not interfaces:
        notices.append(
            "the ruleset matches on interface names; packets were evaluated as arriving on an "
            "interface no rule names — map zones to interfaces with --interface ZONE=IFNAME."
        )
    for family, version in (("ip", "IPv4"), ("ip6", "IPv6")):
        hooks = {n.hook for n in needs if family in _families_of(n)}
        missing = sorted(h for h in hooks if not ruleset.base_chains(h, family))
        if missing:
            notices.append(
                f"the ruleset has no {version} chain at {', '.join(missing)}: {version} flows "
                f"there pass unfiltered (pass the {version} rules too, e.g. another --ruleset)."
            )
    cuts = boundaries(ruleset, needs)
    checks = tuple(check_flow(ruleset, need, cuts, interfaces) for need in needs)
    own = host_addresses(deployment, point, host)
    findings = tuple(too_wide(ruleset, needs, cuts, own) + shadowed(ruleset, cuts))
    return AuditReport(point, checks, findings, tuple(notices))

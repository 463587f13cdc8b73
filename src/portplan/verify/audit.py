"""Audit an existing ruleset against the concrete flows of a deployment.

Per flow (at the enforcement point the ruleset belongs to): allowed, blocked, partially
allowed — or *conditional*: allowed only subject to something the flow alone does not decide
(a rate limit, a mark set elsewhere, the interface it arrives on), with the condition and the
rule named. Per rule: *too wide* (it accepts new connections no flow needs — any port, any
address, more ports than needed) and *shadowed* (no packet can reach it and match it, because
earlier rules decide every packet it would match).

Flows are checked packet by packet: rules compare fields against intervals, so the interval
ends used anywhere in the ruleset and the flows cut each flow's ports and addresses into
pieces inside which all rules behave alike, and one packet per piece is exact. The rule
findings are set algebra on the regions rules match (:mod:`portplan.verify.regions`): exact
for shadowing, and a too-wide finding is confirmed by evaluating its example packet.
"""

from __future__ import annotations

import bisect
import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal, cast

from portplan.errors import InputError
from portplan.model.concrete import ConcreteFlow, Resolution
from portplan.model.deployment import Deployment, EnforcementPoint
from portplan.model.intervals import Interval
from portplan.model.service import PortSet, Service
from portplan.verify.evaluate import (
    ANY_INTERFACE,
    IP_PROTOCOLS,
    PORTED,
    Hook,
    Packet,
    Ruleset,
    Verdict,
)
from portplan.verify.findings import RuleFinding, rule_findings
from portplan.verify.regions import normalize

Status = Literal["allowed", "blocked", "partial", "conditional"]
Span = tuple[int, int, int]  # IP version, first address, last address
HOOK_OF_HOP = {"network": "forward", "host-egress": "output", "host-ingress": "input"}
ADDRESS_CAP = 48  # representative addresses per side of a flow with wide CIDRs

__all__ = [
    "AuditReport",
    "FlowCheck",
    "Need",
    "RuleFinding",
    "audit",
    "boundaries",
    "check_flow",
    "needs_for_point",
]


@dataclass(frozen=True)
class FlowCheck:
    flow: ConcreteFlow
    hook: str
    status: Status
    allowed: tuple[Service, ...]
    blocked: tuple[Service, ...]
    rule: str | None  # the rule (or chain policy) that decided a blocked or an allowed packet
    conditional: tuple[Service, ...] = ()  # allowed only subject to ``conditions``
    conditions: tuple[str, ...] = ()
    rewrites: tuple[str, ...] = ()  # NAT on the way ("dnat to 10.0.0.5:8080 (rule)")

    @property
    def required(self) -> bool:
        return not self.flow.optional


@dataclass(frozen=True)
class AuditReport:
    point: str | None
    checks: tuple[FlowCheck, ...]
    findings: tuple[RuleFinding, ...]
    notices: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        """A required flow is blocked, or partly (conditional flows are listed apart)."""
        return any(c.required and c.status in ("blocked", "partial") for c in self.checks)

    @property
    def conditional(self) -> tuple[FlowCheck, ...]:
        return tuple(c for c in self.checks if c.required and c.status == "conditional")


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
        host = _host_of_point(resolution, known[point], host)
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


def _host_of_point(resolution: Resolution, point: EnforcementPoint, host: str | None) -> str | None:
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
    """Every interval end a rule (or flow) uses on an address or destination port, with the
    values just outside it: the places where a rule's answer can change."""
    cuts: dict[str, set[int]] = {"saddr": set(), "daddr": set(), "dport": set()}
    for rule in ruleset.rules():
        for match in rule.matches:
            for index, f in enumerate(match.fields):
                dim = f.name.split()[-1]
                if dim not in cuts or f.kind not in ("addr4", "addr6", "port"):
                    continue
                for element in match.elements:
                    part = element[index]
                    if not isinstance(part, str):
                        cuts[dim].update((part[0] - 1, part[0], part[1], part[1] + 1))
    for need in needs:
        for dim, spans in (("saddr", need.sources), ("daddr", need.destinations)):
            for _, low, high in spans:
                cuts[dim].update((low - 1, low, high, high + 1))
        for service in need.services:
            for r in service.ports:
                cuts["dport"].update((r.low - 1, r.low, r.high, r.high + 1))
    return cuts


def _pieces(intervals: Iterable[Interval], cuts: set[int]) -> list[Interval]:
    """Split intervals at the cuts into pieces inside which every rule behaves alike."""
    ordered = sorted(cuts)
    pieces: list[Interval] = []
    for low, high in intervals:
        start = low
        for cut in ordered[bisect.bisect_right(ordered, low) : bisect.bisect_right(ordered, high)]:
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


@dataclass
class _Tally:
    """Per service of a flow: which pieces passed, passed on a condition, or were blocked."""

    good: list[Interval]
    iffy: list[Interval]
    bad: list[Interval]


def check_flow(
    ruleset: Ruleset,
    need: Need,
    cuts: Mapping[str, set[int]],
    interfaces: Mapping[str, str] | None = None,
) -> FlowCheck:
    """Try one packet per piece of the flow's ports × addresses; a piece passes when every
    address pair passes, and is conditional when some pass only on a condition."""
    flow = need.flow
    iif, oif = _interfaces(need, interfaces or {})
    sources = _representatives(need.sources, cuts["saddr"])
    targets = _representatives(need.destinations, cuts["daddr"])
    allowed: list[Service] = []
    conditional: list[Service] = []
    blocked: list[Service] = []
    deciding: str | None = None
    conditions: dict[str, None] = {}
    rewrites: dict[str, None] = {}
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
        ported = proto in PORTED
        spans = (
            _pieces([(r.low, r.high) for r in service.ports], cuts["dport"]) if ported else [(0, 0)]
        )
        tally = _Tally([], [], [])
        for low, high in spans:
            worst: Verdict | None = None
            for s, d in pairs:
                dport = low if ported else None
                icmp = None if ported else service.icmp_type_number
                verdict = ruleset.verdict(_packet(need.hook, s, d, proto, dport, icmp, iif, oif))
                rewrites.update(dict.fromkeys(verdict.rewrites))
                if _rank(verdict) > _rank(worst):
                    worst = verdict
                if worst is not None and not worst.allowed and not worst.conditional:
                    break
            assert worst is not None
            if worst.allowed:
                tally.good.append((low, high))
                deciding = deciding or worst.rule
            elif worst.conditional:
                tally.iffy.append((low, high))
                conditions.update(dict.fromkeys(worst.conditions))
                deciding = deciding or worst.rule
            else:
                tally.bad.append((low, high))
                deciding = worst.decided_by
        for bucket, spans_of in (
            (allowed, tally.good),
            (conditional, tally.iffy),
            (blocked, tally.bad),
        ):
            if spans_of:
                bucket.append(
                    Service(service.protocol, PortSet.of(spans_of)) if ported else service
                )
    status: Status
    if blocked:
        status = "partial" if allowed or conditional else "blocked"
    else:
        status = "conditional" if conditional else "allowed"
    return FlowCheck(
        flow,
        need.hook,
        status,
        tuple(allowed),
        tuple(blocked),
        deciding,
        tuple(conditional),
        tuple(conditions),
        tuple(rewrites),
    )


def _rank(verdict: Verdict | None) -> int:
    if verdict is None:
        return -1
    return 0 if verdict.allowed else 1 if verdict.conditional else 2


def _interfaces(need: Need, interfaces: Mapping[str, str]) -> tuple[str | None, str | None]:
    """The packet's interfaces: mapped zones on a router, otherwise not known (the verdict
    then says which interfaces it depends on, if any)."""
    flow = need.flow
    if need.hook != "forward":
        return ANY_INTERFACE, ANY_INTERFACE
    iif = interfaces.get(flow.source.zone or "") or interfaces.get(flow.source.name)
    oif = interfaces.get(flow.destination.zone or "") or interfaces.get(flow.destination.name)
    return iif or ANY_INTERFACE, oif or ANY_INTERFACE


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
    return list(normalize((int(a), int(a)) for h in hosts for a in h.addresses))


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
    notices = [*ruleset.notes, *notices]
    if not needs:
        notices.append(f"no flow passes {point}: nothing to check.")
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
    if (
        ruleset.uses_interfaces
        and not interfaces
        and any(
            "arriving on" in c or "leaving by" in c for check in checks for c in check.conditions
        )
    ):
        notices.append(
            "some verdicts depend on the interface a packet uses, which the deployment does not "
            "say — map zones to interfaces with --interface ZONE=IFNAME."
        )
    own = host_addresses(deployment, point, host)
    findings = tuple(rule_findings(ruleset, needs, cuts, own))
    return AuditReport(point, checks, findings, tuple(notices))


def _families_of(need: Need) -> set[str]:
    return {"ip" if version == 4 else "ip6" for version, _, _ in need.sources}

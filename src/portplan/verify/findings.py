"""Rule findings of an audit: rules wider than the flows, and rules nothing reaches.

Both walk each chain once, in order, with the regions of :mod:`portplan.verify.regions`:
what reaches a rule is what reaches its chain minus what earlier rules decide. A rule whose
matching part of that is empty is *shadowed*. An accept rule whose matching part, for new
connections, holds packets no flow needs (and no network infrastructure needs) is *too wide*
— once an example packet from there, evaluated through the whole ruleset, is really accepted
by that rule.
"""

from __future__ import annotations

import bisect
import ipaddress
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, cast

from portplan.model.intervals import Interval
from portplan.model.service import Service
from portplan.verify.evaluate import IP_PROTOCOLS, PORTED, Hook, Packet, Ruleset
from portplan.verify.matches import Match
from portplan.verify.netfilter import CT_STATES
from portplan.verify.regions import (
    DIMS,
    FAMILIES,
    MAX_BOXES,
    PATHS,
    Box,
    D,
    IntervalSet,
    Point,
    RuleRegion,
    Space,
    changes_packet,
    contains,
    normalize,
    region_intersect,
    region_subtract,
)
from portplan.verify.rules import Chain, Rule, Statement, VerdictMap

ChainKey = tuple[str, str, str]
WITNESSES = 12  # example packets tried per rule before a too-wide finding is given up
# Infrastructure ICMP: errors (RFC 792, RFC 4443), IPv6 neighbour discovery (RFC 4861) and
# multicast listener discovery (RFC 3810, RFC 4890 4.4.1)
# keep the network working; accepting them is never "too wide".
INFRASTRUCTURE_ICMP = {
    1: {3, 4, 11, 12},
    58: {1, 2, 3, 4, 130, 131, 132, 133, 134, 135, 136, 143},
}


@dataclass(frozen=True)
class RuleFinding:
    kind: Literal["too-wide", "shadowed"]
    rule: str
    detail: str


class NeedLike(Protocol):
    """A flow as a hook sees it (:class:`portplan.verify.audit.Need`)."""

    @property
    def hook(self) -> str: ...
    @property
    def sources(self) -> tuple[tuple[int, int, int], ...]: ...
    @property
    def destinations(self) -> tuple[tuple[int, int, int], ...]: ...
    @property
    def services(self) -> tuple[Service, ...]: ...

    def covers(self, packet: Packet, saddr: int, daddr: int, proto: int) -> bool: ...


def rule_findings(
    ruleset: Ruleset,
    needs: Sequence[NeedLike],
    cuts: Mapping[str, set[int]],
    own: list[Interval] | None = None,
) -> list[RuleFinding]:
    """Too-wide and shadowed rules (``own``: the addresses of the host(s) a host ruleset runs
    on: its input only sees them as destinations, its output as sources)."""
    space = Space(ruleset)
    decisions = _Decisions(ruleset, space)
    contexts = _contexts(ruleset, space)
    wanted = _wanted(space, needs, own)
    picker = _Picker(space, cuts)
    too_wide: list[RuleFinding] = []
    shadowed: list[RuleFinding] = []
    for key, chain in ruleset.chains.items():
        context = contexts.get(key, [])
        deciders: list[_Decider] = []
        for rule in chain.rules:
            region = space.rule_region(rule, chain)
            matching = region_intersect(context, region.boxes)
            detail = _never(chain, context, region.boxes, matching)
            if detail is None:
                # A point no earlier rule decides settles it at once; only rules without one
                # are worth the exact subtraction.
                free = any(
                    _covered(point, deciders) is None for point in picker.points(matching, 3)
                )
                reaching, used = (None, []) if free else _reaching(matching, deciders)
                if reaching == []:
                    detail = "every packet it matches is decided earlier, by " + "; ".join(used[:3])
                elif _accepts(rule) and not _is_loopback(rule) and wanted is not None:
                    finding = _too_wide(
                        ruleset, picker, rule, reaching or matching, deciders, wanted, needs
                    )
                    if finding is not None:
                        too_wide.append(finding)
            if detail is not None:
                shadowed.append(RuleFinding("shadowed", rule.label, detail))
            if changes_packet(rule):
                break  # later rules compare another packet: no more shadowing claims here
            boxes = decisions.within_chain(rule, chain, region)
            if boxes:
                deciders.append(_Decider(rule.label, boxes, _bounds(boxes)))
    return too_wide + shadowed


def _never(chain: Chain, context: list[Box], own: Sequence[Box], matching: list[Box]) -> str | None:
    """Why a rule never matches, whatever comes before it (None: it can)."""
    if not context:
        return f"chain {chain.name} is never jumped to: it never runs"
    if not own:
        return "its own matches contradict: it never matches"
    if not matching:
        return f"no packet that reaches chain {chain.name} matches it"
    return None


class _Decisions:
    """Which packets a rule takes out of its chain for good — exact rules only: accept,
    drop, reject, return, goto; a jump for the packets its chain decides (it may return)."""

    def __init__(self, ruleset: Ruleset, space: Space):
        self.ruleset = ruleset
        self.space = space
        self.terminal: dict[ChainKey, list[Box]] = {}

    def within_chain(self, rule: Rule, chain: Chain, region: RuleRegion) -> list[Box]:
        if not region.exact:
            return []
        boxes: list[Box] = []
        for verdict, part in self._verdicts(rule, chain, region):
            if verdict.kind in ("accept", "drop", "reject", "return", "goto"):
                boxes += part
            elif verdict.kind == "jump" and verdict.target:
                boxes += region_intersect(part, self.decided_by(chain, verdict.target))
        return boxes

    def _verdicts(
        self, rule: Rule, chain: Chain, region: RuleRegion
    ) -> list[tuple[Statement, list[Box]]]:
        verdict = rule.verdict
        if isinstance(verdict, Statement):
            return [(verdict, list(region.boxes))]
        if isinstance(verdict, VerdictMap):
            out = []
            for element, statement in verdict.entries:
                boxes, exact = self.space.match_region(
                    Match(verdict.field_, "==", (element,)), chain
                )
                if exact:
                    out.append((statement, region_intersect(region.boxes, boxes)))
            return out
        return []

    def decided_by(self, caller: Chain, target: str) -> list[Box]:
        """The packets entering chain ``target`` that it decides for good (never return)."""
        key = (caller.family, caller.table, target)
        if key in self.terminal:
            return self.terminal[key]
        self.terminal[key] = []  # a loop (the kernel refuses them): decides nothing
        chain = self.ruleset.chains.get(key)
        decided: list[Box] = []
        left: list[Box] = []  # packets that may have returned to the caller by now
        for rule in chain.rules if chain is not None else []:
            if changes_packet(rule):
                break
            region = self.space.rule_region(rule, chain)  # type: ignore[arg-type]
            for verdict, part in self._verdicts(rule, chain, region):  # type: ignore[arg-type]
                if not region.exact:
                    if verdict.kind in ("return", "goto"):
                        left += part
                    continue
                if verdict.kind in ("jump", "goto") and verdict.target:
                    took = region_intersect(part, self.decided_by(chain, verdict.target))  # type: ignore[arg-type]
                    if verdict.kind == "goto":
                        left += part
                    part = took
                elif verdict.kind == "return":
                    left += part
                    continue
                elif verdict.kind not in ("accept", "drop", "reject"):
                    continue
                rest = region_subtract(part, left) if left else part
                decided += rest or []
            if len(decided) > MAX_BOXES or len(left) > MAX_BOXES:
                break
        self.terminal[key] = decided
        return decided


@dataclass(frozen=True)
class _Decider:
    label: str
    boxes: list[Box]
    bounds: tuple[Interval, ...]


def _covered(point: Point, deciders: Sequence[_Decider]) -> _Decider | None:
    """The first decider that takes the packet at ``point``."""
    for decider in deciders:
        if any(not a <= v <= b for v, (a, b) in zip(point, decider.bounds, strict=True)):
            continue
        if any(contains(box, point) for box in decider.boxes):
            return decider
    return None


def _bounds(boxes: Sequence[Box]) -> tuple[Interval, ...]:
    return tuple(
        (min(box[i][0][0] for box in boxes), max(box[i][-1][1] for box in boxes))
        for i in range(len(boxes[0]))
    )


def _reaching(boxes: list[Box], deciders: Sequence[_Decider]) -> tuple[list[Box] | None, list[str]]:
    """What of ``boxes`` no earlier decider takes (None: too fragmented to tell), and the
    deciders that took some."""
    if not boxes:
        return [], []
    mine = _bounds(boxes)
    used: list[str] = []
    remaining = boxes
    for decider in deciders:
        if any(a[1] < b[0] or b[1] < a[0] for a, b in zip(mine, decider.bounds, strict=True)):
            continue
        if not region_intersect(remaining, decider.boxes):
            continue
        rest = region_subtract(remaining, decider.boxes)
        if rest is None:
            return None, used
        used.append(decider.label)
        remaining = rest
        if not remaining:
            return [], used
        mine = _bounds(remaining)
    return remaining, used


def _contexts(ruleset: Ruleset, space: Space) -> dict[ChainKey, list[Box]]:
    """What reaches each chain: a base chain's hook; a jumped-to chain what its callers'
    jumping rules match there. A chain nothing jumps to is reached by nothing."""
    callers: dict[ChainKey, list[tuple[Rule, Chain, list[Box]]]] = {}
    for chain in ruleset.chains.values():
        for rule in chain.rules:
            for target, boxes in _jumps(rule, chain, space):
                callers.setdefault((chain.family, chain.table, target), []).append(
                    (rule, chain, boxes)
                )
    contexts: dict[ChainKey, list[Box]] = {}
    visiting: set[ChainKey] = set()

    def visit(key: ChainKey) -> list[Box]:
        if key in contexts:
            return contexts[key]
        chain = ruleset.chains[key]
        if chain.hook is not None:
            contexts[key] = [space.chain_box(chain)]
            return contexts[key]
        if key in visiting:
            return [space.box()]  # a loop the kernel would refuse: assume anything
        visiting.add(key)
        found: list[Box] = []
        for _, caller, boxes in callers.get(key, []):
            found += region_intersect(visit((caller.family, caller.table, caller.name)), boxes)
            if len(found) > MAX_BOXES:
                found = [space.box()]
                break
        visiting.discard(key)
        contexts[key] = found
        return found

    for key in ruleset.chains:
        visit(key)
    return contexts


def _jumps(rule: Rule, chain: Chain, space: Space) -> list[tuple[str, list[Box]]]:
    region = space.rule_region(rule, chain)
    verdict = rule.verdict
    if isinstance(verdict, Statement) and verdict.target:
        return [(verdict.target, list(region.boxes))]
    if isinstance(verdict, VerdictMap):
        return [(t, list(region.boxes)) for t in verdict.targets()]
    return []


def _accepts(rule: Rule) -> bool:
    if isinstance(rule.verdict, VerdictMap):
        return any(v.kind == "accept" for _, v in rule.verdict.entries)
    return rule.verdict is not None and rule.verdict.kind == "accept"


def _is_loopback(rule: Rule) -> bool:
    return any(
        f.interface and match.op in ("==", "in") and any(e[i] == "lo" for e in match.elements)
        for match in rule.matches
        for i, f in enumerate(match.fields)
    )


# --- too wide ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Wanted:
    scope: list[Box]  # new connections on the hooks the flows use (and the host's addresses)
    needed: list[Box]  # what the flows need, and infrastructure ICMP


def _wanted(space: Space, needs: Sequence[NeedLike], own: list[Interval] | None) -> _Wanted | None:
    hooks = {need.hook for need in needs}
    if not hooks:
        return None
    new = CT_STATES.index("new")
    scope: list[Box] = []
    for hook in sorted(hooks):
        constraints: dict[str, IntervalSet] = {
            "path": ((PATHS.index(hook), PATHS.index(hook)),),
            "ct": ((new, new),),
        }
        if own and hook == "input":
            constraints["daddr"] = tuple(own)
        if own and hook == "output":
            constraints["saddr"] = tuple(own)
        scope.append(space.box(**constraints))
    needed: list[Box] = []
    for need in needs:
        path = ((PATHS.index(need.hook), PATHS.index(need.hook)),)
        for version in (4, 6):
            sources = normalize((a, b) for v, a, b in need.sources if v == version)
            targets = normalize((a, b) for v, a, b in need.destinations if v == version)
            if not sources or not targets:
                continue
            family = ((version // 6, version // 6),)
            for service in need.services:
                proto = IP_PROTOCOLS[service.protocol]
                if proto in (1, 58) and (proto == 58) != (version == 6):
                    continue
                extra: dict[str, IntervalSet] = {"proto": ((proto, proto),)}
                if proto in PORTED:
                    extra["dport"] = normalize((r.low, r.high) for r in service.ports)
                elif service.icmp_type_number is not None:
                    extra["icmp"] = ((service.icmp_type_number,) * 2,)
                needed.append(
                    space.box(path=path, family=family, saddr=sources, daddr=targets, **extra)
                )
    for proto, types in INFRASTRUCTURE_ICMP.items():
        version = 0 if proto == 1 else 1
        needed.append(
            space.box(
                family=((version, version),),
                proto=((proto, proto),),
                icmp=normalize((t, t) for t in types),
            )
        )
    return _Wanted(scope, needed)


def _too_wide(
    ruleset: Ruleset,
    picker: _Picker,
    rule: Rule,
    reaching: list[Box],
    deciders: Sequence[_Decider],
    wanted: _Wanted,
    needs: Sequence[NeedLike],
) -> RuleFinding | None:
    """An example of a new connection the rule accepts and no flow needs, confirmed by
    evaluating it through the whole ruleset."""
    candidates = region_intersect(reaching, wanted.scope)
    tried = 0
    for point in picker.points(candidates, WITNESSES * 2):
        if tried >= WITNESSES:
            break
        if any(contains(box, point) for box in wanted.needed) or _covered(point, deciders):
            continue
        packet = picker.packet(point)
        if packet is None or _needed(packet, needs):
            continue
        tried += 1
        trace = ruleset.trace(packet)
        if trace.verdict.action == "accept" and rule in trace.matched:
            return RuleFinding("too-wide", rule.label, _wide_detail(picker.space, rule, packet))
    return None


def _needed(packet: Packet, needs: Sequence[NeedLike]) -> bool:
    proto = int(packet.protocol)
    if proto in INFRASTRUCTURE_ICMP and packet.icmp_type in INFRASTRUCTURE_ICMP[proto]:
        return True
    saddr = int(ipaddress.ip_address(packet.saddr))
    daddr = int(ipaddress.ip_address(packet.daddr))
    return any(n.covers(packet, saddr, daddr, proto) for n in needs)


class _Picker:
    """Points inside boxes, as packets: readable ones first — addresses and ports next to the
    ones the ruleset and the flows name — then the corners."""

    def __init__(self, space: Space, cuts: Mapping[str, set[int]]):
        self.space = space
        self.cuts = {dim: sorted(values) for dim, values in cuts.items()}
        self.cuts.setdefault("sport", [40000])
        self.cuts["icmp"] = [8, 128]

    def points(self, boxes: Sequence[Box], limit: int) -> Iterator[Point]:
        seen: set[Point] = set()
        for style in ("readable", "low", "high"):
            for box in boxes[:limit]:
                point = self._point(box, style)
                if point is not None and point not in seen:
                    seen.add(point)
                    yield point
                    if len(seen) >= limit:
                        return

    def _point(self, box: Box, style: str) -> Point | None:
        values = [0] * len(DIMS)
        family = box[D["family"]][0][0] if style != "high" else box[D["family"]][-1][1]
        top = 2**32 - 1 if family == 0 else 2**128 - 1
        for index, dim in enumerate(DIMS):
            spans = box[index]
            if dim == "family":
                value: int | None = family
            elif dim == "proto" and style == "readable":
                value = _pick_proto(spans, FAMILIES[family])
            elif dim == "ct" and any(a <= CT_STATES.index("new") <= b for a, b in spans):
                value = CT_STATES.index("new")
            elif dim in ("iif", "oif"):
                value = spans[-1][1]  # an interface no rule names, where allowed
            else:
                high = top if dim in ("saddr", "daddr") else spans[-1][1]
                low = 1 if dim in ("dport", "sport") else 0
                value = _pick(spans, self.cuts.get(dim, []), style, low, high)
            if value is None:
                return None
            values[index] = value
        return tuple(values)

    def packet(self, point: Point) -> Packet | None:
        path, family = PATHS[point[D["path"]]], FAMILIES[point[D["family"]]]
        proto = point[D["proto"]]
        ported = proto in PORTED
        if ported and not (point[D["dport"]] and point[D["sport"]]):
            return None
        make = ipaddress.IPv4Address if family == "ip" else ipaddress.IPv6Address
        return Packet(
            cast(Hook, path),
            family,
            str(make(point[D["saddr"]])),
            str(make(point[D["daddr"]])),
            proto,
            point[D["dport"]] if ported else None,
            sport=point[D["sport"]] if ported else None,
            icmp_type=point[D["icmp"]] if proto in (1, 58) else None,
            ct_state=CT_STATES[point[D["ct"]]],
            iifname=self.space.candidate("iif", point[D["iif"]]),
            oifname=self.space.candidate("oif", point[D["oif"]]),
        )


def _pick(spans: IntervalSet, cuts: list[int], style: str, low: int, high: int) -> int | None:
    usable = [(max(a, low), min(b, high)) for a, b in spans if max(a, low) <= min(b, high)]
    if not usable:
        return None
    if style == "low":
        return usable[0][0]
    if style == "high":
        return usable[-1][1]
    ends: list[int] = []
    for a, b in usable:
        # A named value strictly inside the span reads best; then the span's ends.
        for cut in cuts[bisect.bisect_right(cuts, a) : bisect.bisect_left(cuts, b)]:
            return cut
        ends += [a, b]
    return ends[0]


def _pick_proto(spans: IntervalSet, family: str) -> int | None:
    preferred = (6, 17, 132, 1 if family == "ip" else 58)
    for proto in preferred:
        if any(a <= proto <= b for a, b in spans):
            return proto
    for a, b in spans:
        for proto in range(a, b + 1):
            if proto not in (1, 58) and proto not in PORTED:
                return proto
    return None


def _wide_detail(space: Space, rule: Rule, packet: Packet) -> str:
    region = space.rule_region(rule, ruleset_chain(space, rule))
    full = space.full
    what = []
    if all(box[D["saddr"]] == full[D["saddr"]] for box in region.boxes):
        what.append("any source address")
    if all(box[D["daddr"]] == full[D["daddr"]] for box in region.boxes):
        what.append("any destination address")
    if all(box[D["proto"]] == full[D["proto"]] for box in region.boxes):
        what.append("any protocol")
    elif int(packet.protocol) in PORTED and all(
        box[D["dport"]] == full[D["dport"]] for box in region.boxes
    ):
        what.append("any port")
    name = {v: k for k, v in IP_PROTOCOLS.items() if k != "ipv6-icmp"}.get(
        int(packet.protocol), str(packet.protocol)
    )
    target = f"{packet.daddr}:{packet.dport}" if packet.dport is not None else packet.daddr
    kind = f" ({name} type {packet.icmp_type})" if packet.icmp_type is not None else ""
    reason = ", ".join(what) if what else "more than the flows need"
    return f"accepts {reason}: e.g. {name} {packet.saddr} → {target}{kind}, which no flow needs"


def ruleset_chain(space: Space, rule: Rule) -> Chain:
    return space.ruleset.chains[(rule.family, rule.table, rule.chain)]

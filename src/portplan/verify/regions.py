"""Which packets a rule matches, as unions of boxes — the audit's rule analyses.

A packet is a point in a few dimensions (path, IP version, addresses, protocol, ports, ICMP
type, conntrack state, interfaces); a rule's field tests cut out a union of boxes there
(:class:`Box`: per dimension a sorted set of intervals). Shadowing is then set algebra: a rule
is shadowed when its boxes, inside what reaches its chain, lie within the boxes earlier rules
of the chain decide for good. That is exact, and fast: no packet is tried.

The dimensions are the packet as the chain running sees it (after NAT, with conntrack's
view): every rule of a chain, and the chains it jumps to, see the same packet. Soundness comes
from two directions. A rule's own region may be too large (a test the boxes cannot express —
a mark, a rate limit — counts as "any"), never too small. A rule *decides* its region only
when the region is exact: every step is a field test the boxes express, and no statement of
the rule changes the packet first. So "shadowed" is never claimed for a rule some packet can
reach.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from portplan.model.intervals import (
    Interval,
    intersect_intervals,
    merge_intervals,
    subtract_intervals,
)
from portplan.verify.evaluate import Ruleset
from portplan.verify.matches import Constant, Field, Match, Undecided, in_element
from portplan.verify.netfilter import (
    CONNTRACK_HOOKS,
    CONNTRACK_PRIORITY,
    CT_STATES,
    ETHERTYPES,
    NFPROTO,
    PATHS_OF_HOOK,
    PORTED,
    TCP_FLAGS,
)
from portplan.verify.rules import Chain, Nat, Notrack, Rewrite, Rule, SetMark, Statement

IntervalSet = tuple[Interval, ...]
# The most telling dimensions first: box tests stop at the first one that differs.
DIMS = ("daddr", "saddr", "dport", "proto", "sport", "icmp", "ct", "iif", "oif", "family", "path")
D = {name: index for index, name in enumerate(DIMS)}
PATHS = ("input", "forward", "output")
FAMILIES = ("ip", "ip6")
OPENING = {CT_STATES.index(s) for s in ("new", "related", "untracked")}
MAX_BOXES = 4096  # past this a region is replaced by a larger one (never a smaller one)


def domains(names: tuple[int, int]) -> tuple[IntervalSet, ...]:
    """Every dimension's whole range (``names``: interface candidates per direction)."""
    full = {
        "path": ((0, 2),),
        "family": ((0, 1),),
        "saddr": ((0, 2**128 - 1),),
        "daddr": ((0, 2**128 - 1),),
        "proto": ((0, 255),),
        "dport": ((0, 65535),),
        "sport": ((0, 65535),),
        "icmp": ((0, 255),),
        "ct": ((0, len(CT_STATES) - 1),),
        "iif": ((0, names[0]),),
        "oif": ((0, names[1]),),
    }
    return tuple(full[d] for d in DIMS)


# --- interval sets ----------------------------------------------------------------------------


def normalize(intervals: Iterable[Interval]) -> IntervalSet:
    """Canonical intervals; an empty one (a comparison below 0, a range saved backwards)
    drops out."""
    return merge_intervals(i for i in intervals if i[0] <= i[1])


def intersect_sets(a: IntervalSet, b: IntervalSet) -> IntervalSet:
    if len(a) == 1 and len(b) == 1:  # the usual case, without the merge walk
        low, high = max(a[0][0], b[0][0]), min(a[0][1], b[0][1])
        return ((low, high),) if low <= high else ()
    return intersect_intervals(a, b)


# --- boxes ------------------------------------------------------------------------------------

Box = tuple[IntervalSet, ...]  # one interval set per dimension of DIMS
Point = tuple[int, ...]  # one value per dimension of DIMS


def contains(box: Box, point: Point) -> bool:
    return all(any(a <= v <= b for a, b in spans) for spans, v in zip(box, point, strict=True))


def box_intersect(a: Box, b: Box) -> Box | None:
    out = []
    for x, y in zip(a, b, strict=True):
        if x is y:
            out.append(x)
            continue
        both = intersect_sets(x, y)
        if not both:
            return None
        out.append(both)
    return tuple(out)


def box_subtract(a: Box, b: Box) -> list[Box]:
    """a − b as disjoint boxes."""
    if box_intersect(a, b) is None:
        return [a]
    pieces: list[Box] = []
    prefix: list[IntervalSet] = []
    for index, (x, y) in enumerate(zip(a, b, strict=True)):
        rest = subtract_intervals(x, y)
        if rest:
            pieces.append((*prefix, rest, *a[index + 1 :]))
        prefix.append(intersect_sets(x, y))
    return pieces


def region_intersect(a: Sequence[Box], b: Sequence[Box]) -> list[Box]:
    out = [both for x in a for y in b if (both := box_intersect(x, y)) is not None]
    return out


def region_subtract(a: Sequence[Box], b: Sequence[Box]) -> list[Box] | None:
    """a − b, or None when the pieces grow past MAX_BOXES (the caller then keeps a)."""
    pieces = list(a)
    for cut in b:
        next_pieces: list[Box] = []
        for piece in pieces:
            next_pieces.extend(box_subtract(piece, cut))
        pieces = next_pieces
        if len(pieces) > MAX_BOXES:
            return None
        if not pieces:
            break
    return pieces


# --- rules as regions -------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleRegion:
    """The packets a rule matches (``boxes``, perhaps too many) and whether exactly."""

    boxes: tuple[Box, ...]
    exact: bool


class Space:
    """The dimensions of one ruleset: its interface names and what its statements rewrite."""

    def __init__(self, ruleset: Ruleset):
        self.ruleset = ruleset
        self.names = {d: ruleset.interface_names[d] for d in ("iif", "oif")}
        # candidate n (0-based) is names[n]; the last index is an interface no rule names
        self.full = domains((len(self.names["iif"]), len(self.names["oif"])))
        self._regions: dict[int, RuleRegion] = {}

    def box(self, **constraints: IntervalSet) -> Box:
        values = list(self.full)
        for name, intervals in constraints.items():
            values[D[name]] = intersect_sets(values[D[name]], intervals)
        return tuple(values)

    def candidate(self, direction: str, index: int) -> str | None:
        names = self.names[direction]
        return names[index] if index < len(names) else None

    def chain_box(self, chain: Chain) -> Box:
        """What reaches a base chain: its hook's paths, its table's IP versions, its device;
        a NAT chain's rules see a connection's first packet only."""
        constraints: dict[str, IntervalSet] = {}
        if chain.hook in PATHS_OF_HOOK:
            constraints["path"] = normalize(
                (PATHS.index(p), PATHS.index(p)) for p in PATHS_OF_HOOK[chain.hook]
            )
        if chain.family in FAMILIES:
            index = FAMILIES.index(chain.family)
            constraints["family"] = ((index, index),)
        if chain.device_bound:
            direction = "iif" if chain.hook == "ingress" else "oif"
            devices = chain.devices or ()
            names = self.names[direction]
            constraints[direction] = normalize(
                (i, i) for i, name in enumerate(names) if name in devices
            )
        if chain.type == "nat":
            new = CT_STATES.index("new")
            constraints["ct"] = ((new, new),)
        elif self.before_conntrack(chain):
            # No connection yet: ct state reads invalid (untracked after notrack).
            constraints["ct"] = normalize(
                (CT_STATES.index(s), CT_STATES.index(s)) for s in ("invalid", "untracked")
            )
        return self.box(**constraints)

    def before_conntrack(self, chain: Chain) -> bool:
        if chain.hook == "ingress":
            return True
        return chain.hook in CONNTRACK_HOOKS and chain.priority < CONNTRACK_PRIORITY

    def rule_region(self, rule: Rule, chain: Chain) -> RuleRegion:
        found = self._regions.get(id(rule))
        if found is None:
            found = self._regions[id(rule)] = self._rule_region(rule, chain)
        return found

    def _rule_region(self, rule: Rule, chain: Chain) -> RuleRegion:
        boxes = [self.box(**self._family_of(rule.family))]
        exact = True
        changed = False  # a statement ran: later tests see another packet
        for step in rule.steps:
            if isinstance(step, SetMark | Notrack | Nat | Rewrite):
                changed, exact = True, False
                continue
            if changed or isinstance(step, Undecided):
                exact = False
                continue
            if isinstance(step, Constant):
                if not step.result:
                    return RuleRegion((), exact)
                continue
            match_boxes, match_exact = self.match_region(step, chain)
            exact = exact and match_exact
            boxes = region_intersect(boxes, match_boxes)
            if len(boxes) > MAX_BOXES:
                return RuleRegion((self.box(),), False)
            if not boxes:
                return RuleRegion((), exact)
        return RuleRegion(tuple(boxes), exact)

    @staticmethod
    def _family_of(family: str) -> dict[str, IntervalSet]:
        if family in FAMILIES:
            index = FAMILIES.index(family)
            return {"family": ((index, index),)}
        return {}

    def match_region(self, match: Match, chain: Chain) -> tuple[list[Box], bool]:
        """The boxes of one field test, and whether they are exact."""
        implied: dict[str, IntervalSet] = {}
        dims: list[str | None] = []
        exact = True
        for f in match.fields:
            if f.family is not None:
                implied.update(self._family_of(f.family))
            if f.protocols is not None:
                implied["proto"] = intersect_sets(
                    implied.get("proto", ((0, 255),)), normalize((p, p) for p in f.protocols)
                )
            dim = _dimension(f)
            if dim is None:
                exact = False
            dims.append(dim)
        base = self.box(**implied)
        if match.mask is not None and match.fields[0].kind != "tcpflags":
            return [base], False
        if any(d is None for d in dims):
            return [base], False
        if match.op in ("<", ">", "<=", ">="):
            return [self._comparison(base, match, dims[0])], exact  # type: ignore[arg-type]
        positive = self._element_boxes(base, match, dims)  # type: ignore[arg-type]
        if match.op in ("==", "in"):
            return positive, exact
        rest = region_subtract([base], positive)
        return (rest, exact) if rest is not None else ([base], False)

    def _comparison(self, base: Box, match: Match, dim: str) -> Box:
        bound = match.elements[0][0]
        assert not isinstance(bound, str)
        low, high = self.full[D[dim]][0]
        interval = {
            "<": (low, bound[0] - 1),
            "<=": (low, bound[0]),
            ">": (bound[0] + 1, high),
            ">=": (bound[0], high),
        }[match.op]
        values = list(base)
        values[D[dim]] = intersect_sets(values[D[dim]], normalize([interval]))
        return tuple(values)

    def _element_boxes(self, base: Box, match: Match, dims: list[str]) -> list[Box]:
        f = match.fields[0]
        if f.kind in ("ctstate", "tcpflags", "nfproto", "ethertype"):
            values = list(base)
            values[D[dims[0]]] = intersect_sets(values[D[dims[0]]], self._derived(match))
            return [tuple(values)]
        if len(match.fields) == 1 and match._starts:
            values = list(base)
            spans = normalize(zip(match._starts, match._ends, strict=True))
            values[D[dims[0]]] = intersect_sets(values[D[dims[0]]], spans)
            return [tuple(values)]
        boxes: list[Box] = []
        for element in match.elements:
            values = list(base)
            for index, (part, dim) in enumerate(zip(element, dims, strict=True)):
                field_ = match.fields[index]
                if field_.kind == "ifname":
                    allowed = self._names(dim, str(part))
                else:
                    assert not isinstance(part, str)
                    allowed = normalize([part])
                values[D[dim]] = intersect_sets(values[D[dim]], allowed)
            if all(values):
                boxes.append(tuple(values))
        return boxes

    def _names(self, direction: str, pattern: str) -> IntervalSet:
        names = self.names[direction]
        return normalize((i, i) for i, name in enumerate(names) if in_element([name], (pattern,)))

    def _derived(self, match: Match) -> IntervalSet:
        """ct state bits, TCP flags (SYN for a connection's first packet, else ACK) and the
        family a protocol field names, as the values of their dimension."""
        f = match.fields[0]
        if f.kind == "ctstate":
            wanted = {i for i in range(len(CT_STATES)) if _hits(match, 1 << i)}
            return normalize((i, i) for i in wanted)
        if f.kind == "tcpflags":
            wanted = set()
            for i in range(len(CT_STATES)):
                flags = TCP_FLAGS["syn"] if i in OPENING else TCP_FLAGS["ack"]
                if _hits(match, flags):
                    wanted.add(i)
            return normalize((i, i) for i in wanted)
        table = NFPROTO if f.kind == "nfproto" else ETHERTYPES
        values = {table["ipv4" if f.kind == "nfproto" else "ip"]: 0}
        values[table["ipv6" if f.kind == "nfproto" else "ip6"]] = 1
        return normalize((i, i) for number, i in values.items() if _hits(match, number))


def _hits(match: Match, value: int) -> bool:
    """Whether the match's positive form holds for ``value`` (its op is applied later)."""
    if match.mask is not None:
        value &= match.mask
    if match.flag_test:
        mask = 0
        for element in match.elements:
            part = element[0]
            assert not isinstance(part, str)
            mask |= part[0]
        return bool(value & mask)
    return any(not isinstance(e[0], str) and e[0][0] <= value <= e[0][1] for e in match.elements)


def _dimension(f: Field) -> str | None:
    if f.kind in ("addr4", "addr6"):
        return f.name.split()[1]
    if f.kind == "port":
        return f.name.split()[1]
    if f.kind in ("icmp", "icmpv6"):
        return "icmp"
    if f.kind == "proto" and f.name != "ct protocol":
        return "proto"
    if f.kind in ("ctstate", "tcpflags"):
        return "ct"
    if f.kind in ("nfproto", "ethertype"):
        return "family"
    if f.kind == "ifname":
        return f.interface
    return None


def changes_packet(rule: Rule) -> bool:
    """Whether the rule rewrites what later rules of its chain compare (addresses, ports,
    conntrack state) without ending the chain."""
    ends = isinstance(rule.verdict, Statement) and rule.verdict.kind in ("accept", "drop")
    return not ends and any(isinstance(s, Notrack | Nat | Rewrite) for s in rule.steps)


def ported(proto: int) -> bool:
    return proto in PORTED

"""Concrete flows as disjoint boxes: the compression Linux packet filters share.

A chain's flows allow a set of (source address, destination address, protocol, port) tuples.
This module rewrites that set as *boxes* — source CIDRs × destination CIDRs × one protocol ×
one port range (or ICMP type range) — so that

* every allowed tuple lies in exactly one box and nothing else does (the union is exact, and
  boxes never overlap — the kernel's concatenated interval sets refuse overlapping elements);
* hosts that share the same requirement end up in the same box, so the number of boxes grows
  with the distinct services and role pairs, not with the hosts;
* each box keeps the ``product/flow`` labels of the flows it serves, for the rule comments.

How: CIDRs are laminar (two are either nested or disjoint), so the source addresses split into
disjoint *regions*, each inheriting the requirements of every network that contains it. The
same is done for destinations within each source region, and ports become disjoint *atoms*
carrying the labels that cover them. Regions with the same (atom, destinations) are then merged.

A flow a filter cannot express — an endpoint known only by name (FQDN) — raises
:class:`~portplan.errors.UnsupportedError` naming it. A service between endpoints that share
no IP version (an IPv4-only host and an IPv6-only one; ``icmp`` between IPv6 addresses) adds
nothing: no such packet can exist, so no rule is missing.
"""

from __future__ import annotations

import gc
import ipaddress
import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from portplan.errors import UnsupportedError
from portplan.model.concrete import ConcreteFlow, Network
from portplan.model.intervals import Interval, merge_intervals, subtract_intervals
from portplan.model.service import ICMP_PROTOCOLS, PROTOCOLS

T = TypeVar("T")

ALL_ICMP_TYPES = (0, 255)
"""An ICMP service without a type allows every message type (the 8-bit type field)."""


@dataclass(frozen=True)
class RuleBox:
    """Sources × destinations × one protocol × one inclusive range of ports or ICMP types."""

    family: int  # 4 or 6
    protocol: str  # tcp, udp, sctp, icmp, icmpv6
    low: int
    high: int
    sources: tuple[Network, ...]
    destinations: tuple[Network, ...]
    labels: tuple[str, ...]  # "product/flow" of every flow this box serves

    @property
    def is_icmp(self) -> bool:
        return self.protocol in ICMP_PROTOCOLS

    @property
    def size(self) -> int:
        """Elements this box needs in a concatenated set (one per source × destination)."""
        return len(self.sources) * len(self.destinations)


# One requirement before compression: source, destination, protocol, low, high, label.
_Contribution = tuple[Interval, Interval, str, int, int, str]


def flow_label(flow: ConcreteFlow) -> str:
    return f"{flow.product}/{flow.flow}"


def allow_boxes(flows: Iterable[ConcreteFlow], target: str) -> list[RuleBox]:
    """The disjoint boxes allowing exactly ``flows`` (sorted, deterministic)."""
    per_family: dict[int, list[_Contribution]] = {4: [], 6: []}
    intervals: dict[int, dict[int, list[Interval]]] = {}  # id(endpoint) -> family -> ranges
    with _collector_paused():
        for flow in flows:
            _contributions(flow, target, per_family, intervals)
        boxes: list[RuleBox] = []
        for family, contributions in per_family.items():
            boxes.extend(_compress(family, contributions))
    boxes.sort(key=_box_order)
    return boxes


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while compressing.

    The compression allocates millions of small tuples that form no reference cycles; each
    collection the allocations trigger would rescan every object alive — the whole
    resolution — for nothing (a quarter of the time at 200,000 flows, bench/compile.py).
    Memory is still freed by reference counting as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _contributions(
    flow: ConcreteFlow,
    target: str,
    per_family: dict[int, list[_Contribution]],
    cache: dict[int, dict[int, list[Interval]]],
) -> None:
    ends = []
    for endpoint in (flow.source, flow.destination):
        if not endpoint.addresses:
            known_as = f" (known only as '{endpoint.fqdn}')" if endpoint.fqdn else ""
            raise UnsupportedError(
                f"flow {flow.id}: endpoint '{endpoint.name}'{known_as} has no addresses, and "
                f"{target} filters by address — give it cidrs in the deployment, or use a "
                "target that filters by name."
            )
        # Endpoints are shared by many flows; their ranges are computed once per compile.
        ranges = cache.get(id(endpoint))
        if ranges is None:
            ranges = {4: [], 6: []}
            for network in endpoint.addresses:
                first = int(network.network_address)
                size = 1 << (network.max_prefixlen - network.prefixlen)
                ranges[network.version].append((first, first + size - 1))
            cache[id(endpoint)] = ranges
        ends.append(ranges)
    sources, destinations = ends
    label = flow_label(flow)
    for service in flow.services:
        families: tuple[int, ...]
        if service.protocol in ICMP_PROTOCOLS:
            number = service.icmp_type_number
            spans = [ALL_ICMP_TYPES if number is None else (number, number)]
            families = (4,) if service.protocol == "icmp" else (6,)
        else:
            spans = [(r.low, r.high) for r in service.ports]
            families = (4, 6)
        for family in families:
            out = per_family[family]
            for source in sources[family]:
                for destination in destinations[family]:
                    for low, high in spans:
                        out.append((source, destination, service.protocol, low, high, label))


def _compress(family: int, contributions: list[_Contribution]) -> list[RuleBox]:
    if not contributions:
        return []
    # Source regions, each with every (destination, service) requirement that covers it.
    source_regions = laminar_regions(
        (source, (destination, protocol, low, high, label))
        for source, destination, protocol, low, high, label in contributions
    )
    merged: dict[tuple[str, int, int, tuple[str, ...], tuple[Interval, ...]], list[Interval]] = (
        defaultdict(list)
    )
    for source_ranges, requirements in source_regions:
        destination_regions = laminar_regions(
            (destination, (protocol, low, high, label))
            for destination, protocol, low, high, label in requirements
        )
        # For this source region: which destinations each port atom reaches.
        reach: dict[tuple[str, int, int, tuple[str, ...]], list[Interval]] = defaultdict(list)
        for destination_ranges, services in destination_regions:
            for atom in port_atoms(services):
                reach[atom].extend(destination_ranges)
        for (protocol, low, high, labels), destinations in reach.items():
            key = (protocol, low, high, labels, merge_intervals(destinations))
            merged[key].extend(source_ranges)
    return [
        RuleBox(
            family,
            protocol,
            low,
            high,
            interval_cidrs(family, merge_intervals(sources)),
            interval_cidrs(family, destinations),
            labels,
        )
        for (protocol, low, high, labels, destinations), sources in merged.items()
    ]


def laminar_regions(
    items: Iterable[tuple[Interval, T]],
) -> list[tuple[tuple[Interval, ...], list[T]]]:
    """Split CIDR ranges into disjoint regions, each with the payloads of every range covering
    it.

    CIDR blocks are laminar: sorted by (first address, widest first) they list a containment
    tree in pre-order. Each block's region is itself minus its children; its payloads are its
    own plus those of every ancestor.
    """
    payloads: dict[Interval, list[T]] = defaultdict(list)
    for interval, payload in items:
        payloads[interval].append(payload)
    if len(payloads) == 1:
        ((interval, only),) = payloads.items()
        return [((interval,), only)]
    order = sorted(payloads, key=lambda iv: (iv[0], -iv[1]))
    children: dict[Interval, list[Interval]] = {}
    inherited: dict[Interval, list[T]] = {}
    stack: list[Interval] = []
    for interval in order:
        while stack and stack[-1][1] < interval[1]:
            stack.pop()  # not inside the block on top (blocks are nested or disjoint)
        if stack:
            parent = stack[-1]
            children.setdefault(parent, []).append(interval)
            inherited[interval] = inherited[parent] + payloads[interval]
        else:
            inherited[interval] = payloads[interval]
        stack.append(interval)
    regions: list[tuple[tuple[Interval, ...], list[T]]] = []
    for interval in order:
        # Children of a block are disjoint and sorted (pre-order), as the subtraction needs.
        remainder = subtract_intervals((interval,), tuple(children.get(interval, ())))
        if remainder:
            regions.append((remainder, inherited[interval]))
    return regions


def port_atoms(
    services: Sequence[tuple[str, int, int, str]],
) -> list[tuple[str, int, int, tuple[str, ...]]]:
    """Disjoint (protocol, low, high, labels) pieces covering ``services`` exactly.

    Adjacent pieces with the same labels are joined, so ``tcp/80`` and ``tcp/81`` of one flow
    stay one range ``80-81``.
    """
    if len(services) == 1:
        protocol, low, high, label = services[0]
        return [(protocol, low, high, (label,))]
    by_protocol: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for protocol, low, high, label in services:
        by_protocol[protocol].append((low, high, label))
    atoms: list[tuple[str, int, int, tuple[str, ...]]] = []
    for protocol in sorted(by_protocol, key=PROTOCOLS.index):
        spans = sorted(by_protocol[protocol])
        if all(a[1] < b[0] for a, b in itertools.pairwise(spans)):
            # No two overlap (the usual case): each span is an atom; join touching ones that
            # serve the same flow.
            joined: list[tuple[int, int, tuple[str, ...]]] = []
            for low, high, label in spans:
                if joined and joined[-1][1] == low - 1 and joined[-1][2] == (label,):
                    joined[-1] = (joined[-1][0], high, (label,))
                else:
                    joined.append((low, high, (label,)))
            atoms.extend((protocol, low, high, labels) for low, high, labels in joined)
            continue
        bounds = sorted({low for low, _, _ in spans} | {high + 1 for _, high, _ in spans})
        pieces: list[tuple[int, int, tuple[str, ...]]] = []
        for start, stop in itertools.pairwise(bounds):
            labels = tuple(sorted({label for low, high, label in spans if low <= start <= high}))
            if not labels:
                continue
            if pieces and pieces[-1][1] == start - 1 and pieces[-1][2] == labels:
                pieces[-1] = (pieces[-1][0], stop - 1, labels)
            else:
                pieces.append((start, stop - 1, labels))
        atoms.extend((protocol, low, high, labels) for low, high, labels in pieces)
    return atoms


def interval_cidrs(family: int, intervals: tuple[Interval, ...]) -> tuple[Network, ...]:
    """The fewest CIDRs covering ``intervals`` exactly (each interval is split at alignment)."""
    bits = 32 if family == 4 else 128
    make = ipaddress.IPv4Network if family == 4 else ipaddress.IPv6Network
    out: list[Network] = []
    for first, last in intervals:
        while first <= last:
            # The largest block that starts at ``first`` (alignment) and ends by ``last``.
            size = (first & -first) if first else 1 << bits
            while size > last - first + 1:
                size >>= 1
            out.append(make((first, bits - size.bit_length() + 1)))
            first += size
    return tuple(out)


def network_order(network: Network) -> tuple[int, int, int]:
    return (network.version, int(network.network_address), network.prefixlen)


def _box_order(box: RuleBox) -> tuple[object, ...]:
    return (
        box.family,
        PROTOCOLS.index(box.protocol),
        box.low,
        box.high,
        [network_order(n) for n in box.sources],
        [network_order(n) for n in box.destinations],
    )

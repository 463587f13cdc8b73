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

import ipaddress
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from portplan.errors import UnsupportedError
from portplan.model.concrete import ConcreteFlow, Network
from portplan.model.service import ICMP_PROTOCOLS, PROTOCOLS

T = TypeVar("T")

ALL_ICMP_TYPES = (0, 255)
"""An ICMP service without a type allows every message type (the 8-bit type field)."""


@dataclass(frozen=True)
class Box:
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
_Contribution = tuple[Network, Network, str, int, int, str]


def flow_label(flow: ConcreteFlow) -> str:
    return f"{flow.product}/{flow.flow}"


def allow_boxes(flows: Iterable[ConcreteFlow], target: str) -> list[Box]:
    """The disjoint boxes allowing exactly ``flows`` (sorted, deterministic)."""
    per_family: dict[int, list[_Contribution]] = {4: [], 6: []}
    for flow in flows:
        for family, contribution in _contributions(flow, target):
            per_family[family].append(contribution)
    boxes: list[Box] = []
    for family, contributions in per_family.items():
        boxes.extend(_compress(family, contributions))
    boxes.sort(key=_box_order)
    return boxes


def _contributions(flow: ConcreteFlow, target: str) -> list[tuple[int, _Contribution]]:
    for endpoint in (flow.source, flow.destination):
        if not endpoint.addresses:
            known_as = f" (known only as '{endpoint.fqdn}')" if endpoint.fqdn else ""
            raise UnsupportedError(
                f"flow {flow.id}: endpoint '{endpoint.name}'{known_as} has no addresses, and "
                f"{target} filters by address — give it cidrs in the deployment, or use a "
                "target that filters by name."
            )
    label = flow_label(flow)
    out: list[tuple[int, _Contribution]] = []
    for service in flow.services:
        if service.protocol in ICMP_PROTOCOLS:
            number = service.icmp_type_number
            spans = [ALL_ICMP_TYPES if number is None else (number, number)]
            families = [4] if service.protocol == "icmp" else [6]
        else:
            spans = [(r.low, r.high) for r in service.ports]
            families = [4, 6]
        for family in families:
            sources = [a for a in flow.source.addresses if a.version == family]
            destinations = [a for a in flow.destination.addresses if a.version == family]
            for source in sources:
                for destination in destinations:
                    for low, high in spans:
                        contribution = (source, destination, service.protocol, low, high, label)
                        out.append((family, contribution))
    return out


def _compress(family: int, contributions: list[_Contribution]) -> list[Box]:
    if not contributions:
        return []
    # Source regions, each with every (destination, service) requirement that covers it.
    source_regions = laminar_regions(
        (source, (destination, protocol, low, high, label))
        for source, destination, protocol, low, high, label in contributions
    )
    merged: dict[tuple[str, int, int, tuple[str, ...], tuple[Network, ...]], list[Network]] = (
        defaultdict(list)
    )
    for source_cidrs, requirements in source_regions:
        destination_regions = laminar_regions(
            (destination, (protocol, low, high, label))
            for destination, protocol, low, high, label in requirements
        )
        # For this source region: which destinations each port atom reaches.
        reach: dict[tuple[str, int, int, tuple[str, ...]], list[Network]] = defaultdict(list)
        for destination_cidrs, services in destination_regions:
            for atom in port_atoms(services):
                reach[atom].extend(destination_cidrs)
        for (protocol, low, high, labels), destinations in reach.items():
            key = (protocol, low, high, labels, collapse(destinations))
            merged[key].extend(source_cidrs)
    return [
        Box(family, protocol, low, high, collapse(sources), destinations, labels)
        for (protocol, low, high, labels, destinations), sources in merged.items()
    ]


def laminar_regions(
    items: Iterable[tuple[Network, T]],
) -> list[tuple[tuple[Network, ...], list[T]]]:
    """Split networks into disjoint regions, each with the payloads of every network covering it.

    CIDR blocks are laminar: sorted by (first address, prefix length) they list a containment
    tree in pre-order. Each network's region is itself minus its children; its payloads are its
    own plus those of every ancestor.
    """
    payloads: dict[Network, list[T]] = defaultdict(list)
    for network, payload in items:
        payloads[network].append(payload)
    order = sorted(payloads, key=lambda n: (int(n.network_address), n.prefixlen))
    children: dict[Network, list[Network]] = {n: [] for n in order}
    inherited: dict[Network, list[T]] = {}
    stack: list[Network] = []
    for network in order:
        while stack and not _contains(stack[-1], network):
            stack.pop()
        parent = stack[-1] if stack else None
        if parent is not None:
            children[parent].append(network)
            inherited[network] = inherited[parent] + payloads[network]
        else:
            inherited[network] = list(payloads[network])
        stack.append(network)
    regions: list[tuple[tuple[Network, ...], list[T]]] = []
    for network in order:
        remainder = _remainder(network, children[network])
        if remainder:
            regions.append((remainder, inherited[network]))
    return regions


def port_atoms(
    services: Sequence[tuple[str, int, int, str]],
) -> list[tuple[str, int, int, tuple[str, ...]]]:
    """Disjoint (protocol, low, high, labels) pieces covering ``services`` exactly.

    Adjacent pieces with the same labels are joined, so ``tcp/80`` and ``tcp/81`` of one flow
    stay one range ``80-81``.
    """
    by_protocol: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for protocol, low, high, label in services:
        by_protocol[protocol].append((low, high, label))
    atoms: list[tuple[str, int, int, tuple[str, ...]]] = []
    for protocol in sorted(by_protocol, key=PROTOCOLS.index):
        spans = by_protocol[protocol]
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


def collapse(networks: Iterable[Network]) -> tuple[Network, ...]:
    """The fewest CIDRs covering exactly ``networks`` (sorted)."""
    items = list(networks)
    if len(items) == 1:
        return (items[0],)
    v4 = [n for n in items if isinstance(n, ipaddress.IPv4Network)]
    v6 = [n for n in items if isinstance(n, ipaddress.IPv6Network)]
    out: list[Network] = [*ipaddress.collapse_addresses(v4), *ipaddress.collapse_addresses(v6)]
    return tuple(sorted(out, key=network_order))


def network_order(network: Network) -> tuple[int, int, int]:
    return (network.version, int(network.network_address), network.prefixlen)


def _box_order(box: Box) -> tuple[object, ...]:
    return (
        box.family,
        PROTOCOLS.index(box.protocol),
        box.low,
        box.high,
        [network_order(n) for n in box.sources],
        [network_order(n) for n in box.destinations],
    )


def _contains(outer: Network, inner: Network) -> bool:
    return (
        outer.prefixlen <= inner.prefixlen
        and int(outer.network_address) <= int(inner.network_address)
        and int(inner.broadcast_address) <= int(outer.broadcast_address)
    )


def _remainder(network: Network, children: list[Network]) -> tuple[Network, ...]:
    """``network`` minus its (disjoint, sorted) children, as CIDRs."""
    if not children:
        return (network,)
    make: Callable[[int], ipaddress.IPv4Address | ipaddress.IPv6Address] = (
        ipaddress.IPv4Address if network.version == 4 else ipaddress.IPv6Address
    )
    out: list[Network] = []
    cursor = int(network.network_address)
    for child in children:
        first = int(child.network_address)
        if first > cursor:
            out.extend(ipaddress.summarize_address_range(make(cursor), make(first - 1)))
        cursor = max(cursor, int(child.broadcast_address) + 1)
    last = int(network.broadcast_address)
    if cursor <= last:
        out.extend(ipaddress.summarize_address_range(make(cursor), make(last)))
    return tuple(out)

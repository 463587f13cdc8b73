"""Which enforcement points a flow crosses, in the order a packet meets them.

A path is: the source host's own firewall (egress), the zone firewalls on the source side,
the site firewalls along the route between the two sites, the zone firewalls on the
destination side, and the destination host's firewall (ingress).

Sites are joined by links: a ``mesh`` link joins every pair of its sites, a ``hub-and-spoke``
link joins the hub to each spoke only, so spoke-to-spoke traffic transits the hub (and its
edge firewall). An external endpoint without a site is "the internet": it is reached through
the edge of the other endpoint's site.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Literal

from portplan.model.concrete import Endpoint, Hop
from portplan.model.deployment import Deployment, EnforcementPoint

HopKind = Literal["host-egress", "network", "host-ingress"]


class NoRoute(Exception):
    """Two sites with no chain of links between them."""

    def __init__(self, first: str, second: str):
        super().__init__(f"no link between sites {first} and {second}")
        self.sites = (first, second)


@dataclass(frozen=True)
class SiteGraph:
    """Sites and the links between them; routes are shortest paths (fewest hops)."""

    order: tuple[str, ...]
    neighbours: dict[str, tuple[str, ...]]

    @classmethod
    def of(cls, deployment: Deployment) -> SiteGraph:
        order = tuple(s.name for s in deployment.sites)
        edges: dict[str, set[str]] = {name: set() for name in order}
        for link in deployment.links:
            if link.topology == "hub-and-spoke" and link.hub is not None:
                pairs = [(link.hub, s) for s in link.sites if s != link.hub]
            else:
                pairs = [(a, b) for a in link.sites for b in link.sites if a != b]
            for a, b in pairs:
                edges[a].add(b)
                edges[b].add(a)
        rank = {name: i for i, name in enumerate(order)}
        # Neighbours in declaration order, so equal-length routes are chosen the same way
        # on every run.
        neighbours = {n: tuple(sorted(edges[n], key=rank.__getitem__)) for n in order}
        return cls(order, neighbours)

    def route(self, start: str, goal: str) -> tuple[str, ...]:
        """The sites from ``start`` to ``goal`` inclusive; :class:`NoRoute` if unreachable."""
        if start == goal:
            return (start,)
        previous: dict[str, str] = {start: start}
        queue = deque([start])
        while queue:
            here = queue.popleft()
            for there in self.neighbours.get(here, ()):
                if there not in previous:
                    previous[there] = here
                    if there == goal:
                        hops = [goal]
                        while hops[-1] != start:
                            hops.append(previous[hops[-1]])
                        return tuple(reversed(hops))
                    queue.append(there)
        raise NoRoute(start, goal)


def sites_on_route(
    graph: SiteGraph, source: str | None, destination: str | None
) -> tuple[str, ...]:
    """The sites whose edge a flow between these sites crosses; empty inside one site.

    ``None`` is the internet (an external without a site).
    """
    if source is None and destination is None:
        return ()  # internet to internet: nothing of ours in between
    if source is None:
        assert destination is not None
        return (destination,)
    if destination is None:
        return (source,)
    if source == destination:
        return ()
    return graph.route(source, destination)


def host_hops(deployment: Deployment, endpoint: Endpoint, kind: HopKind) -> tuple[Hop, ...]:
    """The host firewalls of ``endpoint`` (none for an external)."""
    if endpoint.kind != "host":
        return ()
    return tuple(
        Hop(point.name, kind, point.platform)
        for point in deployment.firewalls
        if point.kind == "host" and (not point.hosts or endpoint.name in point.hosts)
    )


def network_hops(
    deployment: Deployment,
    graph: SiteGraph,
    source: tuple[str | None, str | None],
    destination: tuple[str | None, str | None],
) -> tuple[Hop, ...]:
    """Network firewalls between two (zone, site) places, in the order a packet meets them.

    Raises :class:`NoRoute` when the sites are not joined by links.
    """
    (source_zone, source_site), (destination_zone, destination_site) = source, destination
    route = sites_on_route(graph, source_site, destination_site)
    network = [p for p in deployment.firewalls if p.kind == "network"]
    crossing_zones = source_zone != destination_zone

    def guards_zone(point: EnforcementPoint, zone: str | None) -> bool:
        return crossing_zones and zone is not None and zone in point.zones

    ordered = [p for p in network if guards_zone(p, source_zone)]
    for site in route:
        ordered += [p for p in network if site in p.sites]
    ordered += [p for p in network if guards_zone(p, destination_zone)]
    # A firewall guarding several zones or sites on the route is one box: list it once.
    hops: list[Hop] = []
    seen: set[str] = set()
    for point in ordered:
        if point.name not in seen:
            seen.add(point.name)
            hops.append(Hop(point.name, "network", point.platform))
    return tuple(hops)


def flow_path(
    deployment: Deployment, graph: SiteGraph, source: Endpoint, destination: Endpoint
) -> tuple[Hop, ...]:
    """The enforcement points between ``source`` and ``destination``, in order.

    Raises :class:`NoRoute` when the endpoints sit on sites no links join.
    """
    return (
        host_hops(deployment, source, "host-egress")
        + network_hops(
            deployment,
            graph,
            (source.zone, source.site),
            (destination.zone, destination.site),
        )
        + host_hops(deployment, destination, "host-ingress")
    )


class PathFinder:
    """:func:`flow_path` for many pairs: hosts share zones and sites, so the parts are cached."""

    def __init__(self, deployment: Deployment):
        self.deployment = deployment
        self.graph = SiteGraph.of(deployment)
        self._hosts: dict[tuple[str, str, HopKind], tuple[Hop, ...]] = {}
        self._network: dict[tuple[object, ...], tuple[Hop, ...] | NoRoute] = {}

    def _host(self, endpoint: Endpoint, kind: HopKind) -> tuple[Hop, ...]:
        key = (endpoint.kind, endpoint.name, kind)
        if key not in self._hosts:
            self._hosts[key] = host_hops(self.deployment, endpoint, kind)
        return self._hosts[key]

    def path(self, source: Endpoint, destination: Endpoint) -> tuple[Hop, ...]:
        key = (source.zone, source.site, destination.zone, destination.site)
        if key not in self._network:
            try:
                self._network[key] = network_hops(
                    self.deployment,
                    self.graph,
                    (source.zone, source.site),
                    (destination.zone, destination.site),
                )
            except NoRoute as exc:
                self._network[key] = exc
        network = self._network[key]
        if isinstance(network, NoRoute):
            raise network
        return self._host(source, "host-egress") + network + self._host(destination, "host-ingress")

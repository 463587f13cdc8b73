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


def sites_on_route(graph: SiteGraph, source: Endpoint, destination: Endpoint) -> tuple[str, ...]:
    """The sites whose edge the flow crosses; empty when it stays inside one site."""
    if source.site is None and destination.site is None:
        return ()  # internet to internet: nothing of ours in between
    if source.site is None:
        assert destination.site is not None
        return (destination.site,)
    if destination.site is None:
        return (source.site,)
    if source.site == destination.site:
        return ()
    return graph.route(source.site, destination.site)


def _host_points(
    deployment: Deployment, endpoint: Endpoint, kind: HopKind
) -> list[tuple[EnforcementPoint, HopKind]]:
    if endpoint.kind != "host":
        return []
    return [
        (point, kind)
        for point in deployment.firewalls
        if point.kind == "host" and (not point.hosts or endpoint.name in point.hosts)
    ]


def flow_path(
    deployment: Deployment, graph: SiteGraph, source: Endpoint, destination: Endpoint
) -> tuple[Hop, ...]:
    """The enforcement points between ``source`` and ``destination``, in order.

    Raises :class:`NoRoute` when the endpoints sit on sites no links join.
    """
    route = sites_on_route(graph, source, destination)
    network = [p for p in deployment.firewalls if p.kind == "network"]
    crossing_zones = source.zone != destination.zone

    def guards_zone(point: EnforcementPoint, zone: str | None) -> bool:
        return crossing_zones and zone is not None and zone in point.zones

    ordered = _host_points(deployment, source, "host-egress")
    ordered += [(p, "network") for p in network if guards_zone(p, source.zone)]
    for site in route:
        ordered += [(p, "network") for p in network if site in p.sites]
    ordered += [(p, "network") for p in network if guards_zone(p, destination.zone)]
    ordered += _host_points(deployment, destination, "host-ingress")

    hops: list[Hop] = []
    seen: set[str] = set()
    for point, kind in ordered:
        # A firewall guarding several zones or sites on the route is one box: list it once.
        if kind == "network":
            if point.name in seen:
                continue
            seen.add(point.name)
        hops.append(Hop(point.name, kind, point.platform))
    return tuple(hops)

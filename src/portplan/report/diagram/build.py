"""Build a :class:`~.model.Diagram` from a resolved deployment or from a product.

A change board reads a deployment diagram for where traffic crosses a firewall, so each
network firewall is a node and a flow is drawn along its path — source → firewall → … →
destination — with the flows that share a segment merged onto it; WAN/VPN links are nodes
joined to each site (the hub marked). At zone level each zone is one node. Flows that only
exist with a feature or as an option are kept on a separate, dashed edge, showing only the
ports the solid edge does not already open.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from itertools import pairwise

from portplan.errors import ServiceSyntaxError
from portplan.model.concrete import ConcreteFlow, Endpoint, Resolution
from portplan.model.deployment import Deployment
from portplan.model.product import Flow, Product
from portplan.model.service import Service, format_services, parse_services
from portplan.report.diagram.model import Cluster, Diagram, DiagramNode, Edge, Level
from portplan.report.diff import service_delta


def deployment_diagram(
    deployment: Deployment, resolution: Resolution, level: Level = "host"
) -> Diagram:
    """Sites as boxes; hosts in their zones' boxes (``level="zone"``: each zone one node),
    externals, network firewalls as nodes on the flows that cross them, WAN/VPN links joining
    the sites (the hub marked); flows merged per pair and segment."""
    clusters, site_cluster, zone_cluster = _clusters(deployment, level)
    places = _Places(deployment, level)
    nodes = (
        _host_nodes(deployment, zone_cluster)
        if level == "host"
        else _zone_nodes(deployment, resolution, site_cluster)
    )
    nodes += _external_nodes(deployment, site_cluster, places)
    firewalls = _firewall_nodes(deployment, site_cluster)
    nodes += firewalls
    link_nodes, wires = _links(deployment, site_cluster, {n.title: n.id for n in firewalls})
    nodes += link_nodes
    # The product flows; the management block's (administrators to every host, every host to
    # DNS, NTP, updates) would draw a line to each host: counted, not drawn.
    uses = {use.key for use in deployment.products}
    drawn = [f for f in resolution.flows if f.product in uses]
    edges = _drop_covered(_flow_segments(drawn, places))
    edges.sort(key=lambda e: (e.source, e.target, e.conditional))
    subtitle = deployment.description
    if level == "zone":
        subtitle += " (zone to zone: services of every host in each zone)"
    if len(drawn) < len(resolution.flows):
        managed = len(resolution.flows) - len(drawn)
        subtitle += f" — not drawn: {managed} flows of the management block"
    return Diagram(
        deployment.name, tuple(clusters), tuple(nodes), (*edges, *wires), subtitle=subtitle.strip()
    )


def _clusters(
    deployment: Deployment, level: Level
) -> tuple[list[Cluster], dict[str, str], dict[str, str]]:
    """A box per site and, at host level, a box per zone inside its site."""
    clusters: list[Cluster] = []
    site_cluster: dict[str, str] = {}
    zone_cluster: dict[str, str] = {}
    for i, site in enumerate(deployment.sites):
        site_cluster[site.name] = f"cluster_s{i}"
        clusters.append(Cluster(f"cluster_s{i}", f"site {site.name}", "site"))
    if level == "host":
        for i, zone in enumerate(deployment.zones):
            zone_cluster[zone.name] = f"cluster_z{i}"
            cidrs = ", ".join(str(c) for c in zone.cidrs)
            clusters.append(
                Cluster(f"cluster_z{i}", f"{zone.name} ({cidrs})", "zone", site_cluster[zone.site])
            )
    return clusters, site_cluster, zone_cluster


class _Places:
    """Which node an endpoint is drawn as: its host, its zone (zone level), its external."""

    def __init__(self, deployment: Deployment, level: Level) -> None:
        self.level = level
        hosts = {h.name for h in deployment.hosts}
        # A host and an external may share a name; the node ids must not.
        self.externals = {
            e.name: e.name if e.name not in hosts and level == "host" else f"ext:{e.name}"
            for e in deployment.externals
        }

    def of(self, endpoint: Endpoint) -> str:
        if endpoint.kind == "external":
            return self.externals.get(endpoint.name, f"ext:{endpoint.name}")
        if self.level == "zone":
            return f"zone:{endpoint.zone}"
        return endpoint.name


def _host_firewalls(deployment: Deployment) -> dict[str, str]:
    """Host → the platform of its own enforcement point."""
    platforms: dict[str, str] = {}
    for point in deployment.firewalls:
        if point.kind == "host":
            for host_name in point.hosts or [h.name for h in deployment.hosts]:
                platforms.setdefault(host_name, point.platform)
    return platforms


def _host_nodes(deployment: Deployment, zone_cluster: Mapping[str, str]) -> list[DiagramNode]:
    platforms = _host_firewalls(deployment)
    return [
        DiagramNode(
            host.name,
            host.name,
            "host",
            details=(f"{', '.join(str(a) for a in host.addresses)} · {host.os}", *host.roles),
            cluster=zone_cluster[host.zone],
            host_firewall=platforms.get(host.name),
        )
        for host in deployment.hosts
    ]


def _zone_nodes(
    deployment: Deployment, resolution: Resolution, site_cluster: Mapping[str, str]
) -> list[DiagramNode]:
    """Each zone as one node: its networks, its hosts, the flows that stay inside it."""
    platforms = _host_firewalls(deployment)
    inside = Counter(
        f.source.zone
        for f in resolution.flows
        if f.source.kind == f.destination.kind == "host" and f.source.zone == f.destination.zone
    )
    nodes = []
    for zone in deployment.zones:
        hosts = [h for h in deployment.hosts if h.zone == zone.name]
        walled = Counter(platforms[h.name] for h in hosts if h.name in platforms)
        details = [", ".join(str(c) for c in zone.cidrs), f"{len(hosts)} host(s)"]
        if inside[zone.name]:
            details.append(f"{inside[zone.name]} flow(s) inside the zone")
        nodes.append(
            DiagramNode(
                f"zone:{zone.name}",
                zone.name,
                "zone",
                details=tuple(details),
                cluster=site_cluster[zone.site],
                host_firewall=", ".join(f"{p} ×{n}" for p, n in walled.items()) or None,
            )
        )
    return nodes


def _external_nodes(
    deployment: Deployment, site_cluster: Mapping[str, str], places: _Places
) -> list[DiagramNode]:
    nodes = []
    for external in deployment.externals:
        where = [str(c) for c in external.cidrs] + ([external.fqdn] if external.fqdn else [])
        nodes.append(
            DiagramNode(
                places.externals[external.name],
                external.name,
                "external",
                details=(", ".join(where), *external.roles),
                cluster=site_cluster.get(external.site) if external.site else None,
            )
        )
    return nodes


def _firewall_nodes(deployment: Deployment, site_cluster: Mapping[str, str]) -> list[DiagramNode]:
    """Each network firewall, inside the site it guards (at the top when it spans sites)."""
    zone_site = {z.name: z.site for z in deployment.zones}
    nodes = []
    for point in deployment.firewalls:
        if point.kind != "network":
            continue
        sites = set(point.sites) | {zone_site[z] for z in point.zones if z in zone_site}
        guards = ["site edge"] if point.sites else []
        guards += [f"{len(point.zones)} zone(s)"] if point.zones else []
        nodes.append(
            DiagramNode(
                f"fw:{point.name}",
                point.name,
                "firewall",
                details=(f"{point.platform} · {', '.join(guards)}",),
                cluster=site_cluster[next(iter(sites))] if len(sites) == 1 else None,
            )
        )
    return nodes


def _links(
    deployment: Deployment, site_cluster: Mapping[str, str], firewall_ids: Mapping[str, str]
) -> tuple[list[DiagramNode], list[Edge]]:
    """Each WAN/VPN link as a node joined to every site it connects — at the site's edge
    firewall, or at the site's edge when it has none — the hub's join labelled ``hub``."""
    edge_points = {
        site: firewall_ids[p.name]
        for p in deployment.firewalls
        if p.kind == "network"
        for site in reversed(p.sites)
    }
    nodes: list[DiagramNode] = []
    wires: list[Edge] = []
    anchors: set[str] = set()
    for link in deployment.links:
        shape = (
            "hub and spoke, hub " + str(link.hub) if link.topology == "hub-and-spoke" else "mesh"
        )
        nodes.append(
            DiagramNode(
                f"link:{link.name}", link.name, "link", details=(f"{link.kind.upper()} · {shape}",)
            )
        )
        for site in link.sites:
            anchor = edge_points.get(site, f"edge:{site}")
            if anchor not in firewall_ids.values() and anchor not in anchors:
                anchors.add(anchor)
                nodes.append(
                    DiagramNode(anchor, f"{site} edge", "anchor", cluster=site_cluster[site])
                )
            label = "hub" if site == link.hub else ""
            wires.append(Edge(f"link:{link.name}", anchor, (), kind="wire", label=label))
    return nodes, wires


def _flow_segments(flows: Sequence[ConcreteFlow], places: _Places) -> list[Edge]:
    """Flows merged per segment of their path: source → each network firewall → destination;
    a segment carries every service of the flows that take it."""
    segments: dict[tuple[str, str, bool], list[ConcreteFlow]] = {}
    for flow in flows:
        points = [f"fw:{h.point}" for h in flow.path if h.kind == "network"]
        chain = [places.of(flow.source), *dict.fromkeys(points), places.of(flow.destination)]
        conditional = flow.optional or flow.feature is not None
        for first, second in pairwise(chain):
            if first != second:
                segments.setdefault((first, second, conditional), []).append(flow)
    return [
        Edge(
            source,
            target,
            tuple(format_services(s for f in flows for s in f.services)),
            conditional,
            tuple(sorted({f.feature for f in flows if f.feature})),
            (),
            tuple(sorted({f.id for f in flows})),
        )
        for (source, target, conditional), flows in segments.items()
    ]


def product_diagram(
    product: Product, values: Mapping[str, str | int | None] | None = None
) -> Diagram:
    """A product's roles as nodes and its flows merged per role pair (variables at defaults)."""
    nodes = [
        DiagramNode(
            role.id,
            role.id,
            "role",
            details=tuple(d for d in (role.name, ", ".join(role.platforms)) if d),
            optional=not role.required,
        )
        for role in product.roles
    ]
    groups: dict[tuple[str, str, bool], list[Flow]] = {}
    for flow in product.flows:
        groups.setdefault((flow.from_role, flow.to_role, flow.conditional), []).append(flow)
    edges = [
        Edge(
            source,
            target,
            _product_services(product, flows, values),
            conditional,
            tuple(sorted({f.feature for f in flows if f.feature})),
            (),
            tuple(f.id for f in flows),
        )
        for (source, target, conditional), flows in groups.items()
    ]
    edges = _drop_covered(edges)
    edges.sort(key=lambda e: (e.source, e.target, e.conditional))
    title = " ".join(p for p in (product.vendor, product.name, product.version) if p)
    return Diagram(title or product.id, (), tuple(nodes), tuple(edges), subtitle=product.id)


def _drop_covered(edges: list[Edge]) -> list[Edge]:
    """A dashed (optional/feature) edge shows only the ports the solid edge between the same
    pair does not already open; when nothing is left, it adds nothing to the picture."""
    required = {(e.source, e.target): e for e in edges if not e.conditional}
    out: list[Edge] = []
    for edge in edges:
        twin = required.get((edge.source, edge.target)) if edge.conditional else None
        if twin is None:
            out.append(edge)
            continue
        try:
            extra, _ = service_delta(parse_services(twin.services), parse_services(edge.services))
        except ServiceSyntaxError:  # a ${variable} without a value: keep it as written
            out.append(edge)
            continue
        if extra:
            out.append(replace(edge, services=tuple(format_services(extra))))
    return out


def _product_services(
    product: Product, flows: Sequence[Flow], values: Mapping[str, str | int | None] | None
) -> tuple[str, ...]:
    """Merged services; a flow whose variable has no value keeps its ``${name}`` text."""
    concrete: list[Service] = []
    symbolic: list[str] = []
    for flow in flows:
        services = product.flow_services(flow, values)
        if services is None:
            symbolic.extend(flow.services)
        else:
            concrete.extend(services)
    return (*format_services(concrete), *dict.fromkeys(symbolic))

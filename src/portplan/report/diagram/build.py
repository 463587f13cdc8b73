"""Build a :class:`~.model.Diagram` from a resolved deployment or from a product.

Flows are merged per (source, destination) pair so a deployment with dozens of flows stays
readable; flows that only exist with a feature or as an option are kept on a separate, dashed
edge, showing only the ports the solid edge does not already open.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from portplan.errors import ServiceSyntaxError
from portplan.model.concrete import ConcreteFlow, Resolution
from portplan.model.deployment import Deployment
from portplan.model.product import Flow, Product
from portplan.model.service import Service, format_services, parse_services
from portplan.report.diagram.model import Cluster, Diagram, DiagramNode, Edge
from portplan.report.diff import service_delta


def deployment_diagram(deployment: Deployment, resolution: Resolution) -> Diagram:
    """Sites and zones as clusters, hosts and externals as nodes, flows merged per pair."""
    clusters: list[Cluster] = []
    site_cluster: dict[str, str] = {}
    zone_cluster: dict[str, str] = {}
    for i, site in enumerate(deployment.sites):
        site_cluster[site.name] = f"cluster_s{i}"
        clusters.append(Cluster(f"cluster_s{i}", f"site {site.name}", "site"))
    for i, zone in enumerate(deployment.zones):
        zone_cluster[zone.name] = f"cluster_z{i}"
        cidrs = ", ".join(str(c) for c in zone.cidrs)
        clusters.append(
            Cluster(f"cluster_z{i}", f"{zone.name} ({cidrs})", "zone", site_cluster[zone.site])
        )

    host_points: dict[str, str] = {}
    for point in deployment.firewalls:
        if point.kind == "host":
            for host_name in point.hosts or [h.name for h in deployment.hosts]:
                host_points.setdefault(host_name, point.platform)

    nodes: list[DiagramNode] = []
    ids: dict[tuple[str, str], str] = {}
    host_names = {h.name for h in deployment.hosts}
    for host in deployment.hosts:
        ids[("host", host.name)] = host.name
        addresses = ", ".join(str(a) for a in host.addresses)
        nodes.append(
            DiagramNode(
                host.name,
                host.name,
                "host",
                details=(f"{addresses} · {host.os}", *host.roles),
                cluster=zone_cluster[host.zone],
                host_firewall=host_points.get(host.name),
            )
        )
    for external in deployment.externals:
        # A host and an external may share a name; the node ids must not.
        node_id = external.name if external.name not in host_names else f"ext:{external.name}"
        ids[("external", external.name)] = node_id
        where = [str(c) for c in external.cidrs] + ([external.fqdn] if external.fqdn else [])
        nodes.append(
            DiagramNode(
                node_id,
                external.name,
                "external",
                details=(", ".join(where), *external.roles),
                cluster=site_cluster.get(external.site) if external.site else None,
            )
        )

    groups: dict[tuple[str, str, bool], list[ConcreteFlow]] = {}
    for flow in resolution.flows:
        source = ids.get((flow.source.kind, flow.source.name), flow.source.name)
        target = ids.get((flow.destination.kind, flow.destination.name), flow.destination.name)
        conditional = flow.optional or flow.feature is not None
        groups.setdefault((source, target, conditional), []).append(flow)
    known = {n.id for n in nodes}
    for flow in resolution.flows:  # an endpoint the deployment does not list (defensive)
        for end in (flow.source, flow.destination):
            node_id = ids.get((end.kind, end.name), end.name)
            if node_id not in known:
                known.add(node_id)
                nodes.append(DiagramNode(node_id, end.name, end.kind))

    edges = [
        Edge(
            source,
            target,
            tuple(format_services(s for f in flows for s in f.services)),
            conditional,
            tuple(sorted({f.feature for f in flows if f.feature})),
            tuple(
                dict.fromkeys(hop.point for f in flows for hop in f.path if hop.kind == "network")
            ),
            tuple(sorted(f.id for f in flows)),
        )
        for (source, target, conditional), flows in groups.items()
    ]
    edges = _drop_covered(edges)
    edges.sort(key=lambda e: (e.source, e.target, e.conditional))
    return Diagram(
        deployment.name,
        tuple(clusters),
        tuple(nodes),
        tuple(edges),
        subtitle=deployment.description,
    )


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

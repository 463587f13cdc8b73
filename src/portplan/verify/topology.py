"""The lab's network, planned from a deployment before anything is built (pure, testable).

The layout mirrors how :mod:`portplan.flows.paths` decides which firewalls a flow crosses, so a
packet in the lab meets exactly the enforcement points its concrete flow lists:

- every host is a namespace wired to its zone's *switch* (a plain router: traffic inside a zone
  meets no network firewall);
- a zone's switch reaches its site's *core* (a plain router) through the firewalls guarding the
  zone, the one guarding most zones nearest the core (guard sets must nest);
- a site reaches the WAN and the internet through its *edge* firewalls, in deployment order;
- a mesh link is a WAN router joining the sites' outer ends; a hub-and-spoke link wires each
  spoke's outer end to the hub's, so spoke-to-spoke traffic crosses the hub's edge;
- externals without a site live in one ``internet`` namespace wired to every site's outer end
  (never a transit); externals with a site hang off that site's core.

A firewall that guards zones and a site edge appears twice (a zone instance and an edge
instance, same ruleset): a flow listing it once passes one or both, and both allow it.
Routes are host routes (/32, /128) along shortest paths that never transit a host, the
internet or a site's externals.
"""

from __future__ import annotations

import ipaddress
import itertools
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from portplan.errors import UnsupportedError
from portplan.model.concrete import Network
from portplan.model.deployment import Deployment, EnforcementPoint, External

NodeKind = Literal["host", "switch", "core", "zone-fw", "edge-fw", "wan", "internet", "externals"]
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Addresses tried for an external given as a wide CIDR (documentation ranges first: RFC 5737,
# RFC 3849), so the lab never claims a real public address when it can avoid it.
PREFERRED = [
    ipaddress.ip_address(a)
    for a in ("203.0.113.77", "198.51.100.77", "192.0.2.77", "2001:db8:ffff::77")
]


@dataclass
class Node:
    name: str  # short, unique: a namespace label
    kind: NodeKind
    site: str | None = None
    point: str | None = None  # the enforcement point whose ruleset this namespace loads
    host: str | None = None  # a host namespace: the host; a host firewall ruleset too
    addresses: list[Address] = field(default_factory=list)  # owned (hosts, externals)
    owners: dict[str, list[Address]] = field(default_factory=dict)  # external name → addresses

    @property
    def transit(self) -> bool:
        return self.kind not in ("host", "internet", "externals")


@dataclass
class Topology:
    nodes: dict[str, Node] = field(default_factory=dict)
    links: list[tuple[str, str]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def add(self, node: Node) -> Node:
        self.nodes.setdefault(node.name, node)
        return self.nodes[node.name]

    def link(self, a: str, b: str) -> None:
        if a != b and (a, b) not in self.links and (b, a) not in self.links:
            self.links.append((a, b))

    def neighbours(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {name: [] for name in self.nodes}
        for a, b in self.links:
            out[a].append(b)
            out[b].append(a)
        return out

    def next_hops(self) -> dict[str, dict[str, str]]:
        """For every node that owns addresses: every other node's next hop toward it."""
        neighbours = self.neighbours()
        table: dict[str, dict[str, str]] = {}
        for target, node in self.nodes.items():
            if not node.addresses:
                continue
            hops: dict[str, str] = {}
            queue = deque([target])
            seen = {target}
            while queue:
                here = queue.popleft()
                if here != target and not self.nodes[here].transit:
                    continue  # reached, but packets never pass through hosts or the internet
                for there in neighbours[here]:
                    if there not in seen:
                        seen.add(there)
                        hops[there] = here
                        queue.append(there)
            table[target] = hops
        return table

    def owner_of(self, host_or_external: str) -> Node:
        for node in self.nodes.values():
            if node.host == host_or_external or host_or_external in node.owners:
                return node
        raise KeyError(host_or_external)


def _guards(deployment: Deployment) -> dict[str, list[EnforcementPoint]]:
    """Zone → the network firewalls guarding it, outermost (most zones) first."""
    out: dict[str, list[EnforcementPoint]] = {}
    for zone in deployment.zones:
        points = [p for p in deployment.firewalls if p.kind == "network" and zone.name in p.zones]
        out[zone.name] = sorted(points, key=lambda p: -len(p.zones))
    return out


def external_address(
    network: ipaddress.IPv4Network | ipaddress.IPv6Network,
    avoid: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network],
) -> Address | None:
    """One address inside ``network`` that no more specific network in ``avoid`` holds."""
    others = [n for n in avoid if n != network and n.version == network.version]
    candidates: list[Address] = [a for a in PREFERRED if a in network]
    if network.num_addresses == 1:
        candidates.append(network.network_address)
    elif network.num_addresses > 2:
        candidates += [network.network_address + 1, network.broadcast_address - 1]
    for candidate in candidates:
        if candidate.is_loopback or candidate.is_multicast or candidate.is_unspecified:
            continue
        if int(candidate) >> 24 == 0 and candidate.version == 4:
            continue  # 0.0.0.0/8 is "this network", not a source the kernel accepts
        if any(candidate in n and n.prefixlen > network.prefixlen for n in others):
            continue
        return candidate
    return None


Namer = Callable[[str, str], str]
"""Gives a node its short, unique namespace label from a kind letter and a name."""


def plan_topology(deployment: Deployment) -> Topology:
    topology = Topology()
    counter = iter(range(10_000))

    def short(kind: str, text: str) -> str:
        return f"{kind}{next(counter)}-{text}"[:20]

    cores = {
        s.name: topology.add(Node(short("c", s.name), "core", site=s.name))
        for s in deployment.sites
    }
    switches = _add_zones(topology, deployment, cores, short)
    outer = _add_site_edges(topology, deployment, cores, short)
    _add_links(topology, deployment, outer, short)
    _add_hosts(topology, deployment, switches, short)
    _add_externals(topology, deployment, cores, outer, short)
    return topology


def _add_zones(
    topology: Topology, deployment: Deployment, cores: Mapping[str, Node], short: Namer
) -> dict[str, Node]:
    """Zones: switch → guarding firewalls (innermost first) → core. Returns the switches."""
    guards = _guards(deployment)
    zone_instances: dict[tuple[str, str], Node] = {}
    parent_of: dict[str, str] = {}
    switches: dict[str, Node] = {}
    for zone in deployment.zones:
        switch = topology.add(Node(short("z", zone.name), "switch", site=zone.site))
        switches[zone.name] = switch
        chain = [cores[zone.site].name]
        for point in guards[zone.name]:
            key = (point.name, zone.site)
            if key not in zone_instances:
                zone_instances[key] = topology.add(
                    Node(short("f", point.name), "zone-fw", site=zone.site, point=point.name)
                )
            chain.append(zone_instances[key].name)
        chain.append(switch.name)
        for upper, inner in itertools.pairwise(chain):
            if parent_of.setdefault(inner, upper) != upper:
                raise UnsupportedError(
                    f"zone '{zone.name}': the firewalls guarding it also guard zones that "
                    "other firewalls split differently — the lab needs guarded zone sets "
                    "that nest or do not overlap."
                )
            topology.link(upper, inner)
    return switches


def _add_site_edges(
    topology: Topology, deployment: Deployment, cores: Mapping[str, Node], short: Namer
) -> dict[str, str]:
    """Site edges: core → edge firewalls in deployment order. Returns each site's outer end."""
    outer: dict[str, str] = {}
    for site in deployment.sites:
        last = cores[site.name].name
        for point in deployment.firewalls:
            if point.kind == "network" and site.name in point.sites:
                edge = topology.add(
                    Node(short("e", point.name), "edge-fw", site=site.name, point=point.name)
                )
                topology.link(last, edge.name)
                last = edge.name
        outer[site.name] = last
    return outer


def _add_links(
    topology: Topology, deployment: Deployment, outer: Mapping[str, str], short: Namer
) -> None:
    """Links between sites: hub-and-spoke joins each member to the hub, otherwise a WAN node."""
    for link in deployment.links:
        if link.topology == "hub-and-spoke" and link.hub is not None:
            for member in link.sites:
                topology.link(outer[link.hub], outer[member])
        else:
            wan = topology.add(Node(short("w", link.name), "wan"))
            for member in link.sites:
                topology.link(wan.name, outer[member])


def _add_hosts(
    topology: Topology, deployment: Deployment, switches: Mapping[str, Node], short: Namer
) -> None:
    zone_site = {z.name: z.site for z in deployment.zones}
    for host in deployment.hosts:
        node = topology.add(
            Node(
                short("h", host.name),
                "host",
                site=zone_site[host.zone],
                host=host.name,
                addresses=[ipaddress.ip_address(str(a)) for a in host.addresses],
            )
        )
        topology.link(switches[host.zone].name, node.name)


def _add_externals(
    topology: Topology,
    deployment: Deployment,
    cores: Mapping[str, Node],
    outer: Mapping[str, str],
    short: Namer,
) -> None:
    """Externals: at their site's core, or behind one "internet" node joined to every site."""
    every_network = [n for z in deployment.zones for n in z.cidrs] + [
        n for e in deployment.externals for n in e.cidrs
    ]
    internet: Node | None = None
    for external in deployment.externals:
        picked = _external_addresses(topology, external, every_network)
        if not picked:
            continue
        if external.site is None:
            if internet is None:
                internet = topology.add(Node("internet", "internet"))
                for site in deployment.sites:
                    topology.link(internet.name, outer[site.name])
            owner = internet
        else:
            owner = topology.add(Node(short("x", external.site), "externals", site=external.site))
            topology.link(cores[external.site].name, owner.name)
        owner.owners[external.name] = picked
        owner.addresses.extend(a for a in picked if a not in owner.addresses)


def _external_addresses(
    topology: Topology, external: External, every_network: Sequence[Network]
) -> list[Address]:
    """One address per CIDR of ``external`` that no other network claims; what cannot be
    built becomes a notice."""
    picked = []
    for network in external.cidrs:
        address = external_address(network, every_network)
        if address is None:
            topology.notices.append(
                f"external '{external.name}': no usable address in {network} — not built."
            )
        else:
            picked.append(address)
    if not picked and not external.cidrs:
        topology.notices.append(
            f"external '{external.name}' has only an FQDN — its flows are not tried."
        )
    return picked

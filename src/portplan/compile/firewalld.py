"""firewalld: zone and policy XML with rich rules, and a service XML per product role.

Per network enforcement point a directory with one zone per deployment zone (its CIDRs as
sources) and one policy per (ingress zone, egress zone) pair carrying a rich rule per allowed
(source, destination, service); firewalld forwards nothing between zones unless a policy allows
it, so everything else stays dropped. Per host enforcement point a directory per host with a
zone catching every source (inbound rich rules) and a ``HOST`` → ``ANY`` policy with target
``DROP`` for outbound flows. ``services/<product>-<role>.xml`` describes what each role listens
on, for people who manage firewalld by service name.

Formats: firewalld.zone(5), firewalld.policy(5), firewalld.richlanguage(5),
firewalld.service(5). Zone and policy names are at most 17 characters (firewalld derives chain
names from them).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import Any

from portplan.compile.base import Artifact
from portplan.compile.groups import (
    HostFlows,
    address_pairs,
    ascii_text,
    clean_text,
    flow_comment,
    host_flow_index,
    host_points,
    hosts_of,
    network_points,
    point_flows,
    safe_name,
    split_role,
)
from portplan.model.concrete import ConcreteFlow, Network, Resolution
from portplan.model.deployment import Deployment
from portplan.model.service import Service

# firewalld's own icmptype names (/usr/lib/firewalld/icmptypes) where they differ from nft's.
ICMP_TYPE_NAMES = {
    "nd-neighbor-solicit": "neighbour-solicitation",
    "nd-neighbor-advert": "neighbour-advertisement",
    "nd-router-solicit": "router-solicitation",
    "nd-router-advert": "router-advertisement",
}
NAME_LIMIT = 17


def firewalld_name(text: str) -> str:
    return safe_name(text, max_length=NAME_LIMIT)


def xml_comment(text: str) -> ET.Element[Any]:
    """An XML comment; ``--`` may not occur inside one (XML 1.0 §2.5)."""
    body = clean_text(text)
    while "--" in body:
        body = body.replace("--", "- -")
    return ET.Comment(f" {body.rstrip('-')} ")


def serialize(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def rich_rules(
    parent: ET.Element, flows: Iterable[ConcreteFlow], *, source: bool = True, dest: bool = True
) -> int:
    """Append a rich rule per (flow, service, address pair, port range); return how many.

    A rule another flow already asked for is written once (firewalld ignores a repeated rich
    rule with a warning); the comment names the first flow that needed it.
    """
    seen: set[tuple[object, ...]] = set()
    for flow in flows:
        for service in flow.services:
            for pair in address_pairs(flow, service, "firewalld", source=source):
                sources: list[Network | None] = list(pair.sources) if source else [None]
                destinations: list[Network | None] = list(pair.destinations) if dest else [None]
                new = []
                for src in sources:
                    for dst in destinations:
                        for element in service_elements(service):
                            rule = ET.Element("rule", family=f"ipv{pair.version}")
                            if src is not None:
                                ET.SubElement(rule, "source", address=str(src))
                            if dst is not None:
                                ET.SubElement(rule, "destination", address=str(dst))
                            rule.append(element)
                            ET.SubElement(rule, "accept")
                            key = (pair.version, src, dst, element.tag, *element.items())
                            if key not in seen:
                                seen.add(key)
                                new.append(rule)
                if new:
                    parent.append(xml_comment(f"{flow_comment(flow)} ({service})"))
                    parent.extend(new)
    return len(seen)


def service_elements(service: Service) -> list[ET.Element]:
    """The rich-rule element(s) matching ``service``: one ``port`` per range, or ICMP."""
    if service.protocol in ("icmp", "icmpv6"):
        if service.icmp_type is None:
            value = "icmp" if service.protocol == "icmp" else "ipv6-icmp"
            return [ET.Element("protocol", value=value)]
        name = ICMP_TYPE_NAMES.get(service.icmp_type, service.icmp_type)
        return [ET.Element("icmp-type", name=name)]
    return [
        ET.Element(
            "port",
            port=f"{r.low}-{r.high}" if r.low != r.high else str(r.low),
            protocol=service.protocol,
        )
        for r in service.ports
    ]


def describe(element: ET.Element, short: str, description: str) -> None:
    ET.SubElement(element, "short").text = ascii_text(short, 60)
    ET.SubElement(element, "description").text = clean_text(description, 500)


class FirewalldCompiler:
    name = "firewalld"
    host_os = "linux"  # a host firewall of this target runs on Linux
    description = "firewalld zones and policies with rich rules; a service XML per product role"

    def compile(self, deployment: Deployment, resolution: Resolution) -> list[Artifact]:
        artifacts: list[Artifact] = []
        for point in network_points(deployment):
            artifacts += self._network(deployment, resolution, point.name)
        for point in host_points(deployment):
            index = host_flow_index(resolution, point.name)
            for host in hosts_of(deployment, point):
                flows = index.get(host, HostFlows(host, (), ()))
                artifacts += self._host(flows, point.name, host)
        artifacts += self._services(resolution)
        return artifacts

    def _network(
        self, deployment: Deployment, resolution: Resolution, point: str
    ) -> list[Artifact]:
        base = safe_name(point, allowed="A-Za-z0-9_.-")
        flows = point_flows(resolution, point)
        zones = {z.name: z for z in deployment.zones}
        by_pair: dict[tuple[str | None, str | None], list[ConcreteFlow]] = {}
        for flow in flows:
            by_pair.setdefault((flow.source.zone, flow.destination.zone), []).append(flow)
        used = sorted({z for pair in by_pair for z in pair if z is not None})
        out: list[Artifact] = []
        for zone_name in used:
            root = ET.Element("zone")
            describe(root, f"portplan {zone_name}", f"Deployment zone {zone_name}.")
            for cidr in zones[zone_name].cidrs if zone_name in zones else ():
                ET.SubElement(root, "source", address=str(cidr))
            out.append(
                Artifact(
                    f"{base}/zones/{firewalld_name('pp-' + zone_name)}.xml",
                    serialize(root),
                    point,
                    f"zone {zone_name}",
                )
            )
        for (src_zone, dst_zone), pair_flows in sorted(by_pair.items(), key=lambda i: str(i[0])):
            root = ET.Element("policy", target="CONTINUE", priority="-100")
            label = f"{src_zone or 'any'} to {dst_zone or 'any'}"
            describe(root, f"portplan {label}", f"Flows from {label} through {point}.")
            ingress = firewalld_name("pp-" + src_zone) if src_zone else "ANY"
            egress = firewalld_name("pp-" + dst_zone) if dst_zone else "ANY"
            ET.SubElement(root, "ingress-zone", name=ingress)
            ET.SubElement(root, "egress-zone", name=egress)
            count = rich_rules(root, pair_flows)
            name = firewalld_name(f"{src_zone or 'any'}-{dst_zone or 'any'}")
            out.append(
                Artifact(f"{base}/policies/{name}.xml", serialize(root), point, label, count)
            )
        return out

    def _host(self, flows: HostFlows, point: str, host: str) -> list[Artifact]:
        base = (
            f"{safe_name(point, allowed='A-Za-z0-9_.-')}/{safe_name(host, allowed='A-Za-z0-9_.-')}"
        )
        zone = ET.Element("zone", target="DROP")
        describe(zone, f"portplan {host}", f"Inbound flows of host {host} ({point}).")
        for everything in ("0.0.0.0/0", "::/0"):
            ET.SubElement(zone, "source", address=everything)
        inbound = rich_rules(zone, flows.inbound, dest=False)
        # Outbound: policies see HOST → ANY; the zone above only filters what enters.
        policy = ET.Element("policy", target="DROP", priority="-100")
        describe(policy, f"portplan {host} out", f"Outbound flows of host {host} ({point}).")
        ET.SubElement(policy, "ingress-zone", name="HOST")
        ET.SubElement(policy, "egress-zone", name="ANY")
        outbound = rich_rules(policy, flows.outbound, source=False)
        return [
            Artifact(
                f"{base}/zones/portplan.xml",
                serialize(zone),
                point,
                f"host {host} inbound",
                inbound,
            ),
            Artifact(
                f"{base}/policies/portplan-out.xml",
                serialize(policy),
                point,
                f"host {host} outbound",
                outbound,
            ),
        ]

    def _services(self, resolution: Resolution) -> list[Artifact]:
        listening: dict[str, list[Service]] = {}
        for flow in resolution.flows:
            listening.setdefault(flow.destination.role, []).extend(flow.services)
        out = []
        for role, services in sorted(listening.items()):
            product, role_name = split_role(role)
            root = ET.Element("service")
            describe(root, f"{product} {role_name}", f"What {product} role {role_name} receives.")
            seen: set[str] = set()
            for service in sorted(set(services), key=str):
                for element in service_elements(service):
                    if element.tag == "icmp-type":
                        continue  # a service cannot carry ICMP types; rich rules do
                    key = ET.tostring(element, encoding="unicode")
                    if key not in seen:
                        seen.add(key)
                        root.append(element)
            name = safe_name(f"{product}-{role_name}", max_length=100)
            out.append(Artifact(f"services/{name}.xml", serialize(root), None, f"service {role}"))
        return out

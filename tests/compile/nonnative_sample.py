"""A small deployment and its resolution, built by hand, for the non-native target tests.

Two sites, three zones, a network firewall between them and host firewalls; IPv4 and IPv6;
a port range, a comma list, UDP, ICMP, an external by CIDR; Linux and Windows hosts with
Kubernetes labels. ``names`` lets the hostile-name test replace every user-written string.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from portplan.model.concrete import ConcreteFlow, Endpoint, Hop, Network, Resolution
from portplan.model.deployment import (
    Deployment,
    EnforcementPoint,
    External,
    Host,
    ProductUse,
    Site,
    Zone,
)
from portplan.model.service import Service, parse_service


@dataclass
class Names:
    product: str = "acme-print"
    server_role: str = "server"
    client_role: str = "client"
    monitor_role: str = "monitor"
    server: str = "srv1"
    server2: str = "srv2"
    client: str = "ws1"
    monitor: str = "mon1"
    external: str = "partners"
    purpose: str = "print jobs"
    labels: dict[str, str] = field(default_factory=lambda: {"app": "acme"})


def net(text: str) -> Network:
    return ipaddress.ip_network(text)


def deployment_data(n: Names) -> dict[str, Any]:
    return {
        "name": "sample",
        "sites": [{"name": "hq"}, {"name": "branch"}],
        "zones": [
            {"name": "servers", "site": "hq", "cidrs": ["10.0.1.0/24", "2001:db8:1::/64"]},
            {"name": "clients", "site": "branch", "cidrs": ["10.0.2.0/24", "2001:db8:2::/64"]},
            {"name": "mgmt", "site": "hq", "cidrs": ["10.0.3.0/24"]},
        ],
        "hosts": [
            {
                "name": n.server,
                "zone": "servers",
                "addresses": ["10.0.1.10", "2001:db8:1::10"],
                "os": "windows",
                "roles": [],
                "labels": {"app": "acme", "tier": "server"},
            },
            {
                "name": n.server2,
                "zone": "servers",
                "addresses": ["10.0.1.11"],
                "os": "windows",
                "roles": [],
                "labels": {"app": "acme", "tier": "server"},
            },
            {
                "name": n.client,
                "zone": "clients",
                "addresses": ["10.0.2.50", "2001:db8:2::50"],
                "os": "linux",
                "roles": [],
                "labels": {"app": "acme-client"},
            },
            {
                "name": n.monitor,
                "zone": "mgmt",
                "addresses": ["10.0.3.5"],
                "os": "linux",
                "roles": [],
                "labels": {"app": "monitor"},
            },
        ],
        "externals": [{"name": "partners", "cidrs": ["192.0.2.0/24"], "roles": []}],
        "firewalls": [
            {"name": "core", "kind": "network", "zones": ["servers", "clients", "mgmt"]},
            {"name": "hostfw", "kind": "host", "hosts": [n.server, n.server2, n.client]},
        ],
        "products": [{"product": "acme-print"}],
    }


def build_deployment(data: dict[str, Any]) -> Deployment:
    """Validate like a loaded file; hostile names (which validation rejects) are constructed
    field by field, as a catalog-side bug or a future model change could let them through."""
    try:
        return Deployment.model_validate(data)
    except PydanticValidationError:
        pass
    return Deployment.model_construct(
        name=data["name"],
        sites=[Site.model_construct(**s) for s in data["sites"]],
        zones=[
            Zone.model_construct(**{**z, "cidrs": [net(c) for c in z["cidrs"]]})
            for z in data["zones"]
        ],
        hosts=[
            Host.model_construct(
                **{**h, "addresses": [ipaddress.ip_address(a) for a in h["addresses"]]}
            )
            for h in data["hosts"]
        ],
        externals=[
            External.model_construct(**{**e, "cidrs": [net(c) for c in e["cidrs"]]})
            for e in data["externals"]
        ],
        firewalls=[EnforcementPoint.model_construct(**f) for f in data["firewalls"]],
        products=[ProductUse.model_construct(**p) for p in data["products"]],
    )


def sample(
    n: Names | None = None, *, icmp: bool = True, icmp_types: bool = True, sctp: bool = False
) -> tuple[Deployment, Resolution]:
    n = n or Names()
    deployment = build_deployment(deployment_data(n))
    labels = tuple(sorted(n.labels.items()))

    def host(name: str, role: str, addresses: list[str], zone: str, os: str, tier: str) -> Endpoint:
        return Endpoint(
            name,
            "host",
            f"{n.product}:{role}",
            tuple(net(a) for a in addresses),
            zone=zone,
            site="hq" if zone != "clients" else "branch",
            os=os,
            labels=tuple(sorted({**dict(labels), "tier": tier}.items())) if labels else (),
        )

    server = host(
        n.server,
        n.server_role,
        ["10.0.1.10/32", "2001:db8:1::10/128"],
        "servers",
        "windows",
        "server",
    )
    server2 = host(n.server2, n.server_role, ["10.0.1.11/32"], "servers", "windows", "server")
    client = host(
        n.client,
        n.client_role,
        ["10.0.2.50/32", "2001:db8:2::50/128"],
        "clients",
        "linux",
        "client",
    )
    monitor = host(n.monitor, n.monitor_role, ["10.0.3.5/32"], "mgmt", "linux", "monitor")
    partners = Endpoint(n.external, "external", f"{n.product}:partner", (net("192.0.2.0/24"),))

    def hops(src: Endpoint, dst: Endpoint) -> tuple[Hop, ...]:
        path = []
        if src.name in (n.server, n.server2, n.client):
            path.append(Hop("hostfw", "host-egress", "nftables"))
        path.append(Hop("core", "network", "nftables"))
        if dst.name in (n.server, n.server2, n.client):
            path.append(Hop("hostfw", "host-ingress", "nftables"))
        return tuple(path)

    def flow(flow_id: str, src: Endpoint, dst: Endpoint, services: str) -> ConcreteFlow:
        parsed: tuple[Service, ...] = ()
        for text in services.split(";"):
            parsed += parse_service(text)
        return ConcreteFlow(n.product, flow_id, src, dst, parsed, n.purpose, path=hops(src, dst))

    flows = [flow("submit", client, s, "tcp/515,631,9100-9102") for s in (server, server2)]
    flows += [flow("partner-api", partners, s, "tcp/443") for s in (server, server2)]
    flows += [flow("snmp", monitor, s, "udp/161-162") for s in (server, server2)]
    flows.append(flow("status", server, client, "tcp/8080;udp/5353"))
    if icmp:
        for s in (server, server2):
            flows.append(flow("ping", monitor, s, "icmp/echo-request" if icmp_types else "icmp"))
        flows.append(
            flow("ping6", server, client, "icmpv6/echo-request" if icmp_types else "icmpv6")
        )
    if sctp:
        flows.append(flow("diameter", server, server2, "sctp/3868"))
    return deployment, Resolution("sample", tuple(flows))

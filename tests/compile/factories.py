"""Build deployments, endpoints, concrete flows and resolutions directly, for compile tests.

Compilers read only a :class:`Deployment` (its enforcement points and hosts) and a
:class:`Resolution`; these helpers make both in a line each, without a catalog:

    web = host("web", "10.0.1.10", "2001:db8:1::10")
    db = host("db", "10.0.2.20")
    f = flow(web, db, "tcp/5432", path=[network("fw")])
    compile(deployment(hosts=[web, db], firewalls=[network_point("fw")]), resolution(f))
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from portplan.model.concrete import ConcreteFlow, Endpoint, Hop, Resolution
from portplan.model.deployment import Deployment
from portplan.model.service import Service, parse_services


def host(name: str, *addresses: str, role: str = "acme:client", zone: str = "any") -> Endpoint:
    """A host endpoint; each address becomes a /32 or /128."""
    return Endpoint(
        name=name,
        kind="host",
        role=role,
        addresses=tuple(ipaddress.ip_network(a) for a in addresses),
        zone=zone,
    )


def external(name: str, *cidrs: str, fqdn: str | None = None, role: str = "acme:cloud") -> Endpoint:
    return Endpoint(
        name=name,
        kind="external",
        role=role,
        addresses=tuple(ipaddress.ip_network(c) for c in cidrs),
        fqdn=fqdn,
    )


def network(point: str, platform: str = "nftables") -> Hop:
    return Hop(point, "network", platform)


def ingress(point: str, platform: str = "nftables") -> Hop:
    return Hop(point, "host-ingress", platform)


def egress(point: str, platform: str = "nftables") -> Hop:
    return Hop(point, "host-egress", platform)


def flow(
    source: Endpoint,
    destination: Endpoint,
    *services: str | Service,
    product: str = "acme",
    flow: str = "f1",
    purpose: str = "test flow",
    path: Sequence[Hop] = (),
) -> ConcreteFlow:
    """A concrete flow; services as compact strings (``tcp/443``) or :class:`Service`."""
    parsed = tuple(s for s in services if isinstance(s, Service))
    parsed += parse_services(s for s in services if isinstance(s, str))
    return ConcreteFlow(
        product=product,
        flow=flow,
        source=source,
        destination=destination,
        services=parsed,
        purpose=purpose,
        path=tuple(path),
    )


def resolution(*flows: ConcreteFlow, name: str = "test") -> Resolution:
    return Resolution(deployment=name, flows=tuple(flows))


def network_point(name: str, platform: str = "nftables") -> dict[str, Any]:
    return {"name": name, "kind": "network", "platform": platform, "zones": ["any"]}


def host_point(name: str, hosts: Iterable[str] = (), platform: str = "nftables") -> dict[str, Any]:
    return {"name": name, "kind": "host", "platform": platform, "hosts": list(hosts)}


def deployment(
    hosts: Iterable[Endpoint] = (),
    firewalls: Iterable[dict[str, Any]] = (),
    name: str = "test",
    os: Literal["linux", "windows"] = "linux",
) -> Deployment:
    """A deployment with one zone spanning every address, the given hosts and firewalls."""
    data = {
        "name": name,
        "sites": [{"name": "site"}],
        "zones": [{"name": "any", "site": "site", "cidrs": ["0.0.0.0/0", "::/0"]}],
        "hosts": [
            {
                "name": h.name,
                "zone": "any",
                "os": os,
                "addresses": [str(a.network_address) for a in h.addresses],
            }
            for h in hosts
        ],
        "firewalls": list(firewalls),
        "products": [{"product": "acme"}],
    }
    return Deployment.model_validate(data)

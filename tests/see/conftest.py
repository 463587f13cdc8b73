"""Hand-built products, deployments and resolutions for the diagram, diff and conflicts tests."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from portplan.model import (
    ConcreteFlow,
    Deployment,
    Endpoint,
    Hop,
    Product,
    Resolution,
    parse_services,
)

PRODUCT: dict[str, Any] = {
    "id": "acme-print",
    "name": "Acme Print",
    "vendor": "Acme",
    "version": "1.0",
    "roles": [
        {"id": "server", "name": "Print server", "platforms": ["windows"]},
        {"id": "printer", "name": "Printer"},
        {"id": "workstation", "name": "Workstation"},
        {"id": "web", "name": "Web portal", "required": False},
    ],
    "features": [{"id": "portal", "name": "Web portal"}],
    "variables": [
        {"id": "portal_port", "default": 8443},
        {"id": "instance_offset", "kind": "offset", "default": 0},
    ],
    "flows": [
        {
            "id": "submit",
            "from": "workstation",
            "to": "server",
            "services": ["tcp/443"],
            "purpose": "Job submission",
        },
        {
            "id": "print",
            "from": "server",
            "to": "printer",
            "services": ["tcp/9100", "tcp/631"],
            "purpose": "Printing",
        },
        {
            "id": "snmp",
            "from": "server",
            "to": "printer",
            "services": ["udp/161"],
            "purpose": "Status",
        },
        {
            "id": "portal",
            "from": "workstation",
            "to": "web",
            "services": ["tcp/${portal_port}"],
            "purpose": "Portal",
            "feature": "portal",
        },
        {
            "id": "api",
            "from": "web",
            "to": "server",
            "services": ["tcp/5501"],
            "purpose": "API",
            "offset": "instance_offset",
        },
    ],
}

DEPLOYMENT: dict[str, Any] = {
    "name": "acme-hq",
    "description": "Acme print at HQ",
    "sites": [{"name": "hq"}],
    "zones": [
        {"name": "servers", "site": "hq", "cidrs": ["10.0.1.0/24"]},
        {"name": "clients", "site": "hq", "cidrs": ["10.0.2.0/24"]},
    ],
    "hosts": [
        {
            "name": "srv1",
            "zone": "servers",
            "addresses": ["10.0.1.10"],
            "os": "windows",
            "roles": ["acme-print:server", "acme-print:web"],
        },
        {
            "name": "prn1",
            "zone": "clients",
            "addresses": ["10.0.2.50"],
            "os": "appliance",
            "roles": ["acme-print:printer"],
        },
        {
            "name": "pc1",
            "zone": "clients",
            "addresses": ["10.0.2.10"],
            "os": "windows",
            "roles": ["acme-print:workstation"],
        },
    ],
    "firewalls": [
        {"name": "fw-core", "kind": "network", "zones": ["servers", "clients"]},
        {"name": "srv-hostfw", "kind": "host", "platform": "windows", "hosts": ["srv1"]},
    ],
    "products": [{"product": "acme-print", "features": ["portal"]}],
}


def endpoint(deployment: Deployment, name: str, role: str) -> Endpoint:
    host = deployment.host(name)
    zone = deployment.zone(host.zone)
    return Endpoint(
        name=name,
        kind="host",
        role=role,
        addresses=tuple(ipaddress.ip_network(str(a)) for a in host.addresses),
        zone=host.zone,
        site=zone.site,
        os=host.os,
    )


def concrete(
    deployment: Deployment,
    flow: str,
    source: str,
    destination: str,
    services: list[str],
    *,
    feature: str | None = None,
    optional: bool = False,
    path: tuple[Hop, ...] = (Hop("fw-core", "network", "nftables"),),
    product: str = "acme-print",
) -> ConcreteFlow:
    return ConcreteFlow(
        product=product,
        flow=flow,
        source=endpoint(deployment, source, f"{product}:x"),
        destination=endpoint(deployment, destination, f"{product}:y"),
        services=parse_services(services),
        purpose=flow,
        feature=feature,
        optional=optional,
        path=path,
    )


def resolve(deployment: Deployment) -> Resolution:
    """What the resolver would say for DEPLOYMENT (written out by hand)."""
    hostfw = Hop("srv-hostfw", "host-ingress", "windows")
    fw = Hop("fw-core", "network", "nftables")
    return Resolution(
        deployment=deployment.name,
        flows=(
            concrete(deployment, "submit", "pc1", "srv1", ["tcp/443"], path=(fw, hostfw)),
            concrete(deployment, "print", "srv1", "prn1", ["tcp/9100", "tcp/631"]),
            concrete(deployment, "snmp", "srv1", "prn1", ["udp/161"]),
            concrete(
                deployment,
                "portal",
                "pc1",
                "srv1",
                ["tcp/8443"],
                feature="portal",
                path=(fw, hostfw),
            ),
        ),
    )


@pytest.fixture
def product() -> Product:
    return Product.model_validate(PRODUCT)


@pytest.fixture
def deployment() -> Deployment:
    return Deployment.model_validate(DEPLOYMENT)

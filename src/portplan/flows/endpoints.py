"""The ends of concrete flows: a host (its addresses as /32 and /128) or an external."""

from __future__ import annotations

import ipaddress

from portplan.model.concrete import Endpoint
from portplan.model.deployment import Deployment, External, Host


def host_endpoint(deployment: Deployment, host: Host, binding: str) -> Endpoint:
    zone = deployment.zone(host.zone)
    return Endpoint(
        name=host.name,
        kind="host",
        role=binding,
        addresses=tuple(ipaddress.ip_network(a) for a in host.addresses),
        zone=host.zone,
        site=zone.site,
        os=host.os,
        labels=tuple(sorted(host.labels.items())),
    )


def external_endpoint(external: External, binding: str) -> Endpoint:
    return Endpoint(
        name=external.name,
        kind="external",
        role=binding,
        addresses=tuple(external.cidrs),
        site=external.site,
        fqdn=external.fqdn,
    )

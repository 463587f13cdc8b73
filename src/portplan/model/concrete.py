"""What the program derives from a deployment: concrete flows, the value every back end reads.

Frozen dataclasses; resolvers and compilers never mutate them.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Literal

from portplan.model.service import Service

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Endpoint:
    """One side of a concrete flow: a host (addresses as /32 or /128) or an external."""

    name: str
    kind: Literal["host", "external"]
    role: str  # the binding it plays here, "product:role"
    addresses: tuple[Network, ...]
    zone: str | None = None
    site: str | None = None
    fqdn: str | None = None
    os: str | None = None
    labels: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Hop:
    """An enforcement point on a flow's path and the direction it sees the flow in.

    ``host-egress``: the source host's own firewall (output); ``network``: a firewall the flow
    is routed through (forward); ``host-ingress``: the destination host's firewall (input).
    """

    point: str
    kind: Literal["host-egress", "network", "host-ingress"]
    platform: str


@dataclass(frozen=True)
class FlowEvidence:
    document: str
    line: int | None = None


@dataclass(frozen=True)
class ConcreteFlow:
    """One resolved requirement: these sources may reach these destinations on these services."""

    product: str  # product key, "luware-lucs" or "luware-lucs@tm" for a second instance
    flow: str  # the product flow id
    source: Endpoint
    destination: Endpoint
    services: tuple[Service, ...]
    purpose: str
    feature: str | None = None
    optional: bool = False
    path: tuple[Hop, ...] = ()
    evidence: FlowEvidence | None = None
    note: str | None = None  # the catalog's note on the product flow (a caveat)
    override: str | None = None  # the deployment replaced the services: vendor's, and why
    # "ftp": an FTP control connection (Linux targets attach the FTP conntrack helper);
    # "ftp-data": its data connections, which those targets let in as related traffic and
    # the others open as the ports they are.
    application: str | None = None
    discovery: str | None = None  # "multicast" or "broadcast": only inside one segment

    @property
    def id(self) -> str:
        return f"{self.product}/{self.flow}/{self.source.name}->{self.destination.name}"


@dataclass(frozen=True)
class Unbound:
    """A product flow that resolved to nothing, and why (reported, never dropped)."""

    product: str
    flow: str
    role: str
    reason: str


@dataclass(frozen=True)
class Excluded:
    """A product flow the deployment left out (``exclude:``), with its reason."""

    product: str
    flow: str
    services: tuple[str, ...]  # the vendor's, compact syntax
    purpose: str
    reason: str
    in_use: bool  # whether it would have been resolved without the exclusion


@dataclass(frozen=True)
class Resolution:
    """The concrete flows of a deployment; what resolved to nothing (``unbound``); notes; and
    ``warnings`` — what would hurt if compiled as is (a host firewall that locks admins out,
    discovery that cannot cross a router), shown by every command and report."""

    deployment: str
    flows: tuple[ConcreteFlow, ...]
    unbound: tuple[Unbound, ...] = ()
    notices: tuple[str, ...] = field(default_factory=tuple)
    excluded: tuple[Excluded, ...] = ()
    product_files: tuple[str, ...] = ()  # the catalog files of the products used (provenance)
    warnings: tuple[str, ...] = ()

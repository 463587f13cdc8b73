"""The port matrix: one row per concrete flow and service, and the formats that render it.

A network team attaches this table to a firewall change request, so every row says who talks
to whom (hosts and addresses), on what (protocol, ports), why (purpose, product, feature) and
where the rule must go (the firewalls on the path), with the vendor line that asked for it.

A format is a class with ``name``, ``extension``, ``binary`` and ``render(deployment,
resolution)``; it is registered in :data:`FORMATS` with one line.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, fields
from typing import Protocol

from portplan.model.concrete import ConcreteFlow, Endpoint, Hop, Resolution
from portplan.model.deployment import Deployment
from portplan.model.service import ICMP_PROTOCOLS, Service
from portplan.registry import Registry
from portplan.report.cover import Cover


@dataclass(frozen=True)
class MatrixRow:
    """One line of the matrix: one concrete flow, one protocol, one port range. Every cell is
    text (the XLSX report writes the ports as numbers, see :meth:`port_bounds`)."""

    source_site: str
    source_zone: str
    source: str
    source_addresses: str
    destination_site: str
    destination_zone: str
    destination: str
    destination_addresses: str
    protocol: str
    ports: str  # one port or range ("443", "161-162"); an ICMP type
    purpose: str
    product: str
    flow: str
    condition: str
    firewalls: str
    notes: str  # the vendor's note on the flow, and the deployment's override
    evidence: str

    def cells(self) -> tuple[str, ...]:
        # Not dataclasses.astuple: it deep-copies every cell, ten times slower on 60,000 rows.
        return tuple(getattr(self, name) for name in _FIELDS)

    def port_bounds(self) -> tuple[int, int] | None:
        """(first, last) port as numbers; None for ICMP."""
        low, _, high = self.ports.partition("-")
        if not low.isdigit():
            return None
        return int(low), int(high or low)


_FIELDS = tuple(f.name for f in fields(MatrixRow))

# Column headings, in the order of MatrixRow's fields.
COLUMNS: tuple[str, ...] = (
    "Source site",
    "Source zone",
    "Source host",
    "Source addresses",
    "Destination site",
    "Destination zone",
    "Destination host",
    "Destination addresses",
    "Protocol",
    "Ports",
    "Purpose",
    "Product",
    "Flow",
    "Feature / optional",
    "Firewalls on the path",
    "Notes",
    "Evidence",
)


class ReportFormat(Protocol):
    name: str
    extension: str
    binary: bool
    description: str

    def render(
        self, deployment: Deployment, resolution: Resolution, cover: Cover | None = None
    ) -> str | bytes: ...


# name -> "module:Class"; a new format is one module plus one line here.
FORMATS: Registry[ReportFormat] = Registry(
    {
        "md": "portplan.report.markdown:MarkdownReport",
        "csv": "portplan.report.csv:CsvReport",
        "xlsx": "portplan.report.xlsx:XlsxReport",
        "html": "portplan.report.html:HtmlReport",
        "json": "portplan.report.json:JsonReport",
    },
    unknown="unknown report format '{name}' — use one of {names}.",
)


def format_names() -> list[str]:
    return list(FORMATS)


def get_format(name: str) -> ReportFormat:
    return FORMATS.create(name)


def address_text(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> str:
    """A single host prints as its address (10.0.0.5), a network in CIDR form."""
    if network.prefixlen == network.max_prefixlen:
        return str(network.network_address)
    return str(network)


def addresses_text(endpoint: Endpoint) -> str:
    text = ", ".join(address_text(a) for a in endpoint.addresses)
    if endpoint.fqdn:
        text = f"{text} ({endpoint.fqdn})" if text else endpoint.fqdn
    return text


def hop_text(hop: Hop) -> str:
    if hop.kind == "host-egress":
        return f"{hop.point} (egress)"
    if hop.kind == "host-ingress":
        return f"{hop.point} (ingress)"
    return hop.point


def path_text(flow: ConcreteFlow) -> str:
    return " → ".join(hop_text(h) for h in flow.path)


def condition_text(flow: ConcreteFlow) -> str:
    if flow.feature:
        return f"feature {flow.feature}"
    return "optional" if flow.optional else "required"


def evidence_text(flow: ConcreteFlow) -> str:
    if flow.evidence is None:
        return ""
    if flow.evidence.line is None:
        return flow.evidence.document
    return f"{flow.evidence.document}:{flow.evidence.line}"


def zone_text(endpoint: Endpoint) -> str:
    """A host's zone; an external is a place of its own: ``papercut-cloud (external)``."""
    return endpoint.zone if endpoint.zone else f"{endpoint.name} (external)"


def site_text(endpoint: Endpoint) -> str:
    return endpoint.site or "internet"


def notes_text(flow: ConcreteFlow) -> str:
    """What a reviewer must read before approving the row: the vendor's note (a caveat the
    catalog keeps, such as a probable error in the document) and the deployment's override."""
    return "; ".join(text for text in (flow.note, flow.override) if text)


def port_texts(service: Service) -> list[str]:
    """One text per port range of the service (``443``, ``161-162``); an ICMP type."""
    if service.protocol in ICMP_PROTOCOLS:
        return [service.icmp_type or "all types"]
    return [str(span) for span in service.ports]


def matrix_rows(resolution: Resolution) -> list[MatrixRow]:
    """One row per concrete flow, protocol and port range, in the resolution's order."""
    # Endpoints and paths repeat across thousands of flows: format each once.
    endpoints: dict[Endpoint, tuple[str, str, str]] = {}
    paths: dict[tuple[Hop, ...], str] = {}
    rows: list[MatrixRow] = []
    for flow in resolution.flows:
        for endpoint in (flow.source, flow.destination):
            if endpoint not in endpoints:
                endpoints[endpoint] = (
                    site_text(endpoint),
                    zone_text(endpoint),
                    addresses_text(endpoint),
                )
        if flow.path not in paths:
            paths[flow.path] = path_text(flow)
        source, destination = endpoints[flow.source], endpoints[flow.destination]
        shared = {
            "purpose": flow.purpose,
            "product": flow.product,
            "flow": flow.flow,
            "condition": condition_text(flow),
            "firewalls": paths[flow.path],
            "notes": notes_text(flow),
            "evidence": evidence_text(flow),
        }
        for service in flow.services:
            for ports in port_texts(service):
                rows.append(
                    MatrixRow(
                        source[0],
                        source[1],
                        flow.source.name,
                        source[2],
                        destination[0],
                        destination[1],
                        flow.destination.name,
                        destination[2],
                        service.protocol,
                        ports,
                        **shared,
                    )
                )
    return rows


def warnings(resolution: Resolution) -> list[str]:
    """Unbound entries as sentences, for the warnings part of a report."""
    return [f"{u.product}/{u.flow}: {u.reason}" for u in resolution.unbound]

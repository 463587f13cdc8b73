"""The port matrix: one row per concrete flow and service, and the formats that render it.

A network team attaches this table to a firewall change request, so every row says who talks
to whom (hosts and addresses), on what (protocol, ports), why (purpose, product, feature) and
where the rule must go (the firewalls on the path), with the vendor line that asked for it.

A format is a class with ``name``, ``extension``, ``binary`` and ``render(deployment,
resolution)``; it is registered in :data:`FORMATS` with one line.
"""

from __future__ import annotations

import ipaddress
from dataclasses import astuple, dataclass
from typing import Protocol

from portplan.model.concrete import ConcreteFlow, Endpoint, Hop, Resolution
from portplan.model.deployment import Deployment
from portplan.model.service import ICMP_PROTOCOLS, Service
from portplan.registry import Registry


@dataclass(frozen=True)
class MatrixRow:
    source: str
    source_addresses: str
    destination: str
    destination_addresses: str
    protocol: str
    ports: str
    purpose: str
    product: str
    flow: str
    condition: str
    firewalls: str
    evidence: str

    def cells(self) -> tuple[str, ...]:
        return astuple(self)


# Column headings, in the order of MatrixRow's fields.
COLUMNS: tuple[str, ...] = (
    "Source host",
    "Source addresses",
    "Destination host",
    "Destination addresses",
    "Protocol",
    "Ports",
    "Purpose",
    "Product",
    "Flow",
    "Feature / optional",
    "Firewalls on the path",
    "Evidence",
)


class ReportFormat(Protocol):
    name: str
    extension: str
    binary: bool
    description: str

    def render(self, deployment: Deployment, resolution: Resolution) -> str | bytes: ...


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


def ports_text(service: Service) -> str:
    if service.protocol in ICMP_PROTOCOLS:
        return service.icmp_type or "all types"
    return str(service.ports)


def evidence_text(flow: ConcreteFlow) -> str:
    if flow.evidence is None:
        return ""
    if flow.evidence.line is None:
        return flow.evidence.document
    return f"{flow.evidence.document}:{flow.evidence.line}"


def matrix_rows(resolution: Resolution) -> list[MatrixRow]:
    """One row per concrete flow and service (protocol), in the resolution's order."""
    # Endpoints and paths repeat across thousands of flows: format each once.
    endpoints: dict[Endpoint, str] = {}
    paths: dict[tuple[Hop, ...], str] = {}
    rows: list[MatrixRow] = []
    for flow in resolution.flows:
        for endpoint in (flow.source, flow.destination):
            if endpoint not in endpoints:
                endpoints[endpoint] = addresses_text(endpoint)
        if flow.path not in paths:
            paths[flow.path] = path_text(flow)
        for service in flow.services:
            rows.append(
                MatrixRow(
                    source=flow.source.name,
                    source_addresses=endpoints[flow.source],
                    destination=flow.destination.name,
                    destination_addresses=endpoints[flow.destination],
                    protocol=service.protocol,
                    ports=ports_text(service),
                    purpose=flow.purpose,
                    product=flow.product,
                    flow=flow.flow,
                    condition=condition_text(flow),
                    firewalls=paths[flow.path],
                    evidence=evidence_text(flow),
                )
            )
    return rows


def warnings(resolution: Resolution) -> list[str]:
    """Unbound entries as sentences, for the warnings part of a report."""
    return [f"{u.product}/{u.flow}: {u.reason}" for u in resolution.unbound]

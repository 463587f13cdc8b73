"""The deployment's ``management`` block as concrete flows, so no host ruleset locks anyone out.

A host firewall allows only the flows the products need; loaded over SSH, such a ruleset
would cut the session and leave the host without DNS, NTP or updates. For every host covered
by a host firewall, the block adds:

- ``admin-access``: the admin networks → the host, on SSH (tcp/22), or RDP and WinRM
  (tcp/3389, tcp/5985-5986) on Windows — or the block's ``admin_services``;
- ``dns`` (udp/53, tcp/53 — RFC 7766: DNS over TCP is not optional), ``ntp`` (udp/123) and
  ``updates`` (tcp/80, tcp/443): the host → those servers.

The flows cross only the host's own firewall (ingress for admins, egress for the rest):
management access through a network firewall is the network's business, and a network
ruleset can leave it to an existing ruleset (``final: continue``). They are ordinary concrete
flows of the product ``management``, so every target compiles them, the port matrix lists
them and the audit expects them. A deployment with a host firewall and no admins in its
block gets a warning: that ruleset would lock administrators out.
"""

from __future__ import annotations

from collections.abc import Sequence

from portplan.flows.endpoints import host_endpoint
from portplan.flows.paths import host_hops
from portplan.model.concrete import ConcreteFlow, Endpoint, FlowEvidence, Network
from portplan.model.deployment import Deployment, Host, Management
from portplan.model.service import Service, parse_services

PRODUCT = "management"
ADMIN_SERVICES: dict[str, tuple[str, ...]] = {
    "windows": ("tcp/3389", "tcp/5985-5986"),  # RDP; WinRM over HTTP and HTTPS
}
DEFAULT_ADMIN_SERVICES: tuple[str, ...] = ("tcp/22",)  # SSH (Linux, macOS, appliances)
OUTBOUND: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("dns", "DNS resolution", ("udp/53", "tcp/53")),
    ("ntp", "Time synchronisation (NTP)", ("udp/123",)),
    ("updates", "Operating system and software updates", ("tcp/80", "tcp/443")),
)


def managed_hosts(deployment: Deployment) -> list[Host]:
    """Hosts covered by a host firewall, in file order."""
    points = [p for p in deployment.firewalls if p.kind == "host"]
    if any(not p.hosts for p in points):
        return list(deployment.hosts)
    covered = {name for p in points for name in p.hosts}
    return [h for h in deployment.hosts if h.name in covered]


def management_flows(deployment: Deployment) -> tuple[list[ConcreteFlow], list[str]]:
    """The management flows of every managed host, and warnings (lock-outs)."""
    hosts = managed_hosts(deployment)
    if not hosts:
        return [], []
    block = deployment.management
    warnings = []
    if block is None or not block.admins:
        points = ", ".join(p.name for p in deployment.firewalls if p.kind == "host")
        missing = "no management block" if block is None else "no admins in its management block"
        warnings.append(
            f"deployment '{deployment.name}' has {missing}: its host firewalls ({points}) "
            "let no administrator in — loaded over SSH or RDP they cut the session — and "
            "give hosts no DNS, NTP or updates; add a management block (admins, dns, ntp, "
            "updates)."
        )
    if block is None:
        return [], warnings
    flows: list[ConcreteFlow] = []
    for host in hosts:
        flows.extend(_host_flows(deployment, block, host))
    return flows, warnings


def _host_flows(deployment: Deployment, block: Management, host: Host) -> list[ConcreteFlow]:
    endpoint = host_endpoint(deployment, host, f"{PRODUCT}:host")
    flows = []
    if block.admins:
        services = block.admin_services or ADMIN_SERVICES.get(host.os or "", DEFAULT_ADMIN_SERVICES)
        admins = _servers("admins", block.admins)
        flows.append(
            _flow(
                deployment,
                "admin-access",
                admins,
                endpoint,
                parse_services(services),
                "Administrators manage the host",
            )
        )
    for name, purpose, services in OUTBOUND:
        networks = getattr(block, name)
        if networks:
            servers = _servers(name, networks)
            flows.append(
                _flow(deployment, name, endpoint, servers, parse_services(services), purpose)
            )
    return flows


def _flow(
    deployment: Deployment,
    flow: str,
    source: Endpoint,
    destination: Endpoint,
    services: tuple[Service, ...],
    purpose: str,
) -> ConcreteFlow:
    """One management flow; its path is the managed host's own firewall only."""
    if source.kind == "host":
        path = host_hops(deployment, source, "host-egress")
    else:
        path = host_hops(deployment, destination, "host-ingress")
    return ConcreteFlow(
        product=PRODUCT,
        flow=flow,
        source=source,
        destination=destination,
        services=services,
        purpose=purpose,
        path=path,
        evidence=_evidence(deployment, "admins" if flow == "admin-access" else flow),
        note="from the deployment's management block",
    )


def _servers(name: str, networks: Sequence[Network]) -> Endpoint:
    return Endpoint(
        name=f"management-{name}",
        kind="external",
        role=f"{PRODUCT}:{name}",
        addresses=tuple(networks),
    )


def _evidence(deployment: Deployment, key: str) -> FlowEvidence:
    """Where a management flow comes from, for the report's evidence column: the block's key,
    the same whether the deployment was read from a file or built in code."""
    return FlowEvidence(f"{deployment.name}: management.{key}")

"""Windows Defender Firewall: one PowerShell script per Windows host.

Each script first removes the rule groups it owns (``portplan <product>``), then creates one
``New-NetFirewallRule`` per (flow, protocol, direction): inbound rules for flows into the host
(``-LocalPort``, ``-RemoteAddress`` = the sources), outbound rules for flows out of it
(``-RemotePort``, ``-RemoteAddress`` = the destinations). Running it twice leaves the same rules.

Every user-written string is a single-quoted PowerShell literal: PowerShell expands nothing
inside one, and the only character that ends it is a single quote — which includes the
typographic quotes U+2018–U+201B (about_Quoting_Rules), so those are doubled as well. Control
characters and line breaks are removed first. Nothing is ever put inside double quotes.
"""

from __future__ import annotations

from portplan.compile.base import Artifact
from portplan.compile.groups import (
    HostFlows,
    clean_text,
    host_flow_index,
    host_points,
    hosts_of,
    safe_name,
)
from portplan.errors import UnsupportedError
from portplan.model.concrete import ConcreteFlow, Endpoint, Resolution
from portplan.model.deployment import Deployment
from portplan.model.service import Service

SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"
PROTOCOLS = {"tcp": "TCP", "udp": "UDP", "icmp": "ICMPv4", "icmpv6": "ICMPv6"}


def ps_literal(text: str, limit: int = 200) -> str:
    """``text`` as a PowerShell single-quoted string literal."""
    cleaned = clean_text(text, limit)
    for quote in SINGLE_QUOTES:
        cleaned = cleaned.replace(quote, "''")
    return f"'{cleaned}'"


def ps_list(items: list[str]) -> str:
    return ",".join(ps_literal(item) for item in items)


def group_name(product: str) -> str:
    return f"portplan {product}"


def windows_hosts(resolution: Resolution) -> list[Endpoint]:
    """Every Windows host that takes part in a flow, by name."""
    hosts: dict[str, Endpoint] = {}
    for flow in resolution.flows:
        for endpoint in (flow.source, flow.destination):
            if endpoint.kind == "host" and endpoint.os == "windows":
                hosts.setdefault(endpoint.name, endpoint)
    return [hosts[name] for name in sorted(hosts)]


def rule_lines(flow: ConcreteFlow, service: Service, direction: str) -> list[str]:
    """The ``New-NetFirewallRule`` command(s) for one service of one flow."""
    protocol = PROTOCOLS.get(service.protocol)
    if protocol is None:
        raise UnsupportedError(
            f"flow {flow.id}: Windows Firewall cannot match {service.protocol} ports — "
            "allow it another way or drop the service from the product."
        )
    inbound = direction == "Inbound"
    peer = flow.source if inbound else flow.destination
    local = flow.destination if inbound else flow.source
    family = {"icmp": 4, "icmpv6": 6}.get(service.protocol)
    remote = [str(a) for a in peer.addresses if family is None or a.version == family]
    local_addresses = [str(a) for a in local.addresses if family is None or a.version == family]
    if not peer.addresses:
        raise UnsupportedError(
            f"flow {flow.id}: '{peer.name}' has only an FQDN and Windows Firewall rules need "
            "addresses — give the external cidrs in the deployment."
        )
    if not remote or not local_addresses:
        return []  # no address of this IP version on one side: there is no packet to allow
    arrow = "from" if inbound else "to"
    display = f"portplan {flow.product}/{flow.flow} {arrow} {peer.name} {service}"
    parts = [
        "New-NetFirewallRule",
        f"-Group {ps_literal(group_name(flow.product))}",
        f"-DisplayName {ps_literal(display)}",
        f"-Description {ps_literal(clean_text(flow.purpose, 400))}",
        f"-Direction {direction}",
        f"-Protocol {protocol}",
    ]
    if service.ports:
        ports = [str(r) for r in service.ports]
        parts.append(f"-{'LocalPort' if inbound else 'RemotePort'} {ps_list(ports)}")
    if service.icmp_type_number is not None:
        parts.append(f"-IcmpType {ps_literal(str(service.icmp_type_number))}")
    parts += [
        f"-LocalAddress {ps_list(local_addresses)}",
        f"-RemoteAddress {ps_list(remote)}",
        "-Action Allow -Profile Any -Enabled True | Out-Null",
    ]
    return [" ".join(parts)]


def script(host: Endpoint, flows: HostFlows, deployment: str) -> str:
    groups = sorted({group_name(f.product) for f in (*flows.inbound, *flows.outbound)})
    lines = [
        f"# Windows Firewall rules for host {clean_text(host.name)} from portplan",
        f"# (deployment {clean_text(deployment)}). Run as Administrator; running it again",
        "# replaces the rules of the groups below and touches nothing else.",
        "# Outbound rules only restrict traffic once the profile's DefaultOutboundAction",
        "# is Block (Set-NetFirewallProfile -DefaultOutboundAction Block).",
        "#Requires -RunAsAdministrator",
        "$ErrorActionPreference = 'Stop'",
    ]
    lines += [
        f"Get-NetFirewallRule -Group {ps_literal(group)} -ErrorAction SilentlyContinue"
        " | Remove-NetFirewallRule"
        for group in groups
    ]
    for direction, group in (("Inbound", flows.inbound), ("Outbound", flows.outbound)):
        for flow in group:
            for service in flow.services:
                lines += rule_lines(flow, service, direction)
    return "\r\n".join(lines) + "\r\n"


class WindowsCompiler:
    name = "windows"
    host_os = "windows"  # a host firewall of this target runs on Windows
    description = "PowerShell scripts (New-NetFirewallRule) per Windows host"

    def compile(self, deployment: Deployment, resolution: Resolution) -> list[Artifact]:
        """A script per Windows host: those behind a host firewall whose platform is
        ``windows`` when the deployment has such firewalls, otherwise every Windows host."""
        covered: dict[str, str] = {}
        for point in host_points(deployment):
            for host in hosts_of(deployment, point):
                covered.setdefault(host, point.name)
        chosen = {
            host
            for point in host_points(deployment)
            if point.platform == self.name
            for host in hosts_of(deployment, point)
        }
        artifacts = []
        index = host_flow_index(resolution)
        for endpoint in windows_hosts(resolution):
            if chosen and endpoint.name not in chosen:
                continue
            flows = index[endpoint.name]
            name = safe_name(endpoint.name, allowed="A-Za-z0-9_.-", max_length=100)
            text = script(endpoint, flows, resolution.deployment)
            artifacts.append(
                Artifact(
                    f"{name}.ps1",
                    text,
                    covered.get(endpoint.name),
                    f"Windows Firewall rules for {endpoint.name}",
                    rules=text.count("\r\nNew-NetFirewallRule "),
                )
            )
        return artifacts

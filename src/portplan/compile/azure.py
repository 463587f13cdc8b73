"""Azure: an ARM template with a network security group per product role.

Each concrete flow becomes an Allow rule on the destination role's NSG (Inbound) and on the
source role's NSG (Outbound), per service and IP version, addressed by prefixes (never
``VirtualNetwork`` or ``*``). Priorities are assigned in a fixed order from 100 upward — in
steps of 10 while they fit, so a person can insert a rule between two — unique per NSG and
direction; each direction ends with an explicit Deny of everything at 4096, because the
default rules of an NSG allow all traffic inside the virtual network.

Limits (Azure networking limits): at most 1,000 rules per NSG and priorities 100–4096. NSGs
match ICMP only as a whole, so an ICMP type is an error naming the flow, as is SCTP.
ARM reads a string that starts with ``[`` as an expression; such user text gets ``[[``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from portplan.compile.base import Artifact
from portplan.compile.groups import (
    clean_text,
    flow_comment,
    require_addresses,
    role_flows,
    safe_name,
)
from portplan.errors import UnsupportedError
from portplan.model.concrete import ConcreteFlow, Resolution
from portplan.model.deployment import Deployment
from portplan.model.service import Service

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
API_VERSION = "2023-09-01"
FIRST_PRIORITY, LAST_PRIORITY, DENY_PRIORITY = 100, 4095, 4096
MAX_RULES = 1000
PROTOCOLS = {"tcp": "Tcp", "udp": "Udp", "icmp": "Icmp", "icmpv6": "Icmp"}


def arm_string(text: str) -> str:
    """A literal ARM string: a leading ``[`` would make it an expression."""
    return "[" + text if text.startswith("[") else text


def azure_name(text: str) -> str:
    """1–80 of ``A-Za-z0-9_.-``, starting with a letter or digit, ending in one or ``_``."""
    name = safe_name(text, allowed="A-Za-z0-9_.-", first="A-Za-z0-9", max_length=80)
    return name.rstrip(".-") or "x"


@dataclass(frozen=True)
class Allow:
    flow: ConcreteFlow
    direction: str
    protocol: str
    sources: tuple[str, ...]
    destinations: tuple[str, ...]
    ports: tuple[str, ...]


def allows(flow: ConcreteFlow, service: Service, direction: str) -> list[Allow]:
    protocol = PROTOCOLS.get(service.protocol)
    if protocol is None:
        raise UnsupportedError(
            f"flow {flow.id}: Azure NSGs cannot match {service.protocol} — allow it another way."
        )
    if service.icmp_type is not None:
        raise UnsupportedError(
            f"flow {flow.id}: Azure NSGs cannot match ICMP type {service.icmp_type} (only all "
            f"of {service.protocol}) — write plain '{service.protocol}' in the product if that "
            "is acceptable."
        )
    sources = require_addresses(flow, flow.source, "Azure NSG")
    destinations = require_addresses(flow, flow.destination, "Azure NSG")
    only = {"icmp": 4, "icmpv6": 6}.get(service.protocol)
    out = []
    for version in (4, 6):
        if only is not None and only != version:
            continue
        src = tuple(str(a) for a in sources if a.version == version)
        dst = tuple(str(a) for a in destinations if a.version == version)
        if src and dst:
            ports = tuple(str(r) for r in service.ports) or ("*",)
            out.append(Allow(flow, direction, protocol, src, dst, ports))
    return out


def security_rule(allow: Allow, priority: int, index: int) -> dict[str, Any]:
    ports: dict[str, Any] = (
        {"destinationPortRange": "*"}
        if allow.ports == ("*",)
        else {"destinationPortRanges": list(allow.ports)}
    )
    return {
        "name": azure_name(
            f"{'in' if allow.direction == 'Inbound' else 'out'}-{index:04d}-{allow.flow.flow}"
        ),
        "properties": {
            "description": arm_string(clean_text(flow_comment(allow.flow), 140)),
            "priority": priority,
            "direction": allow.direction,
            "access": "Allow",
            "protocol": allow.protocol,
            "sourcePortRange": "*",
            "sourceAddressPrefixes": list(allow.sources),
            "destinationAddressPrefixes": list(allow.destinations),
            **ports,
        },
    }


def deny_rule(direction: str) -> dict[str, Any]:
    return {
        "name": f"deny-all-{direction.lower()}",
        "properties": {
            "description": "portplan: everything not allowed above",
            "priority": DENY_PRIORITY,
            "direction": direction,
            "access": "Deny",
            "protocol": "*",
            "sourcePortRange": "*",
            "destinationPortRange": "*",
            "sourceAddressPrefix": "*",
            "destinationAddressPrefix": "*",
        },
    }


def prioritized(nsg: str, items: list[Allow]) -> list[dict[str, Any]]:
    """Priorities 100, 110, … (or 100, 101, … when steps of 10 would pass 4095)."""
    step = 10 if FIRST_PRIORITY + 10 * (len(items) - 1) <= LAST_PRIORITY else 1
    rules = []
    for index, allow in enumerate(items):
        priority = FIRST_PRIORITY + step * index
        if priority > LAST_PRIORITY:
            raise UnsupportedError(
                f"NSG {nsg}: {allow.direction} rule for flow {allow.flow.id} would need priority "
                f"{priority}, above {LAST_PRIORITY} — split the role across several NSGs."
            )
        rules.append(security_rule(allow, priority, index + 1))
    return rules


class AzureCompiler:
    name = "azure"
    description = "ARM template: Azure network security group per product role"

    def compile(self, deployment: Deployment, resolution: Resolution) -> list[Artifact]:
        resources: list[dict[str, Any]] = []
        for role in role_flows(resolution):
            nsg = azure_name(f"nsg-{role.role.replace(':', '-').replace('@', '-')}")
            rules: list[dict[str, Any]] = []
            for direction, flows in (("Inbound", role.inbound), ("Outbound", role.outbound)):
                # A rule another flow already asked for (same match) is written once.
                unique: dict[tuple[object, ...], Allow] = {}
                for flow in flows:
                    for service in flow.services:
                        for allow in allows(flow, service, direction):
                            match = (allow.protocol, allow.sources, allow.destinations, allow.ports)
                            unique.setdefault(match, allow)
                items = list(unique.values())
                if len(rules) + len(items) + 2 > MAX_RULES:
                    culprit = items[MAX_RULES - len(rules) - 2].flow.id
                    raise UnsupportedError(
                        f"NSG {nsg}: more than {MAX_RULES} rules (Azure's limit); flow "
                        f"{culprit} does not fit — split the role across several NSGs."
                    )
                rules += prioritized(nsg, items)
                rules.append(deny_rule(direction))
            resources.append(
                {
                    "type": "Microsoft.Network/networkSecurityGroups",
                    "apiVersion": API_VERSION,
                    "name": nsg,
                    "location": "[parameters('location')]",
                    "tags": {"managed-by": "portplan", "role": arm_string(clean_text(role.role))},
                    "properties": {"securityRules": rules},
                }
            )
        template = {
            "$schema": SCHEMA,
            "contentVersion": "1.0.0.0",
            "parameters": {
                "location": {"type": "string", "defaultValue": "[resourceGroup().location]"}
            },
            "resources": resources,
        }
        text = json.dumps(template, indent=2, ensure_ascii=False) + "\n"
        count = sum(len(r["properties"]["securityRules"]) for r in resources)
        return [Artifact("portplan-nsg.json", text, None, "Azure NSGs per product role", count)]

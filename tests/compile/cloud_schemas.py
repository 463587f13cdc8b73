"""JSON Schemas of the parts of Terraform JSON (AWS provider) and ARM templates portplan
writes, taken from the AWS provider's resource reference (aws_security_group,
aws_vpc_security_group_ingress_rule/egress_rule) and the ARM reference of
Microsoft.Network/networkSecurityGroups (securityRules), plus the reference checks a schema
cannot express (every ``${…}`` points at something the file defines).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

TF_NAME = r"^[a-zA-Z_][a-zA-Z0-9_-]*$"
CIDR4 = r"^\d{1,3}(\.\d{1,3}){3}/\d{1,2}$"
CIDR6 = r"^[0-9a-fA-F:]+/\d{1,3}$"
EC2_TEXT = r"^[a-zA-Z0-9. _\-:/()#,@\[\]+=&;{}!$*]{0,255}$"

_sg_rule: dict[str, Any] = {
    "type": "object",
    "required": ["security_group_id", "ip_protocol"],
    "additionalProperties": False,
    "properties": {
        "security_group_id": {
            "type": "string",
            "pattern": r"^\$\{aws_security_group\.[^}]+\.id\}$",
        },
        "ip_protocol": {"enum": ["tcp", "udp", "icmp", "icmpv6", "-1", "132"]},
        "from_port": {"type": "integer", "minimum": -1, "maximum": 65535},
        "to_port": {"type": "integer", "minimum": -1, "maximum": 65535},
        "cidr_ipv4": {"type": "string", "pattern": CIDR4},
        "cidr_ipv6": {"type": "string", "pattern": CIDR6},
        "referenced_security_group_id": {
            "type": "string",
            "pattern": r"^\$\{aws_security_group\.[^}]+\.id\}$",
        },
        "prefix_list_id": {"type": "string"},
        "description": {"type": "string", "pattern": EC2_TEXT},
        "tags": {"type": "object"},
    },
    # Exactly one peer (the provider errors otherwise).
    "oneOf": [
        {"required": [peer]}
        for peer in ("cidr_ipv4", "cidr_ipv6", "referenced_security_group_id", "prefix_list_id")
    ],
    # Ports are required for every protocol but "-1" (all).
    "if": {"properties": {"ip_protocol": {"enum": ["tcp", "udp", "icmp", "icmpv6"]}}},
    "then": {"required": ["from_port", "to_port"]},
}

TERRAFORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["resource"],
    "additionalProperties": False,
    "properties": {
        "variable": {
            "type": "object",
            "propertyNames": {"pattern": TF_NAME},
            "additionalProperties": {
                "type": "object",
                "properties": {"type": {"type": "string"}, "description": {"type": "string"}},
            },
        },
        "resource": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "aws_security_group": {
                    "type": "object",
                    "propertyNames": {"pattern": TF_NAME},
                    "additionalProperties": {
                        "type": "object",
                        "required": ["name", "description", "vpc_id"],
                        "additionalProperties": False,
                        "properties": {
                            "name": {"type": "string", "pattern": EC2_TEXT, "minLength": 1},
                            "description": {"type": "string", "pattern": EC2_TEXT},
                            "vpc_id": {"type": "string"},
                            "tags": {
                                "type": "object",
                                "additionalProperties": {"type": "string", "maxLength": 256},
                            },
                        },
                    },
                },
                "aws_vpc_security_group_ingress_rule": {
                    "type": "object",
                    "propertyNames": {"pattern": TF_NAME},
                    "additionalProperties": _sg_rule,
                },
                "aws_vpc_security_group_egress_rule": {
                    "type": "object",
                    "propertyNames": {"pattern": TF_NAME},
                    "additionalProperties": _sg_rule,
                },
            },
        },
    },
}

AZURE_NAME = r"^[A-Za-z0-9]([A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$"
_prefix = {"type": "string", "minLength": 1}
_security_rule: dict[str, Any] = {
    "type": "object",
    "required": ["name", "properties"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "pattern": AZURE_NAME},
        "properties": {
            "type": "object",
            "required": ["priority", "direction", "access", "protocol", "sourcePortRange"],
            "additionalProperties": False,
            "properties": {
                "description": {"type": "string", "maxLength": 140},
                "priority": {"type": "integer", "minimum": 100, "maximum": 4096},
                "direction": {"enum": ["Inbound", "Outbound"]},
                "access": {"enum": ["Allow", "Deny"]},
                "protocol": {"enum": ["Tcp", "Udp", "Icmp", "Esp", "Ah", "*"]},
                "sourcePortRange": {"type": "string"},
                "sourceAddressPrefix": _prefix,
                "sourceAddressPrefixes": {"type": "array", "items": _prefix, "minItems": 1},
                "destinationAddressPrefix": _prefix,
                "destinationAddressPrefixes": {"type": "array", "items": _prefix, "minItems": 1},
                "destinationPortRange": {"type": "string"},
                "destinationPortRanges": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "string", "pattern": r"^\d+(-\d+)?$"},
                },
            },
            "allOf": [
                {
                    "oneOf": [
                        {"required": ["sourceAddressPrefix"]},
                        {"required": ["sourceAddressPrefixes"]},
                    ]
                },
                {
                    "oneOf": [
                        {"required": ["destinationAddressPrefix"]},
                        {"required": ["destinationAddressPrefixes"]},
                    ]
                },
                {
                    "oneOf": [
                        {"required": ["destinationPortRange"]},
                        {"required": ["destinationPortRanges"]},
                    ]
                },
            ],
        },
    },
}

ARM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["$schema", "contentVersion", "resources"],
    "properties": {
        "$schema": {"type": "string", "pattern": r"^https://schema\.management\.azure\.com/"},
        "contentVersion": {"type": "string", "pattern": r"^\d+\.\d+\.\d+\.\d+$"},
        "parameters": {"type": "object"},
        "resources": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "apiVersion", "name", "location", "properties"],
                "properties": {
                    "type": {"const": "Microsoft.Network/networkSecurityGroups"},
                    "apiVersion": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
                    "name": {"type": "string", "pattern": AZURE_NAME},
                    "location": {"type": "string"},
                    "tags": {"type": "object", "additionalProperties": {"type": "string"}},
                    "properties": {
                        "type": "object",
                        "required": ["securityRules"],
                        "properties": {
                            "securityRules": {
                                "type": "array",
                                "maxItems": 1000,
                                "items": _security_rule,
                            }
                        },
                    },
                },
            },
        },
    },
}


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


TEMPLATE = re.compile(r"(?<!\$)\$\{([^}]*)\}|(?<!%)%\{")


def terraform_references(document: dict[str, Any]) -> list[str]:
    """Every template sequence Terraform would evaluate (``$${`` and ``%%{`` are literals)."""
    found = []
    for text in strings(document):
        for match in TEMPLATE.finditer(text.replace("$$", "").replace("%%", "")):
            found.append(match.group(1) if match.group(1) is not None else "%{")
    return found


def check_terraform_references(document: dict[str, Any]) -> None:
    groups = set(document["resource"].get("aws_security_group", {}))
    variables = set(document.get("variable", {}))
    for reference in terraform_references(document):
        match = re.fullmatch(r"aws_security_group\.([^.]+)\.id|var\.(\w+)", reference)
        assert match, f"unexpected template expression ${{{reference}}}"
        if match.group(1):
            assert match.group(1) in groups, reference
        else:
            assert match.group(2) in variables, reference


def check_arm_expressions(template: dict[str, Any]) -> None:
    """Only the two expressions portplan writes; user text never starts one."""
    allowed = {"[resourceGroup().location]", "[parameters('location')]"}
    for text in strings(template):
        if text.startswith("[") and not text.startswith("[["):
            assert text in allowed, f"unexpected ARM expression {text!r}"

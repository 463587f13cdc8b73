"""AWS: Terraform JSON with a security group per product role and one rule resource per
(flow, service, port range, peer).

Security groups are stateful: a flow becomes an ingress rule on the destination role's group
and an egress rule on the source role's group. A rule names the peer role's group
(``referenced_security_group_id``) only when the product flow joins every host of one role with
every host of the other — otherwise the peer group would admit hosts the flow does not (a
same-site constraint pairs only some) — and names the peer's addresses (``cidr_ipv4`` /
``cidr_ipv6``) in every other case. Rules of a group are the union over its members.

Terraform's JSON syntax still evaluates ``${…}`` and ``%{…}`` inside strings, so user text has
those doubled (``$${``, ``%%{``); security group names and descriptions take only the characters
EC2 allows (``a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*``, at most 255).
"""

from __future__ import annotations

import json
import re
from typing import Any

from portplan.compile.base import Artifact
from portplan.compile.groups import (
    ascii_text,
    flow_comment,
    require_addresses,
    role_flows,
    safe_name,
    whole_role_pairs,
)
from portplan.errors import UnsupportedError
from portplan.model.concrete import ConcreteFlow, Endpoint, Resolution
from portplan.model.deployment import Deployment
from portplan.model.service import Service

EC2_TEXT = re.compile(r"[^a-zA-Z0-9. _\-:/()#,@\[\]+=&;{}!$*]")


def ec2_text(text: str, limit: int = 255) -> str:
    """Text EC2 accepts in a group or rule description, with Terraform templates disarmed."""
    cleaned = EC2_TEXT.sub("_", ascii_text(text, limit))
    return terraform_string(cleaned)[:limit]


def terraform_string(text: str) -> str:
    """A literal string: Terraform would expand ``${`` and ``%{`` even in JSON files."""
    return text.replace("${", "$${").replace("%{", "%%{")


def tf_name(text: str, taken: dict[str, str] | None = None) -> str:
    """A Terraform block label (``^[a-zA-Z_][a-zA-Z0-9_-]*$``); ``:``, ``@`` and ``/`` read as
    ``_``. With ``taken`` (label → text), a label another text already has gets a hash."""
    readable = re.sub(r"[:@/]", "_", text)
    name = safe_name(readable, allowed="A-Za-z0-9_-", replacement="_", first="A-Za-z_", prefix="r")
    if taken is not None and taken.setdefault(name, text) != text:
        name = safe_name(text, allowed="A-Za-z0-9_-", replacement="_", first="A-Za-z_")
        taken[name] = text
    return name


def protocol_fields(flow: ConcreteFlow, service: Service) -> list[dict[str, Any]]:
    """``ip_protocol`` with ``from_port``/``to_port`` per port range (ICMP: type, code -1)."""
    if service.protocol in ("tcp", "udp"):
        return [
            {"ip_protocol": service.protocol, "from_port": r.low, "to_port": r.high}
            for r in service.ports
        ]
    if service.protocol in ("icmp", "icmpv6"):
        number = service.icmp_type_number
        return [
            {
                "ip_protocol": service.protocol,
                "from_port": -1 if number is None else number,
                "to_port": -1,
            }
        ]
    # Protocol 132 (SCTP) can be allowed only on every port: EC2 has no SCTP port match.
    raise UnsupportedError(
        f"flow {flow.id}: AWS security groups cannot limit {service.protocol} to ports "
        f"{service.ports} — they would open every port; allow it another way."
    )


def peers(
    flow: ConcreteFlow, service: Service, peer: Endpoint, whole: bool, groups: dict[str, str]
) -> list[dict[str, str]]:
    """The peer side of a rule: the peer role's group, or its addresses by family."""
    if whole and peer.kind == "host" and peer.role in groups:
        return [{"referenced_security_group_id": f"${{aws_security_group.{groups[peer.role]}.id}}"}]
    only = {"icmp": 4, "icmpv6": 6}.get(service.protocol)
    return [
        {f"cidr_ipv{address.version}": str(address)}
        for address in require_addresses(flow, peer, "AWS security group")
        if only is None or address.version == only
    ]


def role_rules(
    role: str,
    kind: str,
    flows: tuple[ConcreteFlow, ...],
    groups: dict[str, str],
    whole: set[tuple[str, str, str, str]],
) -> list[tuple[str, dict[str, Any]]]:
    """(label, rule) for one role's ingress or egress flows; a rule repeated by another host
    pair of the same flow is written once."""
    group_id = f"${{aws_security_group.{groups[role]}.id}}"
    out: list[tuple[str, dict[str, Any]]] = []
    seen: set[str] = set()
    for flow in flows:
        peer = flow.source if kind == "ingress" else flow.destination
        key = (flow.product, flow.flow, flow.source.role, flow.destination.role)
        for service in flow.services:
            for proto in protocol_fields(flow, service):
                for side in peers(flow, service, peer, key in whole, groups):
                    rule = {
                        "security_group_id": group_id,
                        **proto,
                        **side,
                        "description": ec2_text(flow_comment(flow)),
                    }
                    fingerprint = json.dumps(rule, sort_keys=True)
                    if fingerprint not in seen:
                        seen.add(fingerprint)
                        out.append((f"{kind}_{role}_{flow.flow}_{len(seen)}", rule))
    return out


class AwsCompiler:
    name = "aws"
    description = "Terraform JSON: AWS security group per product role, VPC ingress/egress rules"

    def compile(self, deployment: Deployment, resolution: Resolution) -> list[Artifact]:
        roles = role_flows(resolution)
        taken: dict[str, str] = {}
        groups = {r.role: tf_name(f"sg_{r.role}", taken) for r in roles}
        whole = whole_role_pairs(resolution)
        security_groups: dict[str, Any] = {}
        rules: dict[str, dict[str, Any]] = {
            "aws_vpc_security_group_ingress_rule": {},
            "aws_vpc_security_group_egress_rule": {},
        }
        for role in roles:
            security_groups[groups[role.role]] = {
                "name": ec2_text(f"portplan {role.role}"),
                "description": ec2_text(
                    f"portplan: hosts playing {role.role} ("
                    + ", ".join(m.name for m in role.members)
                    + ")"
                ),
                "vpc_id": "${var.vpc_id}",
                "tags": {"Name": ec2_text(role.role), "managed-by": "portplan"},
            }
            for kind, flows in (("ingress", role.inbound), ("egress", role.outbound)):
                bucket = rules[f"aws_vpc_security_group_{kind}_rule"]
                for label, rule in role_rules(role.role, kind, flows, groups, whole):
                    bucket[tf_name(label, taken)] = rule
        document = {
            "variable": {
                "vpc_id": {
                    "type": "string",
                    "description": "The VPC the security groups belong to.",
                }
            },
            "resource": {"aws_security_group": security_groups, **rules},
        }
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        count = sum(len(bucket) for bucket in rules.values())
        return [Artifact("portplan.tf.json", text, None, "AWS security groups and rules", count)]

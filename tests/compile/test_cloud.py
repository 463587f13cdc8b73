"""AWS (Terraform JSON) and Azure (ARM) targets: schema-valid and exactly the flows."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import jsonschema
import pytest

from portplan.compile.aws import AwsCompiler
from portplan.compile.azure import AzureCompiler, allows, prioritized
from portplan.errors import UnsupportedError
from portplan.model.concrete import Resolution
from portplan.model.service import parse_service
from tests.compile.cloud_schemas import (
    ARM_SCHEMA,
    TERRAFORM_SCHEMA,
    check_arm_expressions,
    check_terraform_references,
)
from tests.compile.nonnative_sample import Names, sample


def terraform(**options: bool) -> dict[str, Any]:
    deployment, resolution = sample(**options)
    [artifact] = AwsCompiler().compile(deployment, resolution)
    assert artifact.path.endswith(".tf.json")
    document: dict[str, Any] = json.loads(artifact.content)
    jsonschema.validate(document, TERRAFORM_SCHEMA)
    check_terraform_references(document)
    return document


def test_terraform_schema_rejects_a_broken_rule() -> None:
    document = terraform()
    rules = document["resource"]["aws_vpc_security_group_ingress_rule"]
    first = next(r for r in rules.values() if "referenced_security_group_id" in r)
    first["cidr_ipv4"] = "10.9.9.9/32"  # a second peer beside the one it has
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, TERRAFORM_SCHEMA)


def test_security_group_per_role_and_vpc_variable() -> None:
    document = terraform()
    assert set(document["resource"]["aws_security_group"]) == {
        "sg_acme-print_client",
        "sg_acme-print_monitor",
        "sg_acme-print_server",
    }
    assert document["variable"]["vpc_id"]["type"] == "string"


def rules(document: dict[str, Any], kind: str, group: str) -> list[dict[str, Any]]:
    ref = f"${{aws_security_group.{group}.id}}"
    return [
        r
        for r in document["resource"][f"aws_vpc_security_group_{kind}_rule"].values()
        if r["security_group_id"] == ref
    ]


def test_whole_role_flows_reference_the_peer_group() -> None:
    document = terraform()
    server_in = rules(document, "ingress", "sg_acme-print_server")
    submit = [r for r in server_in if r["from_port"] in (515, 631, 9100)]
    # ws1 reaches every server: one rule per port range, naming the client group.
    assert {(r["from_port"], r["to_port"]) for r in submit} == {
        (515, 515),
        (631, 631),
        (9100, 9102),
    }
    assert all(
        r["referenced_security_group_id"] == "${aws_security_group.sg_acme-print_client.id}"
        for r in submit
    )
    partner = [r for r in server_in if r["from_port"] == 443]
    assert [r.get("cidr_ipv4") for r in partner] == ["192.0.2.0/24"]
    ping = [r for r in server_in if r["ip_protocol"] == "icmp"]
    assert {(r["from_port"], r["to_port"]) for r in ping} == {(8, -1)}


def test_partial_role_pairs_use_addresses() -> None:
    """srv1 alone talks to ws1 (status): srv2 is not a source, so no group reference."""
    document = terraform()
    client_in = rules(document, "ingress", "sg_acme-print_client")
    status = [r for r in client_in if r["ip_protocol"] in ("tcp", "udp")]
    assert {(r["from_port"], r.get("cidr_ipv4"), r.get("cidr_ipv6")) for r in status} == {
        (8080, "10.0.1.10/32", None),
        (8080, None, "2001:db8:1::10/128"),
        (5353, "10.0.1.10/32", None),
        (5353, None, "2001:db8:1::10/128"),
    }
    assert all("referenced_security_group_id" not in r for r in client_in)


def test_aws_sctp_is_an_error_naming_the_flow() -> None:
    deployment, resolution = sample(sctp=True)
    with pytest.raises(UnsupportedError, match="acme-print/diameter/srv1->srv2"):
        AwsCompiler().compile(deployment, resolution)


def test_terraform_templates_in_names_are_disarmed() -> None:
    names = Names(
        product='p${file("/etc/passwd")}', purpose="%{ for x in y }x%{ endfor }", server_role="a:b"
    )
    deployment, resolution = sample(names)
    [artifact] = AwsCompiler().compile(deployment, resolution)
    document = json.loads(artifact.content)
    jsonschema.validate(document, TERRAFORM_SCHEMA)
    check_terraform_references(document)


def arm(**options: bool) -> dict[str, Any]:
    deployment, resolution = sample(**options)
    [artifact] = AzureCompiler().compile(deployment, resolution)
    template: dict[str, Any] = json.loads(artifact.content)
    jsonschema.validate(template, ARM_SCHEMA)
    check_arm_expressions(template)
    return template


def test_arm_template_priorities_unique_and_final_deny() -> None:
    template = arm(icmp_types=False)
    assert [r["name"] for r in template["resources"]] == [
        "nsg-acme-print-client",
        "nsg-acme-print-monitor",
        "nsg-acme-print-server",
    ]
    for nsg in template["resources"]:
        security_rules = nsg["properties"]["securityRules"]
        for direction in ("Inbound", "Outbound"):
            mine = [
                r["properties"] for r in security_rules if r["properties"]["direction"] == direction
            ]
            priorities = [p["priority"] for p in mine]
            assert len(set(priorities)) == len(priorities)
            assert priorities == sorted(priorities)
            assert mine[-1] == {
                **mine[-1],
                "priority": 4096,
                "access": "Deny",
                "sourceAddressPrefix": "*",
                "destinationAddressPrefix": "*",
            }
            assert all(p["access"] == "Allow" for p in mine[:-1])
            assert all(p["priority"] < 4096 for p in mine[:-1])
        assert len({r["name"] for r in security_rules}) == len(security_rules)


def test_arm_rules_are_exactly_the_flows() -> None:
    template = arm(icmp_types=False)
    server = next(r for r in template["resources"] if r["name"] == "nsg-acme-print-server")
    inbound = {
        (
            p["protocol"],
            tuple(p.get("destinationPortRanges", ["*"])),
            tuple(p["sourceAddressPrefixes"]),
            tuple(p["destinationAddressPrefixes"]),
        )
        for r in server["properties"]["securityRules"]
        if (p := r["properties"])["direction"] == "Inbound" and p["access"] == "Allow"
    }
    assert ("Tcp", ("515", "631", "9100-9102"), ("10.0.2.50/32",), ("10.0.1.11/32",)) in inbound
    assert (
        "Tcp",
        ("515", "631", "9100-9102"),
        ("2001:db8:2::50/128",),
        ("2001:db8:1::10/128",),
    ) in inbound
    assert ("Icmp", ("*",), ("10.0.3.5/32",), ("10.0.1.10/32",)) in inbound
    # submit ×2 families for srv1 + 1 for srv2, partner ×2, snmp ×2, ping ×2
    assert len(inbound) == 3 + 2 + 2 + 2


def test_arm_icmp_type_is_an_error_naming_the_flow() -> None:
    deployment, resolution = sample(icmp_types=True)
    with pytest.raises(
        UnsupportedError, match=r"flow acme-print/ping6?/\S+: .*ICMP type echo-request"
    ):
        AzureCompiler().compile(deployment, resolution)


def test_arm_priorities_switch_to_steps_of_one_then_fail() -> None:
    _, resolution = sample(icmp=False)
    flow = resolution.flows[0]

    [allow] = allows(flow, flow.services[0], "Inbound")[:1]
    dense = prioritized("nsg", [allow] * 500)
    assert [r["properties"]["priority"] for r in dense[:3]] == [100, 101, 102]
    assert dense[-1]["properties"]["priority"] == 599
    with pytest.raises(UnsupportedError, match=f"NSG nsg: .*flow {flow.id}"):
        prioritized("nsg", [allow] * 4000)


def test_arm_too_many_rules_names_nsg_and_flow() -> None:
    deployment, resolution = sample(icmp=False)
    partner = next(f for f in resolution.flows if f.flow == "partner-api")
    # 1,100 distinct ports to one server: more rules than one NSG may hold.
    flows = [
        dataclasses.replace(partner, flow=f"api-{port}", services=parse_service(f"tcp/{port}"))
        for port in range(2000, 3100)
    ]
    many = Resolution("sample", tuple(flows))
    with pytest.raises(
        UnsupportedError, match=r"NSG nsg-acme-print-server: more than 1000 .* flow acme-print/api-"
    ):
        AzureCompiler().compile(deployment, many)


def test_arm_writes_a_repeated_match_once() -> None:
    deployment, resolution = sample(icmp=False)
    doubled = Resolution("sample", resolution.flows * 2)
    [once] = AzureCompiler().compile(deployment, resolution)
    [twice] = AzureCompiler().compile(deployment, doubled)
    assert once.content == twice.content


def test_arm_expression_text_is_escaped() -> None:
    deployment, resolution = sample(Names(purpose="[concat('a','b')]"), icmp=False)
    [artifact] = AzureCompiler().compile(deployment, resolution)
    template = json.loads(artifact.content)
    check_arm_expressions(template)
    jsonschema.validate(template, ARM_SCHEMA)

"""Kubernetes target: every document is a valid networking.k8s.io/v1 NetworkPolicy and
selects exactly the peers and ports of the flows."""

from __future__ import annotations

import dataclasses
from typing import Any

import jsonschema
import pytest
import yaml

from portplan.compile.kubernetes import KubernetesCompiler, dns_label
from portplan.errors import UnsupportedError
from portplan.model.concrete import Endpoint, Resolution
from tests.compile.nonnative_sample import Names, sample

# From the Kubernetes API reference (networking.k8s.io/v1 NetworkPolicy, LabelSelector,
# NetworkPolicyPeer, NetworkPolicyPort, IPBlock) and the name rules of ObjectMeta.
DNS_LABEL = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
LABEL_VALUE = r"^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$"
LABEL_KEY = (
    r"^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
)
LABEL_SELECTOR = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "matchLabels": {
            "type": "object",
            "propertyNames": {"pattern": LABEL_KEY},
            "additionalProperties": {"type": "string", "pattern": LABEL_VALUE},
        },
        "matchExpressions": {"type": "array"},
    },
}
PEER = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {
        "podSelector": LABEL_SELECTOR,
        "namespaceSelector": LABEL_SELECTOR,
        "ipBlock": {
            "type": "object",
            "required": ["cidr"],
            "additionalProperties": False,
            "properties": {
                "cidr": {"type": "string", "pattern": r"^[0-9a-fA-F.:]+/\d{1,3}$"},
                "except": {"type": "array", "items": {"type": "string"}},
            },
        },
    },
    # ipBlock cannot be combined with selectors.
    "not": {
        "anyOf": [
            {"required": ["ipBlock", "podSelector"]},
            {"required": ["ipBlock", "namespaceSelector"]},
        ]
    },
}
PORT = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "protocol": {"enum": ["TCP", "UDP", "SCTP"]},
        "port": {
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": 65535},
                {"type": "string", "pattern": "^[a-z0-9-]{1,15}$"},
            ]
        },
        "endPort": {"type": "integer", "minimum": 1, "maximum": 65535},
    },
    "dependentRequired": {"endPort": ["port"]},
}
NETWORK_POLICY = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "additionalProperties": False,
    "properties": {
        "apiVersion": {"const": "networking.k8s.io/v1"},
        "kind": {"const": "NetworkPolicy"},
        "metadata": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "pattern": DNS_LABEL},
                "namespace": {"type": "string", "pattern": DNS_LABEL},
                "labels": {
                    "type": "object",
                    "propertyNames": {"pattern": LABEL_KEY},
                    "additionalProperties": {"type": "string", "pattern": LABEL_VALUE},
                },
                "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
        "spec": {
            "type": "object",
            "required": ["podSelector"],
            "additionalProperties": False,
            "properties": {
                "podSelector": LABEL_SELECTOR,
                "policyTypes": {"type": "array", "items": {"enum": ["Ingress", "Egress"]}},
                "ingress": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "from": {"type": "array", "items": PEER},
                            "ports": {"type": "array", "items": PORT},
                        },
                    },
                },
                "egress": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "to": {"type": "array", "items": PEER},
                            "ports": {"type": "array", "items": PORT},
                        },
                    },
                },
            },
        },
    },
}


def policies(resolution: Resolution | None = None) -> dict[str, dict[str, Any]]:
    deployment, sampled = sample(icmp=False)
    out = {}
    for artifact in KubernetesCompiler().compile(deployment, resolution or sampled):
        document = yaml.safe_load(artifact.content)
        jsonschema.validate(document, NETWORK_POLICY)
        out[artifact.path] = document
    return out


def test_schema_rejects_an_ip_block_with_a_selector() -> None:
    document = policies()["default/portplan-acme-print-server.yaml"]
    document["spec"]["ingress"][0]["from"][0]["ipBlock"] = {"cidr": "10.0.0.0/8"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, NETWORK_POLICY)


def test_one_policy_per_role() -> None:
    assert sorted(policies()) == [
        "default/portplan-acme-print-client.yaml",
        "default/portplan-acme-print-monitor.yaml",
        "default/portplan-acme-print-server.yaml",
    ]


def test_server_policy_selects_role_and_lists_peers() -> None:
    spec = policies()["default/portplan-acme-print-server.yaml"]["spec"]
    assert spec["podSelector"] == {"matchLabels": {"app": "acme", "tier": "server"}}
    assert spec["policyTypes"] == ["Ingress", "Egress"]
    by_peer = {str(rule["from"]): rule["ports"] for rule in spec["ingress"]}
    client = str([{"podSelector": {"matchLabels": {"app": "acme", "tier": "client"}}}])
    assert by_peer[client] == [
        {"protocol": "TCP", "port": 515},
        {"protocol": "TCP", "port": 631},
        {"protocol": "TCP", "port": 9100, "endPort": 9102},
    ]
    partners = str([{"ipBlock": {"cidr": "192.0.2.0/24"}}])
    assert by_peer[partners] == [{"protocol": "TCP", "port": 443}]
    assert len(spec["ingress"]) == 3  # client, partners, monitor: repeats per server merged


def test_unlabelled_peer_becomes_ip_blocks_and_namespaces_split() -> None:
    _, resolution = sample(icmp=False)
    flows = []
    for flow in resolution.flows:
        if flow.source.name == "ws1":
            flow = dataclasses.replace(flow, source=dataclasses.replace(flow.source, labels=()))
        if flow.destination.name == "srv2":
            labels = (*flow.destination.labels, ("namespace", "print"))
            flow = dataclasses.replace(
                flow, destination=dataclasses.replace(flow.destination, labels=labels)
            )
        flows.append(flow)
    found = policies(Resolution("sample", tuple(flows)))
    assert "print/portplan-acme-print-server.yaml" in found
    ingress = found["print/portplan-acme-print-server.yaml"]["spec"]["ingress"]
    peers = [peer for rule in ingress for peer in rule["from"]]
    assert {"ipBlock": {"cidr": "10.0.2.50/32"}} in peers
    assert {"ipBlock": {"cidr": "2001:db8:2::50/128"}} in peers
    monitor = {
        "podSelector": {"matchLabels": {"app": "acme", "tier": "monitor"}},
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "default"}},
    }
    assert monitor in peers


def test_icmp_is_an_error_naming_the_flow() -> None:
    deployment, resolution = sample()
    with pytest.raises(UnsupportedError, match=r"flow acme-print/ping6?/"):
        KubernetesCompiler().compile(deployment, resolution)


def test_role_without_labels_is_an_error_naming_role_and_fix() -> None:
    deployment, resolution = sample(Names(labels={}), icmp=False)
    with pytest.raises(UnsupportedError, match=r"role acme-print:\w+ .*labels: \{app:"):
        KubernetesCompiler().compile(deployment, resolution)


def test_names_become_dns_labels() -> None:
    for text in ("Acme_Print:Server", "x" * 100, "-a-", "ünï", "a..b"):
        label = dns_label(text)
        assert len(label) <= 63
        jsonschema.validate(label, {"type": "string", "pattern": DNS_LABEL})
    assert dns_label("Acme_Print") != dns_label("acme-print")


def test_hosts_sharing_no_label_get_a_policy_each() -> None:
    _, resolution = sample(icmp=False)

    def relabel(endpoint: Endpoint) -> Endpoint:
        if endpoint.name == "srv2":
            return dataclasses.replace(endpoint, labels=(("component", "spool"),))
        return endpoint

    flows = tuple(
        dataclasses.replace(f, source=relabel(f.source), destination=relabel(f.destination))
        for f in resolution.flows
    )
    found = policies(Resolution("sample", flows))
    one = found["default/portplan-acme-print-server-1.yaml"]["spec"]
    two = found["default/portplan-acme-print-server-2.yaml"]["spec"]
    selected = [one["podSelector"]["matchLabels"], two["podSelector"]["matchLabels"]]
    assert {"component": "spool"} in selected
    assert {"app": "acme", "tier": "server"} in selected
    # Each policy carries only its own hosts' flows: srv2 sends no status to the client.
    spool = one if one["podSelector"]["matchLabels"] == {"component": "spool"} else two
    assert spool["egress"] == []

"""Kubernetes: a NetworkPolicy (networking.k8s.io/v1) per (namespace, product role).

A host's ``labels`` in the deployment are its pod labels; the reserved label ``namespace``
names the pod's namespace (``default`` without it) and is not used as a selector. A role's
policy selects the labels every host of that role in the namespace shares. Peers are written
as a ``podSelector`` with the peer host's labels (plus a ``namespaceSelector`` on
``kubernetes.io/metadata.name`` when the peer lives in another namespace), or as an
``ipBlock`` per address for externals and unlabelled hosts. Each policy lists both Ingress and
Egress, so anything not allowed is denied — DNS included, unless a product flow asks for it.

Port ranges use ``endPort`` (stable since Kubernetes 1.25). NetworkPolicy has no ICMP: such a
flow is an error naming it. Policy names are DNS-1123 labels; label keys and values that
Kubernetes would reject are an error naming the host.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from portplan.compile.base import Artifact
from portplan.compile.groups import RoleFlows, flow_comment, role_flows, safe_name
from portplan.errors import UnsupportedError
from portplan.model.concrete import ConcreteFlow, Endpoint, Resolution
from portplan.model.deployment import Deployment
from portplan.model.service import Service

NAMESPACE_LABEL = "namespace"
PROTOCOLS = {"tcp": "TCP", "udp": "UDP", "sctp": "SCTP"}
LABEL_NAME = re.compile(r"^([A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?)$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")


def dns_label(text: str) -> str:
    """A DNS-1123 label: lowercase letters, digits and ``-``, at most 63, alphanumeric ends."""
    return safe_name(text, allowed="a-z0-9-", lower=True, first="a-z0-9", prefix="p")


def valid_label(key: str, value: str) -> bool:
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not DNS_SUBDOMAIN.match(prefix)):
        return False
    return bool(LABEL_NAME.match(name)) and (value == "" or bool(LABEL_NAME.match(value)))


def namespace_of(endpoint: Endpoint) -> str:
    return dict(endpoint.labels).get(NAMESPACE_LABEL, "default")


def pod_labels(endpoint: Endpoint, flow: ConcreteFlow) -> dict[str, str]:
    labels = {k: v for k, v in endpoint.labels if k != NAMESPACE_LABEL}
    for key, value in labels.items():
        if not valid_label(key, value):
            raise UnsupportedError(
                f"flow {flow.id}: host '{endpoint.name}' has label {key!r}: {value!r}, which "
                "Kubernetes does not accept — use keys and values of letters, digits, '-', '_' "
                "and '.' (at most 63)."
            )
    namespace = namespace_of(endpoint)
    if not LABEL_NAME.match(namespace) or dns_label(namespace) != namespace:
        raise UnsupportedError(
            f"flow {flow.id}: host '{endpoint.name}' has namespace {namespace!r}, which is not "
            "a DNS-1123 label — use lowercase letters, digits and '-'."
        )
    return labels


def ports(flow: ConcreteFlow, service: Service) -> list[dict[str, Any]]:
    protocol = PROTOCOLS.get(service.protocol)
    if protocol is None:
        raise UnsupportedError(
            f"flow {flow.id}: NetworkPolicy cannot match {service} (it has no ICMP) — leave it "
            "to the node firewall or drop it from the product."
        )
    out = []
    for r in service.ports:
        entry: dict[str, Any] = {"protocol": protocol, "port": r.low}
        if r.high != r.low:
            entry["endPort"] = r.high
        out.append(entry)
    return out


def peers(flow: ConcreteFlow, peer: Endpoint, namespace: str) -> list[dict[str, Any]]:
    labels = pod_labels(peer, flow) if peer.kind == "host" else {}
    if labels:
        entry: dict[str, Any] = {"podSelector": {"matchLabels": labels}}
        if namespace_of(peer) != namespace:
            entry["namespaceSelector"] = {
                "matchLabels": {"kubernetes.io/metadata.name": namespace_of(peer)}
            }
        return [entry]
    if not peer.addresses:
        raise UnsupportedError(
            f"flow {flow.id}: '{peer.name}' has only an FQDN and NetworkPolicy needs addresses "
            "or labels — give the external cidrs in the deployment."
        )
    return [{"ipBlock": {"cidr": str(address)}} for address in peer.addresses]


def selectors(
    role: str, members: list[Endpoint], flow: ConcreteFlow
) -> list[tuple[dict[str, str], list[Endpoint]]]:
    """Pod selectors for a role's hosts in one namespace: the labels they all share, or — when
    they share none — one selector per distinct label set (a policy each)."""
    labelled = [(pod_labels(member, flow), member) for member in members]
    bare = [member.name for labels, member in labelled if not labels]
    if bare:
        raise UnsupportedError(
            f"flow {flow.id}: host {bare[0]} plays role {role} but has no labels, so no pod "
            "selector can pick it — give the role's hosts a label, e.g. labels: {app: "
            f"{dns_label(role.rpartition(':')[2])}}}, in the deployment."
        )
    common = dict(labelled[0][0])
    for labels, _ in labelled[1:]:
        common = {k: v for k, v in common.items() if labels.get(k) == v}
    if common:
        return [(common, members)]
    groups: dict[tuple[tuple[str, str], ...], list[Endpoint]] = {}
    for labels, member in labelled:
        groups.setdefault(tuple(sorted(labels.items())), []).append(member)
    return [(dict(key), group) for key, group in sorted(groups.items())]


def rules(flows: list[ConcreteFlow], namespace: str, direction: str) -> list[dict[str, Any]]:
    """One rule per (flow, peer), merged when peers and ports repeat."""
    peer_key = "from" if direction == "ingress" else "to"
    out: list[dict[str, Any]] = []
    for flow in flows:
        peer = flow.source if direction == "ingress" else flow.destination
        port_list = [p for s in flow.services for p in ports(flow, s)]
        rule = {peer_key: peers(flow, peer, namespace), "ports": port_list}
        if rule not in out:
            out.append(rule)
    return out


class KubernetesCompiler:
    name = "kubernetes"
    description = "Kubernetes NetworkPolicy YAML per namespace and product role"

    @staticmethod
    def _policy(
        binding: str,
        policy_name: str,
        namespace: str,
        labels: dict[str, str],
        members: list[Endpoint],
        role: RoleFlows,
    ) -> Artifact:
        names = {m.name for m in members}
        inbound = [f for f in role.inbound if f.destination.name in names]
        outbound = [f for f in role.outbound if f.source.name in names]
        purposes = sorted({flow_comment(f, 120) for f in (*inbound, *outbound)})
        policy: dict[str, Any] = {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {
                "name": policy_name,
                "namespace": namespace,
                "labels": {"app.kubernetes.io/managed-by": "portplan"},
                "annotations": {"portplan/flows": "\n".join(purposes)},
            },
            "spec": {
                "podSelector": {"matchLabels": labels},
                "policyTypes": ["Ingress", "Egress"],
                "ingress": rules(inbound, namespace, "ingress"),
                "egress": rules(outbound, namespace, "egress"),
            },
        }
        text = yaml.safe_dump(policy, sort_keys=False, allow_unicode=True, width=1000)
        return Artifact(
            f"{namespace}/{policy_name}.yaml",
            text,
            None,
            f"NetworkPolicy for {binding} in {namespace}",
            len(policy["spec"]["ingress"]) + len(policy["spec"]["egress"]),
        )

    def compile(self, deployment: Deployment, resolution: Resolution) -> list[Artifact]:
        artifacts = []
        for role in role_flows(resolution):
            namespaces = sorted({namespace_of(m) for m in role.members})
            for namespace in namespaces:
                members = [m for m in role.members if namespace_of(m) == namespace]
                first = next(
                    iter(
                        [f for f in role.inbound if namespace_of(f.destination) == namespace]
                        + [f for f in role.outbound if namespace_of(f.source) == namespace]
                    )
                )
                chosen = selectors(role.role, members, first)
                base = dns_label(f"portplan-{role.role.replace(':', '-')}")
                for index, (labels, group) in enumerate(chosen, start=1):
                    name = base if len(chosen) == 1 else dns_label(f"{base}-{index}")
                    artifacts.append(self._policy(role.role, name, namespace, labels, group, role))
        return artifacts

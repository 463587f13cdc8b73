"""Aerleon: policy YAML and naming definitions, and rendering through Aerleon to its platforms.

``--target aerleon`` writes what Aerleon's own ``aclgen`` reads: ``def/networks.yaml``,
``def/services.yaml`` and ``policies/pol/<point>.yaml`` (aclgen reads policies from
``pol`` directories: ``aclgen --base_directory=policies --definitions_directory=def``).
``--target aerleon:<platform>`` builds the same policies in memory and renders them with
``aerleon.api.Generate``.

One term per (concrete flow, service, IP version): a term never mixes address families, so a
generator that leaves out a family cannot do it silently — after rendering, every term must be
found in the output (its name, or for generators that print no names, its addresses), or the
flow is reported. When Aerleon refuses a policy, each term is rendered on its own to find the
flows it cannot express, and the error names them.

Per network enforcement point one filter for the traffic it forwards (zone-based platforms get
one filter per pair of zones); per host enforcement point and host, an inbound and an outbound
filter. Comments keep to a small character set because several generators copy them into
quoted strings unescaped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from portplan.compile.base import Artifact
from portplan.compile.groups import (
    HostFlows,
    address_pairs,
    ascii_text,
    host_flow_index,
    host_points,
    hosts_of,
    network_points,
    point_flows,
    safe_name,
)
from portplan.errors import UnsupportedError, ValidationError
from portplan.extras import require
from portplan.model.concrete import ConcreteFlow, Network, Resolution
from portplan.model.deployment import Deployment
from portplan.model.service import Service

Direction = str  # "forward" | "input" | "output"

COMMENT_UNSAFE = re.compile(r"[^A-Za-z0-9 .,:/_@+=()-]")


def comment(text: str, limit: int = 100) -> str:
    return COMMENT_UNSAFE.sub("_", ascii_text(text, limit))


def token(text: str, limit: int = 60) -> str:
    """A naming-definition token (Aerleon: ``[A-Za-z0-9_-]``)."""
    return safe_name(text, allowed="A-Za-z0-9_-", replacement="_", max_length=limit)


@dataclass
class Term:
    """One Aerleon term and the flow it serves."""

    name: str
    flow: ConcreteFlow
    service: Service
    version: int
    sources: tuple[Network, ...]
    destinations: tuple[Network, ...]
    body: dict[str, Any]


@dataclass
class Filter:
    """One filter: a direction, optional zones, and its terms."""

    name: str
    direction: Direction
    terms: list[Term]
    from_zone: str | None = None
    to_zone: str | None = None


@dataclass
class Naming:
    """Networks and services the terms refer to, deduplicated by content."""

    networks: dict[str, list[str]] = field(default_factory=dict)
    services: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    by_content: dict[tuple[Any, ...], str] = field(default_factory=dict)

    def network(self, label: str, addresses: tuple[Network, ...]) -> str:
        key = ("n", tuple(str(a) for a in addresses))
        if key not in self.by_content:
            name = self._unique(token(label.upper()), self.networks)
            self.networks[name] = [str(a) for a in addresses]
            self.by_content[key] = name
        return self.by_content[key]

    def service(self, service: Service) -> str:
        key = ("s", service.protocol, str(service.ports))
        if key not in self.by_content:
            label = token(f"{service.protocol.upper()}_{service.ports}".replace(",", "_"))
            name = self._unique(label, self.services)
            self.services[name] = [
                {"port": str(r), "protocol": service.protocol} for r in service.ports
            ]
            self.by_content[key] = name
        return self.by_content[key]

    @staticmethod
    def _unique(name: str, taken: dict[str, Any]) -> str:
        candidate, n = name, 2
        while candidate in taken:
            candidate, n = f"{name}_{n}", n + 1
        return candidate

    def definitions(self) -> dict[str, Any]:
        return {
            "networks": {
                name: {"values": [{"address": a} for a in values]}
                for name, values in self.networks.items()
            },
            "services": self.services,
        }


@dataclass
class _Group:
    """Concrete flows of one product flow and service merged into one term."""

    flow: ConcreteFlow  # the first one, for names and errors
    sources: dict[Network, None]
    destinations: dict[Network, None]
    source_names: dict[str, None]
    destination_names: dict[str, None]


def merged(flows: list[ConcreteFlow]) -> list[tuple[_Group, Service, int]]:
    """Flows of the same product flow and service joined exactly: first every destination of
    one source set, then every source set with the same destinations. A term allows its
    sources × destinations, and both steps keep that product equal to the flows' pairs."""
    by_source: dict[tuple[Any, ...], _Group] = {}
    for flow in flows:
        for service in flow.services:
            for pair in address_pairs(flow, service, "Aerleon"):
                key = (flow.product, flow.flow, service, pair.version, pair.sources)
                group = by_source.setdefault(
                    key,
                    _Group(flow, dict.fromkeys(pair.sources), {}, {flow.source.name: None}, {}),
                )
                group.destinations.update(dict.fromkeys(pair.destinations))
                group.destination_names[flow.destination.name] = None
    by_destination: dict[tuple[Any, ...], _Group] = {}
    for (product, flow_id, service, version, _), group in by_source.items():
        key = (product, flow_id, service, version, tuple(group.destinations))
        if key in by_destination:
            target = by_destination[key]
            target.sources.update(group.sources)
            target.source_names.update(group.source_names)
        else:
            by_destination[key] = group
    return [(group, key[2], key[3]) for key, group in by_destination.items()]


def endpoint_label(names: dict[str, None], role: str, join: str) -> str:
    """Up to three endpoint names, or how many endpoints of which role."""
    if len(names) <= 3:
        return join.join(names)
    return f"{len(names)} of {role.rpartition(':')[2]}" if join == ", " else f"{role}_{len(names)}"


def build_terms(flows: list[ConcreteFlow], naming: Naming, counter: list[int]) -> list[Term]:
    terms = []
    for group, service, version in merged(flows):
        flow = group.flow
        counter[0] += 1
        name = f"t{counter[0]:04d}-{token(flow.flow, 18).lower().replace('_', '-')}"
        sources, destinations = tuple(group.sources), tuple(group.destinations)
        source = endpoint_label(group.source_names, flow.source.role, ", ")
        destination = endpoint_label(group.destination_names, flow.destination.role, ", ")
        source_key = endpoint_label(group.source_names, flow.source.role, "_")
        destination_key = endpoint_label(group.destination_names, flow.destination.role, "_")
        body: dict[str, Any] = {
            "name": name,
            "comment": comment(
                f"{flow.product}/{flow.flow} {source} to {destination}: {flow.purpose}"
            ),
            "source-address": naming.network(f"{source_key}_v{version}", sources),
            "destination-address": naming.network(f"{destination_key}_v{version}", destinations),
            "protocol": service.protocol,
            "action": "accept",
        }
        if service.ports:
            body["destination-port"] = naming.service(service)
        if service.icmp_type:
            body["icmp-type"] = service.icmp_type
        terms.append(Term(name, flow, service, version, sources, destinations, body))
    return terms


@dataclass
class PolicyPlan:
    """One Aerleon policy file: its name, the point it is for, and its filters."""

    filename: str
    point: str
    filters: list[Filter]


def plan_policies(
    deployment: Deployment, resolution: Resolution, naming: Naming, *, by_zone: bool = False
) -> list[PolicyPlan]:
    counter = [0]
    plans = []
    for point in network_points(deployment):
        flows = point_flows(resolution, point.name)
        groups: dict[tuple[str | None, str | None], list[ConcreteFlow]] = {}
        for flow in flows:
            key = (flow.source.zone, flow.destination.zone) if by_zone else (None, None)
            groups.setdefault(key, []).append(flow)
        filters = []
        for (src_zone, dst_zone), group in sorted(groups.items(), key=lambda i: str(i[0])):
            name = token(point.name if not by_zone else f"{src_zone}-{dst_zone}").lower()
            terms = build_terms(group, naming, counter)
            filters.append(
                Filter(name, "forward", terms, src_zone or "external", dst_zone or "external")
            )
        if filters:
            plans.append(PolicyPlan(token(point.name), point.name, filters))
    for point in host_points(deployment):
        index = host_flow_index(resolution, point.name)
        for host in hosts_of(deployment, point):
            seen = index.get(host, HostFlows(host, (), ()))
            filters = []
            for direction, one_way in (("input", seen.inbound), ("output", seen.outbound)):
                if one_way:
                    terms = build_terms(list(one_way), naming, counter)
                    suffix = "in" if direction == "input" else "out"
                    filters.append(
                        Filter(token(f"{host}-{suffix}").lower(), direction, terms, "host", "host")
                    )
            if filters:
                plans.append(PolicyPlan(token(f"{point.name}-{host}"), point.name, filters))
    return plans


# --- platforms ---------------------------------------------------------------------------

HeaderFn = Callable[[Filter, str], str]
"""(filter, family "mixed"|"inet"|"inet6") → the header's target options."""


@dataclass(frozen=True)
class Platform:
    header: HeaderFn
    families: tuple[str, ...] = ("mixed",)
    by_zone: bool = False
    names_in_output: bool = True
    # The filter is attached to the host itself (GCE, Kubernetes): inbound terms name no
    # destination and outbound terms no source, which those platforms refuse.
    local_implicit: bool = False
    single_filter: bool = False  # one filter per output file (NSX-V writes one XML document)
    # One file per IP version: iptables-restore and ip6tables-restore each read their own.
    file_per_family: bool = False


def _acl(f: Filter, family: str) -> str:
    return f"{filter_name(f, family)} {family}"


def filter_name(f: Filter, family: str) -> str:
    """Filters split by family need distinct names (NVUE keys its ACLs by name)."""
    return f"{f.name}-v6" if family == "inet6" else f.name


def _chain(f: Filter, family: str) -> str:
    return f"{f.direction.upper()} DROP {family}"


def _zones(f: Filter, family: str) -> str:
    return f"from-zone {f.from_zone} to-zone {f.to_zone}"


def _cloud(f: Filter, family: str) -> str:
    direction = "EGRESS" if f.direction == "output" else "INGRESS"
    return f"{filter_name(f, family)} {direction} {family}"


PLATFORMS: dict[str, Platform] = {
    "arista": Platform(_acl),
    "arista_tp": Platform(_acl),
    "aruba": Platform(_acl, families=("inet", "inet6")),
    "brocade": Platform(_acl, names_in_output=False),
    "cisco": Platform(_acl),
    "ciscoasa": Platform(lambda f, fam: filter_name(f, fam), families=("inet", "inet6")),
    "cisconx": Platform(_acl),
    "ciscoxr": Platform(_acl),
    "fortigate": Platform(lambda f, fam: _zones(f, fam) + " mixed", by_zone=True),
    "gce": Platform(_cloud, families=("inet", "inet6"), local_implicit=True),
    "gcp_hf": Platform(_cloud, local_implicit=True, single_filter=True),
    "ipset": Platform(
        _chain, families=("inet", "inet6"), names_in_output=False, file_per_family=True
    ),
    "iptables": Platform(_chain, families=("inet", "inet6"), file_per_family=True),
    "juniper": Platform(_acl),
    "juniperevo": Platform(
        lambda f, fam: (
            f"{filter_name(f, fam)} {fam} {'egress' if f.direction == 'output' else 'ingress'}"
        ),
        families=("inet", "inet6"),
    ),
    "k8s": Platform(
        lambda f, fam: "EGRESS" if f.direction == "output" else "INGRESS", local_implicit=True
    ),
    "msmpc": Platform(_acl),
    "nftables": Platform(lambda f, fam: f"mixed {f.direction}"),
    "nokiasrl": Platform(_acl),
    "nsxt": Platform(_acl, single_filter=True),
    "nsxv": Platform(_acl, single_filter=True),
    "nvueapi": Platform(_acl, families=("inet", "inet6"), names_in_output=False),
    "openconfig": Platform(_acl, names_in_output=False),
    "packetfilter": Platform(_acl),
    "paloalto": Platform(lambda f, fam: _zones(f, fam) + " mixed", by_zone=True),
    "sonic": Platform(_acl, names_in_output=False),
    "speedway": Platform(_chain, families=("inet", "inet6"), file_per_family=True),
    "srx": Platform(_zones, by_zone=True),
    "srxlo": Platform(_acl),
    "windows_advfirewall": Platform(
        lambda f, fam: f"{'out' if f.direction == 'output' else 'in'} {fam}",
        families=("inet", "inet6"),
    ),
}
"""Aerleon's generators portplan drives, with how each one's header is written. Left out:
``pcap`` (a capture filter, not a firewall), ``cloudarmor`` (matches sources only) and
``proxmox`` (its zones are Proxmox objects a deployment does not describe)."""

HOST_OS = {
    "iptables": "linux",
    "nftables": "linux",
    "speedway": "linux",
    "windows_advfirewall": "windows",
}
"""The platforms that are a host's own firewall, and the operating system it runs on (a host
firewall on another OS is refused when the deployment is loaded)."""


NEUTRAL_TARGETS = ("cisco", "juniper")
"""Targets written into ``--target aerleon`` policies so aclgen renders them as they are;
edit the headers for other platforms."""


def platform_names() -> list[str]:
    """The platforms of the installed Aerleon that portplan renders to."""
    plugin_supervisor = require("aerleon", "aerleon.lib.plugin_supervisor")
    installed = {entry[0] for entry in plugin_supervisor.BUILTIN_GENERATORS}
    return sorted(name for name in PLATFORMS if name in installed)


def local_body(body: dict[str, Any], direction: Direction) -> dict[str, Any]:
    """A host filter's own side left out (the platform attaches the filter to the host)."""
    drop = {"input": "destination-address", "output": "source-address"}.get(direction)
    return {k: v for k, v in body.items() if k != drop}


def policy_document(plan: PolicyPlan, platform: str | None) -> dict[str, Any]:
    """The policy as Aerleon reads it; ``platform`` None writes a neutral header."""
    filters = []
    for f in plan.filters:
        families: tuple[str, ...] = ("mixed",)
        spec = PLATFORMS.get(platform) if platform else None
        if spec is not None:
            families = spec.families
        for family in families:
            version = {"inet": 4, "inet6": 6}.get(family)
            terms = [
                local_body(t.body, f.direction) if spec and spec.local_implicit else t.body
                for t in f.terms
                if version is None or t.version == version
            ]
            if not terms:
                continue
            if platform and spec:
                targets = {platform: spec.header(f, family)}
            else:
                targets = {name: PLATFORMS[name].header(f, family) for name in NEUTRAL_TARGETS}
            header = {
                "targets": targets,
                "comment": comment(f"portplan {plan.point}: {f.name} ({f.direction})"),
            }
            filters.append({"header": header, "terms": terms})
    return {"filename": plan.filename, "filters": filters}


class AerleonCompiler:
    """``aerleon``: the policy and naming YAML Aerleon's aclgen reads."""

    name = "aerleon"
    description = "Aerleon policy + naming definitions (YAML)"

    def compile(self, deployment: Deployment, resolution: Resolution) -> list[Artifact]:
        naming = Naming()
        plans = plan_policies(deployment, resolution, naming)
        artifacts = []
        for plan in plans:
            document = policy_document(plan, None)
            artifacts.append(
                Artifact(
                    f"policies/pol/{plan.filename}.yaml",
                    dump(document),
                    plan.point,
                    f"Aerleon policy for {plan.point}",
                    sum(len(f["terms"]) for f in document["filters"]),
                )
            )
        definitions = naming.definitions()
        artifacts.append(
            Artifact(
                "def/networks.yaml",
                dump({"networks": definitions["networks"]}),
                None,
                "Aerleon network names",
            )
        )
        artifacts.append(
            Artifact(
                "def/services.yaml",
                dump({"services": definitions["services"]}),
                None,
                "Aerleon service names",
            )
        )
        return artifacts


def dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=False, width=1000)


class AerleonPlatformCompiler:
    """``aerleon:<platform>``: rendered by Aerleon itself."""

    def __init__(self, platform: str) -> None:
        if platform not in PLATFORMS:
            raise ValidationError(
                f"unknown Aerleon platform '{platform}' — use one of {', '.join(platform_names())}."
            )
        self.platform = platform
        self.name = f"aerleon:{platform}"
        self.description = f"{platform} configuration rendered by Aerleon"

    def compile(self, deployment: Deployment, resolution: Resolution) -> list[Artifact]:
        spec = PLATFORMS[self.platform]
        naming = Naming()
        plans = plan_policies(deployment, resolution, naming, by_zone=spec.by_zone)
        definitions = naming.definitions()
        artifacts = []
        if spec.single_filter:
            plans = [
                PolicyPlan(f"{plan.filename}-{f.name}", plan.point, [f])
                for plan in plans
                for f in plan.filters
            ]
        if spec.file_per_family:
            plans = [
                PolicyPlan(
                    plan.filename + ("" if version == 4 else "-v6"),
                    plan.point,
                    [
                        Filter(
                            f.name,
                            f.direction,
                            [t for t in f.terms if t.version == version],
                            f.from_zone,
                            f.to_zone,
                        )
                        for f in plan.filters
                    ],
                )
                for plan in plans
                for version in (4, 6)
            ]
        for plan in plans:
            document = policy_document(plan, self.platform)
            if not document["filters"]:
                continue
            terms = [t for f in plan.filters for t in f.terms]
            outputs = render(document, definitions, terms)
            verify(self.platform, outputs, terms, spec)
            for filename, text in sorted(outputs.items()):
                artifacts.append(
                    Artifact(
                        f"{self.platform}/{filename}",
                        text,
                        plan.point,
                        f"{self.platform} rules for {plan.point}",
                        len(terms) if len(outputs) == 1 else None,
                    )
                )
        return artifacts


def render(
    document: dict[str, Any], definitions: dict[str, Any], terms: list[Term]
) -> dict[str, str]:
    """Aerleon's output files for one policy; a refusal is traced to the flows it concerns."""
    api = require("aerleon", "aerleon.api")
    aerleon_naming = require("aerleon", "aerleon.lib.naming")
    absl_logging = require("aerleon", "absl.logging")  # installed with aerleon

    absl_logging.set_verbosity(absl_logging.ERROR)
    names = aerleon_naming.Naming()
    names.ParseDefinitionsObject(definitions, "portplan")
    try:
        outputs = api.Generate([document], names)
    except Exception as error:
        raise UnsupportedError(blame(document, names, terms, error)) from None
    return dict(outputs or {})


def blame(document: dict[str, Any], names: Any, terms: list[Term], error: Exception) -> str:
    """The flow whose term makes Aerleon refuse: the last term of the shortest failing prefix
    (a term it cannot express alone, or the one that passes a limit such as a policy cost)."""
    api = require("aerleon", "aerleon.api")

    by_name = {t.name: t for t in terms}
    ordered = [(i, body) for i, entry in enumerate(document["filters"]) for body in entry["terms"]]

    def fails(count: int) -> str | None:
        filters: list[dict[str, Any]] = []
        for index, entry in enumerate(document["filters"]):
            kept = [body for i, body in ordered[:count] if i == index]
            if kept:
                filters.append({"header": entry["header"], "terms": kept})
        try:
            policy: Any = {"filename": document["filename"], "filters": filters}
            api.Generate([policy], names)
        except Exception as refusal:
            return " ".join(str(refusal).split())[:300] or type(refusal).__name__
        return None

    low, high = 1, len(ordered)
    reason = fails(high)
    if reason is None:  # only the whole document fails: name the last term
        reason = " ".join(str(error).split())[:300]
    else:
        while low < high:  # invariant: the prefix of length ``high`` fails
            middle = (low + high) // 2
            found = fails(middle)
            if found is None:
                low = middle + 1
            else:
                high, reason = middle, found
    index, body = ordered[high - 1]
    term = by_name[body["name"]]
    platform = next(iter(document["filters"][index]["header"]["targets"]))
    return (
        f"flow {term.flow.id} ({term.service}): Aerleon cannot render it for {platform}: "
        f"{reason} — use another target for this enforcement point or change the flow."
    )


def verify(platform: str, outputs: dict[str, str], terms: list[Term], spec: Platform) -> None:
    """Every term must show up in the output; a missing one is a flow the platform dropped.

    Term names start ``t<number>-``; generators that print no names are checked by the
    term's destination addresses. Both are looked up in sets read from the output once.
    """
    text = "\n".join(outputs.values()).lower()
    if spec.names_in_output:
        numbers = {int(n) for n in TERM_NUMBER.findall(text)}
    else:
        tokens = set(ADDRESS_TOKEN.findall(text))
    for term in terms:
        if spec.names_in_output:
            present = int(term.name[1 : term.name.index("-")]) in numbers
        else:
            present = all(str(a.network_address) in tokens for a in term.destinations)
        if not present:
            raise UnsupportedError(
                f"flow {term.flow.id} ({term.service}, IPv{term.version}): Aerleon's {platform} "
                "generator left it out of its output — use another target for this "
                "enforcement point."
            )


TERM_NUMBER = re.compile(r"(?<![a-z0-9])t(\d{4,})-")
ADDRESS_TOKEN = re.compile(r"[0-9a-f:.]{2,}")

"""What the non-native targets share: which flows each enforcement point, host or role sees,
and names and texts made safe for the target's syntax.

Every target reads concrete flows only; names from catalogs and deployments (product, role,
host, purpose) are untrusted text. ``safe_name`` maps them to a target's identifier alphabet and
keeps distinct inputs distinct (a short hash is appended whenever characters were replaced or
the name was cut), ``clean_text`` removes control characters and line breaks for comments.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from portplan.errors import UnsupportedError
from portplan.model.concrete import ConcreteFlow, Endpoint, Network, Resolution
from portplan.model.deployment import Deployment, EnforcementPoint
from portplan.model.service import ICMP_PROTOCOLS, Service

Direction = Literal["inbound", "outbound"]


def clean_text(text: str, limit: int = 200) -> str:
    """One line of printable text: control characters and line breaks become spaces."""
    cleaned = "".join(
        " " if unicodedata.category(ch).startswith(("C", "Z")) and ch != " " else ch for ch in text
    )
    cleaned = " ".join(cleaned.split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def ascii_text(text: str, limit: int = 200) -> str:
    """Like :func:`clean_text`, restricted to printable ASCII (for targets that reject more)."""
    folded = unicodedata.normalize("NFKD", clean_text(text, limit * 2))
    return clean_text("".join(ch if 32 <= ord(ch) < 127 else "?" for ch in folded), limit)


def safe_name(
    text: str,
    *,
    allowed: str = "A-Za-z0-9_-",
    replacement: str = "-",
    max_length: int = 63,
    first: str = "A-Za-z",
    prefix: str = "x",
    lower: bool = False,
) -> str:
    """``text`` reduced to the characters in ``allowed`` (a regex class body).

    A name that had to change gets a 6-hex-digit hash of the original appended, so two
    different inputs never collapse onto one output name. ``first`` is the class the first
    character must be in; ``prefix`` is put in front when it is not.
    """
    original = text
    if lower:
        text = text.lower()
    name = re.sub(f"[^{allowed}]+", replacement, text).strip(replacement)
    if not name or not re.match(f"[{first}]", name):
        name = prefix + replacement + name if name else prefix
    changed = name != original
    if changed or len(name) > max_length:
        digest = hashlib.sha256(original.encode("utf-8")).hexdigest()[:6]
        name = name[: max_length - 7].rstrip(replacement) + replacement + digest
    return name


def flow_comment(flow: ConcreteFlow, limit: int = 200) -> str:
    """``product/flow: purpose`` on one line; what rule comments and descriptions say."""
    return clean_text(f"{flow.product}/{flow.flow}: {flow.purpose}", limit)


def split_role(binding: str) -> tuple[str, str]:
    """``product@instance:role`` → (``product@instance``, ``role``)."""
    product, _, role = binding.rpartition(":")
    return product, role


def is_icmp(service: Service) -> bool:
    return service.protocol in ICMP_PROTOCOLS


def family_of(service: Service) -> int | None:
    """The only IP version a service can travel over (ICMP is v4, ICMPv6 is v6)."""
    if service.protocol == "icmp":
        return 4
    if service.protocol == "icmpv6":
        return 6
    return None


def require_addresses(flow: ConcreteFlow, endpoint: Endpoint, target: str) -> tuple[Network, ...]:
    """An endpoint's addresses; an FQDN-only external cannot be written as an address rule."""
    if not endpoint.addresses:
        raise UnsupportedError(
            f"flow {flow.id}: '{endpoint.name}' has no address (only the FQDN "
            f"{endpoint.fqdn or '?'}) and {target} rules need addresses — give the external "
            "cidrs in the deployment."
        )
    return endpoint.addresses


@dataclass(frozen=True)
class AddressPair:
    """A flow narrowed to one IP version: the sources and destinations of that version."""

    version: int
    sources: tuple[Network, ...]
    destinations: tuple[Network, ...]


def address_pairs(
    flow: ConcreteFlow, service: Service, target: str, *, source: bool = True
) -> list[AddressPair]:
    """Per IP version, the flow's sources and destinations that ``service`` can travel between.

    A host with only IPv6 addresses talking to one with only IPv4 addresses yields nothing for
    that version — there is no packet to allow, so no rule is missing.
    """
    sources = require_addresses(flow, flow.source, target) if source else ()
    destinations = require_addresses(flow, flow.destination, target)
    pairs = []
    for version in (4, 6):
        only = family_of(service)
        if only is not None and only != version:
            continue
        v_src = tuple(a for a in sources if a.version == version)
        v_dst = tuple(a for a in destinations if a.version == version)
        if v_dst and (v_src or not source):
            pairs.append(AddressPair(version, v_src, v_dst))
    return pairs


def collapse(networks: Iterable[Network]) -> list[Network]:
    """Networks merged where they touch, v4 before v6, each family sorted."""
    items = list(networks)
    v4 = [n for n in items if isinstance(n, ipaddress.IPv4Network)]
    v6 = [n for n in items if isinstance(n, ipaddress.IPv6Network)]
    return [*ipaddress.collapse_addresses(v4), *ipaddress.collapse_addresses(v6)]


# --- enforcement points -------------------------------------------------------------------


def point_flows(resolution: Resolution, point: str) -> list[ConcreteFlow]:
    """Flows whose path crosses network enforcement point ``point``."""
    return [
        flow
        for flow in resolution.flows
        if any(hop.point == point and hop.kind == "network" for hop in flow.path)
    ]


def hosts_of(deployment: Deployment, point: EnforcementPoint) -> list[str]:
    """The hosts a host enforcement point covers (no list: every host)."""
    return list(point.hosts) if point.hosts else [h.name for h in deployment.hosts]


@dataclass(frozen=True)
class HostFlows:
    """What one host's own firewall must allow: flows into it and flows out of it."""

    host: str
    inbound: tuple[ConcreteFlow, ...]
    outbound: tuple[ConcreteFlow, ...]


def host_flows(resolution: Resolution, host: str, point: str | None = None) -> HostFlows:
    """Flows into and out of ``host``.

    With ``point`` only those whose path has that host enforcement point (as host-ingress on
    the destination, host-egress on the source); without, every flow the host takes part in
    (a host firewall the deployment did not list, e.g. ``--target windows`` on any Windows host).
    """
    return host_flow_index(resolution, point).get(host, HostFlows(host, (), ()))


def host_flow_index(resolution: Resolution, point: str | None = None) -> dict[str, HostFlows]:
    """:func:`host_flows` for every host at once, in one pass over the flows."""
    inbound: dict[str, list[ConcreteFlow]] = {}
    outbound: dict[str, list[ConcreteFlow]] = {}
    for flow in resolution.flows:
        kinds = {hop.kind for hop in flow.path if hop.point == point} if point else None
        if flow.destination.kind == "host" and (kinds is None or "host-ingress" in kinds):
            inbound.setdefault(flow.destination.name, []).append(flow)
        if flow.source.kind == "host" and (kinds is None or "host-egress" in kinds):
            outbound.setdefault(flow.source.name, []).append(flow)
    return {
        host: HostFlows(host, tuple(inbound.get(host, ())), tuple(outbound.get(host, ())))
        for host in {*inbound, *outbound}
    }


def network_points(deployment: Deployment) -> list[EnforcementPoint]:
    return [p for p in deployment.firewalls if p.kind == "network"]


def host_points(deployment: Deployment) -> list[EnforcementPoint]:
    return [p for p in deployment.firewalls if p.kind == "host"]


# --- roles (cloud targets) ------------------------------------------------------------------


@dataclass(frozen=True)
class RoleFlows:
    """Flows into and out of the hosts playing one product role (a cloud group's members)."""

    role: str  # the binding, "product:role"
    members: tuple[Endpoint, ...]
    inbound: tuple[ConcreteFlow, ...]
    outbound: tuple[ConcreteFlow, ...]


def role_flows(resolution: Resolution) -> list[RoleFlows]:
    """One entry per role that hosts play in the resolution, sorted by binding.

    Only ``kind: host`` endpoints make a group; externals are peers written as addresses.
    """
    members: dict[str, dict[str, Endpoint]] = {}
    inbound: dict[str, list[ConcreteFlow]] = {}
    outbound: dict[str, list[ConcreteFlow]] = {}
    for flow in resolution.flows:
        for endpoint, sink in ((flow.source, outbound), (flow.destination, inbound)):
            if endpoint.kind != "host":
                continue
            members.setdefault(endpoint.role, {})[endpoint.name] = endpoint
            sink.setdefault(endpoint.role, []).append(flow)
    return [
        RoleFlows(
            role,
            tuple(members[role][name] for name in sorted(members[role])),
            tuple(inbound.get(role, ())),
            tuple(outbound.get(role, ())),
        )
        for role in sorted(members)
    ]


def whole_role_pairs(resolution: Resolution) -> set[tuple[str, str, str, str]]:
    """(product, flow, source role, destination role) whose concrete flows join every host of
    the source role with every host of the destination role.

    Only for those can a rule name the whole peer group (a security group reference) without
    allowing more than the flows: a same-site constraint, for one, pairs only some hosts.
    """
    groups = {r.role: {m.name for m in r.members} for r in role_flows(resolution)}
    pairs: dict[tuple[str, str, str, str], set[tuple[str, str]]] = {}
    for flow in resolution.flows:
        if flow.source.kind != "host" or flow.destination.kind != "host":
            continue
        key = (flow.product, flow.flow, flow.source.role, flow.destination.role)
        pairs.setdefault(key, set()).add((flow.source.name, flow.destination.name))
    whole = set()
    for key, seen in pairs.items():
        _, _, src, dst = key
        if len(seen) == len(groups[src]) * len(groups[dst]):
            whole.add(key)
    return whole


def services_by_flow(flows: Iterable[ConcreteFlow]) -> Iterator[tuple[ConcreteFlow, Service]]:
    for flow in flows:
        for service in flow.services:
            yield flow, service

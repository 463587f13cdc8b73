"""Checks that catch a deployment that is well-formed but makes no sense on a real network.

Each is one function raising one ``file:line`` error at the first problem:

- :func:`check_zone_networks` — a zone of every address (``0.0.0.0/0``) unless marked
  ``any: true``; loopback, multicast, link-local or unspecified zone networks; two zones that
  overlap (an address would sit in both, and the path of its flows would be a guess);
- :func:`check_host_addresses` — loopback, multicast, link-local, reserved and unspecified
  host addresses, and a zone's IPv4 network or broadcast address;
- :func:`check_duplicate_addresses` — one address on two hosts (flows from 10.1.0.5 to
  10.1.0.5), unless every host holding it lists it under ``shared_addresses``;
- :func:`check_platforms` — every firewall's ``platform`` is a compile target (a typo such as
  ``nftabels`` would otherwise pass plan and lab);
- :func:`check_host_firewalls` — a host covered by a host firewall says its ``os``, and the
  firewall's platform runs on that OS (no nftables ruleset for a Windows host).

Whether an external known only by name can be filtered needs the resolved flows: see
:func:`check_names_filterable`, run after resolution.
"""

from __future__ import annotations

import difflib
import ipaddress
from collections.abc import Iterable, Sequence

from portplan.compile.registry import (
    is_target,
    target_host_os,
    target_names,
    targets_filtering_by_name,
)
from portplan.model.concrete import ConcreteFlow
from portplan.model.deployment import Deployment, EnforcementPoint, Host
from portplan.problems import ProblemCollector
from portplan.yamlio import SourceMap

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def check_semantics(deployment: Deployment, source: SourceMap) -> None:
    """Every check of this module, in the order a reader of the file meets the sections; each
    runs whatever the others found, and their problems are raised together."""
    problems = ProblemCollector()
    for check in (
        check_zone_networks,
        check_host_addresses,
        check_duplicate_addresses,
        check_platforms,
        check_host_firewalls,
    ):
        with problems.catch():
            check(deployment, source)
    problems.finish()


def special_use(network: Network) -> str | None:
    """What makes ``network`` unusable as a zone or host address, or ``None``."""
    for test, what in (
        ("is_loopback", "a loopback address (it never leaves the host)"),
        ("is_multicast", "a multicast address (a group, not a host)"),
        ("is_link_local", "a link-local address (never routed through a firewall)"),
        ("is_unspecified", "the unspecified address"),
    ):
        if getattr(network, test):
            return what
    if network.version == 4 and network.is_reserved:
        return "a reserved address (240.0.0.0/4, the limited broadcast)"
    return None


def check_zone_networks(deployment: Deployment, source: SourceMap) -> None:
    placed: list[tuple[Network, str, tuple[str | int, ...]]] = []
    for i, zone in enumerate(deployment.zones):
        for j, network in enumerate(zone.cidrs):
            where = ("zones", i, "cidrs", j)
            if network.prefixlen == 0 and not zone.any:
                raise source.error(
                    where,
                    f"zone '{zone.name}' is {network}, every address — if that is meant, add "
                    "'any: true' to the zone; otherwise write its real network.",
                )
            problem = special_use(network)
            if problem and network.prefixlen:
                raise source.error(
                    where, f"zone '{zone.name}': {network} is {problem} — write the zone's network."
                )
            if not zone.any:
                placed.append((network, zone.name, where))
    _check_overlaps(placed, source)


def _check_overlaps(
    placed: Sequence[tuple[Network, str, tuple[str | int, ...]]], source: SourceMap
) -> None:
    """Sorted by first address, a network overlaps an earlier one exactly when it starts
    at or before the furthest last address seen so far."""
    ordered = sorted(placed, key=lambda p: (p[0].version, int(p[0].network_address)))
    widest: tuple[Network, str, tuple[str | int, ...]] | None = None
    for entry in ordered:
        network, zone, _ = entry
        overlapping = (
            widest is not None
            and widest[0].version == network.version
            and int(network.network_address) <= int(widest[0].broadcast_address)
        )
        if widest is not None and overlapping:
            if widest[1] != zone:
                first, second = sorted((widest, entry), key=lambda e: e[2])
                raise source.error(
                    second[2],
                    f"zone '{second[1]}' ({second[0]}) overlaps zone '{first[1]}' "
                    f"({first[0]}) — an address would sit in both; split the networks.",
                )
            if int(widest[0].broadcast_address) >= int(network.broadcast_address):
                continue  # inside the widest so far: it stays the one to compare with
        widest = entry


def check_host_addresses(deployment: Deployment, source: SourceMap) -> None:
    zones = {z.name: z for z in deployment.zones}
    # A host inside a zone that is itself loopback or multicast has its address from the
    # zone: one mistake, reported once, at the zone.
    special_zones = {z.name for z in deployment.zones if any(special_use(c) for c in z.cidrs)}
    for i, host in enumerate(deployment.hosts):
        for j, address in enumerate(host.addresses):
            where = ("hosts", i, "addresses", j)
            problem = special_use(ipaddress.ip_network(address))
            if problem and host.zone not in special_zones:
                raise source.error(
                    where,
                    f"address {address} of host '{host.name}' is {problem} — give the "
                    "address its flows are sent to.",
                )
            zone = zones.get(host.zone)
            for network in zone.cidrs if zone else ():
                if _is_edge_of(address, network):
                    raise source.error(
                        where,
                        f"address {address} of host '{host.name}' is the "
                        f"{'network' if address == network.network_address else 'broadcast'} "
                        f"address of zone '{zone.name if zone else ''}' ({network}) — a host "
                        "cannot have it.",
                    )


def _is_edge_of(address: Address, network: Network) -> bool:
    if network.version != 4 or address.version != 4 or network.prefixlen >= 31:
        return False  # IPv6 has no broadcast; /31 and /32 use both addresses (RFC 3021)
    return address in (network.network_address, network.broadcast_address)


def check_duplicate_addresses(deployment: Deployment, source: SourceMap) -> None:
    holders: dict[Address, tuple[int, Host]] = {}
    for i, host in enumerate(deployment.hosts):
        for j, shared in enumerate(host.shared_addresses):
            if shared not in host.addresses:
                raise source.error(
                    ("hosts", i, "shared_addresses", j),
                    f"shared address {shared} of host '{host.name}' is not one of its "
                    "addresses — list it under addresses too.",
                )
        for j, address in enumerate(host.addresses):
            first = holders.get(address)
            if first is None:
                holders[address] = (i, host)
                continue
            other = first[1]
            if address in host.shared_addresses and address in other.shared_addresses:
                continue
            raise source.error(
                ("hosts", i, "addresses", j),
                f"address {address} of host '{host.name}' also belongs to host "
                f"'{other.name}' — fix one of them, or, for a cluster address, list it under "
                "shared_addresses on both hosts.",
            )


def check_platforms(deployment: Deployment, source: SourceMap) -> None:
    for i, point in enumerate(deployment.firewalls):
        if is_target(point.platform):
            continue
        names = [n for n in target_names() if not n.endswith(":*")]
        close = difflib.get_close_matches(point.platform, names, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise source.error(
            ("firewalls", i, "platform"),
            f"firewall '{point.name}': unknown platform '{point.platform}' — {hint}the "
            f"targets: {', '.join(names)}, aerleon:<platform> (portplan compile --list-targets).",
        )


def covered_hosts(deployment: Deployment, point: EnforcementPoint) -> list[str]:
    """The hosts a host firewall covers (no list: every host)."""
    return list(point.hosts) if point.hosts else [h.name for h in deployment.hosts]


def check_host_firewalls(deployment: Deployment, source: SourceMap) -> None:
    index = {h.name: i for i, h in enumerate(deployment.hosts)}
    for i, point in enumerate(deployment.firewalls):
        if point.kind != "host":
            continue
        wanted = target_host_os(point.platform)
        for name in covered_hosts(deployment, point):
            if name not in index:
                continue  # an unknown host: reported with the firewall's own problems
            host = deployment.hosts[index[name]]
            where = ("firewalls", i, "hosts", point.hosts.index(name)) if point.hosts else None
            if host.os is None:
                raise source.error(
                    ("hosts", index[name]),
                    f"host '{name}' has a host firewall ('{point.name}', {point.platform}) but "
                    "no os — say what it runs (os: linux, windows, macos, appliance or other), "
                    "so its rules and management access fit.",
                )
            if wanted is not None and host.os != wanted:
                raise source.error(
                    where or ("hosts", index[name], "os"),
                    f"host '{name}' runs {host.os}, but its host firewall '{point.name}' is "
                    f"{point.platform}, which runs on {wanted} — give the host a firewall of "
                    "its own OS, or fix its os.",
                )


def check_names_filterable(
    deployment: Deployment, flows: Iterable[ConcreteFlow], source: SourceMap
) -> None:
    """An external known only by name (an FQDN, no cidrs) is refused where one of its flows
    crosses a firewall whose platform filters by address, naming the targets that filter by
    name (today: none of portplan's)."""
    externals = {e.name: i for i, e in enumerate(deployment.externals) if not e.cidrs}
    if not externals:
        return
    by_name = targets_filtering_by_name()
    for flow in flows:
        for end in (flow.source, flow.destination):
            if end.kind != "external" or end.name not in externals:
                continue
            hop = next((h for h in flow.path if h.platform not in by_name), None)
            if hop is None:
                continue
            can = (
                f"targets that filter by name: {', '.join(by_name)}"
                if by_name
                else "no portplan target filters by name"
            )
            raise source.error(
                ("externals", externals[end.name]),
                f"external '{end.name}' is known only by name ({end.fqdn}), but flow "
                f"{flow.product}/{flow.flow} crosses firewall '{hop.point}' ({hop.platform}), "
                f"which filters by address ({can}) — give the external its cidrs.",
            )

"""Resolving flows whose protocol is more than a connection to a port (see
:mod:`portplan.model.protocols`).

- An FTP control flow (``application: ftp``) resolves to the control connection plus its data
  connections: *passive* from the client to the server's passive ports, *active* from the
  server back to the client's ephemeral ports (RFC 959 has the server send from port 20).
  The data flows are marked ``ftp-data``: the nftables and iptables targets compile no rule
  for them — the FTP helper they attach to the control connection lets them in as related —
  and the other targets open them as the ports they are. A product flow marked
  ``application: ftp-data`` (the data port a document lists) resolves to nothing of its own.
- A discovery flow (``discovery: multicast | broadcast``) goes to a group or broadcast
  address, which no router forwards: between hosts of one zone it is a concrete flow whose
  destination is that group (so host firewalls match the packets as they really are sent);
  across a router it is left out and the plan warns that discovery needs a relay or
  addresses entered by hand.
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace

from portplan.flows.paths import NoRoute, PathFinder
from portplan.model.concrete import ConcreteFlow, Endpoint, Network
from portplan.model.deployment import Deployment
from portplan.model.product import Flow
from portplan.model.protocols import BROADCAST, FTP_PORTS_WITHOUT_HELPER, discovery_groups
from portplan.model.service import PortSet, Service


def shape(
    flow: Flow, concrete: ConcreteFlow, deployment: Deployment, paths: PathFinder
) -> list[ConcreteFlow] | None:
    """The concrete flows one source/destination pair of ``flow`` becomes; ``None`` for
    discovery that would have to cross a router."""
    if flow.discovery is not None:
        local = discovery_flow(flow, concrete, deployment)
        return None if local is None else [local]
    if flow.application == "ftp":
        return [
            replace(concrete, application="ftp"),
            *ftp_data_flows(flow, concrete, deployment, paths),
        ]
    return [concrete]


def ftp_data_flows(
    flow: Flow, control: ConcreteFlow, deployment: Deployment, paths: PathFinder
) -> list[ConcreteFlow]:
    client, server = control.source, control.destination
    flows = []
    if flow.ftp_mode in ("passive", "both"):
        ports = (
            PortSet.parse(flow.passive_ports)
            if flow.passive_ports
            else _ephemeral(deployment, server)
        )
        flows.append(
            replace(
                control,
                flow=f"{control.flow}.passive-data",
                services=(Service("tcp", ports),),
                purpose=f"FTP passive data connections of: {control.purpose}",
                application="ftp-data",
            )
        )
    if flow.ftp_mode in ("active", "both"):
        try:
            back = paths.path(server, client)
        except NoRoute:
            back = ()
        flows.append(
            replace(
                control,
                flow=f"{control.flow}.active-data",
                source=server,
                destination=client,
                services=(Service("tcp", _ephemeral(deployment, client)),),
                purpose=f"FTP active data connections (from port 20) of: {control.purpose}",
                path=back,
                application="ftp-data",
            )
        )
    return flows


def _ephemeral(deployment: Deployment, endpoint: Endpoint) -> PortSet:
    """The ports an endpoint hands out for data connections: a host's ephemeral range."""
    if endpoint.kind == "host":
        return deployment.host(endpoint.name).ephemeral_range()
    return PortSet.parse(FTP_PORTS_WITHOUT_HELPER)


def discovery_flow(
    flow: Flow, concrete: ConcreteFlow, deployment: Deployment
) -> ConcreteFlow | None:
    """The pair's flow to the group or broadcast address, or ``None`` across a router."""
    source, destination = concrete.source, concrete.destination
    if source.kind != "host" or destination.kind != "host" or source.zone != destination.zone:
        return None
    if flow.discovery == "broadcast":
        zone = deployment.zone(source.zone or "")
        targets: list[Network] = [ipaddress.ip_network(BROADCAST)]
        targets += [
            ipaddress.ip_network(net.broadcast_address) for net in zone.cidrs if net.version == 4
        ]
    else:
        groups = list(flow.groups) or list(_known_groups(concrete.services))
        targets = [ipaddress.ip_network(g) for g in groups]
    heard = replace(destination, addresses=tuple(dict.fromkeys(targets)))
    return replace(concrete, destination=heard, discovery=flow.discovery)


def _known_groups(
    services: tuple[Service, ...],
) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, ...]:
    ports = [r.low for s in services for r in s.ports]
    known = discovery_groups(ports)
    return known[1] if known else ()


def discovery_warning(product: str, flow: Flow, crossing: list[str], routers: list[str]) -> str:
    """What a discovery flow that cannot cross a router means for the deployment."""
    pairs = ", ".join(crossing[:4]) + (
        f" and {len(crossing) - 4} more" if len(crossing) > 4 else ""
    )
    via = f" ({', '.join(routers)})" if routers else ""
    return (
        f"{product}/{flow.id}: {flow.discovery} discovery ({', '.join(flow.services)}) between "
        f"{pairs} would cross a router{via}, which never forwards it — not compiled; "
        "discovery there needs a relay on the router (an mDNS or SSDP proxy) or the "
        "addresses entered by hand."
    )

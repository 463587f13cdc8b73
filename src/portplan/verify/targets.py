"""What a host must receive and what it must try: ports to listen on and probes to send.

Both sides sample large port ranges the same way (:func:`sample_ports` per flow, deterministic),
so the ports ``portplan listen`` opens on one host are exactly the ports ``portplan probe``
tries from another.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from portplan.errors import InputError
from portplan.model.concrete import ConcreteFlow, Resolution
from portplan.model.service import PortSet
from portplan.verify.probe import ProbeTarget

__all__ = ["ListenPort", "ProbeTarget", "listen_ports", "probe_targets", "sample_ports"]

RANGE_SAMPLE = 32  # ports tried in a range larger than this: both ends and evenly between


@dataclass(frozen=True)
class ListenPort:
    protocol: str
    port: int
    flows: tuple[str, ...]


def sample_ports(ports: PortSet, limit: int = RANGE_SAMPLE) -> tuple[list[int], bool]:
    """Every port of small ranges; for a range wider than ``limit``, ``limit`` ports spread
    over it (both ends included). Returns the ports and whether any range was sampled."""
    chosen: list[int] = []
    sampled = False
    for r in ports:
        if r.size <= limit:
            chosen.extend(range(r.low, r.high + 1))
            continue
        sampled = True
        step = (r.high - r.low) / (limit - 1)
        chosen.extend(sorted({r.low + round(i * step) for i in range(limit)}))
    return chosen, sampled


def _flows_of(resolution: Resolution, host: str, side: str) -> list[ConcreteFlow]:
    names = {f.source.name for f in resolution.flows} | {
        f.destination.name for f in resolution.flows
    }
    if host not in names:
        known = ", ".join(sorted(names)) or "none"
        raise InputError(f"no flow starts or ends at host '{host}' (hosts with flows: {known}).")
    if side == "source":
        return [f for f in resolution.flows if f.source.name == host]
    return [f for f in resolution.flows if f.destination.name == host]


def listen_ports(
    resolution: Resolution, host: str, limit: int = RANGE_SAMPLE
) -> tuple[list[ListenPort], list[str]]:
    """The TCP/UDP/SCTP ports ``host`` must receive on, and notices (sampled ranges)."""
    by_port: dict[tuple[str, int], list[str]] = {}
    notices: list[str] = []
    for flow in _flows_of(resolution, host, "destination"):
        for service in flow.services:
            if not service.ports:
                continue
            ports, sampled = sample_ports(service.ports, limit)
            if sampled:
                notices.append(
                    f"{flow.id}: {service} is a large range — listening on {len(ports)} "
                    f"sample ports of it (both ends and evenly spaced), not all "
                    f"{service.ports.size}."
                )
            for port in ports:
                by_port.setdefault((service.protocol, port), []).append(flow.id)
    listening = [ListenPort(p, n, tuple(dict.fromkeys(f))) for (p, n), f in sorted(by_port.items())]
    return listening, list(dict.fromkeys(notices))


def flow_targets(
    flow: ConcreteFlow, limit: int = RANGE_SAMPLE
) -> tuple[list[ProbeTarget], list[str]]:
    """Probes for one flow to each of its destination's addresses."""
    targets: list[ProbeTarget] = []
    notices: list[str] = []
    addresses = destination_addresses(flow)
    if not addresses:
        notices.append(
            f"{flow.id}: {flow.destination.name} is a network ({_nets(flow)}), not a host — "
            "not probed."
        )
    for address in addresses:
        version = 6 if ":" in address else 4
        for service in flow.services:
            if service.protocol in ("icmp", "icmpv6"):
                if (service.protocol == "icmp") != (version == 4):
                    continue
                number = service.icmp_type_number
                if number not in (None, 8, 128):
                    notices.append(f"{flow.id}: {service} cannot be probed (only echo can).")
                    continue
                targets.append(
                    ProbeTarget(flow.id, address, service.protocol, required=not flow.optional)
                )
                continue
            ports, sampled = sample_ports(service.ports, limit)
            if sampled:
                notices.append(
                    f"{flow.id}: {service} is a large range — probing {len(ports)} sample ports "
                    "of it (both ends and evenly spaced)."
                )
            targets.extend(
                ProbeTarget(flow.id, address, service.protocol, port, required=not flow.optional)
                for port in ports
            )
    return targets, list(dict.fromkeys(notices))


def destination_addresses(flow: ConcreteFlow) -> list[str]:
    """Single addresses of the destination (hosts, and externals given as /32 or /128)."""
    return [
        str(net.network_address)
        for net in flow.destination.addresses
        if net.prefixlen == net.max_prefixlen
    ]


def _nets(flow: ConcreteFlow) -> str:
    return ", ".join(str(n) for n in flow.destination.addresses) or flow.destination.fqdn or "?"


def probe_targets(
    resolution: Resolution, host: str, limit: int = RANGE_SAMPLE
) -> tuple[list[ProbeTarget], list[str]]:
    """Every probe ``host`` must originate, and notices."""
    targets: list[ProbeTarget] = []
    notices: list[str] = []
    for flow in _flows_of(resolution, host, "source"):
        more, said = flow_targets(flow, limit)
        targets.extend(more)
        notices.extend(said)
    return dedupe(targets), list(dict.fromkeys(notices))


def dedupe(targets: Iterable[ProbeTarget]) -> list[ProbeTarget]:
    """One probe per (address, protocol, port); a required flow wins over an optional one."""
    best: dict[tuple[str, str, int | None, int | None], ProbeTarget] = {}
    for target in targets:
        key = (target.address, target.protocol, target.port, target.icmp_type)
        if key not in best or (target.required and not best[key].required):
            best[key] = target
    return list(best.values())


def ports_text(ports: Sequence[int]) -> str:
    return str(PortSet.of(ports)) if ports else "-"

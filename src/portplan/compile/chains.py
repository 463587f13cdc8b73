"""Which flows each enforcement point filters, and in which direction.

A network firewall sees the flows routed through it (hop kind ``network``) in its ``forward``
chain. A host firewall is one ruleset per covered host: ``input`` holds the flows arriving at
that host (``host-ingress``), ``output`` the flows it starts (``host-egress``). Shared by the
packet-filter targets (nftables, iptables) so they always agree on the scope of a ruleset.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from portplan.compile.groups import safe_name
from portplan.model.concrete import ConcreteFlow, Resolution
from portplan.model.deployment import Deployment, EnforcementPoint


@dataclass(frozen=True)
class FilterScope:
    """One ruleset to write: a network firewall, or one host of a host firewall."""

    point: EnforcementPoint
    host: str | None
    chains: tuple[tuple[str, tuple[ConcreteFlow, ...]], ...]  # ("forward", flows), ...

    @property
    def stem(self) -> str:
        """File name without extension: ``<point>`` or ``<point>-<host>``.

        Names are untrusted: they end up in file names and in the ``# Load with:`` comment of
        the file, so anything outside ``[A-Za-z0-9_.-]`` is replaced (a short hash then keeps
        distinct names distinct).
        """
        parts = [self.point.name] if self.host is None else [self.point.name, self.host]
        return "-".join(file_name(part) for part in parts)

    @property
    def flow_count(self) -> int:
        return sum(len(flows) for _, flows in self.chains)

    def flows(self, chain: str) -> tuple[ConcreteFlow, ...]:
        return dict(self.chains).get(chain, ())


def file_name(text: str) -> str:
    """``text`` as a safe file-name part; identifiers pass unchanged."""
    return safe_name(
        text, allowed="A-Za-z0-9_.-", replacement="_", first="A-Za-z0-9", max_length=100
    )


def filter_scopes(deployment: Deployment, resolution: Resolution) -> list[FilterScope]:
    """Every ruleset the deployment's enforcement points need, in deployment order."""
    forward: dict[str, list[ConcreteFlow]] = defaultdict(list)
    host_chains: dict[tuple[str, str, str], list[ConcreteFlow]] = defaultdict(list)
    for flow in resolution.flows:
        for hop in flow.path:
            if hop.kind == "network":
                forward[hop.point].append(flow)
            elif hop.kind == "host-ingress":
                host_chains[(hop.point, flow.destination.name, "input")].append(flow)
            else:
                host_chains[(hop.point, flow.source.name, "output")].append(flow)
    scopes: list[FilterScope] = []
    for point in deployment.firewalls:
        if point.kind == "network":
            scopes.append(FilterScope(point, None, (("forward", tuple(forward[point.name])),)))
            continue
        covered = list(point.hosts) or [h.name for h in deployment.hosts]
        # A hop naming a host the point does not list still gets its ruleset: never drop flows.
        covered += sorted(
            {host for p, host, _ in host_chains if p == point.name} - set(covered),
        )
        for host in covered:
            chains = tuple(
                (chain, tuple(host_chains.get((point.name, host, chain), ())))
                for chain in ("input", "output")
            )
            scopes.append(FilterScope(point, host, chains))
    return scopes


def lockout_warning(deployment: Deployment) -> str | None:
    """The line a host ruleset's header carries when it lets no administrator in (the
    deployment's ``management`` block names no admins), or ``None``."""
    if deployment.management is not None and deployment.management.admins:
        return None
    return (
        "WARNING: no management access (the deployment's management block names no admins) "
        "— loaded over SSH or RDP, this ruleset cuts the session."
    )


def final_verdict_lines(point: EnforcementPoint) -> list[str]:
    """What a network firewall's header says about traffic no flow asked for, in the
    kernel's terms (netfilter: base chains on one hook run in priority order; an accept ends
    only the chain it is in, a drop ends the packet)."""
    if point.final == "continue":
        return [
            "Final verdict: continue. This table drops nothing: it accepts the flows, and every",
            "other packet goes on to the router's other base chains, so the existing ruleset",
            "keeps the last word (and must still let these flows through: an accept here ends",
            "only this chain).",
        ]
    return [
        "Final verdict: drop. Traffic no flow asks for is dropped, and a drop in any base",
        "chain is final: this table decides for every forwarded packet, whatever other tables",
        "on this router accept. Beside an existing ruleset, set final: continue.",
    ]

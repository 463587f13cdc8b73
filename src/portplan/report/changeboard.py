"""The report a change board signs: the matrix, and the views that make it reviewable.

A board approves traffic between places, not 60,000 host pairs. So besides the matrix (one row
per flow, protocol and port range) the report has

- a **summary** by zone pair and service — each line counts the matrix rows it stands for, so
  the counts add up to the matrix;
- a view **by role** and zone pair — one line per product flow between two zones, with how
  many host pairs it covers: a large site is a page, with the matrix as the detail behind it;
- the **rules per enforcement point** — what to enter on each firewall (a host firewall's
  lines name the host it runs on);
- the **warnings** (what would hurt if installed as is: a host firewall that locks its
  administrators out, discovery a router never forwards) and the **caveats**: the vendor's
  notes (a probable error in the document), overrides and exclusions with their reasons, so
  nothing is approved blind.

Every format renders :func:`change_board` the same way (XLSX sheets, HTML sections, Markdown
headings). Pure: the cover (dates, file hashes) is made at the edge and passed in.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from portplan.model.concrete import ConcreteFlow, Excluded, Hop, Resolution, Unbound
from portplan.model.deployment import Deployment
from portplan.model.service import format_services
from portplan.report.base import (
    MatrixRow,
    addresses_text,
    matrix_rows,
    notes_text,
    port_texts,
    zone_text,
)
from portplan.report.cover import Cover


@dataclass(frozen=True)
class SummaryRow:
    """Traffic from one zone to another on one protocol and port range."""

    source_site: str
    source_zone: str
    destination_site: str
    destination_zone: str
    protocol: str
    ports: str
    rows: int  # matrix rows this line stands for
    source_hosts: int
    destination_hosts: int
    firewalls: str
    flows: str  # the product flows that ask for it


@dataclass(frozen=True)
class RoleRow:
    """One product flow between two zones: the roles, what it opens, how many host pairs."""

    product: str
    flow: str
    source_role: str
    destination_role: str
    source_zone: str
    destination_zone: str
    services: str
    pairs: int
    firewalls: str
    purpose: str
    condition: str
    notes: str


SUMMARY_COLUMNS = (
    "Source site",
    "Source zone",
    "Destination site",
    "Destination zone",
    "Protocol",
    "Ports",
    "Matrix rows",
    "Source hosts",
    "Destination hosts",
    "Firewalls on the path",
    "Product flows",
)
ROLE_COLUMNS = (
    "Product",
    "Flow",
    "From role",
    "To role",
    "Source zone",
    "Destination zone",
    "Services",
    "Host pairs",
    "Firewalls on the path",
    "Purpose",
    "Feature / optional",
    "Notes",
)


def summary_cells(s: SummaryRow) -> tuple[str | int, ...]:
    """A summary line's cells, in the order of :data:`SUMMARY_COLUMNS` (HTML and Markdown)."""
    return (
        s.source_site,
        s.source_zone,
        s.destination_site,
        s.destination_zone,
        s.protocol,
        s.ports,
        s.rows,
        s.source_hosts,
        s.destination_hosts,
        s.firewalls,
        s.flows,
    )


def role_cells(r: RoleRow) -> tuple[str | int, ...]:
    """A by-role line's cells, in the order of :data:`ROLE_COLUMNS`."""
    return (
        r.product,
        r.flow,
        r.source_role,
        r.destination_role,
        r.source_zone,
        r.destination_zone,
        r.services,
        r.pairs,
        r.firewalls,
        r.purpose,
        r.condition,
        r.notes,
    )


@dataclass(frozen=True)
class PointRule:
    """A line to enter on one enforcement point."""

    direction: str  # forward (a network firewall), egress or ingress (a host's own)
    host: str  # the host whose firewall it is ("" for a network firewall)
    source: str
    source_addresses: str
    destination: str
    destination_addresses: str
    protocol: str
    ports: str
    flows: str


RULE_COLUMNS = (
    "Direction",
    "On host",
    "Source",
    "Source addresses",
    "Destination",
    "Destination addresses",
    "Protocol",
    "Ports",
    "For flows",
)


def rule_cells(r: PointRule) -> tuple[str, ...]:
    """A rule's cells, in the order of :data:`RULE_COLUMNS`."""
    return (
        r.direction,
        r.host,
        r.source,
        r.source_addresses,
        r.destination,
        r.destination_addresses,
        r.protocol,
        r.ports,
        r.flows,
    )


@dataclass(frozen=True)
class PointRules:
    point: str
    platform: str
    kind: str  # network or host
    rules: tuple[PointRule, ...]


@dataclass(frozen=True)
class Caveat:
    """Something to read before approving: a vendor note, an override or an exclusion."""

    kind: str  # "vendor note", "override", "excluded"
    product: str
    flow: str
    text: str
    rows: int  # matrix rows it concerns (0 for an exclusion)


@dataclass(frozen=True)
class ChangeBoardReport:
    cover: Cover
    rows: list[MatrixRow]
    summary: list[SummaryRow]
    by_role: list[RoleRow]
    points: list[PointRules]
    caveats: list[Caveat]
    excluded: tuple[Excluded, ...] = ()
    unbound: tuple[Unbound, ...] = ()
    notices: tuple[str, ...] = ()
    flows: int = 0  # concrete flows
    warnings: tuple[str, ...] = ()  # what would hurt if installed as is: read first

    def totals(self) -> list[tuple[str, str]]:
        """(label, value) of what the report holds, for the cover."""
        rules = sum(len(p.rules) for p in self.points)
        return [
            ("Concrete flows", str(self.flows)),
            ("Matrix rows (flow × protocol × port range)", str(len(self.rows))),
            ("Zone pairs × services (summary lines)", str(len(self.summary))),
            ("Product flows × zone pairs (by role)", str(len(self.by_role))),
            ("Enforcement points", f"{len(self.points)} ({rules} rule lines)"),
            ("Warnings (would hurt if installed as is)", str(len(self.warnings))),
            ("Caveats to read", str(len(self.caveats))),
            ("Flows left out (excluded)", str(len(self.excluded))),
            ("Unresolved (no host plays a role)", str(len(self.unbound))),
        ]


def change_board(
    deployment: Deployment, resolution: Resolution, cover: Cover | None = None
) -> ChangeBoardReport:
    """Every view of the report, from the plan (``cover``: a bare one when not given)."""
    rows = matrix_rows(resolution)
    return ChangeBoardReport(
        cover=cover or Cover(deployment.name, deployment.description),
        rows=rows,
        summary=summarise(rows),
        by_role=by_role(resolution.flows),
        points=point_rules(deployment, resolution.flows),
        caveats=caveats(resolution, rows, {use.key for use in deployment.products}),
        excluded=resolution.excluded,
        unbound=resolution.unbound,
        notices=resolution.notices,
        flows=len(resolution.flows),
        warnings=resolution.warnings,
    )


# ── Summary: zone pair × service ───────────────────────────────────────────────────────────
@dataclass
class _Group:
    rows: int = 0
    sources: set[str] = field(default_factory=set)
    destinations: set[str] = field(default_factory=set)
    firewalls: dict[str, None] = field(default_factory=dict)
    flows: dict[str, None] = field(default_factory=dict)


def _network_points(firewalls: str) -> Iterable[str]:
    """The network firewalls of a path text (host firewalls stay with their hosts)."""
    return (p for p in firewalls.split(" → ") if p and not p.endswith(("(egress)", "(ingress)")))


def summarise(rows: Iterable[MatrixRow]) -> list[SummaryRow]:
    """The matrix grouped by zone pair, protocol and port range; ordered by site, zone and
    port number."""
    groups: dict[tuple[str, str, str, str, str, str], _Group] = {}
    for row in rows:
        key = (
            row.source_site,
            row.source_zone,
            row.destination_site,
            row.destination_zone,
            row.protocol,
            row.ports,
        )
        group = groups.setdefault(key, _Group())
        group.rows += 1
        group.sources.add(row.source)
        group.destinations.add(row.destination)
        group.firewalls.update(dict.fromkeys(_network_points(row.firewalls)))
        group.flows[f"{row.product}/{row.flow}"] = None

    def order(key: tuple[str, str, str, str, str, str]) -> tuple[object, ...]:
        first = key[5].partition("-")[0]
        return (*key[:5], int(first) if first.isdigit() else -1, key[5])

    return [
        SummaryRow(
            *key,
            rows=group.rows,
            source_hosts=len(group.sources),
            destination_hosts=len(group.destinations),
            firewalls=", ".join(group.firewalls) or "(none)",
            flows=", ".join(group.flows),
        )
        for key, group in sorted(groups.items(), key=lambda item: order(item[0]))
    ]


# ── By role: product flow × zone pair ──────────────────────────────────────────────────────
def by_role(flows: Iterable[ConcreteFlow]) -> list[RoleRow]:
    """Concrete flows grouped by product flow and zone pair, in the plan's order."""
    groups: dict[tuple[str, str, str, str], list[ConcreteFlow]] = {}
    for flow in flows:
        key = (flow.product, flow.flow, zone_text(flow.source), zone_text(flow.destination))
        groups.setdefault(key, []).append(flow)
    out = []
    for (product, flow_id, source_zone, destination_zone), members in groups.items():
        first = members[0]
        points = dict.fromkeys(h.point for f in members for h in f.path if h.kind == "network") or {
            "(none)": None
        }
        out.append(
            RoleRow(
                product=product,
                flow=flow_id,
                source_role=first.source.role.rpartition(":")[2],
                destination_role=first.destination.role.rpartition(":")[2],
                source_zone=source_zone,
                destination_zone=destination_zone,
                services=" ".join(format_services(first.services)),
                pairs=len(members),
                firewalls=", ".join(points),
                purpose=first.purpose,
                condition=_condition(first),
                notes=notes_text(first),
            )
        )
    return out


def _condition(flow: ConcreteFlow) -> str:
    if flow.feature:
        return f"feature {flow.feature}"
    return "optional" if flow.optional else "required"


# ── Rules per enforcement point ────────────────────────────────────────────────────────────
def _direction(hop: Hop) -> str:
    return {"network": "forward", "host-egress": "egress", "host-ingress": "ingress"}[hop.kind]


def point_rules(deployment: Deployment, flows: Iterable[ConcreteFlow]) -> list[PointRules]:
    """For each enforcement point, the lines its flows need: one per direction, source,
    destination, protocol and port range (flows asking for the same line share it)."""
    lines: dict[str, dict[tuple[str, ...], dict[str, None]]] = {
        point.name: {} for point in deployment.firewalls
    }
    addresses: dict[str, str] = {}
    for flow in flows:
        for end in (flow.source, flow.destination):
            addresses.setdefault(end.name, addresses_text(end))
        for hop in flow.path:
            host = {"host-egress": flow.source.name, "host-ingress": flow.destination.name}
            for service in flow.services:
                for ports in port_texts(service):
                    key = (
                        _direction(hop),
                        host.get(hop.kind, ""),
                        flow.source.name,
                        flow.destination.name,
                        service.protocol,
                        ports,
                    )
                    lines.setdefault(hop.point, {}).setdefault(key, {})[flow.id] = None
    out = []
    for point in deployment.firewalls:
        rules = tuple(
            PointRule(
                direction,
                host,
                source,
                addresses[source],
                destination,
                addresses[destination],
                protocol,
                ports,
                ", ".join(ids),
            )
            for (direction, host, source, destination, protocol, ports), ids in lines[
                point.name
            ].items()
        )
        out.append(PointRules(point.name, point.platform, point.kind, rules))
    return out


# ── Caveats: what to read before approving ────────────────────────────────────────────────
def caveats(
    resolution: Resolution, rows: Iterable[MatrixRow], products: Collection[str]
) -> list[Caveat]:
    """Each product flow's vendor note and override once (with the rows they concern) — of the
    ``products`` used, not the management block's — then each exclusion with its reason."""
    counted: dict[tuple[str, str], int] = {}
    for row in rows:
        if row.notes:
            counted[(row.product, row.flow)] = counted.get((row.product, row.flow), 0) + 1
    out: list[Caveat] = []
    seen: set[tuple[str, str]] = set()
    for flow in resolution.flows:
        key = (flow.product, flow.flow)
        if key in seen or key not in counted or flow.product not in products:
            continue
        seen.add(key)
        if flow.note:
            out.append(Caveat("vendor note", *key, flow.note, counted[key]))
        if flow.override:
            out.append(Caveat("override", *key, flow.override, counted[key]))
    out += [
        Caveat(
            "excluded",
            e.product,
            e.flow,
            f"left out ({', '.join(e.services)}: {e.purpose}) — {e.reason}"
            + ("" if e.in_use else " (it was not in use anyway)"),
            0,
        )
        for e in resolution.excluded
    ]
    return out

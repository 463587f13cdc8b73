"""What changes between two versions of a product or a deployment, as a change request.

A change board approves firewall changes, not YAML edits, so a deployment diff says, per
enforcement point, which rules to add and which to remove. Rules are compared as what each
point must let through (source, destination, protocol, ports), summed over every flow: a port
that another flow still needs is not a rule to remove. A product diff (no hosts, no firewalls)
lists the flows added, removed and changed, with the ports that were widened or narrowed.

``diff_products`` and ``diff_resolutions`` are pure; ``to_markdown``, ``to_json`` and
``to_xlsx`` render one :class:`Diff` with the request's ticket, owner and justification (blank
fields when not given, so the form can be filled in by hand).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from portplan.flows.conflicts import subtract
from portplan.model.concrete import ConcreteFlow, Endpoint, Resolution
from portplan.model.deployment import Deployment
from portplan.model.product import Flow, Product
from portplan.model.service import ICMP_PROTOCOLS, PortSet, Service, format_services

Status = Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class FlowChange:
    status: Status
    key: str  # product flow id, or the concrete flow id (product/flow/source->destination)
    source: str
    destination: str
    purpose: str
    before: tuple[str, ...] = ()  # services, compact strings
    after: tuple[str, ...] = ()
    ports_added: tuple[str, ...] = ()
    ports_removed: tuple[str, ...] = ()
    details: tuple[str, ...] = ()  # other changes: roles, feature, path, addresses


@dataclass(frozen=True)
class RuleChange:
    """A rule to add to or remove from one enforcement point."""

    action: Literal["add", "remove"]
    point: str
    platform: str
    direction: str  # host-egress | network | host-ingress
    source: str
    source_addresses: str
    destination: str
    destination_addresses: str
    services: tuple[str, ...]
    flows: tuple[str, ...]  # the flows that need (add) or needed (remove) it


@dataclass(frozen=True)
class Diff:
    kind: Literal["product", "deployment"]
    old: str  # name or id of each side
    new: str
    flows: tuple[FlowChange, ...]
    rules: tuple[RuleChange, ...] = ()
    notes: tuple[str, ...] = ()  # changes that are not flows: roles, features, variables
    old_file: str = ""  # where each side was read from, when it was a file
    new_file: str = ""

    @property
    def compared(self) -> str:
        old = f"{self.old} ({self.old_file})" if self.old_file else self.old
        new = f"{self.new} ({self.new_file})" if self.new_file else self.new
        return f"{self.kind} {old} → {new}"

    def count(self, status: Status) -> int:
        return sum(1 for f in self.flows if f.status == status)

    @property
    def points(self) -> list[str]:
        return list(dict.fromkeys(r.point for r in self.rules))


@dataclass(frozen=True)
class ChangeRequest:
    """The fields a change board asks for; empty ones are printed blank to be filled in."""

    ticket: str = ""
    owner: str = ""
    justification: str = ""


# --------------------------------------------------------------------------- service algebra


def service_delta(
    old: Iterable[Service], new: Iterable[Service]
) -> tuple[tuple[Service, ...], tuple[Service, ...]]:
    """(services in ``new`` not in ``old``, services in ``old`` not in ``new``), per port."""
    old_ports, old_icmp = _split(old)
    new_ports, new_icmp = _split(new)
    added_services = [
        Service(p, rest)
        for p, ports in new_ports.items()
        if (rest := subtract(ports, old_ports.get(p, PortSet())))
    ]
    removed_services = [
        Service(p, rest)
        for p, ports in old_ports.items()
        if (rest := subtract(ports, new_ports.get(p, PortSet())))
    ]
    added_services += [Service(p, icmp_type=t) for p, t in sorted(new_icmp - old_icmp, key=str)]
    removed_services += [Service(p, icmp_type=t) for p, t in sorted(old_icmp - new_icmp, key=str)]
    return tuple(added_services), tuple(removed_services)


def _split(
    services: Iterable[Service],
) -> tuple[dict[str, PortSet], set[tuple[str, str | None]]]:
    ports: dict[str, PortSet] = {}
    icmp: set[tuple[str, str | None]] = set()
    for service in services:
        if service.protocol in ICMP_PROTOCOLS:
            icmp.add((service.protocol, service.icmp_type))
        else:
            ports[service.protocol] = ports.get(service.protocol, PortSet()).union(service.ports)
    return ports, icmp


def _texts(services: Iterable[Service]) -> tuple[str, ...]:
    return tuple(format_services(services))


# --------------------------------------------------------------------------- flow matching

F = TypeVar("F")


def _compare_flows(
    old: Mapping[str, F],
    new: Mapping[str, F],
    one_sided: Callable[[Status, str, F], FlowChange],
    changed: Callable[[F, F], FlowChange | None],
) -> list[FlowChange]:
    """Flows matched by id: the added ones, then the removed ones, then the changed ones."""
    changes = [one_sided("added", key, flow) for key, flow in new.items() if key not in old]
    changes += [one_sided("removed", key, flow) for key, flow in old.items() if key not in new]
    for key, flow in new.items():
        previous = old.get(key)
        if previous is not None and (change := changed(previous, flow)) is not None:
            changes.append(change)
    return changes


def _one_sided(
    status: Status,
    key: str,
    source: str,
    destination: str,
    purpose: str,
    services: tuple[str, ...],
    details: tuple[str, ...],
) -> FlowChange:
    """A flow only one side has: every port of it is added (or removed)."""
    before, after = ((), services) if status == "added" else (services, ())
    return FlowChange(
        status, key, source, destination, purpose, before, after, after, before, details
    )


def _membership_notes(sets: Iterable[tuple[str, set[str], set[str]]]) -> list[str]:
    """``<what> <name> added/removed`` for each (what, old names, new names)."""
    notes: list[str] = []
    for what, a, b in sets:
        notes += [f"{what} {name} added" for name in sorted(b - a)]
        notes += [f"{what} {name} removed" for name in sorted(a - b)]
    return notes


# --------------------------------------------------------------------------- products


def diff_products(old: Product, new: Product) -> Diff:
    """Flows compared by id, services at the products' default variable values."""

    def one_sided(status: Status, flow_id: str, flow: Flow) -> FlowChange:
        services = _product_services(new if status == "added" else old, flow)
        return _one_sided(
            status, flow_id, flow.from_role, flow.to_role, flow.purpose, services, _conditions(flow)
        )

    changes = _compare_flows(
        {f.id: f for f in old.flows},
        {f.id: f for f in new.flows},
        one_sided,
        lambda previous, flow: _product_flow_change(old, previous, new, flow),
    )
    return Diff(
        "product",
        _product_label(old),
        _product_label(new),
        tuple(changes),
        notes=tuple(_product_notes(old, new)),
    )


def _product_label(product: Product) -> str:
    return f"{product.id} {product.version}".strip()


def _product_services(product: Product, flow: Flow) -> tuple[str, ...]:
    services = product.flow_services(flow)
    return _texts(services) if services is not None else tuple(flow.services)


def _conditions(flow: Flow) -> tuple[str, ...]:
    out = []
    if flow.feature:
        out.append(f"feature {flow.feature}")
    if flow.optional:
        out.append("optional")
    return tuple(out)


def _product_flow_change(
    old_product: Product, old: Flow, new_product: Product, new: Flow
) -> FlowChange | None:
    details: list[str] = []
    if (old.from_role, old.to_role) != (new.from_role, new.to_role):
        details.append(
            f"roles: {old.from_role} → {old.to_role} became {new.from_role} → {new.to_role}"
        )
    for name, a, b in (
        ("feature", old.feature, new.feature),
        ("optional", old.optional, new.optional),
        ("offset", old.offset, new.offset),
        ("purpose", old.purpose, new.purpose),
    ):
        if a != b:
            details.append(f"{name}: {a if a is not None else '—'} → {b if b is not None else '—'}")
    old_services = old_product.flow_services(old)
    new_services = new_product.flow_services(new)
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    if old_services is not None and new_services is not None:
        plus, minus = service_delta(old_services, new_services)
        added, removed = _texts(plus), _texts(minus)
    elif old.services != new.services:
        details.append("services: " + ", ".join(old.services) + " → " + ", ".join(new.services))
    if not (added or removed or details):
        return None
    return FlowChange(
        "changed",
        new.id,
        new.from_role,
        new.to_role,
        new.purpose,
        _product_services(old_product, old),
        _product_services(new_product, new),
        added,
        removed,
        tuple(details),
    )


def _product_notes(old: Product, new: Product) -> list[str]:
    notes = _membership_notes(
        [
            ("role", {r.id for r in old.roles}, {r.id for r in new.roles}),
            ("feature", {f.id for f in old.features}, {f.id for f in new.features}),
            ("variable", {v.id for v in old.variables}, {v.id for v in new.variables}),
        ]
    )
    old_defaults = {v.id: v.default for v in old.variables}
    for variable in new.variables:
        if variable.id in old_defaults and old_defaults[variable.id] != variable.default:
            notes.append(
                f"variable {variable.id} default: {old_defaults[variable.id]} → {variable.default}"
            )
    if old.version != new.version:
        notes.append(f"version: {old.version or '—'} → {new.version or '—'}")
    return notes


# --------------------------------------------------------------------------- deployments


def diff_resolutions(
    old_deployment: Deployment,
    old: Resolution,
    new_deployment: Deployment,
    new: Resolution,
) -> Diff:
    """Concrete flows compared by id; rules compared per enforcement point."""

    def one_sided(status: Status, key: str, flow: ConcreteFlow) -> FlowChange:
        return _one_sided(
            status,
            key,
            flow.source.name,
            flow.destination.name,
            flow.purpose,
            _texts(flow.services),
            _path_text(flow),
        )

    changes = _compare_flows(
        {f.id: f for f in old.flows}, {f.id: f for f in new.flows}, one_sided, _concrete_change
    )
    return Diff(
        "deployment",
        old_deployment.name,
        new_deployment.name,
        tuple(changes),
        rules=tuple(rule_changes(old.flows, new.flows)),
        notes=tuple(_deployment_notes(old_deployment, new_deployment)),
    )


def _path_text(flow: ConcreteFlow) -> tuple[str, ...]:
    points = [hop.point for hop in flow.path]
    return (f"via {', '.join(points)}",) if points else ("no enforcement point on the path",)


def _addresses(endpoint: Endpoint) -> str:
    parts = [str(a) for a in endpoint.addresses]
    if endpoint.fqdn:
        parts.append(endpoint.fqdn)
    return ", ".join(parts)


def _concrete_change(old: ConcreteFlow, new: ConcreteFlow) -> FlowChange | None:
    plus, minus = service_delta(old.services, new.services)
    details: list[str] = []
    old_points = [h.point for h in old.path]
    new_points = [h.point for h in new.path]
    gained = [p for p in new_points if p not in old_points]
    lost = [p for p in old_points if p not in new_points]
    if gained:
        details.append("now passes " + ", ".join(gained))
    if lost:
        details.append("no longer passes " + ", ".join(lost))
    for side, a, b in (
        ("source", old.source, new.source),
        ("destination", old.destination, new.destination),
    ):
        if _addresses(a) != _addresses(b):
            details.append(f"{side} {b.name}: {_addresses(a)} → {_addresses(b)}")
    if (old.feature, old.optional) != (new.feature, new.optional):
        details.append(
            f"condition: {old.feature or ('optional' if old.optional else 'always')}"
            f" → {new.feature or ('optional' if new.optional else 'always')}"
        )
    if not (plus or minus or details):
        return None
    return FlowChange(
        "changed",
        new.id,
        new.source.name,
        new.destination.name,
        new.purpose,
        _texts(old.services),
        _texts(new.services),
        _texts(plus),
        _texts(minus),
        tuple(details),
    )


RuleKey = tuple[str, str, str, str, str, str, str]


def _allowed(flows: Iterable[ConcreteFlow]) -> dict[RuleKey, list[ConcreteFlow]]:
    """Per (point, platform, direction, source, its addresses, destination, its addresses)."""
    out: dict[RuleKey, list[ConcreteFlow]] = {}
    for flow in flows:
        for hop in flow.path:
            key = (
                hop.point,
                hop.platform,
                hop.kind,
                flow.source.name,
                _addresses(flow.source),
                flow.destination.name,
                _addresses(flow.destination),
            )
            out.setdefault(key, []).append(flow)
    return out


def rule_changes(
    old_flows: Sequence[ConcreteFlow], new_flows: Sequence[ConcreteFlow]
) -> list[RuleChange]:
    """What each enforcement point must newly let through, and what it no longer must."""
    old = _allowed(old_flows)
    new = _allowed(new_flows)
    out: list[RuleChange] = []
    for key in [*new, *(k for k in old if k not in new)]:
        before = [s for f in old.get(key, []) for s in f.services]
        after = [s for f in new.get(key, []) for s in f.services]
        plus, minus = service_delta(before, after)
        for action, services, flows in (
            ("add", plus, new.get(key, [])),
            ("remove", minus, old.get(key, [])),
        ):
            if not services:
                continue
            # The flows the change is for: those whose services touch the changed ports.
            # The row names source and destination already, so "product/flow" is enough.
            reasons = [
                f"{f.product}/{f.flow}"
                for f in flows
                if service_delta(services, f.services)[1] != services
            ]
            point, platform, direction, source, src_addr, destination, dst_addr = key
            out.append(
                RuleChange(
                    "add" if action == "add" else "remove",
                    point,
                    platform,
                    direction,
                    source,
                    src_addr,
                    destination,
                    dst_addr,
                    _texts(services),
                    tuple(dict.fromkeys(reasons)),
                )
            )
    out.sort(key=lambda r: (r.point, r.action != "remove", r.direction, r.source, r.destination))
    return out


def _deployment_notes(old: Deployment, new: Deployment) -> list[str]:
    notes = _membership_notes(
        [
            ("host", {h.name for h in old.hosts}, {h.name for h in new.hosts}),
            ("external", {e.name for e in old.externals}, {e.name for e in new.externals}),
            ("firewall", {f.name for f in old.firewalls}, {f.name for f in new.firewalls}),
            ("product", {p.key for p in old.products}, {p.key for p in new.products}),
        ]
    )
    old_uses = {p.key: p for p in old.products}
    for use in new.products:
        before = old_uses.get(use.key)
        if before is None:
            continue
        for feature in sorted(set(use.features) - set(before.features)):
            notes.append(f"{use.key}: feature {feature} switched on")
        for feature in sorted(set(before.features) - set(use.features)):
            notes.append(f"{use.key}: feature {feature} switched off")
        for name in sorted(set(use.variables) | set(before.variables)):
            was, now = before.variables.get(name), use.variables.get(name)
            if was != now:
                notes.append(
                    f"{use.key}: variable {name}: {was if was is not None else 'default'} → "
                    f"{now if now is not None else 'default'}"
                )
        if before.optional != use.optional:
            notes.append(f"{use.key}: optional flows {'on' if use.optional else 'off'}")
    return notes


# --------------------------------------------------------------------------- rendering


def to_json(diff: Diff, request: ChangeRequest | None = None) -> str:
    request = request or ChangeRequest()
    data: dict[str, Any] = {
        "kind": diff.kind,
        "old": diff.old,
        "new": diff.new,
        "old_file": diff.old_file or None,
        "new_file": diff.new_file or None,
        "request": {
            "ticket": request.ticket,
            "owner": request.owner,
            "justification": request.justification,
        },
        "summary": _summary_data(diff),
        "notes": list(diff.notes),
        "flows": [
            {
                "status": f.status,
                "id": f.key,
                "from": f.source,
                "to": f.destination,
                "purpose": f.purpose,
                "before": list(f.before),
                "after": list(f.after),
                "ports_added": list(f.ports_added),
                "ports_removed": list(f.ports_removed),
                "details": list(f.details),
            }
            for f in diff.flows
        ],
        "rules": [
            {
                "action": r.action,
                "point": r.point,
                "platform": r.platform,
                "direction": r.direction,
                "source": r.source,
                "source_addresses": r.source_addresses,
                "destination": r.destination,
                "destination_addresses": r.destination_addresses,
                "services": list(r.services),
                "flows": list(r.flows),
            }
            for r in diff.rules
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _summary_data(diff: Diff) -> dict[str, Any]:
    per_point = {
        point: {
            "add": sum(1 for r in diff.rules if r.point == point and r.action == "add"),
            "remove": sum(1 for r in diff.rules if r.point == point and r.action == "remove"),
        }
        for point in diff.points
    }
    return {
        "flows_added": diff.count("added"),
        "flows_removed": diff.count("removed"),
        "flows_changed": diff.count("changed"),
        "rules": per_point,
    }


def summary_lines(diff: Diff) -> list[str]:
    lines = [
        f"{diff.count('added')} flow(s) added, {diff.count('removed')} removed, "
        f"{diff.count('changed')} changed."
    ]
    if diff.kind == "deployment":
        if not diff.rules:
            lines.append("No enforcement point needs a rule change.")
        for point, counts in _summary_data(diff)["rules"].items():
            lines.append(f"{point}: {counts['add']} rule(s) to add, {counts['remove']} to remove.")
    if not diff.flows and not diff.notes:
        lines.append("The two versions are equivalent for the firewall.")
    return lines


def _cell(text: str) -> str:
    """A Markdown table cell: pipes escaped, tags neutralised, one line."""
    one_line = " ".join(text.split())
    # "<" could open an HTML tag in a Markdown viewer; a lone ">" cannot, and keeping it
    # leaves flow ids such as "srv1->prn1" readable in the raw text.
    return (
        one_line.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace("`", "\\`")
    )


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out


def to_markdown(diff: Diff, request: ChangeRequest | None = None) -> str:
    request = request or ChangeRequest()
    out = [f"# Change request: {_cell(diff.new)}", ""]
    out += _table(
        ["Field", "Value"],
        [
            ["Ticket", request.ticket],
            ["Owner", request.owner],
            ["Justification", request.justification],
            ["Compared", diff.compared],
            ["Approval", "☐ approved ☐ rejected — by: __________ date: __________"],
        ],
    )
    out += ["", "## Summary", ""]
    out += [f"- {_cell(line)}" for line in summary_lines(diff)]
    out += [f"- {_cell(note)}" for note in diff.notes]
    flow_header = ["Flow", "From", "To"]
    sections: list[tuple[str, list[str], list[list[str]]]] = [
        (
            f"Flows {status}",
            [*flow_header, "Services", "Purpose", "Notes"],
            [
                [
                    f.key,
                    f.source,
                    f.destination,
                    " ".join(f.after if status == "added" else f.before),
                    f.purpose,
                    "; ".join(f.details),
                ]
                for f in diff.flows
                if f.status == status
            ],
        )
        for status in ("added", "removed")
    ]
    sections.append(
        (
            "Flows changed",
            [*flow_header, "Before", "After", "Ports added", "Ports removed", "Other"],
            [
                [
                    f.key,
                    f.source,
                    f.destination,
                    " ".join(f.before),
                    " ".join(f.after),
                    " ".join(f.ports_added) or "—",
                    " ".join(f.ports_removed) or "—",
                    "; ".join(f.details),
                ]
                for f in diff.flows
                if f.status == "changed"
            ],
        )
    )
    for title, headers, rows in sections:
        if rows:
            out += ["", f"## {title}", "", *_table(headers, rows)]
    if diff.kind == "deployment" and diff.rules:
        out += ["", "## Rules per enforcement point"]
        for point in diff.points:
            rules = [r for r in diff.rules if r.point == point]
            out += ["", f"### {_cell(point)} ({_cell(rules[0].platform)})", ""]
            out += _table(
                ["Action", "Direction", "Source", "Destination", "Services", "For flows"],
                [
                    [
                        r.action,
                        r.direction,
                        f"{r.source} ({r.source_addresses})",
                        f"{r.destination} ({r.destination_addresses})",
                        " ".join(r.services),
                        ", ".join(r.flows),
                    ]
                    for r in rules
                ],
            )
    return "\n".join(out) + "\n"


def to_xlsx(diff: Diff, request: ChangeRequest | None = None) -> bytes:
    """Three sheets: the request (fields, summary), the flows, the rules per point."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    request = request or ChangeRequest()
    book = Workbook()
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DCE6F1")

    def put(sheet: Any, row: int, column: int, value: str) -> None:
        cell = sheet.cell(row=row, column=column, value=value)
        # A cell starting with "=" would be stored as a formula; names come from user files.
        cell.data_type = "s"
        cell.alignment = Alignment(wrap_text=True, vertical="top")

    def table(
        sheet: Any, headers: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int]
    ) -> None:
        for column, header in enumerate(headers, 1):
            put(sheet, 1, column, header)
            sheet.cell(row=1, column=column).font = bold
            sheet.cell(row=1, column=column).fill = head_fill
            sheet.column_dimensions[get_column_letter(column)].width = widths[column - 1]
        for r, row in enumerate(rows, 2):
            for column, value in enumerate(row, 1):
                put(sheet, r, column, value)
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(1, len(rows) + 1)}"

    front = book.active
    front.title = "Change request"
    fields = [
        ("Change request", diff.new),
        ("Ticket", request.ticket),
        ("Owner", request.owner),
        ("Justification", request.justification),
        ("Compared", diff.compared),
        ("Approved by", ""),
        ("Approval date", ""),
        ("Decision", ""),
    ]
    rows = [[k, v] for k, v in fields] + [["", ""]]
    rows += [["Summary", line] for line in summary_lines(diff)]
    rows += [["Note", note] for note in diff.notes]
    for r, (key, value) in enumerate(rows, 1):
        put(front, r, 1, key)
        put(front, r, 2, value)
        front.cell(row=r, column=1).font = bold
    front.column_dimensions["A"].width = 18
    front.column_dimensions["B"].width = 90

    flows = book.create_sheet("Flows")
    table(
        flows,
        [
            "Status",
            "Flow",
            "From",
            "To",
            "Before",
            "After",
            "Ports added",
            "Ports removed",
            "Purpose",
            "Other",
        ],
        [
            [
                f.status,
                f.key,
                f.source,
                f.destination,
                " ".join(f.before),
                " ".join(f.after),
                " ".join(f.ports_added),
                " ".join(f.ports_removed),
                f.purpose,
                "; ".join(f.details),
            ]
            for f in diff.flows
        ],
        [10, 42, 16, 16, 24, 24, 20, 20, 36, 36],
    )
    if diff.kind == "deployment":
        rules = book.create_sheet("Rules")
        table(
            rules,
            [
                "Enforcement point",
                "Platform",
                "Action",
                "Direction",
                "Source",
                "Source addresses",
                "Destination",
                "Destination addresses",
                "Services",
                "For flows",
            ],
            [
                [
                    r.point,
                    r.platform,
                    r.action,
                    r.direction,
                    r.source,
                    r.source_addresses,
                    r.destination,
                    r.destination_addresses,
                    " ".join(r.services),
                    ", ".join(r.flows),
                ]
                for r in diff.rules
            ],
            [20, 12, 8, 12, 16, 22, 16, 22, 24, 50],
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

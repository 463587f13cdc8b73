"""Product diffs: flows matched by their ends and services, not by id; services at the
products' default variable values.

A vendor's next document renames rows, merges them and moves ports; the firewall only cares
which role talks to which on what. So two flows are the same requirement when they join the
same roles and open the same services, whatever their ids (a new id is a note); of the rest,
flows with the same ends are paired by id, then by the ports they share (a changed flow, its
ports added and removed computed port by port); a flow whose roles changed is paired by id.
What is left was added or removed.
"""

from __future__ import annotations

from portplan.model.product import Flow, Product
from portplan.model.service import split_services
from portplan.report.diff.base import (
    Diff,
    FlowChange,
    Status,
    membership_notes,
    one_sided_change,
    service_delta,
    service_texts,
)


def diff_products(old: Product, new: Product) -> Diff:
    """Flows matched by ends and services (see the module), services at default values."""

    def one_sided(status: Status, flow: Flow) -> FlowChange:
        services = _product_services(new if status == "added" else old, flow)
        return one_sided_change(
            status, flow.id, flow.from_role, flow.to_role, flow.purpose, services, _conditions(flow)
        )

    pairs, removed, added = match_flows(old, new)
    changes = [one_sided("added", f) for f in added]
    changes += [one_sided("removed", f) for f in removed]
    renamed: list[str] = []
    for a, b in pairs:
        change = _product_flow_change(old, a, new, b)
        if change is not None:
            changes.append(change)
        elif a.id != b.id:
            renamed.append(f"flow {a.id} is now {b.id} (same roles, services and conditions)")
    return Diff(
        "product",
        _product_label(old),
        _product_label(new),
        tuple(changes),
        notes=tuple([*_product_notes(old, new), *renamed]),
    )


ServiceKey = tuple[str, ...]


def _key(product: Product, flow: Flow) -> tuple[str, str, ServiceKey]:
    """What makes two flows the same requirement: their ends and what they open."""
    return flow.from_role, flow.to_role, _product_services(product, flow)


def _shared_ports(old: Product, a: Flow, new: Product, b: Flow) -> int:
    """How many (protocol, port) pairs two flows have in common (ICMP types count one)."""
    first, second = old.flow_services(a), new.flow_services(b)
    if first is None or second is None:
        return len(set(a.services) & set(b.services))
    ports_a, icmp_a = split_services(first)
    ports_b, icmp_b = split_services(second)
    shared = sum(
        ports.intersect(ports_b[protocol]).size
        for protocol, ports in ports_a.items()
        if protocol in ports_b
    )
    return shared + len(icmp_a & icmp_b)


def match_flows(
    old: Product, new: Product
) -> tuple[list[tuple[Flow, Flow]], list[Flow], list[Flow]]:
    """(pairs of the same flow, flows only in ``old``, flows only in ``new``), in file order.

    Rules, each over the flows the earlier ones left: same ends and services; same ends and
    id; same id (its roles changed); same ends sharing ports, the most shared first.
    """
    left_old, left_new = list(old.flows), list(new.flows)
    pairs: list[tuple[Flow, Flow]] = []
    rules = (
        lambda a, b: _key(old, a) == _key(new, b),
        lambda a, b: (a.from_role, a.to_role, a.id) == (b.from_role, b.to_role, b.id),
        lambda a, b: a.id == b.id,
    )
    for rule in rules:
        for a in list(left_old):
            match = next((b for b in left_new if rule(a, b)), None)
            if match is not None:
                pairs.append((a, match))
                left_old.remove(a)
                left_new.remove(match)
    for a in list(left_old):
        scored = [
            (_shared_ports(old, a, new, b), -i)
            for i, b in enumerate(left_new)
            if (a.from_role, a.to_role) == (b.from_role, b.to_role)
        ]
        best = max(scored, default=(0, 0))
        if best[0] > 0:
            match = left_new[-best[1]]
            pairs.append((a, match))
            left_old.remove(a)
            left_new.remove(match)
    order = {f.id: i for i, f in enumerate(new.flows)}
    pairs.sort(key=lambda pair: order[pair[1].id])
    return pairs, left_old, left_new


def _product_label(product: Product) -> str:
    return f"{product.id} {product.version}".strip()


def _product_services(product: Product, flow: Flow) -> tuple[str, ...]:
    services = product.flow_services(flow)
    return service_texts(services) if services is not None else tuple(flow.services)


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
        added, removed = service_texts(plus), service_texts(minus)
    elif old.services != new.services:
        details.append("services: " + ", ".join(old.services) + " → " + ", ".join(new.services))
    if not (added or removed or details):
        return None
    if old.id != new.id:
        details.insert(0, f"id: {old.id} → {new.id}")
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
    notes = membership_notes(
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

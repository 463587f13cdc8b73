"""Product diffs: flows compared by id, services at the products' default variable values."""

from __future__ import annotations

from portplan.model.product import Flow, Product
from portplan.report.diff.base import (
    Diff,
    FlowChange,
    Status,
    compare_flows,
    membership_notes,
    one_sided_change,
    service_delta,
    service_texts,
)


def diff_products(old: Product, new: Product) -> Diff:
    """Flows compared by id, services at the products' default variable values."""

    def one_sided(status: Status, flow_id: str, flow: Flow) -> FlowChange:
        services = _product_services(new if status == "added" else old, flow)
        return one_sided_change(
            status, flow_id, flow.from_role, flow.to_role, flow.purpose, services, _conditions(flow)
        )

    changes = compare_flows(
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

"""Deployment diffs: concrete flows compared by id, rules compared per enforcement point."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from portplan.model.concrete import ConcreteFlow, Endpoint, Resolution
from portplan.model.deployment import Deployment, ProductUse
from portplan.report.diff.base import (
    Diff,
    FlowChange,
    RuleChange,
    Status,
    compare_flows,
    membership_notes,
    one_sided_change,
    service_delta,
    service_texts,
)


def diff_resolutions(
    old_deployment: Deployment,
    old: Resolution,
    new_deployment: Deployment,
    new: Resolution,
) -> Diff:
    """Concrete flows compared by id; rules compared per enforcement point."""

    def one_sided(status: Status, key: str, flow: ConcreteFlow) -> FlowChange:
        return one_sided_change(
            status,
            key,
            flow.source.name,
            flow.destination.name,
            flow.purpose,
            service_texts(flow.services),
            _path_text(flow),
        )

    changes = compare_flows(
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
        service_texts(old.services),
        service_texts(new.services),
        service_texts(plus),
        service_texts(minus),
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
                    service_texts(services),
                    tuple(dict.fromkeys(reasons)),
                )
            )
    out.sort(key=lambda r: (r.point, r.action != "remove", r.direction, r.source, r.destination))
    return out


def _deployment_notes(old: Deployment, new: Deployment) -> list[str]:
    notes = membership_notes(
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
        notes += _exception_notes(use, before)
    return notes


def _exception_notes(use: ProductUse, before: ProductUse) -> list[str]:
    """Flows newly excluded or overridden (with the reason), and those no longer."""
    notes: list[str] = []
    for key, now, was in (
        (
            "excluded",
            {e.flow: e.reason for e in use.exclude},
            {e.flow: e.reason for e in before.exclude},
        ),
        (
            "overridden",
            {o.flow: o.reason for o in use.override},
            {o.flow: o.reason for o in before.override},
        ),
    ):
        notes += [f"{use.key}: flow {f} {key} — {now[f]}" for f in now if now[f] != was.get(f)]
        notes += [f"{use.key}: flow {f} no longer {key}" for f in was if f not in now]
    return notes

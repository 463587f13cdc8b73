"""Resolution: product flows + a deployment → concrete flows between real endpoints.

For each product the deployment uses and each flow of that product:

1. the flow is *active* when it is unconditional, its feature is switched on, or it is
   optional and the deployment asked for optional flows — unless the deployment excludes it
   (``exclude:``, kept with its reason as an :class:`~portplan.model.concrete.Excluded`);
   ``override:`` replaces its services;
2. its sources are the hosts and externals bound to ``product[@instance]:from-role``, its
   destinations those bound to the to-role; every source pairs with every destination, except
   a host with itself (no firewall between a process and its own host — reported as a notice);
3. a ``same-site`` constraint keeps pairs of its roles inside each site;
4. services get the deployment's variable values (an instance offset shifts every port);
5. each pair gets the enforcement points on its path (:mod:`portplan.flows.paths`).

Then the deployment's ``management`` block adds its flows to every host behind a host
firewall (:mod:`portplan.flows.management`), with a warning when there is none.

Anything that resolves to nothing — a role no host plays, sites with no link — is an
:class:`~portplan.model.concrete.Unbound` entry, never a silent drop. Pure: the inputs are not
changed and the output order follows the order of the deployment and product files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from portplan.deployment.checks import ProductCatalog
from portplan.errors import ResolutionError, ValidationError
from portplan.flows.endpoints import external_endpoint, host_endpoint
from portplan.flows.management import management_flows
from portplan.flows.paths import NoRoute, PathFinder
from portplan.flows.protocols import discovery_warning, shape
from portplan.model.concrete import (
    ConcreteFlow,
    Endpoint,
    Excluded,
    FlowEvidence,
    Resolution,
    Unbound,
)
from portplan.model.deployment import Deployment, ProductUse, split_binding
from portplan.model.product import Flow, Product
from portplan.model.service import Service, format_services

BindingKey = tuple[str, str]  # (product use key, role id)


def active_features(use: ProductUse, product: Product) -> set[str]:
    """Features switched on: those listed, plus the product's defaults not switched off."""
    defaults = {f.id for f in product.features if f.default}
    return (set(use.features) | defaults) - set(use.features_off)


def is_active(flow: Flow, use: ProductUse, features: set[str]) -> bool:
    if not flow.conditional:
        return True
    if flow.feature is not None and flow.feature in features:
        return True
    return flow.optional and use.optional


def endpoints_by_binding(deployment: Deployment) -> dict[BindingKey, list[Endpoint]]:
    """Every (product use, role) → the endpoints bound to it, hosts first, in file order."""
    bound: dict[BindingKey, list[Endpoint]] = {}
    for host in deployment.hosts:
        for binding in host.roles:
            product, instance, role = split_binding(binding)
            key = f"{product}@{instance}" if instance else product
            bound.setdefault((key, role), []).append(host_endpoint(deployment, host, binding))
    for external in deployment.externals:
        for binding in external.roles:
            product, instance, role = split_binding(binding)
            key = f"{product}@{instance}" if instance else product
            bound.setdefault((key, role), []).append(external_endpoint(external, binding))
    return bound


@dataclass
class _Collector:
    """Results gathered while resolving, in the order they are found."""

    flows: list[ConcreteFlow] = field(default_factory=list)
    unbound: list[Unbound] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    excluded: list[Excluded] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def resolve_flows(
    deployment: Deployment, catalog: ProductCatalog, *, strict: bool = False
) -> Resolution:
    """The concrete flows of ``deployment``; see the module docstring for the rules.

    ``strict``: any unbound entry becomes a :class:`ResolutionError` listing all of them.
    """
    paths = PathFinder(deployment)
    bound = endpoints_by_binding(deployment)
    out = _Collector()
    for index, use in enumerate(deployment.products):
        product = catalog.products.get(use.product)
        if product is None:
            file, line = deployment.locate(("products", index, "product"))
            raise ValidationError(
                f"unknown product '{use.product}' — add it to the catalog (--catalog DIR).",
                file=file,
                line=line,
            )
        _resolve_use(deployment, index, use, product, paths, bound, out)
    if strict and out.unbound:
        listed = "; ".join(f"{u.product}/{u.flow}: {u.reason}" for u in out.unbound)
        raise ResolutionError(
            f"{len(out.unbound)} flow(s) resolve to nothing (strict mode): {listed} — bind "
            f"the roles to hosts or add the missing links.",
            file=deployment.source.file if deployment.source else None,
        )
    managed, warnings = management_flows(deployment)
    return Resolution(
        deployment=deployment.name,
        flows=(*out.flows, *managed),
        unbound=tuple(out.unbound),
        notices=tuple(out.notices),
        excluded=tuple(out.excluded),
        warnings=(*out.warnings, *warnings),
    )


def _resolve_use(
    deployment: Deployment,
    index: int,
    use: ProductUse,
    product: Product,
    paths: PathFinder,
    bound: Mapping[BindingKey, list[Endpoint]],
    out: _Collector,
) -> None:
    features = active_features(use, product)
    values = product.variable_values(use.variables)
    same_site_groups = [
        set(c.roles)
        for c in deployment.constraints
        if c.kind == "same-site" and c.product == use.product
    ]
    inactive: list[Flow] = []
    excluded = {e.flow: e.reason for e in use.exclude}
    for flow in product.flows:
        if flow.id in excluded:
            out.excluded.append(_excluded(use, product, flow, excluded[flow.id], features))
            continue
        if not is_active(flow, use, features):
            inactive.append(flow)
            continue
        if flow.application == "ftp-data":
            out.notices.append(
                f"{use.key}/{flow.id}: an FTP data connection, resolved with the FTP control "
                "flow between the same roles (application: ftp) — no flow of its own."
            )
            continue
        flow, override = with_override(use, product, flow)
        sources = bound.get((use.key, flow.from_role), [])
        destinations = bound.get((use.key, flow.to_role), [])
        sides = ((flow.from_role, sources), (flow.to_role, destinations))
        missing_roles = [role for role, endpoints in sides if not endpoints]
        for role in dict.fromkeys(missing_roles):
            out.unbound.append(
                Unbound(
                    product=use.key,
                    flow=flow.id,
                    role=f"{use.key}:{role}",
                    reason=f"no host or external plays role '{use.key}:{role}'",
                )
            )
        if missing_roles:
            continue
        services = product.flow_services(flow, values)
        if services is None:
            missing = [n for n in flow.variables if values.get(n) is None]
            file, line = deployment.locate(("products", index))
            raise ResolutionError(
                f"flow '{flow.id}' of '{use.key}' is in use but variable "
                f"'{', '.join(missing)}' has no value — set it under products → "
                f"{use.key} → variables, e.g. {missing[0]}: <port>.",
                file=file,
                line=line,
            )
        keep_local = any({flow.from_role, flow.to_role} <= group for group in same_site_groups)
        pairing = _Pairing(use, flow, services, keep_local, override)
        _pair(pairing, sources, destinations, paths, out)
    if inactive:
        out.notices.append(_inactive_notice(use, inactive, features))


def with_override(use: ProductUse, product: Product, flow: Flow) -> tuple[Flow, str | None]:
    """The flow with the deployment's services when ``override:`` replaces them, and the
    text that says so in reports (the vendor's services and the reason)."""
    override = next((o for o in use.override if o.flow == flow.id), None)
    if override is None:
        return flow, None
    vendor = product.flow_services(flow)
    was = ", ".join(format_services(vendor)) if vendor is not None else ", ".join(flow.services)
    text = f"services set by the deployment (the vendor's: {was}) — {override.reason}"
    return flow.model_copy(update={"services": list(override.services)}), text


def _excluded(
    use: ProductUse, product: Product, flow: Flow, reason: str, features: set[str]
) -> Excluded:
    services = product.flow_services(flow, product.variable_values(use.variables))
    return Excluded(
        product=use.key,
        flow=flow.id,
        services=tuple(format_services(services)) if services else tuple(flow.services),
        purpose=flow.purpose,
        reason=reason,
        in_use=is_active(flow, use, features),
    )


@dataclass(frozen=True)
class _Pairing:
    """One active product flow about to be paired: what every concrete flow of it shares."""

    use: ProductUse
    flow: Flow
    services: tuple[Service, ...]
    keep_local: bool  # a same-site constraint covers both roles
    override: str | None


def _pair(
    pairing: _Pairing,
    sources: Iterable[Endpoint],
    destinations: Iterable[Endpoint],
    paths: PathFinder,
    out: _Collector,
) -> None:
    """Every source × destination of one active flow, with its path."""
    use, flow, services, keep_local = (
        pairing.use,
        pairing.flow,
        pairing.services,
        pairing.keep_local,
    )
    evidence = FlowEvidence(flow.evidence.document, flow.evidence.line) if flow.evidence else None
    itself: list[str] = []
    kept_local = 0
    unrouted: dict[tuple[str, str], list[str]] = {}
    crossing: list[str] = []  # discovery pairs a router would separate
    routers: set[str] = set()
    for source in sources:
        for destination in destinations:
            if (source.kind, source.name) == (destination.kind, destination.name):
                itself.append(source.name)
                continue
            if keep_local and (source.site is None or source.site != destination.site):
                kept_local += 1
                continue
            try:
                path = paths.path(source, destination)
            except NoRoute as exc:
                unrouted.setdefault(exc.sites, []).append(f"{source.name}→{destination.name}")
                continue
            concrete = ConcreteFlow(
                product=use.key,
                flow=flow.id,
                source=source,
                destination=destination,
                services=services,
                purpose=flow.purpose,
                feature=flow.feature,
                optional=flow.optional,
                path=path,
                evidence=evidence,
                note=flow.note,
                override=pairing.override,
            )
            shaped = shape(flow, concrete, paths.deployment, paths)  # FTP, discovery
            if shaped is None:
                crossing.append(f"{source.name}→{destination.name}")
                routers.update(h.point for h in path if h.kind == "network")
                continue
            out.flows.extend(shaped)
    name = f"{use.key}/{flow.id}"
    if crossing:
        out.warnings.append(discovery_warning(use.key, flow, crossing, sorted(routers)))
    if itself:
        out.notices.append(
            f"{name}: both ends on one host ({_names(itself)}) left out — traffic inside a "
            f"host crosses no firewall."
        )
    if kept_local:
        out.notices.append(
            f"{name}: same-site constraint left out {kept_local} cross-site pair(s)."
        )
    for (first, second), pairs in unrouted.items():
        out.unbound.append(
            Unbound(
                product=use.key,
                flow=flow.id,
                role=f"{use.key}:{flow.to_role}",
                reason=f"no link between sites {first} and {second} ({_names(pairs)}) — "
                f"add a link under links",
            )
        )


def _names(names: list[str], limit: int = 4) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _inactive_notice(use: ProductUse, inactive: list[Flow], features: set[str]) -> str:
    off = sorted({f.feature for f in inactive if f.feature and f.feature not in features})
    optional = sum(1 for f in inactive if f.optional and not f.feature)
    parts = []
    if off:
        parts.append(f"features off: {', '.join(off)}")
    if optional:
        parts.append(f"{optional} optional (set optional: true to include them)")
    return f"{use.key}: {len(inactive)} flow(s) not in use — {'; '.join(parts)}."

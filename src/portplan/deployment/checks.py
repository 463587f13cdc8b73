"""Checks of a deployment against the catalog: every name it uses must exist there.

The model (:mod:`portplan.model.deployment`) already checks what the file alone can tell
(duplicate names, addresses inside their zone, CIDR syntax). Here we check what needs the
products: product ids, ``product@instance:role`` bindings, roles, features, variables and
their values. Every error points at the line to change.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Protocol

from portplan.deployment.semantics import check_semantics
from portplan.errors import PortplanError, ServiceSyntaxError, excerpt
from portplan.model.deployment import Constraint, Deployment, ProductUse, split_binding
from portplan.model.product import VARIABLE_REFERENCE, Product, Variable
from portplan.model.service import parse_service
from portplan.problems import ProblemCollector, choices, closest
from portplan.yamlio import SourceMap


class ProductCatalog(Protocol):
    """What the deployment and flow stages need from a catalog: products by id."""

    @property
    def products(self) -> Mapping[str, Product]: ...


def _choices(what: str, names: list[str], wrong: str) -> str:
    return choices(what, names, wrong)


def check_deployment(
    deployment: Deployment,
    catalog: ProductCatalog,
    source: SourceMap,
    *,
    set_aside: Collection[str] = (),
) -> None:
    """Raise every name the catalog lacks, and everything that makes no sense on a network
    (:mod:`portplan.deployment.semantics`), together (:class:`ValidationErrors`), each with
    file:line. ``set_aside``: product uses left out because of problems already reported;
    bindings to them are not reported again."""
    problems = ProblemCollector()
    with problems.catch():
        check_semantics(deployment, source)
    uses: dict[str, ProductUse] = {}
    reported = set(set_aside)  # uses whose bindings would only repeat their problem
    for i, use in enumerate(deployment.products):
        product = catalog.products.get(use.product)
        uses[use.key] = use
        with problems.catch():
            if product is None:
                # Bindings name the product as it was meant ('acme-print' for a use that
                # says 'acme-printer'); they are not problems of their own.
                reported.add(use.key)
                reported.add(closest(use.product, list(catalog.products)) or use.key)
                raise source.error(
                    ("products", i, "product"),
                    f"unknown product '{use.product}' — "
                    f"{_choices('products', list(catalog.products), use.product)}. "
                    f"Add your own with --catalog DIR.",
                )
            _check_use(i, use, product, source)
    bindings = [("hosts", i, h.roles) for i, h in enumerate(deployment.hosts)]
    bindings += [("externals", i, e.roles) for i, e in enumerate(deployment.externals)]
    for section, i, roles in bindings:
        seen: set[str] = set()
        for j, binding in enumerate(roles):
            with problems.catch():
                _check_binding(binding, (section, i, "roles", j), uses, catalog, source, reported)
                if binding in seen:
                    raise source.error(
                        (section, i, "roles", j),
                        f"'{binding}' is listed twice for this {section[:-1]} — keep one.",
                    )
            seen.add(binding)
    for i, constraint in enumerate(deployment.constraints):
        with problems.catch():
            _check_constraint(i, constraint, uses, catalog, source)
    problems.finish()


def _check_constraint(
    index: int,
    constraint: Constraint,
    uses: Mapping[str, ProductUse],
    catalog: ProductCatalog,
    source: SourceMap,
) -> None:
    product = catalog.products.get(constraint.product)
    if product is None or not any(u.product == constraint.product for u in uses.values()):
        raise source.error(
            ("constraints", index, "product"),
            f"constraint names product '{constraint.product}', which this deployment "
            f"does not use — list it under products or fix the name.",
        )
    role_ids = [r.id for r in product.roles]
    for j, role in enumerate(constraint.roles):
        if role not in role_ids:
            raise source.error(
                ("constraints", index, "roles", j),
                f"product '{product.id}' has no role '{role}' — "
                f"{_choices('roles', role_ids, role)}.",
            )


def _check_use(index: int, use: ProductUse, product: Product, source: SourceMap) -> None:
    """Features and variables of one product use, every problem of them."""
    problems = ProblemCollector()
    features = {f.id for f in product.features}
    for key in ("features", "features_off"):
        for j, feature in enumerate(getattr(use, key)):
            if feature not in features:
                problems.add(
                    source.error(
                        ("products", index, key, j),
                        f"product '{product.id}' has no feature '{feature}' — "
                        f"{_choices('features', list(features), feature)}.",
                    )
                )
    variables = {v.id: v for v in product.variables}
    for name, value in use.variables.items():
        with problems.catch():
            where = ("products", index, "variables", name)
            _check_variable(where, product, variables, value, source)
    if not problems.problems:  # each value is fine alone: try them together on every flow
        with problems.catch():
            _check_values(index, use, product, source)
    for problem in _exception_problems(index, use, product, source):
        problems.add(problem)
    problems.finish()


def _exception_problems(
    index: int, use: ProductUse, product: Product, source: SourceMap
) -> list[PortplanError]:
    """``exclude:`` and ``override:`` must name flows of the product, once each, and an
    override's services must be valid with this use's variable values."""
    problems: list[PortplanError] = []
    flows = {f.id: f for f in product.flows}
    seen: set[str] = set()
    entries = [("exclude", j, e.flow) for j, e in enumerate(use.exclude)]
    entries += [("override", j, o.flow) for j, o in enumerate(use.override)]
    for key, j, flow_id in entries:
        where = ("products", index, key, j, "flow")
        if flow_id not in flows:
            problems.append(
                source.error(
                    where,
                    f"product '{product.id}' has no flow '{flow_id}' — "
                    f"{_choices('flows', list(flows), flow_id)}.",
                )
            )
        elif flow_id in seen:
            problems.append(
                source.error(
                    where,
                    f"flow '{flow_id}' is excluded or overridden twice — keep one entry.",
                )
            )
        seen.add(flow_id)
    values = product.variable_values(use.variables)
    for j, override in enumerate(use.override):
        flow = flows.get(override.flow)
        if flow is None:
            continue
        unknown = [
            name
            for text in override.services
            for name in VARIABLE_REFERENCE.findall(text)
            if name not in values
        ]
        if unknown:
            problems.append(
                source.error(
                    ("products", index, "override", j, "services"),
                    f"product '{product.id}' has no variable '{unknown[0]}' — "
                    f"{_choices('variables', list(values), unknown[0])}.",
                )
            )
            continue
        try:
            product.flow_services(flow.model_copy(update={"services": override.services}), values)
        except ServiceSyntaxError as exc:
            problems.append(
                source.error(("products", index, "override", j, "services"), exc.message)
            )
    return problems


def _check_variable(
    where: tuple[str | int, ...],
    product: Product,
    variables: Mapping[str, Variable],
    value: str | int,
    source: SourceMap,
) -> None:
    name = str(where[-1])
    variable = variables.get(name)
    if variable is None:
        raise source.error(
            where,
            f"product '{product.id}' has no variable '{name}' — "
            f"{_choices('variables', list(variables), name)}.",
        )
    if variable.kind == "offset":
        if isinstance(value, bool) or not isinstance(value, int):
            raise source.error(
                where,
                f"variable '{name}' is a port offset; '{excerpt(str(value))}' is not a whole "
                f"number — write e.g. {name}: 2000 (no quotes).",
            )
        return
    try:
        parse_service(f"tcp/{value}")
    except ServiceSyntaxError as exc:
        raise source.error(
            where,
            f"variable '{name}' = '{excerpt(str(value))}' is not a valid port: {exc.message}",
        ) from None


def _check_values(index: int, use: ProductUse, product: Product, source: SourceMap) -> None:
    # Values can be valid on their own and still push a flow's ports out of range (an
    # offset of 64000 on port 2000); try every flow with this use's values.
    values = product.variable_values(use.variables)
    for flow in product.flows:
        if any(values.get(n) is None for n in flow.variables):
            continue  # a missing value is reported by resolution, only if the flow is used
        try:
            product.flow_services(flow, values)
        except ServiceSyntaxError as exc:
            raise source.error(
                ("products", index, "variables"),
                f"with these values flow '{flow.id}' of '{product.id}' is invalid: {exc.message}",
            ) from None


def _check_binding(
    binding: str,
    where: tuple[str | int, ...],
    uses: Mapping[str, ProductUse],
    catalog: ProductCatalog,
    source: SourceMap,
    set_aside: Collection[str] = (),
) -> None:
    product_id, instance, role = split_binding(binding)
    key = f"{product_id}@{instance}" if instance else product_id
    if key in set_aside:
        return  # its product use had a problem of its own, already reported
    product = catalog.products.get(product_id)
    if product is None:
        raise source.error(
            where,
            f"'{binding}' names unknown product '{product_id}' — "
            f"{_choices('products', list(catalog.products), product_id)}.",
        )
    if key not in uses:
        what = f"instance '{instance}' of product '{product_id}'" if instance else product_id
        raise source.error(
            where,
            f"'{binding}' binds {what}, which is not listed under products — add "
            f"'- product: {product_id}"
            + (f"' with 'instance: {instance}'" if instance else "'")
            + " there.",
        )
    roles = [r.id for r in product.roles]
    if role not in roles:
        raise source.error(
            where,
            f"product '{product_id}' has no role '{role}' — {_choices('roles', roles, role)}.",
        )

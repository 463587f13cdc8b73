"""Checks of a deployment against the catalog: every name it uses must exist there.

The model (:mod:`portplan.model.deployment`) already checks what the file alone can tell
(duplicate names, addresses inside their zone, CIDR syntax). Here we check what needs the
products: product ids, ``product@instance:role`` bindings, roles, features, variables and
their values. Every error points at the line to change.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Protocol

from portplan.deployment.semantics import check_semantics
from portplan.errors import ServiceSyntaxError, excerpt
from portplan.model.deployment import Deployment, ProductUse, split_binding
from portplan.model.product import Product
from portplan.model.service import parse_service
from portplan.yamlio import SourceMap


class ProductCatalog(Protocol):
    """What the deployment and flow stages need from a catalog: products by id."""

    @property
    def products(self) -> Mapping[str, Product]: ...


def _choices(what: str, names: list[str], wrong: str) -> str:
    """``did you mean 'netx'? Its roles: …`` — the closest name first (the usual typo)."""
    if not names:
        return f"it has no {what}"
    shown = ", ".join(sorted(names)[:12]) + (", …" if len(names) > 12 else "")
    close = difflib.get_close_matches(wrong, names, n=1)
    if close:
        return f"did you mean '{close[0]}'? Its {what}: {shown}"
    return f"its {what}: {shown}"


def check_deployment(deployment: Deployment, catalog: ProductCatalog, source: SourceMap) -> None:
    """Raise :class:`ValidationError` (file:line) at the first name the catalog lacks, or at
    the first thing that makes no sense on a network (:mod:`portplan.deployment.semantics`)."""
    check_semantics(deployment, source)
    uses: dict[str, ProductUse] = {}
    for i, use in enumerate(deployment.products):
        product = catalog.products.get(use.product)
        if product is None:
            raise source.error(
                ("products", i, "product"),
                f"unknown product '{use.product}' — "
                f"{_choices('products', list(catalog.products), use.product)}. "
                f"Add your own with --catalog DIR.",
            )
        _check_use(i, use, product, source)
        uses[use.key] = use
    bindings = [("hosts", i, h.roles) for i, h in enumerate(deployment.hosts)]
    bindings += [("externals", i, e.roles) for i, e in enumerate(deployment.externals)]
    for section, i, roles in bindings:
        seen: set[str] = set()
        for j, binding in enumerate(roles):
            _check_binding(binding, (section, i, "roles", j), uses, catalog, source)
            if binding in seen:
                raise source.error(
                    (section, i, "roles", j),
                    f"'{binding}' is listed twice for this {section[:-1]} — keep one.",
                )
            seen.add(binding)
    for i, constraint in enumerate(deployment.constraints):
        product = catalog.products.get(constraint.product)
        if product is None or not any(u.product == constraint.product for u in uses.values()):
            raise source.error(
                ("constraints", i, "product"),
                f"constraint names product '{constraint.product}', which this deployment "
                f"does not use — list it under products or fix the name.",
            )
        role_ids = [r.id for r in product.roles]
        for j, role in enumerate(constraint.roles):
            if role not in role_ids:
                raise source.error(
                    ("constraints", i, "roles", j),
                    f"product '{product.id}' has no role '{role}' — "
                    f"{_choices('roles', role_ids, role)}.",
                )


def _check_use(index: int, use: ProductUse, product: Product, source: SourceMap) -> None:
    features = {f.id for f in product.features}
    for key in ("features", "features_off"):
        for j, feature in enumerate(getattr(use, key)):
            if feature not in features:
                raise source.error(
                    ("products", index, key, j),
                    f"product '{product.id}' has no feature '{feature}' — "
                    f"{_choices('features', list(features), feature)}.",
                )
    variables = {v.id: v for v in product.variables}
    for name, value in use.variables.items():
        where = ("products", index, "variables", name)
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
            continue
        try:
            parse_service(f"tcp/{value}")
        except ServiceSyntaxError as exc:
            raise source.error(
                where,
                f"variable '{name}' = '{excerpt(str(value))}' is not a valid port: {exc.message}",
            ) from None
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
) -> None:
    product_id, instance, role = split_binding(binding)
    product = catalog.products.get(product_id)
    if product is None:
        raise source.error(
            where,
            f"'{binding}' names unknown product '{product_id}' — "
            f"{_choices('products', list(catalog.products), product_id)}.",
        )
    key = f"{product_id}@{instance}" if instance else product_id
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

"""A product as data for people and programs: what ``portplan catalog show`` prints.

Each flow's ``services`` are given in the canonical compact syntax with the product's variable
defaults substituted (and its offset applied), so what is shown is what a deployment that sets
nothing would open. A flow whose variable has no default cannot be shown that way: it keeps its
raw ``${var}`` text and lists the missing variables under ``unresolved``.
"""

from __future__ import annotations

from typing import Any

from portplan.model.product import Flow, Product
from portplan.model.service import format_services


def flow_document(product: Product, flow: Flow) -> dict[str, Any]:
    values = product.variable_values()
    data: dict[str, Any] = flow.model_dump(by_alias=True, exclude_none=True, mode="json")
    if not flow.optional:
        data.pop("optional", None)
    resolved = product.flow_services(flow, values)
    if resolved is None:
        data["unresolved"] = [name for name in flow.variables if values.get(name) is None]
    else:
        data["services"] = format_services(resolved)
    if flow.variables:
        data["variables"] = flow.variables
    return data


def product_document(product: Product) -> dict[str, Any]:
    """The product as JSON-ready data, flows with concrete services where possible."""
    data: dict[str, Any] = product.model_dump(by_alias=True, exclude_none=True, mode="json")
    data["flows"] = [flow_document(product, flow) for flow in product.flows]
    return data

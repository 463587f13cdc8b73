"""A product as data for people and programs: what ``portplan catalog show`` prints.

Each flow's ``services`` are given in the canonical compact syntax with the product's variable
defaults substituted (and its offset applied), so what is shown is what a deployment that sets
nothing would open. A flow whose variable has no default cannot be shown that way: it keeps its
raw ``${var}`` text and lists the missing variables under ``unresolved``.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    """The product as JSON-ready data, flows with concrete services where possible; each
    feature with the flows it adds, each variable with the flows that use it."""
    data: dict[str, Any] = product.model_dump(by_alias=True, exclude_none=True, mode="json")
    adds = {info.id: info for info in feature_infos(product)}
    for feature in data.get("features", []):
        feature["flows"] = list(adds[feature["id"]].flows)
        feature["services"] = list(adds[feature["id"]].services)
    used = {info.id: info.used_by for info in variable_infos(product)}
    for variable in data.get("variables", []):
        variable["used_by"] = list(used[variable["id"]])
    data["flows"] = [flow_document(product, flow) for flow in product.flows]
    return data


@dataclass(frozen=True)
class FeatureInfo:
    """A feature as a deployment author needs it: on by default or not, and what it adds."""

    id: str
    name: str
    default: bool
    flows: tuple[str, ...]  # the flows it switches on
    services: tuple[str, ...]  # what they open, at the variables' defaults

    @property
    def adds(self) -> str:
        if not self.flows:
            return "no flows"
        opened = ", ".join(self.services) if self.services else "ports set by variables"
        return f"{len(self.flows)} flow(s): {opened}"


@dataclass(frozen=True)
class VariableInfo:
    """A variable with its default and the flows whose ports it sets."""

    id: str
    kind: str
    default: str | int | None
    description: str
    used_by: tuple[str, ...]

    @property
    def default_text(self) -> str:
        return "(none — set it)" if self.default is None else str(self.default)


def feature_infos(product: Product) -> list[FeatureInfo]:
    values = product.variable_values()
    infos = []
    for feature in product.features:
        flows = [f for f in product.flows if f.feature == feature.id]
        services = [s for f in flows for s in product.flow_services(f, values) or ()]
        infos.append(
            FeatureInfo(
                feature.id,
                feature.name,
                feature.default,
                tuple(f.id for f in flows),
                tuple(format_services(services)),
            )
        )
    return infos


def variable_infos(product: Product) -> list[VariableInfo]:
    return [
        VariableInfo(
            variable.id,
            variable.kind,
            variable.default,
            variable.description,
            tuple(f.id for f in product.flows if variable.id in f.variables),
        )
        for variable in product.variables
    ]

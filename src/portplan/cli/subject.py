"""What a command was pointed at: a deployment file, a product file, or a catalog product id."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from portplan import pipeline
from portplan.catalog import load_catalog, load_product_file
from portplan.errors import InputError
from portplan.model.concrete import Resolution
from portplan.model.deployment import Deployment
from portplan.model.product import Product
from portplan.yamlio import load_yaml


@dataclass(frozen=True)
class Subject:
    """Either a product, or a deployment with its resolution."""

    label: str
    product: Product | None = None
    deployment: Deployment | None = None
    resolution: Resolution | None = None


def load_subject(argument: str, catalog_dirs: Sequence[str]) -> Subject:
    path = Path(argument)
    if path.is_file():
        data, _ = load_yaml(path)
        if isinstance(data, dict) and "roles" in data and "hosts" not in data:
            return Subject(argument, product=load_product_file(path))
        if isinstance(data, dict) and ("hosts" in data or "zones" in data or "sites" in data):
            deployment, resolution = pipeline.plan(path, catalog_dirs)
            return Subject(argument, deployment=deployment, resolution=resolution)
        raise InputError(
            "neither a deployment (sites, zones, hosts) nor a product (roles, flows) — "
            "check the file.",
            file=argument,
            line=1,
        )
    if path.exists():
        raise InputError("is a directory — name a deployment or product file.", file=argument)
    looks_like_file = "/" in argument or path.suffix in (".yaml", ".yml")
    catalog = load_catalog(catalog_dirs)
    if looks_like_file or argument not in catalog:
        known = ", ".join(sorted(catalog.products)) or "none"
        raise InputError(
            f"'{argument}' is neither a file nor a catalog product id — give a deployment "
            f"or product YAML, or one of: {known}."
        )
    return Subject(argument, product=catalog.get(argument))


def require_deployment(argument: str) -> None:
    """A clear error when a command that works per host is given a product file."""
    path = Path(argument)
    if path.is_file():
        data, _ = load_yaml(path)
        if isinstance(data, dict) and "roles" in data and "hosts" not in data:
            raise InputError(
                "this is a product, not a deployment — give a deployment (sites, zones, hosts).",
                file=argument,
                line=1,
            )

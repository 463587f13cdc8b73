"""Deployment stage: read a deployment file and check it against the catalog.

``load_deployment(path, catalog)`` returns a :class:`~portplan.model.Deployment` that names
only products, roles, features and variables the catalog has; otherwise it raises one
``file:line: message`` error.
"""

from __future__ import annotations

from pathlib import Path

from portplan.deployment.checks import ProductCatalog, check_deployment
from portplan.errors import InputError
from portplan.model.deployment import Deployment
from portplan.model.documents import document_kind
from portplan.yamlio import load_yaml, validate_model


def load_deployment(path: str | Path, catalog: ProductCatalog) -> Deployment:
    data, source = load_yaml(path)
    if document_kind(data) == "product":
        raise InputError(
            "this is a product (roles, flows), not a deployment — give a deployment (sites, "
            "zones, hosts); check a product with 'portplan catalog validate', or use it with "
            "--catalog DIR.",
            file=str(path),
            line=1,
        )
    deployment = validate_model(Deployment, data, source)
    check_deployment(deployment, catalog, source)
    return deployment.with_source(source)


__all__ = ["ProductCatalog", "check_deployment", "load_deployment"]

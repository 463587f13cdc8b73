"""Deployment stage: read a deployment file and check it against the catalog.

``load_deployment(path, catalog)`` returns a :class:`~portplan.model.Deployment` that names
only products, roles, features and variables the catalog has; otherwise it raises one
``file:line: message`` error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from portplan.deployment.checks import ProductCatalog, check_deployment
from portplan.errors import InputError
from portplan.model.deployment import Deployment
from portplan.model.documents import document_kind
from portplan.yamlio import SourceMap, load_yaml, validate_model


def load_deployment(path: str | Path, catalog: ProductCatalog) -> Deployment:
    data, source = load_yaml(path)
    return deployment_from_yaml(data, source, catalog)


def deployment_from_yaml(data: Any, source: SourceMap, catalog: ProductCatalog) -> Deployment:
    """A deployment from YAML already parsed (``source`` says where each value sits)."""
    if document_kind(data) == "product":
        raise InputError(
            "this is a product (roles, flows), not a deployment — give a deployment (sites, "
            "zones, hosts); check a product with 'portplan catalog validate', or use it with "
            "--catalog DIR.",
            file=source.file,
            line=1,
        )
    deployment = validate_model(Deployment, data, source)
    check_deployment(deployment, catalog, source)
    return deployment.with_source(source)


__all__ = ["ProductCatalog", "check_deployment", "deployment_from_yaml", "load_deployment"]

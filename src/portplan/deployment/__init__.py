"""Deployment stage: read a deployment file and check it against the catalog.

``load_deployment(path, catalog)`` returns a :class:`~portplan.model.Deployment` that names
only products, roles, features and variables the catalog has; otherwise it raises one
``file:line: message`` error.
"""

from __future__ import annotations

from pathlib import Path

from portplan.deployment.checks import ProductCatalog, check_deployment
from portplan.model.deployment import Deployment
from portplan.yamlio import load_yaml, validate_model


def load_deployment(path: str | Path, catalog: ProductCatalog) -> Deployment:
    data, source = load_yaml(path)
    deployment = validate_model(Deployment, data, source)
    check_deployment(deployment, catalog, source)
    return deployment.with_source(source)


__all__ = ["ProductCatalog", "check_deployment", "load_deployment"]

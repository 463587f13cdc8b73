"""Deployment stage: read a deployment file and check it against the catalog.

``load_deployment(path, catalog)`` returns a :class:`~portplan.model.Deployment` that names
only products, roles, features and variables the catalog has; otherwise it raises every
problem of the file together (:class:`~portplan.errors.ValidationErrors`), each
``file:line: key: message — fix``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from portplan.deployment.checks import ProductCatalog, check_deployment
from portplan.errors import InputError, ValidationError, ValidationErrors, raise_all
from portplan.explain import Validated, validate_file
from portplan.model.deployment import Deployment
from portplan.model.documents import document_kind
from portplan.yamlio import SourceMap, load_yaml


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
    result = validate_deployment(data, source, catalog)
    raise_all(result.problems)
    assert result.model is not None  # no problems: it validated
    return result.model.with_source(source)


def validate_deployment(
    data: Any, source: SourceMap, catalog: ProductCatalog
) -> Validated[Deployment]:
    """Every problem of a deployment file: its schema, the checks across the file, and the
    names it takes from the catalog (those of items with schema problems are left out)."""
    result = validate_file(Deployment, data, source)
    if result.model is not None:
        try:
            check_deployment(
                result.model,
                catalog,
                result.source,
                set_aside=result.set_aside.get("products", set()),
            )
        except ValidationErrors as errors:
            result.add(errors.problems)
        except ValidationError as error:
            result.add([error])
    return result


__all__ = [
    "ProductCatalog",
    "check_deployment",
    "deployment_from_yaml",
    "load_deployment",
    "validate_deployment",
]

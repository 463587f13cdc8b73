"""Factories: the small acme-print product and deployment, loaded from YAML in tmp_path."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from portplan.catalog import Catalog
from portplan.deployment import load_deployment
from portplan.model.deployment import Deployment
from tests.plan.plan_fixtures import (
    DEPLOYMENT,
    PRODUCT,
    DeploymentFactory,
    catalog_of,
    product_from_text,
)


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    product = product_from_text(tmp_path / "acme-print.yaml", PRODUCT)
    return catalog_of(product)


@pytest.fixture
def make_deployment(tmp_path: Path, catalog: Catalog) -> DeploymentFactory:
    """Write DEPLOYMENT (with text replacements or extra YAML appended) and load it."""

    def make(
        replace: Mapping[str, str] | None = None, append: str = "", name: str = "deployment"
    ) -> Deployment:
        text = DEPLOYMENT
        for old, new in (replace or {}).items():
            assert old in text, old
            text = text.replace(old, new)
        path = tmp_path / f"{name}.yaml"
        path.write_text(text + append)
        return load_deployment(path, catalog)

    return make

"""The catalog stage: products (roles, features, variables, flows) by id.

``load_catalog()`` gives the products bundled with portplan — one YAML per vendor document in
``products/`` — plus any user directories; ``Catalog.get(id)`` finds one.
"""

from portplan.catalog.loader import (
    Catalog,
    NotAProduct,
    bundled_dir,
    load_catalog,
    load_product_file,
    product_files,
    validate_paths,
)

__all__ = [
    "Catalog",
    "NotAProduct",
    "bundled_dir",
    "load_catalog",
    "load_product_file",
    "product_files",
    "validate_paths",
]

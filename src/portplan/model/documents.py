"""What kind of portplan file a loaded YAML document is, from its top-level keys.

A product has ``id``, ``roles`` or ``flows``; a deployment has ``sites``, ``zones`` or
``hosts``. Used to say "this is a product, not a deployment" instead of a confusing
"field required", and to let a catalog directory skip a deployment kept beside the products.
"""

from __future__ import annotations

from typing import Literal

DocumentKind = Literal["product", "deployment", "other"]

PRODUCT_KEYS = frozenset({"id", "roles", "flows"})
DEPLOYMENT_KEYS = frozenset({"sites", "zones", "hosts"})


def document_kind(data: object) -> DocumentKind:
    if not isinstance(data, dict):
        return "other"
    if DEPLOYMENT_KEYS & data.keys():
        return "deployment"
    if PRODUCT_KEYS & data.keys():
        return "product"
    return "other"

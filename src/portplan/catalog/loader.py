"""Reading product YAML files into a :class:`Catalog`.

The catalog is the bundled products (``portplan/catalog/products/*.yaml``, shipped as package
data) plus the user's own directories (``--catalog DIR`` or ``PORTPLAN_CATALOG``). A user
product with a bundled id replaces the bundled one — that is how a user corrects a vendor
document — and the replacement is reported as a notice, never silently. Two user files that
define the same id are an error: there is no sensible winner.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from portplan.errors import InputError, ValidationError
from portplan.model.documents import document_kind
from portplan.model.product import Product
from portplan.yamlio import load_yaml, validate_model

PRODUCT_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Catalog:
    """Products by id, where each came from, and what the loader wants the user to know."""

    products: dict[str, Product]
    origins: dict[str, str] = field(default_factory=dict)
    notices: tuple[str, ...] = ()

    def get(self, product_id: str) -> Product:
        product = self.products.get(product_id)
        if product is None:
            known = ", ".join(sorted(self.products)) or "none"
            raise ValidationError(
                f"unknown product '{product_id}' — known: {known}. "
                "Add its YAML to a --catalog directory or fix the id."
            )
        return product

    def __contains__(self, product_id: object) -> bool:
        return product_id in self.products


class NotAProduct(InputError):
    """A YAML file that is not a product at all (a deployment, an empty or foreign file)."""

    def __init__(self, file: str, what: str):
        super().__init__(f"is {what}, not a product.", file=file)
        self.what = what


def load_product_file(path: str | Path) -> Product:
    """One product YAML file; any problem is a one-line ``file:line`` error, and a file that
    is no product at all a :class:`NotAProduct` naming what it is."""
    data, source = load_yaml(path)
    kind = document_kind(data)
    if kind != "product":
        what = "a deployment" if kind == "deployment" else "a file without id, roles or flows"
        raise NotAProduct(str(path), what)
    return validate_model(Product, data, source)


def _load_directory(directory: str | Path, notices: list[str]) -> list[tuple[Path, Product]]:
    """The products of a catalog directory; other YAML files beside them (a deployment kept
    with its products) are skipped with a notice instead of breaking the whole catalog."""
    loaded = []
    for path in product_files(directory):
        try:
            loaded.append((path, load_product_file(path)))
        except NotAProduct as exc:
            notices.append(
                f"{path}: skipped — {exc.what}, not a product (a catalog directory holds products)"
            )
    return loaded


def bundled_dir() -> Path:
    """The directory of the product YAMLs shipped inside the package."""
    return Path(str(resources.files("portplan.catalog") / "products"))


def product_files(directory: str | Path) -> list[Path]:
    """The product YAML files directly inside ``directory``, sorted for a stable order."""
    root = Path(directory)
    if not root.is_dir():
        raise InputError(
            "catalog directory does not exist or is not a directory — check --catalog or "
            "PORTPLAN_CATALOG.",
            file=str(root),
        )
    return sorted(p for p in root.iterdir() if p.is_file() and p.suffix in PRODUCT_SUFFIXES)


def load_catalog(extra_dirs: Sequence[str | Path] = ()) -> Catalog:
    """The bundled products, then each extra directory in order (user products win)."""
    products: dict[str, Product] = {}
    origins: dict[str, str] = {}
    for path in product_files(bundled_dir()):
        product = load_product_file(path)
        if product.id in products:
            raise ValidationError(
                f"bundled product '{product.id}' is defined twice (also in "
                f"{origins[product.id]}) — this is a packaging bug, please report it.",
                file=str(path),
            )
        products[product.id] = product
        origins[product.id] = str(path)
    bundled = set(products)

    notices: list[str] = []
    user_origins: dict[str, str] = {}
    for directory in extra_dirs:
        for path, product in _load_directory(directory, notices):
            if product.id in user_origins:
                raise ValidationError(
                    f"product '{product.id}' is defined twice in the user catalog (also in "
                    f"{user_origins[product.id]}) — keep one of the two files.",
                    file=str(path),
                )
            if product.id in bundled:
                notices.append(f"product '{product.id}' from {path} replaces the bundled one")
            user_origins[product.id] = str(path)
            products[product.id] = product
            origins[product.id] = str(path)
    return Catalog(
        products=dict(sorted(products.items())),
        origins=dict(sorted(origins.items())),
        notices=tuple(notices),
    )


def validate_paths(paths: Iterable[str | Path]) -> list[tuple[Path, Product]]:
    """Every product file named (files, or directories of them), each checked on its own."""
    checked: list[tuple[Path, Product]] = []
    for entry in paths:
        path = Path(entry)
        files = product_files(path) if path.is_dir() else [path]
        for file in files:
            checked.append((file, load_product_file(file)))
    return checked

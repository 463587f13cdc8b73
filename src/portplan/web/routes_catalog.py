"""Catalog pages: the products, a search over them, one product with its diagram."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from portplan import pipeline
from portplan.model.product import Product
from portplan.web.pages import page, svg_response, workbench

router = APIRouter()


def search_products(catalog: pipeline.Catalog, query: str) -> list[Product]:
    """Products matching every word of ``query`` — in the id, name, vendor, roles, features,
    flow purposes or services; a port number also matches a product that opens that port."""
    terms = query.casefold().split()
    return [p for p in catalog.products.values() if all(_matches(p, t) for t in terms)]


def _matches(product: Product, term: str) -> bool:
    if term in _haystack(product):
        return True
    if term.isdigit():
        port = int(term)
        values = product.variable_values()
        for flow in product.flows:
            for service in product.flow_services(flow, values) or ():
                if port in service.ports:
                    return True
    return False


def _haystack(product: Product) -> str:
    parts = [product.id, product.name, product.vendor, product.version, product.description]
    parts += [f"{r.id} {r.name}" for r in product.roles]
    parts += [f"{f.id} {f.name}" for f in product.features]
    parts += [f"{f.purpose} {' '.join(f.services)}" for f in product.flows]
    return "\n".join(parts).casefold()


def summary(catalog: pipeline.Catalog, product: Product) -> dict[str, Any]:
    origin = catalog.origins.get(product.id, "")
    return {
        "id": product.id,
        "name": product.name,
        "vendor": product.vendor,
        "version": product.version,
        "roles": len(product.roles),
        "flows": len(product.flows),
        "origin": "bundled" if Path(origin).parent == pipeline.bundled_dir() else origin,
    }


def _listing(request: Request, query: str) -> list[dict[str, Any]]:
    catalog = workbench(request).catalog()
    return [summary(catalog, p) for p in search_products(catalog, query)]


@router.get("/api/catalog", tags=["catalog"])
def api_catalog(request: Request, q: str = Query("", description="words to search for")) -> Any:
    """Products matching ``q`` (every word; a port number matches products that open it)."""
    return {"query": q, "products": _listing(request, q)}


@router.get("/api/catalog/{product_id}", tags=["catalog"])
def api_product(request: Request, product_id: str) -> Any:
    """One product, each flow's services at the variables' defaults (``catalog show``)."""
    catalog = workbench(request).catalog()
    if product_id not in catalog:
        raise LookupError(f"no product '{product_id}' in the catalog")
    product = catalog.get(product_id)
    return {**pipeline.product_document(product), "summary": summary(catalog, product)}


@router.get("/catalog", response_class=HTMLResponse, include_in_schema=False)
def catalog_page(request: Request, q: str = "") -> HTMLResponse:
    return page(request, "catalog.html", query=q, products=_listing(request, q))


@router.get("/catalog/{product_id}", response_class=HTMLResponse, include_in_schema=False)
def product_page(request: Request, product_id: str) -> HTMLResponse:
    data = api_product(request, product_id)
    return page(request, "product.html", product=data)


@router.get("/catalog/{product_id}/diagram.svg", include_in_schema=False)
def product_svg(request: Request, product_id: str) -> Response:
    catalog = workbench(request).catalog()
    if product_id not in catalog:
        raise LookupError(f"no product '{product_id}' in the catalog")
    subject = pipeline.Subject(product_id, product=catalog.get(product_id))
    return svg_response(pipeline.render_diagram(pipeline.diagram(subject), "svg"))

"""The local web workbench: review an extraction beside its document, browse the catalog,
see a deployment's diagram, port matrix, conflicts and lab proof.

    app = create_app(WebSettings(catalog_dirs=(Path("my-products"),)))

``portplan serve`` runs it with uvicorn, bound to loopback unless told otherwise. Pages are
Jinja templates with small plain scripts; every page's data is also JSON under ``/api/``
(OpenAPI at ``/api/openapi.json``). The app only calls :mod:`portplan.pipeline`.
"""

from portplan.web.app import create_app
from portplan.web.settings import WebSettings

__all__ = ["WebSettings", "create_app"]

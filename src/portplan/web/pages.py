"""Rendering pages: the Jinja templates shipped in the package, and the workbench a request
belongs to."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from portplan.web.state import Workbench

PACKAGE = Path(str(resources.files("portplan.web")))
templates = Jinja2Templates(directory=str(PACKAGE / "templates"))


def workbench(request: Request) -> Workbench:
    bench: Workbench = request.app.state.workbench
    return bench


def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A rendered template (autoescaped); every page gets the workbench for its navigation."""
    return templates.TemplateResponse(
        request, name, {"workbench": workbench(request), **context}, status_code=status
    )


def svg_response(data: str | bytes) -> Response:
    # Opened on its own, an SVG is a document: it may not run scripts or load anything.
    return Response(
        data.encode("utf-8") if isinstance(data, str) else data,
        media_type="image/svg+xml",
        headers={"content-security-policy": "default-src 'none'; style-src 'unsafe-inline'"},
    )

"""The ASGI application: routes, templates, static files, errors and the access guard."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from portplan import __version__
from portplan.errors import EnvironmentProblem, PortplanError
from portplan.web import routes_catalog, routes_deployment, routes_review
from portplan.web.lab import LabRunner
from portplan.web.pages import PACKAGE, page, workbench
from portplan.web.review import FileExists, FlowProblems
from portplan.web.security import AccessGuard
from portplan.web.settings import WebSettings
from portplan.web.state import Workbench


def create_app(settings: WebSettings) -> FastAPI:
    bench = Workbench(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.warm_up:
            threading.Thread(target=bench.warm_up, daemon=True, name="warm-up").start()
        try:
            yield
        finally:
            app.state.lab.wait()  # a running lab removes its namespaces before we exit
            bench.close()

    app = FastAPI(
        title="portplan workbench",
        version=__version__,
        description="The data of every workbench page: catalog, deployments (plan, port "
        "matrix, conflicts, lab) and extraction review.",
        docs_url=None,  # the interactive docs load scripts from the internet
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.workbench = bench
    app.state.lab = LabRunner()
    app.mount("/static", StaticFiles(directory=str(PACKAGE / "static")), name="static")
    for module in (routes_catalog, routes_deployment, routes_review):
        app.include_router(module.router)
    _add_home(app)
    _add_errors(app)
    app.add_middleware(AccessGuard, token=settings.token)
    return app


def _add_home(app: FastAPI) -> None:
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> HTMLResponse:
        bench = workbench(request)
        return page(
            request,
            "home.html",
            catalog=bench.catalog(),
            deployments=bench.deployments(),
            documents=bench.documents(),
        )

    @app.get("/api", response_class=HTMLResponse, include_in_schema=False)
    def api_index(request: Request) -> HTMLResponse:
        schema = app.openapi()
        return page(request, "api.html", paths=schema.get("paths", {}))


def _add_errors(app: FastAPI) -> None:
    @app.exception_handler(PortplanError)
    async def portplan_error(request: Request, exc: PortplanError) -> Response:
        status = 400
        extra: dict[str, Any] = {}
        if isinstance(exc, FileExists):
            status = 409
        elif isinstance(exc, FlowProblems):
            status = 422
            extra["problems"] = {str(k): v for k, v in exc.problems.items()}
        elif isinstance(exc, EnvironmentProblem):
            status = 503
        return _error(request, status, str(exc), extra)

    @app.exception_handler(LookupError)
    async def not_found(request: Request, exc: LookupError) -> Response:
        return _error(request, 404, str(exc.args[0]) if exc.args else "not found")

    @app.exception_handler(ValueError)
    async def bad_value(request: Request, exc: ValueError) -> Response:
        return _error(request, 400, str(exc))


def _error(
    request: Request, status: int, message: str, extra: dict[str, Any] | None = None
) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message, **(extra or {})}, status_code=status)
    return page(request, "error.html", status=status, message=message)

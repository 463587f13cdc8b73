"""Deployment pages: the plan's diagram, the port matrix (paged, filtered, sorted, downloaded
exactly as ``portplan report`` writes it), conflicts, and the lab with streamed progress."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from portplan import pipeline
from portplan.web.lab import LabRunner
from portplan.web.matrix import Matrix, MatrixQuery
from portplan.web.pages import page, svg_response, workbench
from portplan.web.state import Planned

router = APIRouter()


def _planned(request: Request, deployment_id: str) -> Planned:
    return workbench(request).planned(deployment_id)


def overview(planned: Planned) -> dict[str, Any]:
    resolution = planned.resolution
    return {
        "id": planned.id,
        "name": planned.deployment.name,
        "description": planned.deployment.description,
        "file": planned.path.name,
        "flows": len(resolution.flows),
        "rows": len(planned.matrix.rows),
        "hosts": len(planned.deployment.hosts),
        "unbound": [
            {"product": u.product, "flow": u.flow, "role": u.role, "reason": u.reason}
            for u in resolution.unbound
        ],
        "notices": list(resolution.notices),
        "downloads": {
            name: f"/deployments/{planned.id}/report.{name}" for name in pipeline.format_names()
        },
    }


@router.get("/api/deployments", tags=["deployments"])
def api_deployments(request: Request) -> Any:
    """The deployments this workbench was started with."""
    return {
        "deployments": [
            {"id": key, "file": path.name} for key, path in workbench(request).deployments().items()
        ]
    }


@router.get("/api/deployments/{deployment_id}", tags=["deployments"])
def api_deployment(request: Request, deployment_id: str) -> Any:
    """Name, counts, unbound flows, notices and download links of one planned deployment."""
    return overview(_planned(request, deployment_id))


@router.get("/api/deployments/{deployment_id}/matrix", tags=["deployments"])
def api_matrix(
    request: Request,
    deployment_id: str,
    q: str = Query("", description="words every row must contain (any column)"),
    filter: list[str] = Query(  # noqa: B008 - FastAPI declares query lists this way
        [], description="column:text — the column must contain the text (repeatable)"
    ),
    sort: str | None = Query(None, description="column key to sort by"),
    order: str = Query("asc", pattern="^(asc|desc)$"),
    offset: int = Query(0, ge=0),
    limit: int = Query(100, ge=1, le=1000),
) -> Any:
    """One page of the port matrix: the rows ``portplan report`` writes, searched, filtered
    by column and sorted; ``matched`` counts every row that passed, ``total`` every row."""
    filters = []
    for item in filter:
        key, colon, text = item.partition(":")
        if not colon:
            raise ValueError(f"filter '{item}' must read column:text, e.g. protocol:udp")
        filters.append((key, text))
    matrix = _planned(request, deployment_id).matrix
    result = matrix.query(MatrixQuery(q, tuple(filters), sort, order == "desc", offset, limit))
    return {
        "columns": Matrix.columns(),
        "total": result.total,
        "matched": result.matched,
        "offset": result.offset,
        "rows": result.rows,
    }


@router.get("/api/deployments/{deployment_id}/conflicts", tags=["deployments"])
def api_conflicts(request: Request, deployment_id: str) -> Any:
    """Ports two roles would fight over on one host, each with a suggested fix."""
    planned = _planned(request, deployment_id)
    found = pipeline.find_conflicts(planned.deployment, workbench(request).catalog())
    return {
        "deployment": planned.deployment.name,
        "conflicts": [pipeline.conflict_to_dict(c) for c in found],
    }


@router.get("/deployments/{deployment_id}/report.{format_name}", tags=["deployments"])
def download_report(request: Request, deployment_id: str, format_name: str) -> Response:
    """The whole port matrix as a file, exactly as ``portplan report --format …`` writes it."""
    if format_name not in pipeline.format_names():
        known = ", ".join(pipeline.format_names())
        raise ValueError(f"unknown report format '{format_name}' — use one of {known}")
    planned = _planned(request, deployment_id)
    content = pipeline.render_report(planned.deployment, planned.resolution, format_name)
    media = {
        "csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "html": "text/html; charset=utf-8",
        "json": "application/json",
        "md": "text/markdown; charset=utf-8",
    }.get(format_name, "application/octet-stream")
    filename = f"{planned.id}-matrix.{format_name}"
    headers = {"content-disposition": f'attachment; filename="{filename}"'}
    return Response(content, media_type=media, headers=headers)


@router.get("/deployments/{deployment_id}/diagram.svg", include_in_schema=False)
def deployment_svg(request: Request, deployment_id: str) -> Response:
    planned = _planned(request, deployment_id)
    subject = pipeline.Subject(
        planned.id, deployment=planned.deployment, resolution=planned.resolution
    )
    return svg_response(pipeline.render_diagram(pipeline.diagram(subject), "svg"))


@router.get("/deployments/{deployment_id}", response_class=HTMLResponse, include_in_schema=False)
def deployment_page(request: Request, deployment_id: str) -> HTMLResponse:
    planned = _planned(request, deployment_id)
    first = planned.matrix.query(MatrixQuery())
    return page(
        request,
        "deployment.html",
        deployment=overview(planned),
        columns=Matrix.columns(),
        first_page={"total": first.total, "matched": first.matched, "rows": first.rows},
        conflicts=api_conflicts(request, deployment_id)["conflicts"],
        lab_problems=pipeline.lab_problems(),
    )


# ── The lab ───────────────────────────────────────────────────────────────────────────────
def _runner(request: Request) -> LabRunner:
    runner: LabRunner = request.app.state.lab
    return runner


@router.post("/api/deployments/{deployment_id}/lab", tags=["lab"], status_code=202)
def api_start_lab(request: Request, deployment_id: str) -> Any:
    """Start ``portplan lab`` on this deployment (root only; one run at a time)."""
    bench = workbench(request)
    path = bench.deployment_path(deployment_id)
    job = _runner(request).start(deployment_id, path, bench.settings.catalog_dirs)
    return {"job": job.id, "events": f"/api/lab/{job.id}/events", "status": f"/api/lab/{job.id}"}


@router.get("/api/lab/{job_id}", tags=["lab"])
def api_lab(request: Request, job_id: str) -> Any:
    """A lab run: done or not, every progress line so far, and its result when done."""
    job = _runner(request).job(job_id)
    return {"job": job.id, "deployment": job.deployment, "done": job.done, "events": job.events}


@router.get("/api/lab/{job_id}/events", tags=["lab"])
async def api_lab_events(request: Request, job_id: str) -> StreamingResponse:
    """The run's progress as server-sent events: ``progress`` lines, then ``result`` (the
    verdicts per flow, as ``portplan lab`` prints them) or ``failure`` (one line saying why)."""
    job = _runner(request).job(job_id)

    async def stream() -> AsyncIterator[str]:
        sent = 0
        while True:
            events = job.events[sent:]
            for event in events:
                yield f"event: {event['event']}\ndata: {json.dumps(event)}\n\n"
            sent += len(events)
            if job.done and sent == len(job.events):
                return
            if await request.is_disconnected():
                return
            await asyncio.sleep(0.2)

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"cache-control": "no-store"}
    )

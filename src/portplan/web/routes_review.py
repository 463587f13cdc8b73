"""The review page: a document beside the flows extracted from it, checked as they are
edited, saved as a catalog product."""

from __future__ import annotations

import re
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field

from portplan import pipeline
from portplan.web.documents import document_lines, upload_name
from portplan.web.pages import page, workbench
from portplan.web.review import SaveRequest, flow_note, flow_problem, save_product
from portplan.web.security import inside
from portplan.web.state import UPLOADS

router = APIRouter()
MAX_UPLOAD = 50 * 1024 * 1024


class FlowIn(BaseModel):
    """A flow as ``portplan extract --format json`` writes it (``evidence`` included)."""

    src: str = ""
    dst: str = ""
    protocols: list[str] = Field(default_factory=list)
    ports: list[str] = Field(default_factory=list)
    purpose: str = ""
    optional: bool = False
    configurable: bool = False
    evidence: dict[str, Any] = Field(default_factory=dict)


class SaveIn(BaseModel):
    folder: str = Field(description="the document's folder, as /api/documents lists it")
    document: str = Field(description="the document's name inside that folder")
    flows: list[FlowIn]
    product_id: str = ""
    name: str = ""
    vendor: str = ""
    catalog: int = Field(0, description="index of the --catalog directory to save into")
    filename: str
    overwrite: bool = False


def _document(request: Request, folder: str, name: str) -> Path:
    return inside(workbench(request).document_roots(), folder, name)


def review_data(request: Request, folder: str, name: str) -> dict[str, Any]:
    path = _document(request, folder, name)
    document = pipeline.read_document(path)
    extraction = pipeline.extract_document(document)
    data = extraction.as_json()
    lines = document_lines(path, getattr(document, "blocks", ()))
    return {
        "folder": folder,
        "document": name,
        "file": path.name,
        "lines": [asdict(line) for line in lines],
        "flows": data["flows"],
        "problems": {
            str(i): problem
            for i, flow in enumerate(extraction.flows)
            if (problem := flow_problem(flow.as_json()))
        },
        "notes": {
            str(i): note
            for i, flow in enumerate(extraction.flows)
            if (note := flow_note(flow.as_json()))
        },
        "unparsed": data["unparsed"],
        "notices": list(extraction.notices),
        "catalogs": [str(d) for d in workbench(request).settings.catalog_dirs],
        "product_id": _suggested_id(path.stem),
    }


def _suggested_id(stem: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:60] or "product"


@router.get("/api/documents", tags=["review"])
def api_documents(request: Request) -> Any:
    """Documents that can be reviewed: each with its folder and name."""
    return {"documents": [{"folder": f, "document": d} for f, d in workbench(request).documents()]}


@router.get("/api/review", tags=["review"])
def api_review(request: Request, folder: str = Query(...), document: str = Query(...)) -> Any:
    """A document's numbered lines, the flows extracted from it (extract's JSON, with the
    optional ``src_from``/``dst_from`` clues in their evidence) and the lines not used."""
    return review_data(request, folder, document)


@router.post("/api/review/check", tags=["review"])
def api_check(flow: FlowIn) -> Any:
    """Check one flow's service as the catalog will: ``error`` is the parser's message,
    ``note`` what saving will make of a flow that needs a decision later."""
    data = flow.model_dump()
    return {"error": flow_problem(data), "note": flow_note(data)}


@router.post("/api/review/save", tags=["review"])
def api_save(request: Request, body: SaveIn) -> Any:
    """Write the reviewed flows as a product YAML into a catalog directory: 409 if the file
    exists (send ``overwrite: true`` to replace it), 422 with per-flow problems if any flow
    does not check; nothing is written unless the whole product validates."""
    bench = workbench(request)
    directories = bench.settings.catalog_dirs
    if not directories:
        raise ValueError("start portplan serve with --catalog DIR to save products")
    if not 0 <= body.catalog < len(directories):
        raise ValueError(f"catalog {body.catalog} does not exist — pick one from the list")
    path = _document(request, body.folder, body.document)
    saved = save_product(
        SaveRequest(
            document=path.name,
            flows=[flow.model_dump() for flow in body.flows],
            product_id=body.product_id,
            name=body.name,
            vendor=body.vendor,
            directory=directories[body.catalog],
            filename=body.filename,
            overwrite=body.overwrite,
        ),
        bench.catalog(),
    )
    return {"path": str(saved.path), "product": saved.product_id, "flows": saved.flows}


@router.post("/api/documents", tags=["review"])
async def api_upload(request: Request, file: UploadFile = File(...)) -> Any:  # noqa: B008
    """Upload a document (any format ``extract`` reads) to review it."""
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise ValueError("the document is larger than 50 MB — extract it with portplan extract")
    name = workbench(request).store_upload(file.filename or "", data, upload_name)
    review = "/review?" + urlencode({"folder": UPLOADS, "document": name})
    return {"folder": UPLOADS, "document": name, "review": review}


@router.post("/review/upload", include_in_schema=False)
async def upload_form(request: Request, file: UploadFile = File(...)) -> RedirectResponse:  # noqa: B008
    result = await api_upload(request, file)
    return RedirectResponse(result["review"], status_code=303)


@router.get("/review", response_class=HTMLResponse, include_in_schema=False)
def review_page(request: Request, folder: str = "", document: str = "") -> HTMLResponse:
    if not document:
        return page(request, "documents.html", documents=workbench(request).documents())
    data = review_data(request, folder, document)
    unparsed = {item["line"]: item["reason"] for item in data["unparsed"]}
    return page(request, "review.html", review=data, unparsed=unparsed)

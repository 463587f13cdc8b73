"""Reviewing an extraction: check each edited flow as the catalog will, and save the product.

A flow on the review page has the shape of ``portplan extract --format json`` (src, dst,
protocols, ports, purpose, optional, configurable, evidence). :func:`flow_problem` checks its
service with the project's own compact-service parser, so a bad port shows the very message
the catalog loader gives for it. :func:`save_product` turns the flows into a product YAML the
way ``extract --format yaml`` does, checks it as ``catalog validate`` does, and writes it
atomically — never over an existing file unless told to.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from portplan import pipeline
from portplan.errors import InputError, PortplanError, ServiceSyntaxError, ValidationError
from portplan.io import write_atomic
from portplan.model.service import ICMP_PROTOCOLS, parse_service

PRODUCT_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,100}\.ya?ml")


def flow_services(protocols: Sequence[str], ports: Sequence[str]) -> list[str]:
    """The compact services a flow becomes in the product (as ``extract --format yaml``)."""
    names = [p.strip().lower() for p in protocols if p.strip()]
    transports = [p for p in names if p not in ICMP_PROTOCOLS]
    port_list = [p.strip() for p in ports if p.strip()]
    services: list[str] = []
    if transports:
        services.append(f"{'+'.join(transports)}/{','.join(port_list)}".rstrip("/"))
    services += [p for p in names if p in ICMP_PROTOCOLS]
    return services


def flow_problem(flow: Mapping[str, Any]) -> str | None:
    """What is wrong with one flow's service, in the parser's words; None when it is fine."""
    protocols = [str(p) for p in flow.get("protocols", [])]
    ports = [str(p) for p in flow.get("ports", []) if str(p).strip()]
    if not ports:
        ports = ["1"]  # no port stated: the product gets a variable without a default
    services = flow_services(protocols, ports)
    if not services:
        return "no protocol — write one, e.g. tcp, udp, tcp+udp or icmp."
    try:
        for text in services:
            parse_service(text)
    except ServiceSyntaxError as exc:
        return exc.message
    return None


def flow_note(flow: Mapping[str, Any]) -> str | None:
    """What saving will make of a flow that is not wrong but needs a decision later."""
    transports = [p for p in flow.get("protocols", []) if str(p).lower() not in ICMP_PROTOCOLS]
    if transports and not [p for p in flow.get("ports", []) if str(p).strip()]:
        return "no port: saved as a variable without a default — set it in the deployment."
    return None


@dataclass(frozen=True)
class SaveRequest:
    document: str  # the document's file name, as evidence cites it
    flows: list[dict[str, Any]]
    product_id: str
    name: str
    vendor: str
    directory: Path
    filename: str
    overwrite: bool


@dataclass(frozen=True)
class Saved:
    path: Path
    product_id: str
    flows: int
    text: str


class FileExists(PortplanError):
    """The product file is there already; the page asks before replacing it."""


class FlowProblems(ValidationError):
    """Some flows do not check; nothing was written."""

    def __init__(self, problems: dict[int, str]) -> None:
        self.problems = problems
        first = min(problems)
        super().__init__(
            f"{len(problems)} flow(s) have errors, nothing was saved — flow {first + 1}: "
            f"{problems[first]}"
        )


def product_text(request: SaveRequest) -> tuple[str, dict[str, Any]]:
    """The product YAML for the reviewed flows, checked as ``catalog validate`` checks it."""
    problems = {i: p for i, flow in enumerate(request.flows) if (p := flow_problem(flow))}
    if problems:
        raise FlowProblems(problems)
    if not request.flows:
        raise ValidationError("there are no flows to save — add at least one.")
    data = pipeline.draft_product(request.document, request.flows)
    identity = {
        "id": request.product_id.strip() or data.pop("id"),
        "name": request.name.strip() or data.pop("name"),
        "vendor": request.vendor.strip(),
        "description": f"Reviewed from {request.document} in the portplan workbench.",
    }
    data = {**identity, **{k: v for k, v in data.items() if k not in identity}}
    header = (
        f"# Reviewed from {request.document} in the portplan workbench; every flow cites "
        "its evidence line.\n"
    )
    return header + pipeline.product_yaml(data, request.filename), data


def save_product(request: SaveRequest, catalog: pipeline.Catalog) -> Saved:
    if not PRODUCT_FILE.fullmatch(request.filename):
        raise InputError(
            f"'{request.filename}' is not a product file name — use letters, digits, '.', '-' "
            "and '_', ending in .yaml (no folders)."
        )
    text, data = product_text(request)
    target = request.directory / request.filename
    owner = Path(catalog.origins.get(data["id"], target))
    if (
        owner.parent.resolve() == request.directory.resolve()
        and owner.resolve() != target.resolve()
    ):
        raise ValidationError(
            f"product '{data['id']}' is already defined in {owner.name} in this catalog — "
            "save over that file or choose another product id."
        )
    if request.overwrite:
        write_atomic(target, text)
    else:
        write_new(target, text)
    return Saved(target, data["id"], len(data["flows"]), text)


def write_new(path: Path, text: str) -> None:
    """Write ``text`` to a file that must not exist yet, atomically: the content goes to a
    temporary file first and is linked into place, which fails if the name is taken."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
        os.chmod(tmp, 0o644)
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise FileExists(
                f"{path.name} exists in the catalog — confirm to replace it, or pick another "
                "file name."
            ) from None
    finally:
        Path(tmp).unlink(missing_ok=True)

"""The spine of portplan: every stage in the order data flows, as plain function calls.

    vendor documents ──extract──► Extraction (flows with evidence, unparsed lines)
    catalog dirs ──load_catalog──► Catalog          deployment.yaml ──load──► Deployment
    Deployment + Catalog ──plan──► Resolution (concrete flows, unbound, notices)
        Resolution ──compile──► artifacts · ──audit / lab / listen / probe──► proof
                   ──report──► port matrix · ──diagram──► picture · ──diff──► change request
    Deployment + Catalog ──conflicts──► ports two roles would fight over

Each stage has a function on values (``plan_deployment(deployment, catalog)``: a library user
can plan a deployment built in code) and a thin wrapper that reads the files first
(``plan("deployment.yaml")``). The CLI imports this module and nothing else of portplan's
stages; the names it re-exports are the stage values and renderers a caller needs to name.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from portplan.catalog import (
    Catalog,
    NotAProduct,
    bundled_dir,
    load_catalog,
    load_product_file,
    product_files,
)
from portplan.catalog.render import (
    FeatureInfo,
    VariableInfo,
    feature_infos,
    product_document,
    variable_infos,
)
from portplan.compile.base import Artifact
from portplan.compile.dispatch import compile_deployment, only_point
from portplan.compile.registry import target_descriptions
from portplan.deployment import check_deployment, load_deployment
from portplan.deployment.semantics import check_names_filterable
from portplan.deployment.starter import starter_yaml
from portplan.errors import InputError
from portplan.extract import (
    Document,
    Evidence,
    ExtractedFlow,
    Extraction,
    extract_flows,
    read_document,
)
from portplan.extract.draft import draft_product as draft_of
from portplan.extract.draft import draft_product_yaml
from portplan.extract.readers.text import decode_text, text_document
from portplan.extract.render import render_table
from portplan.fleet.ansible import emit_playbooks, find_tool
from portplan.fleet.apply import ApplyReport, apply_fleet, confirm_fleet
from portplan.fleet.inventory import FleetHost, build_inventory, map_hosts, read_inventory
from portplan.fleet.verify import FleetOptions, FleetReport, verify_fleet
from portplan.flows import resolve_flows
from portplan.flows.conflicts import Conflict, conflict_to_dict
from portplan.flows.conflicts import find_conflicts as conflicts_of
from portplan.flows.serialize import resolution_json
from portplan.io import check_file_size, read_stdin
from portplan.model.concrete import Resolution
from portplan.model.deployment import Deployment
from portplan.model.documents import document_kind
from portplan.model.product import Product
from portplan.report import COLUMNS as MATRIX_COLUMNS
from portplan.report import MatrixRow, format_names, get_format, matrix_rows
from portplan.report.base import addresses_text, path_text
from portplan.report.changeboard import ChangeBoardReport, change_board
from portplan.report.cover import Cover, InputFile
from portplan.report.diagram import FORMATS as DIAGRAM_FORMATS
from portplan.report.diagram import LEVELS as DIAGRAM_LEVELS
from portplan.report.diagram import (
    Diagram,
    DiagramFormat,
    deployment_diagram,
    format_for,
    product_diagram,
    render,
)
from portplan.report.diagram import Level as DiagramLevel
from portplan.report.diff import (
    ChangeRequest,
    Diff,
    diff_products,
    diff_resolutions,
    to_json,
    to_markdown,
    to_xlsx,
)
from portplan.schemas import schema_text
from portplan.verify.audit import AuditReport
from portplan.verify.audit import audit as audit_ruleset
from portplan.verify.evaluate import Ruleset
from portplan.verify.lab import LabReport, LabResult, run_lab
from portplan.verify.listen import Listening, listen
from portplan.verify.netns import LAB_PREFIX, Cleanup, cleanup_stale, missing_requirements
from portplan.verify.probe import ProbeResult, probe
from portplan.verify.rulesets import FORMATS as RULESET_FORMATS
from portplan.verify.rulesets import read_rulesets
from portplan.verify.targets import RANGE_SAMPLE, ListenPort, ProbeTarget
from portplan.verify.targets import listen_ports as ports_to_receive
from portplan.verify.targets import probe_targets as probes_to_send
from portplan.yamlio import SourceMap, load_yaml, parse_yaml, validate_model

__all__ = [
    "DIAGRAM_FORMATS",
    "DIAGRAM_LEVELS",
    "MATRIX_COLUMNS",
    "RANGE_SAMPLE",
    "RULESET_FORMATS",
    "ApplyReport",
    "Artifact",
    "AuditReport",
    "Catalog",
    "ChangeBoardReport",
    "ChangeRequest",
    "Cleanup",
    "Conflict",
    "Cover",
    "Diagram",
    "DiagramFormat",
    "DiagramLevel",
    "Diff",
    "Document",
    "Extraction",
    "FeatureInfo",
    "FleetHost",
    "FleetOptions",
    "FleetReport",
    "LabReport",
    "LabResult",
    "ListenPort",
    "Listening",
    "MatrixRow",
    "NotAProduct",
    "ProbeResult",
    "ProbeTarget",
    "Product",
    "Ruleset",
    "Subject",
    "VariableInfo",
    "addresses_text",
    "audit",
    "audit_plan",
    "bundled_dir",
    "change_board",
    "compile",
    "compile_plan",
    "compile_targets",
    "conflict_to_dict",
    "conflicts",
    "deployment_outline",
    "diagram",
    "diagram_format",
    "diff",
    "diff_subjects",
    "draft_product",
    "draw",
    "extract",
    "extract_document",
    "feature_infos",
    "find_conflicts",
    "fleet_apply",
    "fleet_confirm",
    "fleet_hosts",
    "fleet_inventory",
    "fleet_playbooks",
    "fleet_verify",
    "format_names",
    "init",
    "lab",
    "lab_cleanup",
    "lab_problems",
    "listen",
    "listen_ports",
    "load",
    "load_catalog",
    "load_product",
    "load_subject",
    "matrix_rows",
    "path_text",
    "plan",
    "plan_deployment",
    "plan_in",
    "ports_to_receive",
    "probe",
    "probe_targets",
    "probes_to_send",
    "product_document",
    "product_files",
    "product_yaml",
    "read_document",
    "render_diagram",
    "render_diff",
    "render_extractions",
    "render_report",
    "report",
    "report_cover",
    "require_deployment",
    "resolution_json",
    "run_lab",
    "schema_text",
    "starter",
    "variable_infos",
]

PathLike = str | Path
load_product = load_product_file


# ── Extract: vendor documents → flows with the line each came from ─────────────────────────
def extract_document(document: Document) -> Extraction:
    """The flows a document (read, or built in code) states, and the lines it could not use."""
    return extract_flows(document)


def extract(paths: Sequence[PathLike]) -> list[Extraction]:
    """Read each document (``"-"`` is standard input) and extract it; an empty one is an error."""
    extractions: list[Extraction] = []
    for name in paths:
        document = _read_document(name)
        if not any(_has_text(block) for block in document.blocks):
            raise InputError("the document is empty — give a document with text", file=str(name))
        extractions.append(extract_document(document))
    return extractions


def _read_document(name: PathLike) -> Document:
    """A document within the input limit (``--max-size``): a file is measured before it is
    opened, standard input read no further than the limit."""
    if str(name) == "-":
        return text_document(decode_text(read_stdin(), "<stdin>"), "<stdin>")
    check_file_size(name)
    return read_document(name)


def _has_text(block: object) -> bool:
    text = getattr(block, "text", None)
    if text is not None:
        return bool(str(text).strip())
    rows = getattr(block, "rows", ())
    return any(cell.strip() for row in rows for cell in row)


def render_extractions(extractions: Sequence[Extraction], fmt: Literal["yaml", "table"]) -> str:
    """A draft catalog product (yaml) or a table for reading (table)."""
    return draft_product_yaml(extractions) if fmt == "yaml" else render_table(extractions)


def draft_product(document_name: str, flows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A draft product (plain data) from flows in extraction JSON form, e.g. as a reviewer
    edited them; roles, variables and features are derived as ``extract --format yaml`` does."""
    extracted = tuple(
        ExtractedFlow(
            src=str(flow["src"]),
            dst=str(flow["dst"]),
            protocols=tuple(str(p) for p in flow["protocols"]),
            ports=tuple(str(p) for p in flow["ports"]),
            purpose=str(flow["purpose"]),
            optional=bool(flow["optional"]),
            configurable=bool(flow["configurable"]),
            evidence=Evidence(
                str(flow["evidence"]["file"]),
                int(flow["evidence"]["line"]),
                str(flow["evidence"]["text"]),
            ),
        )
        for flow in flows
    )
    return draft_of([Extraction(document_name, extracted, ())])


def product_yaml(data: Mapping[str, Any], source: str = "<product>") -> str:
    """Product YAML text for ``data``, checked exactly as the catalog loader checks a file
    (a ``file:line`` ValidationError when it would not load)."""
    import yaml

    text = yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True, width=100)
    validate_model(Product, *parse_yaml(text, source))
    return text


# ── Load: the catalog (bundled products + user directories) and one deployment ─────────────
def load(
    deployment_path: PathLike, catalog_dirs: Sequence[PathLike] = ()
) -> tuple[Catalog, Deployment]:
    """The catalog and the deployment, checked against each other (file:line errors)."""
    catalog = load_catalog(catalog_dirs)
    deployment = load_deployment(deployment_path, catalog)
    return catalog, deployment


# ── Start: a commented starter deployment for catalog products ─────────────────────────────
def starter(products: Sequence[Product], name: str | None = None) -> str:
    """A deployment (commented YAML) that plans as it stands: a host per role of each product,
    features and variables at their defaults."""
    return starter_yaml(products, name)


def init(
    product_ids: Sequence[str], catalog_dirs: Sequence[PathLike] = (), name: str | None = None
) -> str:
    """The starter deployment for catalog products named by id."""
    catalog = load_catalog(catalog_dirs)
    return starter([catalog.get(product_id) for product_id in dict.fromkeys(product_ids)], name)


# ── Plan: product flows → concrete flows between endpoints, with their firewall paths ──────
def plan_deployment(deployment: Deployment, catalog: Catalog, strict: bool = False) -> Resolution:
    """Check ``deployment`` against ``catalog`` and resolve it; ``strict`` turns unbound roles
    and unrouted sites into errors."""
    check_deployment(deployment, catalog, deployment.source or SourceMap(deployment.name))
    return _resolve(deployment, catalog, strict)


def plan(
    deployment_path: PathLike,
    catalog_dirs: Sequence[PathLike] = (),
    strict: bool = False,
) -> tuple[Deployment, Resolution]:
    """Load (and check) a deployment file, then resolve it."""
    catalog, deployment = load(deployment_path, catalog_dirs)
    return deployment, _resolve(deployment, catalog, strict)


def deployment_outline(deployment: Deployment, resolution: Resolution) -> str:
    """``lrs-vpsx-hq — 1 site, 4 zones, 12 hosts, 1 product; 45 concrete flows``."""

    def count(items: Sequence[object], what: str) -> str:
        return f"{len(items)} {what}{'' if len(items) == 1 else 's'}"

    parts = [
        count(deployment.sites, "site"),
        count(deployment.zones, "zone"),
        count(deployment.hosts, "host"),
    ]
    if deployment.externals:
        parts.append(count(deployment.externals, "external"))
    parts += [count(deployment.firewalls, "firewall"), count(deployment.products, "product")]
    return f"{deployment.name} — {', '.join(parts)}; {len(resolution.flows)} concrete flows"


def plan_in(
    catalog: Catalog, deployment_path: PathLike, strict: bool = False
) -> tuple[Deployment, Resolution]:
    """:func:`plan` with the catalog already loaded (a long-running caller loads it once)."""
    deployment = load_deployment(deployment_path, catalog)
    return deployment, _resolve(deployment, catalog, strict)


def _resolve(deployment: Deployment, catalog: Catalog, strict: bool) -> Resolution:
    resolution = resolve_flows(deployment, catalog, strict=strict)
    check_names_filterable(
        deployment, resolution.flows, deployment.source or SourceMap(deployment.name)
    )
    # Catalog notices (a user product replacing a bundled one) travel with the plan, so every
    # command that prints the plan's notices shows them too; so do the product files used,
    # which a report's cover names with their hashes.
    used = dict.fromkeys(use.product for use in deployment.products)
    return replace(
        resolution,
        notices=(*catalog.notices, *resolution.notices),
        product_files=tuple(catalog.origins[p] for p in used if p in catalog.origins),
    )


# ── Subject: what diagram and diff are pointed at, a deployment or a product ───────────────
@dataclass(frozen=True)
class Subject:
    """Either a product, or a deployment with its resolution."""

    label: str
    product: Product | None = None
    deployment: Deployment | None = None
    resolution: Resolution | None = None


def load_subject(argument: str, catalog_dirs: Sequence[PathLike] = ()) -> Subject:
    """A deployment file (planned), a product file, or a catalog product id."""
    path = Path(argument)
    if path.is_file():
        data, _ = load_yaml(path)
        if _is_product(data):
            return Subject(argument, product=load_product_file(path))
        if document_kind(data) == "deployment":
            deployment, resolution = plan(path, catalog_dirs)
            return Subject(argument, deployment=deployment, resolution=resolution)
        raise InputError(
            "neither a deployment (sites, zones, hosts) nor a product (roles, flows) — "
            "check the file.",
            file=argument,
            line=1,
        )
    if path.exists():
        raise InputError("is a directory — name a deployment or product file.", file=argument)
    looks_like_file = "/" in argument or path.suffix in (".yaml", ".yml")
    catalog = load_catalog(catalog_dirs)
    if looks_like_file or argument not in catalog:
        known = ", ".join(sorted(catalog.products)) or "none"
        raise InputError(
            f"'{argument}' is neither a file nor a catalog product id — give a deployment "
            f"or product YAML, or one of: {known}."
        )
    return Subject(argument, product=catalog.get(argument))


def require_deployment(argument: str) -> None:
    """A clear error when a command that works per host is given a product file."""
    path = Path(argument)
    if path.is_file() and _is_product(load_yaml(path)[0]):
        raise InputError(
            "this is a product, not a deployment — give a deployment (sites, zones, hosts).",
            file=argument,
            line=1,
        )


def _is_product(data: object) -> bool:
    return document_kind(data) == "product"


# ── Report: the port matrix a network team attaches to a firewall change request ───────────
def report_cover(
    deployment: Deployment,
    resolution: Resolution,
    request: ChangeRequest | None = None,
    today: date | None = None,
) -> Cover:
    """The cover of a report: the input files (the deployment's and the products' used) with
    their SHA-256, today's date (``SOURCE_DATE_EPOCH`` when set, for reproducible files)."""
    files = [deployment.source.file] if deployment.source else []
    files += resolution.product_files
    inputs = tuple(
        InputFile(_input_name(name), hashlib.sha256(Path(name).read_bytes()).hexdigest())
        for name in files
        if Path(name).is_file()
    )
    if today is None:
        epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
        today = datetime.fromtimestamp(int(epoch), UTC).date() if epoch.isdigit() else date.today()
    return Cover(
        deployment.name,
        deployment.description,
        date=today.isoformat(),
        inputs=inputs,
        request=request or ChangeRequest(),
    )


def _input_name(name: str) -> str:
    """A bundled product file by its name (its install path says nothing to a reader)."""
    path = Path(name)
    return f"{path.name} (bundled with portplan)" if path.parent == bundled_dir() else name


def render_report(
    deployment: Deployment,
    resolution: Resolution,
    format_name: str,
    request: ChangeRequest | None = None,
    *,
    today: date | None = None,
) -> str | bytes:
    """The plan in ``format_name`` (md, csv, xlsx, html, json), with a cover naming the input
    files, the date, and the change request's fields."""
    cover = report_cover(deployment, resolution, request, today)
    return get_format(format_name).render(deployment, resolution, cover)


def report(
    deployment_path: PathLike,
    format_name: str,
    catalog_dirs: Sequence[PathLike] = (),
    strict: bool = False,
    request: ChangeRequest | None = None,
) -> tuple[Resolution, str | bytes]:
    """The plan of a deployment file rendered in ``format_name``, and the plan itself."""
    deployment, resolution = plan(deployment_path, catalog_dirs, strict)
    return resolution, render_report(deployment, resolution, format_name, request)


# ── Diagram: who talks to whom, on what, through which firewall ────────────────────────────
def diagram(subject: Subject, level: DiagramLevel = "host") -> Diagram:
    """A deployment's hosts (or zones) and flows, firewalls as nodes on the flows that cross
    them, WAN/VPN links; or a product's roles and flows."""
    if subject.product is not None:
        return product_diagram(subject.product)
    if subject.deployment is None or subject.resolution is None:
        raise InputError(f"'{subject.label}' is neither a deployment nor a product.")
    return deployment_diagram(subject.deployment, subject.resolution, level)


diagram_format = format_for
render_diagram = render


def draw(
    argument: str,
    fmt: DiagramFormat,
    catalog_dirs: Sequence[PathLike] = (),
    level: DiagramLevel = "host",
) -> str | bytes:
    """The diagram of a deployment file, product file or catalog product id, rendered."""
    return render_diagram(diagram(load_subject(argument, catalog_dirs), level), fmt)


# ── Diff: what changes between two versions, as a change request ───────────────────────────
def diff_subjects(before: Subject, after: Subject) -> Diff:
    """Flows (and, for deployments, rules per enforcement point) added, removed and changed."""
    if before.product is not None and after.product is not None:
        return diff_products(before.product, after.product)
    if (
        before.deployment is not None
        and before.resolution is not None
        and after.deployment is not None
        and after.resolution is not None
    ):
        return diff_resolutions(
            before.deployment, before.resolution, after.deployment, after.resolution
        )
    raise InputError(
        f"'{before.label}' and '{after.label}' are not the same kind — compare two products "
        "or two deployments."
    )


def diff(old: str, new: str, catalog_dirs: Sequence[PathLike] = ()) -> Diff:
    """The diff of two files or catalog ids; the change request names the files compared."""
    changes = diff_subjects(load_subject(old, catalog_dirs), load_subject(new, catalog_dirs))
    return replace(
        changes,
        old_file=old if Path(old).is_file() else "",
        new_file=new if Path(new).is_file() else "",
    )


def render_diff(
    changes: Diff, request: ChangeRequest, fmt: Literal["md", "xlsx", "json"]
) -> str | bytes:
    if fmt == "xlsx":
        return to_xlsx(changes, request)
    if fmt == "json":
        return to_json(changes, request)
    return to_markdown(changes, request)


# ── Conflicts: ports two roles would fight over on one host ────────────────────────────────
def find_conflicts(deployment: Deployment, catalog: Catalog) -> tuple[Conflict, ...]:
    """Every port conflict on every host, each with one suggested fix."""
    return conflicts_of(deployment, catalog.products)


def conflicts(
    deployment_path: PathLike, catalog_dirs: Sequence[PathLike] = ()
) -> tuple[Deployment, tuple[Conflict, ...]]:
    catalog, deployment = load(deployment_path, catalog_dirs)
    return deployment, find_conflicts(deployment, catalog)


# ── Compile: concrete flows → firewall rules, one artifact per enforcement point ───────────
def compile_plan(
    deployment: Deployment,
    resolution: Resolution,
    target: str | None = None,
    point: str | None = None,
) -> list[Artifact]:
    """Rules for ``target``, or for each firewall's own ``platform`` when no target is named;
    with ``point``, for that enforcement point only."""
    if point is not None:
        deployment = only_point(deployment, point)
    return compile_deployment(deployment, resolution, target)


def compile(
    deployment_path: PathLike,
    target: str | None = None,
    catalog_dirs: Sequence[PathLike] = (),
    strict: bool = False,
    point: str | None = None,
) -> tuple[Deployment, Resolution, list[Artifact]]:
    deployment, resolution = plan(deployment_path, catalog_dirs, strict)
    return deployment, resolution, compile_plan(deployment, resolution, target, point)


def compile_targets() -> list[tuple[str, str]]:
    """(target, description) of every target, each Aerleon platform listed."""
    return target_descriptions()


# ── Verify: audit an existing ruleset against the plan ─────────────────────────────────────
def audit_plan(
    deployment: Deployment,
    resolution: Resolution,
    ruleset: Ruleset,
    *,
    point: str | None = None,
    host: str | None = None,
    interfaces: Mapping[str, str] | None = None,
) -> AuditReport:
    """Per flow allowed/blocked/partial, plus too-wide and shadowed rules of the ruleset."""
    return audit_ruleset(
        deployment, resolution, ruleset, point=point, host=host, interfaces=interfaces
    )


def audit(
    deployment_path: PathLike,
    ruleset_paths: PathLike | Sequence[PathLike],
    *,
    ruleset_format: str | None = None,
    ipset: PathLike | None = None,
    point: str | None = None,
    host: str | None = None,
    interfaces: Mapping[str, str] | None = None,
    catalog_dirs: Sequence[PathLike] = (),
) -> AuditReport:
    """Audit ruleset files (several, e.g. ``rules.v4`` and ``rules.v6``, make one ruleset)."""
    deployment, resolution = plan(deployment_path, catalog_dirs)
    paths = [ruleset_paths] if isinstance(ruleset_paths, str | Path) else list(ruleset_paths)
    for path in paths:
        check_file_size(path)
    ruleset = read_rulesets(
        [Path(p) for p in paths], ruleset_format, Path(ipset) if ipset is not None else None
    )
    return audit_plan(
        deployment, resolution, ruleset, point=point, host=host, interfaces=interfaces
    )


# ── Verify: what a host must receive (listen) and originate (probe) ────────────────────────
# Values: ports_to_receive(resolution, host, limit) and probes_to_send(resolution, host, limit).
def listen_ports(
    deployment_path: PathLike,
    host: str,
    *,
    limit: int = RANGE_SAMPLE,
    catalog_dirs: Sequence[PathLike] = (),
) -> tuple[Deployment, list[ListenPort], list[str]]:
    """The ports ``host`` must receive on (large ranges sampled), and notices."""
    deployment, resolution = plan(deployment_path, catalog_dirs)
    ports, notices = ports_to_receive(resolution, host, limit)
    return deployment, ports, notices


def probe_targets(
    deployment_path: PathLike,
    host: str,
    *,
    limit: int = RANGE_SAMPLE,
    catalog_dirs: Sequence[PathLike] = (),
) -> tuple[list[ProbeTarget], list[str]]:
    """Every probe ``host`` must originate (large ranges sampled as listen does), and notices."""
    _, resolution = plan(deployment_path, catalog_dirs)
    return probes_to_send(resolution, host, limit)


# ── Verify: the whole deployment in network namespaces, every flow tried ───────────────────
# Value: run_lab(deployment, resolution, target=..., keep_going=...).
def lab(
    deployment_path: PathLike,
    *,
    target: str = "nftables",
    keep_going: bool = False,
    catalog_dirs: Sequence[PathLike] = (),
    progress: Callable[[str], None] | None = None,
) -> LabReport:
    """Build the deployment in namespaces (root), load the compiled rules, try every flow;
    ``progress`` is told each step as a line of text."""
    deployment, resolution = plan(deployment_path, catalog_dirs)
    return run_lab(deployment, resolution, target=target, keep_going=keep_going, progress=progress)


# ── Fleet: the same proof on real hosts, through Ansible ───────────────────────────────────
# Values: build_inventory(deployment, resolution); verify_fleet / apply_fleet / confirm_fleet
# (deployment, resolution, hosts, inventory, ...) with hosts from map_hosts.
def fleet_inventory(
    deployment_path: PathLike, catalog_dirs: Sequence[PathLike] = ()
) -> dict[str, Any]:
    """An Ansible inventory (as data, for YAML) with every host, its groups and duties."""
    return build_inventory(*plan(deployment_path, catalog_dirs))


def fleet_hosts(
    deployment_path: PathLike,
    inventory: PathLike,
    *,
    limit: str | None = None,
    catalog_dirs: Sequence[PathLike] = (),
) -> tuple[Deployment, Resolution, dict[str, FleetHost], list[str]]:
    """The plan, and each deployment host mapped to its inventory host (by name or address)."""
    deployment, resolution = plan(deployment_path, catalog_dirs)
    entries = read_inventory(Path(inventory), find_tool("ansible-inventory"), limit)
    hosts, notices = map_hosts(deployment, entries, str(inventory), limited=limit is not None)
    return deployment, resolution, hosts, notices


def fleet_verify(
    deployment_path: PathLike,
    inventory: PathLike,
    options: FleetOptions,
    *,
    catalog_dirs: Sequence[PathLike] = (),
    progress: Callable[[int, int], None] | None = None,
) -> FleetReport:
    """Every flow tried on the real hosts through Ansible; one report in the lab's shape."""
    deployment, resolution, hosts, notices = fleet_hosts(
        deployment_path, inventory, limit=options.limit, catalog_dirs=catalog_dirs
    )
    return verify_fleet(
        deployment, resolution, hosts, Path(inventory), options, progress=progress, notices=notices
    )


def fleet_apply(
    deployment_path: PathLike,
    inventory: PathLike,
    options: FleetOptions,
    *,
    catalog_dirs: Sequence[PathLike] = (),
    progress: Callable[[int, int], None] | None = None,
    **apply_options: Any,
) -> ApplyReport:
    """Compiled host firewalls pushed commit-confirmed (``apply_options``: target, check,
    confirm_within, management, confirm, verify — see :func:`apply_fleet`)."""
    deployment, resolution, hosts, notices = fleet_hosts(
        deployment_path, inventory, limit=options.limit, catalog_dirs=catalog_dirs
    )
    report = apply_fleet(
        deployment, resolution, hosts, Path(inventory), options=options, progress=progress,
        **apply_options,
    )  # fmt: skip
    report.notices[:0] = notices
    return report


def fleet_confirm(
    deployment_path: PathLike,
    inventory: PathLike,
    options: FleetOptions,
    *,
    catalog_dirs: Sequence[PathLike] = (),
) -> ApplyReport:
    """Confirm a pending apply on every host, over new SSH connections."""
    deployment, _, hosts, notices = fleet_hosts(
        deployment_path, inventory, limit=options.limit, catalog_dirs=catalog_dirs
    )
    report = confirm_fleet(hosts, Path(inventory), options)
    report.deployment = deployment.name
    report.notices[:0] = notices
    return report


def fleet_playbooks(directory: PathLike) -> list[Path]:
    """The playbooks and callback plugin ``portplan fleet`` runs, for teams that run Ansible
    themselves."""
    return emit_playbooks(Path(directory))


def lab_problems() -> list[str]:
    """What this machine lacks to run the lab (root, ip, nft); empty when it can."""
    return missing_requirements()


def lab_cleanup() -> Cleanup:
    """Remove what labs that are no longer running left behind (root)."""
    return cleanup_stale(LAB_PREFIX)

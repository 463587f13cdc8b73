"""The spine of portplan: every stage in the order data flows, as plain function calls.

    deployment.yaml + catalog ──load──► Deployment
                              ──plan──► Resolution (concrete flows, unbound, notices)
                              ──report─► port matrix (md, csv, xlsx, html, json)

Each stage is a pure function from the previous stage's value; this module only chains them
and reads the files. The CLI commands are thin wrappers over these functions, and a library
user can call them directly. Later stages (compile, lab, audit, …) take the
``(Deployment, Resolution)`` pair from :func:`plan`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from portplan.catalog import Catalog, load_catalog
from portplan.compile.base import Artifact
from portplan.deployment import load_deployment
from portplan.flows import resolve_flows
from portplan.model.concrete import Resolution
from portplan.model.deployment import Deployment
from portplan.report import get_format

if TYPE_CHECKING:
    from portplan.extract import Document, Extraction
    from portplan.flows.conflicts import Conflict
    from portplan.model.product import Product
    from portplan.verify.audit import AuditReport
    from portplan.verify.lab import LabReport
    from portplan.verify.targets import ListenPort, ProbeTarget

PathLike = str | Path


# ── Load: the catalog (bundled products + user directories) and one deployment ─────────────
def load(
    deployment_path: PathLike, catalog_dirs: Sequence[PathLike] = ()
) -> tuple[Catalog, Deployment]:
    """The catalog and the deployment, checked against each other (file:line errors)."""
    catalog = load_catalog(catalog_dirs)
    deployment = load_deployment(deployment_path, catalog)
    return catalog, deployment


# ── Plan: product flows → concrete flows between endpoints, with their firewall paths ──────
def plan(
    deployment_path: PathLike,
    catalog_dirs: Sequence[PathLike] = (),
    strict: bool = False,
) -> tuple[Deployment, Resolution]:
    """Resolve a deployment; ``strict`` turns unbound roles and unrouted sites into errors."""
    return plan_in(load_catalog(catalog_dirs), deployment_path, strict)


def plan_in(
    catalog: Catalog, deployment_path: PathLike, strict: bool = False
) -> tuple[Deployment, Resolution]:
    """:func:`plan` with a catalog already loaded (a long-running caller loads it once)."""
    deployment = load_deployment(deployment_path, catalog)
    resolution = resolve_flows(deployment, catalog, strict=strict)
    if catalog.notices:
        # Catalog notices (a user product replacing a bundled one) travel with the plan, so
        # every command that prints the plan's notices shows them too.
        resolution = Resolution(
            deployment=resolution.deployment,
            flows=resolution.flows,
            unbound=resolution.unbound,
            notices=(*catalog.notices, *resolution.notices),
        )
    return deployment, resolution


# ── Report: the port matrix a network team attaches to a firewall change request ───────────
def report(
    deployment_path: PathLike,
    format_name: str,
    catalog_dirs: Sequence[PathLike] = (),
    strict: bool = False,
) -> tuple[Resolution, str | bytes]:
    """The plan rendered in ``format_name`` (md, csv, xlsx, html, json), and the plan itself."""
    deployment, resolution = plan(deployment_path, catalog_dirs, strict)
    return resolution, get_format(format_name).render(deployment, resolution)


# ── Later stages (compile, verify, …) chain on plan() here ─────────────────────────────────


# ── Compile: concrete flows → firewall rules, one artifact per enforcement point ───────────
def compile(
    deployment_path: PathLike,
    target: str | None = None,
    catalog_dirs: Sequence[PathLike] = (),
    strict: bool = False,
) -> tuple[Deployment, Resolution, list[Artifact]]:
    """Rules for ``target``, or for each firewall's own ``platform`` when no target is named."""
    from portplan.compile.dispatch import compile_deployment

    deployment, resolution = plan(deployment_path, catalog_dirs, strict)
    return deployment, resolution, compile_deployment(deployment, resolution, target)


# ── Verify: audit an existing ruleset against the plan ─────────────────────────────────────
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
    """Per flow allowed/blocked/partial, plus too-wide and shadowed rules of the ruleset
    (several files, e.g. ``rules.v4`` and ``rules.v6``, make one ruleset)."""
    from portplan.verify.audit import audit as audit_ruleset
    from portplan.verify.rulesets import read_rulesets

    deployment, resolution = plan(deployment_path, catalog_dirs)
    paths = [ruleset_paths] if isinstance(ruleset_paths, str | Path) else list(ruleset_paths)
    ruleset = read_rulesets(
        [Path(p) for p in paths], ruleset_format, Path(ipset) if ipset is not None else None
    )
    return audit_ruleset(
        deployment, resolution, ruleset, point=point, host=host, interfaces=interfaces
    )


# ── Verify: what a host must receive (listen) and originate (probe) ────────────────────────
def listen_ports(
    deployment_path: PathLike,
    host: str,
    *,
    limit: int = 32,
    catalog_dirs: Sequence[PathLike] = (),
) -> tuple[Deployment, list[ListenPort], list[str]]:
    """The ports ``host`` must receive on (large ranges sampled), and notices."""
    from portplan.verify.targets import listen_ports as ports_of

    deployment, resolution = plan(deployment_path, catalog_dirs)
    ports, notices = ports_of(resolution, host, limit)
    return deployment, ports, notices


def probe_targets(
    deployment_path: PathLike,
    host: str,
    *,
    limit: int = 32,
    catalog_dirs: Sequence[PathLike] = (),
) -> tuple[list[ProbeTarget], list[str]]:
    """Every probe ``host`` must originate (large ranges sampled as listen does), and notices."""
    from portplan.verify.targets import probe_targets as targets_of

    _, resolution = plan(deployment_path, catalog_dirs)
    return targets_of(resolution, host, limit)


# ── Verify: the whole deployment in network namespaces, every flow tried ───────────────────
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
    from portplan.verify.lab import run_lab

    deployment, resolution = plan(deployment_path, catalog_dirs)
    return run_lab(deployment, resolution, target=target, keep_going=keep_going, progress=progress)


def lab_problems() -> list[str]:
    """What this machine lacks to run the lab (root, ip, nft); empty when it can."""
    from portplan.verify.netns import missing_requirements

    return missing_requirements()


# ── Extract: a vendor document → flows with evidence → a draft product a person reviews ────
def read_document(document_path: PathLike) -> Document:
    """The document as the extractor sees it: blocks with the line numbers evidence cites."""
    from portplan.extract import read_document as read

    return read(document_path)


def extract(document: Document) -> Extraction:
    """Every flow the document states, and the port-like lines that fed no flow."""
    from portplan.extract import extract_flows

    return extract_flows(document)


def draft_product(document_name: str, flows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A draft product (plain data) from flows in extraction JSON form, e.g. as a reviewer
    edited them; roles, variables and features are derived as ``extract --format yaml`` does."""
    from portplan.extract import Evidence, ExtractedFlow, Extraction
    from portplan.extract.draft import draft_product as draft

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
    return draft([Extraction(document_name, extracted, ())])


def product_yaml(data: Mapping[str, Any], source: str = "<product>") -> str:
    """Product YAML text for ``data``, checked exactly as the catalog loader checks a file
    (a ``file:line`` ValidationError when it would not load)."""
    import yaml

    from portplan.model.product import Product
    from portplan.yamlio import parse_yaml, validate_model

    text = yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True, width=100)
    validate_model(Product, *parse_yaml(text, source))
    return text


# ── Catalog, diagrams, conflicts and reports on loaded values ──────────────────────────────
def catalog(catalog_dirs: Sequence[PathLike] = ()) -> Catalog:
    """The bundled products plus the user's directories."""
    return load_catalog(catalog_dirs)


def product_diagram_svg(product: Product) -> bytes:
    """The SVG ``portplan diagram PRODUCT`` draws (needs Graphviz)."""
    from portplan.report.diagram import product_diagram, run_dot, to_dot

    return run_dot(to_dot(product_diagram(product)), "svg")


def deployment_diagram_svg(deployment: Deployment, resolution: Resolution) -> bytes:
    """The SVG ``portplan diagram DEPLOYMENT`` draws (needs Graphviz)."""
    from portplan.report.diagram import deployment_diagram, run_dot, to_dot

    return run_dot(to_dot(deployment_diagram(deployment, resolution)), "svg")


def conflicts(deployment: Deployment, products: Mapping[str, Product]) -> tuple[Conflict, ...]:
    """Ports two roles would fight over on one host, each with a suggested fix."""
    from portplan.flows.conflicts import find_conflicts

    return find_conflicts(deployment, products)


def render_report(deployment: Deployment, resolution: Resolution, format_name: str) -> str | bytes:
    """The port matrix of a planned deployment, exactly as ``report`` writes it."""
    return get_format(format_name).render(deployment, resolution)

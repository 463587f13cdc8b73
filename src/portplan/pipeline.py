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
    from portplan.fleet.apply import ApplyReport
    from portplan.fleet.inventory import FleetHost
    from portplan.fleet.verify import FleetOptions, FleetReport
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
    catalog, deployment = load(deployment_path, catalog_dirs)
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
) -> LabReport:
    """Build the deployment in namespaces (root), load the compiled rules, try every flow."""
    from portplan.verify.lab import run_lab

    deployment, resolution = plan(deployment_path, catalog_dirs)
    return run_lab(deployment, resolution, target=target, keep_going=keep_going)


# ── Fleet: the same proof on real hosts, through Ansible ───────────────────────────────────
def fleet_inventory(
    deployment_path: PathLike, catalog_dirs: Sequence[PathLike] = ()
) -> dict[str, Any]:
    """An Ansible inventory (as data, for YAML) with every host, its groups and duties."""
    from portplan.fleet.inventory import build_inventory

    return build_inventory(*plan(deployment_path, catalog_dirs))


def fleet_hosts(
    deployment_path: PathLike,
    inventory: PathLike,
    *,
    limit: str | None = None,
    catalog_dirs: Sequence[PathLike] = (),
) -> tuple[Deployment, Resolution, dict[str, FleetHost], list[str]]:
    """The plan, and each deployment host mapped to its inventory host (by name or address)."""
    from portplan.fleet.ansible import find_tool
    from portplan.fleet.inventory import map_hosts, read_inventory

    deployment, resolution = plan(deployment_path, catalog_dirs)
    entries = read_inventory(Path(inventory), find_tool("ansible-inventory"), limit)
    hosts, notices = map_hosts(deployment, entries, str(inventory), limited=limit is not None)
    return deployment, resolution, hosts, notices


def fleet(
    operation: str,
    deployment_path: PathLike,
    inventory: PathLike,
    options: FleetOptions,
    *,
    catalog_dirs: Sequence[PathLike] = (),
    progress: Callable[[int, int], None] | None = None,
    **apply_options: Any,
) -> FleetReport | ApplyReport:
    """``verify`` every flow on the fleet, ``apply`` its host firewalls (commit-confirmed;
    ``apply_options``: target, check, confirm_within, management, confirm, verify), or
    ``confirm`` a pending apply."""
    from portplan.fleet.apply import apply_fleet, confirm_fleet
    from portplan.fleet.verify import verify_fleet

    deployment, resolution, hosts, notices = fleet_hosts(
        deployment_path, inventory, limit=options.limit, catalog_dirs=catalog_dirs
    )
    if operation == "verify":
        return verify_fleet(
            deployment, resolution, hosts, Path(inventory), options,
            progress=progress, notices=notices,
        )  # fmt: skip
    if operation == "apply":
        report = apply_fleet(
            deployment, resolution, hosts, Path(inventory),
            options=options, progress=progress, **apply_options,
        )  # fmt: skip
    else:
        report = confirm_fleet(hosts, Path(inventory), options)
        report.deployment = deployment.name
    report.notices[:0] = notices
    return report


def fleet_playbooks(directory: PathLike) -> list[Path]:
    """The playbooks and callback plugin ``portplan fleet`` runs, for teams that run Ansible
    themselves."""
    from portplan.fleet.ansible import emit_playbooks

    return emit_playbooks(Path(directory))

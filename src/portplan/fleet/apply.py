"""Fleet apply and confirm: compiled host firewalls pushed through Ansible, commit-confirmed.

Each host with a host firewall gets its compiled ruleset; its agent saves the running rules,
loads the new ones (keeping the controller's SSH port open unless told otherwise) and leaves a
watchdog that restores the saved rules after ``confirm_within`` seconds. The run then confirms
over *new* SSH connections — optionally only after a fleet verify passed — so a change that
locks the controller out is never confirmed and undoes itself. ``check`` shows each host's
difference and changes nothing.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portplan.compile.registry import get_compiler
from portplan.errors import InputError
from portplan.fleet.agent import agent_base64, pack
from portplan.fleet.ansible import HostOutcome, agent_output, run_playbook
from portplan.fleet.inventory import FleetHost
from portplan.fleet.verify import FleetOptions, FleetReport, verify_fleet
from portplan.model.concrete import Resolution
from portplan.model.deployment import Deployment

TARGETS = ("nftables", "iptables")


@dataclass
class HostChange:
    host: str
    status: str  # checked, applied, confirmed, not confirmed, failed, unreachable
    diff: str = ""
    message: str = ""


@dataclass
class ApplyReport:
    deployment: str
    target: str
    check: bool
    confirm_within: float
    changes: list[HostChange] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    verify: FleetReport | None = None

    @property
    def failed(self) -> list[HostChange]:
        good = ("checked", "confirmed") if not self.check else ("checked",)
        return [c for c in self.changes if c.status not in (*good, "applied")]


def host_rulesets(
    deployment: Deployment, resolution: Resolution, target: str
) -> dict[str, dict[str, str]]:
    """Deployment host → its compiled host-firewall files (name → text)."""
    if target not in TARGETS:
        raise InputError(
            f"fleet apply pushes {', '.join(TARGETS)} rulesets; '{target}' is not one — "
            "compile it with portplan compile and install it with your own tooling."
        )
    points = {p.name: p for p in deployment.firewalls if p.kind == "host"}
    files: dict[str, dict[str, str]] = {}
    for artifact in get_compiler(target).compile(deployment, resolution):
        point = points.get(artifact.enforcement_point or "")
        if point is None:
            continue
        text = artifact.content if isinstance(artifact.content, str) else artifact.content.decode()
        for host in point.hosts:
            if artifact.path.startswith(f"{point.name}-{host}."):
                files.setdefault(host, {})[artifact.path] = text
    return files


def _status(outcome: HostOutcome, task: str) -> tuple[dict[str, Any] | None, str | None]:
    """The agent's answer to ``task`` and, when the host failed, why."""
    answer = agent_output(outcome, task)
    if outcome.status == "unreachable":
        return answer, f"unreachable: {outcome.message}"
    if isinstance(answer, dict) and answer.get("error"):
        return answer, str(answer["error"])
    if outcome.status == "failed":
        return answer, f"{outcome.failed_task} failed: {outcome.message}"
    return answer, None


def apply_fleet(
    deployment: Deployment,
    resolution: Resolution,
    hosts: Mapping[str, FleetHost],
    inventory: Path,
    *,
    target: str,
    check: bool,
    confirm_within: float,
    management: str = "auto",
    confirm: bool = True,
    verify: bool = False,
    options: FleetOptions | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ApplyReport:
    options = options or FleetOptions()
    report = ApplyReport(deployment.name, target, check, confirm_within)
    started = time.monotonic()
    rulesets = host_rulesets(deployment, resolution, target)
    chosen = {name: host for name, host in hosts.items() if name in rulesets}
    if len(chosen) < len(hosts):
        report.notices.append(
            f"{len(hosts) - len(chosen)} host(s) have no host firewall in the deployment and "
            "are left as they are."
        )
    arguments = ["--kind", target, "--confirm-within", str(confirm_within)]
    arguments += ["--management", management, "--packed"] + (["--check"] if check else [])
    jobs = {
        host.inventory_name: {
            "apply": arguments,
            "bundle": pack({"files": rulesets[name]}),
        }
        for name, host in chosen.items()
    }
    with tempfile.TemporaryDirectory(prefix="portplan-fleet-") as directory:
        workdir = Path(directory)
        extra: dict[str, Any] = {"portplan_agent_b64": agent_base64(), "portplan_jobs": jobs}
        if options.remote_base:
            extra["portplan_remote_base"] = options.remote_base
        names = [h.inventory_name for h in chosen.values()]
        run = run_playbook(
            "apply.yml",
            inventory,
            extra,
            workdir,
            hosts=names,
            forks=options.forks,
            limit=options.limit,
            tasks_per_host=1,
            progress=progress,
        )
        report.timings["apply"] = run.seconds
        for name, host in chosen.items():
            answer, problem = _status(run.hosts[host.inventory_name], "apply")
            diff = str((answer or {}).get("diff", ""))
            status = "failed" if problem else ("checked" if check else "applied")
            if problem and problem.startswith("unreachable"):
                status = "unreachable"
            report.changes.append(HostChange(name, status, diff, problem or ""))
    applied = {c.host for c in report.changes if c.status == "applied"}
    if check or not applied or not confirm:
        if applied and not confirm:
            report.notices.append(
                f"not confirmed: run portplan fleet confirm within {confirm_within:g} s, or "
                "every host returns to its saved rules."
            )
        report.timings["total"] = time.monotonic() - started
        return report
    if verify:
        report.verify = verify_fleet(deployment, resolution, hosts, inventory, options)
        report.timings["verify"] = report.verify.timings["total"]
        if report.verify.failed:
            for change in report.changes:
                if change.status == "applied":
                    change.status = "not confirmed"
                    change.message = (
                        f"verify failed: not confirmed, the saved rules return within "
                        f"{confirm_within:g} s"
                    )
            report.timings["total"] = time.monotonic() - started
            return report
    confirmed = confirm_fleet({n: h for n, h in chosen.items() if n in applied}, inventory, options)
    report.timings["confirm"] = confirmed.timings["confirm"]
    for change in report.changes:
        if change.host in applied:
            done = next(c for c in confirmed.changes if c.host == change.host)
            change.status = done.status
            change.message = done.message
    report.timings["total"] = time.monotonic() - started
    return report


def confirm_fleet(
    hosts: Mapping[str, FleetHost], inventory: Path, options: FleetOptions | None = None
) -> ApplyReport:
    """Confirm a pending apply on every host, each over a new SSH connection."""
    options = options or FleetOptions()
    report = ApplyReport("", "", False, 0)
    with tempfile.TemporaryDirectory(prefix="portplan-fleet-") as directory:
        extra: dict[str, Any] = {}
        if options.remote_base:
            extra["portplan_remote_base"] = options.remote_base
        run = run_playbook(
            "confirm.yml",
            inventory,
            extra,
            Path(directory),
            hosts=[h.inventory_name for h in hosts.values()],
            forks=options.forks,
            limit=options.limit,
            fresh_connections=True,
        )
    report.timings["confirm"] = run.seconds
    for name, host in hosts.items():
        answer, problem = _status(run.hosts[host.inventory_name], "confirm")
        if problem is None and not (answer or {}).get("confirmed"):
            problem = "the agent did not confirm"
        if problem is None:
            report.changes.append(HostChange(name, "confirmed"))
            continue
        report.changes.append(
            HostChange(name, "not confirmed", message=f"{problem} — the saved rules come back")
        )
    return report

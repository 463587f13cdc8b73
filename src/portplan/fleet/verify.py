"""Fleet verify: the lab's checks, run on the real hosts through Ansible.

The cases are the lab's own (:func:`portplan.verify.lab.plan_cases`: every concrete flow from
its real source, expect pass; a sample of unrequested flows, expect blocked), kept where both
ends are hosts of the fleet — so a fleet report and a lab report on the same deployment can be
compared flow by flow. Each host gets a job: the ports to listen on (every port a passing case
aims at it) and the probes to send. One playbook run starts every listener (watching
arrivals), probes from every host at once, stops every listener. UDP verdicts are then taken
from the far end (:func:`portplan.verify.probe.far_end`), so they do not depend on ICMP errors.

A host that could not be reached or whose agent failed is its own finding; the cases it takes
part in are reported as not verified (never as blocked), and the rest are judged as usual.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portplan.fleet.agent import agent_base64, pack
from portplan.fleet.ansible import HostOutcome, agent_output, run_playbook
from portplan.fleet.inventory import FleetHost
from portplan.model.concrete import Resolution
from portplan.model.deployment import Deployment
from portplan.verify.agent import format_spec
from portplan.verify.lab import PROBE_TIMEOUT, LabCase, LabResult, plan_cases
from portplan.verify.probe import ProbeResult, far_end
from portplan.verify.topology import plan_topology

VERIFY_TASKS = 3  # start, probe, stop: for the progress bar


@dataclass(frozen=True)
class FleetOptions:
    forks: int = 20
    limit: str | None = None
    timeout: float = PROBE_TIMEOUT
    retries: int = 1
    concurrency: int = 256
    listen_for: float = 900  # listeners stop by themselves after this, whatever happens
    remote_base: str | None = None  # where the agent works on each host (default /tmp)


@dataclass
class FleetReport:
    """The lab's report shape, plus the hosts that could not take part."""

    deployment: str
    results: list[LabResult] = field(default_factory=list)
    unverified: list[tuple[LabCase, str]] = field(default_factory=list)  # case, which host
    host_problems: dict[str, str] = field(default_factory=dict)  # deployment host → why
    notices: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    hosts: int = 0

    @property
    def mismatches(self) -> list[LabResult]:
        return [r for r in self.results if not r.ok]

    @property
    def failed(self) -> bool:
        return bool(self.mismatches or self.host_problems)


def _owner(hosts: Mapping[str, FleetHost]) -> dict[str, str]:
    return {address: host.name for host in hosts.values() for address in host.addresses}


def fleet_cases(
    deployment: Deployment, resolution: Resolution, hosts: Mapping[str, FleetHost]
) -> tuple[list[LabCase], list[str]]:
    """The lab's cases whose source and destination are both hosts of this fleet."""
    cases, notices = plan_cases(deployment, resolution, plan_topology(deployment))
    owner = _owner(hosts)
    kept = [c for c in cases if c.source in hosts and c.target.address in owner]
    left = sorted({c.flow for c in cases if c.kind != "negative"} - {c.flow for c in kept})
    if left:
        notices.append(
            f"{len(left)} flow(s) have an end outside this fleet (an external, or a host not "
            f"in the run) and are not tried: {', '.join(left[:5])}{' …' if len(left) > 5 else ''}"
        )
    return kept, notices


def host_jobs(
    cases: Sequence[LabCase], hosts: Mapping[str, FleetHost], options: FleetOptions
) -> dict[str, dict[str, Any]]:
    """Inventory host → what its agent does: listen (args of ``start``) and probe."""
    owner = _owner(hosts)
    listen: dict[str, dict[str, list[int]]] = {name: {} for name in hosts}
    targets: dict[str, list[dict[str, Any]]] = {name: [] for name in hosts}
    for case in cases:
        if case.expected == "pass" and case.target.port is not None:
            ports = listen[owner[case.target.address]].setdefault(case.target.protocol, [])
            ports.append(case.target.port)
        targets[case.source].append(vars(case.target))
    jobs = {}
    for name, host in hosts.items():
        versions = {ipaddress.ip_address(a).version for a in host.addresses}
        binds = [a for v, a in ((4, "0.0.0.0"), (6, "::")) if v in versions]
        jobs[host.inventory_name] = {
            "start": [
                "--duration",
                str(options.listen_for),
                format_spec(listen[name]) or "-",
                *binds,
            ],
            "probe": [
                "--packed",
                "--timeout",
                str(options.timeout),
                "--retries",
                str(options.retries),
                "--concurrency",
                str(options.concurrency),
            ],
            "targets": pack(targets[name]) if targets[name] else "",
        }
    return jobs


def _host_problem(outcome: HostOutcome) -> str | None:
    if outcome.status == "unreachable":
        return f"unreachable through Ansible: {outcome.message or 'no connection'}"
    if outcome.status == "failed":
        return f"{outcome.failed_task} failed: {outcome.message or 'no message'}"
    return None


def judge(
    cases: Sequence[LabCase],
    hosts: Mapping[str, FleetHost],
    outcomes: Mapping[str, HostOutcome],
    report: FleetReport,
) -> None:
    """Turn every host's agent output into results; failed hosts become findings."""
    owner = _owner(hosts)
    probed: dict[str, list[dict[str, Any]]] = {}
    arrivals: dict[str, list[dict[str, Any]] | None] = {}
    for name, host in hosts.items():
        outcome = outcomes.get(host.inventory_name, HostOutcome("unreachable", "not in the run"))
        problem = _host_problem(outcome)
        stopped = agent_output(outcome, "stop listening") or {}
        ready = agent_output(outcome, "start listening") or stopped.get("ready") or {}
        if problem is None and stopped.get("arrivals") is None:
            problem = "the listener reported nothing when stopped"
        if problem is not None:
            report.host_problems[name] = problem
            continue
        probed[name] = agent_output(outcome, "probe") or []
        arrivals[name] = stopped["arrivals"]
        if ready.get("watch_problem"):
            arrivals[name] = None
            report.notices.append(f"{name}: {ready['watch_problem']}; UDP verdicts use ICMP")
        for finding in ready.get("findings", []):
            report.notices.append(
                f"{name}: {finding['protocol']}/{finding['port']} on {finding['address']}: "
                f"{finding['problem']} — probed as it is"
            )
    by_source: dict[str, list[LabCase]] = {}
    for case in cases:
        by_source.setdefault(case.source, []).append(case)
    for source, batch in by_source.items():
        answers = probed.get(source)
        for index, case in enumerate(batch):
            destination = owner[case.target.address]
            down = next((h for h in (source, destination) if h in report.host_problems), None)
            if down is not None or answers is None:
                report.unverified.append((case, down or source))
                continue
            answer = answers[index]
            result = ProbeResult(
                case.target,
                answer["state"],
                answer["detail"],
                answer["seconds"],
                answer["attempts"],
            )
            result = _from_far_end(result, hosts[source], arrivals.get(destination))
            report.results.append(LabResult(case, result.state, result.detail))


def _from_far_end(
    result: ProbeResult, source: FleetHost, seen: list[dict[str, Any]] | None
) -> ProbeResult:
    if seen is None:
        return far_end(result, None, {})
    mine = [a for a in seen if a["source"] in source.addresses]
    arrived = {(a["destination"], a["port"]) for a in mine}
    holders = {(a["destination"], a["port"]): a["holder"] for a in mine}
    return far_end(result, arrived, holders)


def verify_fleet(
    deployment: Deployment,
    resolution: Resolution,
    hosts: Mapping[str, FleetHost],
    inventory: Path,
    options: FleetOptions,
    *,
    progress: Callable[[int, int], None] | None = None,
    notices: Sequence[str] = (),
) -> FleetReport:
    report = FleetReport(deployment.name, hosts=len(hosts), notices=list(notices))
    started = time.monotonic()
    cases, said = fleet_cases(deployment, resolution, hosts)
    report.notices.extend(said)
    jobs = host_jobs(cases, hosts, options)
    with tempfile.TemporaryDirectory(prefix="portplan-fleet-") as directory:
        workdir = Path(os.environ.get("PORTPLAN_FLEET_KEEP") or directory)
        extra: dict[str, Any] = {
            "portplan_agent_b64": agent_base64(),
            "portplan_run": secrets.token_hex(4),
            "portplan_jobs": jobs,
        }
        if options.remote_base:
            extra["portplan_remote_base"] = options.remote_base
        names = [h.inventory_name for h in hosts.values()]
        try:
            run = run_playbook(
                "verify.yml",
                inventory,
                extra,
                workdir,
                hosts=names,
                forks=options.forks,
                limit=options.limit,
                tasks_per_host=VERIFY_TASKS,
                progress=progress,
            )
        except KeyboardInterrupt:
            # Interrupted: stop what was started before giving up (listeners would also
            # stop by themselves after options.listen_for seconds).
            run_playbook("stop.yml", inventory, extra, workdir, hosts=names, limit=options.limit)
            raise
    judge(cases, hosts, run.hosts, report)
    report.timings["ansible"] = run.seconds
    report.timings["total"] = time.monotonic() - started
    return report

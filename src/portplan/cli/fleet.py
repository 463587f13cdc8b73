"""``portplan fleet inventory|verify|apply|confirm`` — the plan on real hosts through Ansible."""

from __future__ import annotations

import io
import json
import signal
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any
from xml.etree import ElementTree

import click
import yaml
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from portplan import pipeline
from portplan.cli.lab import result_json
from portplan.cli.options import (
    CONCURRENCY,
    OUTPUT,
    RETRIES,
    TIMEOUT,
    add_data_row,
    catalog_dirs,
    emit,
    first_few,
    format_option,
    plain_console,
    print_notes,
)
from portplan.errors import CheckFailed
from portplan.pipeline import ApplyReport, FleetOptions, FleetReport, LabResult


@click.group("fleet")
def command() -> None:
    """The plan installed and proven on real hosts, through Ansible (pip install
    'portplan[fleet]'): an inventory, every flow tried from its real source, host firewalls
    applied commit-confirmed.

    \b
    Example:
      portplan fleet inventory site.yaml -o inventory.yml
      portplan fleet verify site.yaml -i inventory.yml
      portplan fleet apply site.yaml -i inventory.yml --target nftables --check
    """


@command.command("inventory")
@click.argument("deployment", type=click.Path(dir_okay=False))
@OUTPUT
@click.pass_context
def inventory_command(ctx: click.Context, deployment: str, output: str | None) -> None:
    """An Ansible inventory for DEPLOYMENT: every host with its addresses (ansible_host is the
    first), groups per site, zone, role and host firewall, and host vars for the ports it must
    serve and the flows it must open. Set ansible_user and the like in group_vars."""
    data = pipeline.fleet_inventory(deployment, catalog_dirs(ctx))
    text = "# portplan fleet inventory of " + deployment + "\n"
    text += yaml.safe_dump(data, sort_keys=False, default_flow_style=False, width=100)
    emit(text.replace(": null\n", ":\n"), output)


def fleet_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """-i, --limit, --forks: what every fleet command that runs Ansible takes."""
    for option in reversed(
        [
            click.argument("deployment", type=click.Path(dir_okay=False)),
            click.option(
                "-i",
                "--inventory",
                required=True,
                type=click.Path(),
                help="Ansible inventory (yours, or from portplan fleet inventory).",
            ),
            click.option("--limit", help="Ansible host pattern: run on these hosts only."),
            click.option("--forks", type=click.IntRange(1, 1000), default=20, show_default=True),
            click.option(
                "--remote-dir",
                help="Directory on the hosts where the agent works (default /tmp; /var/tmp "
                "for apply).",
            ),
        ]
    ):
        function = option(function)
    return function


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[int, int], None] | None]:
    if not sys.stderr.isatty():
        yield None
        return
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM unwinds like Ctrl-C: listeners are stopped first


@contextmanager
def interruptible() -> Iterator[None]:
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# --- verify -----------------------------------------------------------------------------------


def fleet_table(report: FleetReport) -> str:
    rows: dict[str, list[LabResult]] = {}
    for result in report.results:
        rows.setdefault(result.case.flow, []).append(result)
    table = Table(
        title=f"Fleet {report.deployment}: {len(report.results)} probes on {report.hosts} hosts, "
        f"{len(report.mismatches)} mismatches, {len(report.host_problems)} host problem(s)"
    )
    for heading in ("Flow", "From", "To", "Probes", "Expected", "Observed", "Result"):
        table.add_column(heading, overflow="fold")
    for flow, results in rows.items():
        states = Counter(r.observed for r in results)
        observed = ", ".join(f"{state} ×{count}" for state, count in states.most_common())
        targets = sorted({r.case.target.address for r in results})
        add_data_row(
            table,
            flow,
            results[0].case.source,
            ", ".join(targets),
            str(len(results)),
            "pass" if results[0].case.expected == "pass" else "blocked",
            observed,
            "MISMATCH" if any(not r.ok for r in results) else "ok",
        )
    for flow, count in Counter(case.flow for case, _ in report.unverified).items():
        host = next(h for c, h in report.unverified if c.flow == flow)
        add_data_row(table, flow, "", "", str(count), "", f"host {host} down", "NOT VERIFIED")
    buffer = io.StringIO()
    console = plain_console(buffer)
    console.print(table)
    for name, problem in sorted(report.host_problems.items()):
        console.print(f"HOST {name}: {problem}", soft_wrap=True, markup=False)
    for result in report.mismatches:
        case = result.case
        console.print(
            f"MISMATCH {case.flow}: {case.source} {case.target.label} expected "
            f"{case.expected}, observed {result.observed} ({result.detail})",
            soft_wrap=True,
            markup=False,
        )
    timings = ", ".join(f"{k} {v:.1f} s" for k, v in report.timings.items())
    console.print(f"timings: {timings}")
    return buffer.getvalue()


def fleet_json(report: FleetReport) -> str:
    data = {
        "deployment": report.deployment,
        "hosts": report.hosts,
        "mismatches": len(report.mismatches),
        "host_problems": report.host_problems,
        "timings": {k: round(v, 3) for k, v in report.timings.items()},
        "notices": report.notices,
        "results": [result_json(r) for r in report.results],
        "unverified": [
            {"flow": c.flow, "source": c.source, "address": c.target.address, "host_down": h}
            for c, h in report.unverified
        ],
    }
    return json.dumps(data, indent=2) + "\n"


def fleet_junit(report: FleetReport) -> str:
    """One test case per probe; a failure per mismatch, an error per case a host could not
    take part in."""
    suite = ElementTree.Element(
        "testsuite",
        name=f"portplan fleet verify {report.deployment}",
        tests=str(len(report.results) + len(report.unverified)),
        failures=str(len(report.mismatches)),
        errors=str(len(report.unverified)),
        time=f"{report.timings.get('total', 0):.3f}",
    )
    for r in report.results:
        case = ElementTree.SubElement(
            suite, "testcase", classname=r.case.flow, name=f"{r.case.source} {r.case.target.label}"
        )
        if not r.ok:
            failure = ElementTree.SubElement(
                case, "failure", message=f"expected {r.case.expected}, observed {r.observed}"
            )
            failure.text = r.detail
    for c, host in report.unverified:
        case = ElementTree.SubElement(
            suite, "testcase", classname=c.flow, name=f"{c.source} {c.target.label}"
        )
        ElementTree.SubElement(case, "error", message=f"host {host}: {report.host_problems[host]}")
    suites = ElementTree.Element("testsuites")
    suites.append(suite)
    ElementTree.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        + ElementTree.tostring(suites, encoding="unicode")
        + "\n"
    )


def raise_if_failed(report: FleetReport) -> None:
    problems = []
    if report.mismatches:
        flows = sorted({r.case.flow for r in report.mismatches})
        problems.append(
            f"{len(report.mismatches)} probe(s) did not behave as planned, in {len(flows)} "
            f"flow(s): {first_few(flows)}"
        )
    if report.host_problems:
        hosts = sorted(report.host_problems)
        problems.append(
            f"{len(hosts)} host(s) could not take part ({first_few(hosts)}; "
            f"{len(report.unverified)} probe(s) not verified)"
        )
    if problems:
        raise CheckFailed("; ".join(problems))


@command.command("verify")
@fleet_options
@click.option(
    "--emit-playbook",
    "emit_dir",
    type=click.Path(file_okay=False),
    help="Only write the playbooks (and the callback plugin) into DIR, to run them yourself.",
)
@format_option(["table", "json", "junit"])
@TIMEOUT
@RETRIES
@CONCURRENCY
@click.option(
    "--listen-for",
    type=click.FloatRange(10, 86400),
    default=900,
    show_default=True,
    help="Listeners stop by themselves after this many seconds, whatever happens.",
)
@OUTPUT
@click.pass_context
def verify_command(
    ctx: click.Context,
    deployment: str,
    inventory: str,
    limit: str | None,
    forks: int,
    remote_dir: str | None,
    emit_dir: str | None,
    output_format: str,
    timeout: float,
    retries: int,
    concurrency: int,
    listen_for: float,
    output: str | None,
) -> None:
    """Try every flow of DEPLOYMENT on the real hosts: the agent is copied to each host,
    listeners start on the ports each host must serve (watching what arrives, so UDP verdicts
    need no ICMP), every host probes its destinations at once, every listener stops (also on
    failure and Ctrl-C). One report in the lab's format; an unreachable or failed host is its
    own finding. Exit 1 on any mismatch or host problem.

    \b
    Example:  portplan fleet verify site.yaml -i inventory.yml --forks 50
    """
    if emit_dir is not None:
        from pathlib import Path

        Path(emit_dir).mkdir(parents=True, exist_ok=True)
        for path in pipeline.fleet_playbooks(emit_dir):
            click.echo(str(path))
        return
    options = FleetOptions(
        forks=forks,
        limit=limit,
        timeout=timeout,
        retries=retries,
        concurrency=concurrency,
        listen_for=listen_for,
        remote_base=remote_dir,
    )
    with interruptible(), progress_bar("verifying the fleet") as progress:
        report = pipeline.fleet_verify(
            deployment, inventory, options, catalog_dirs=catalog_dirs(ctx), progress=progress
        )
    print_notes(report.notices)
    render = {"table": fleet_table, "json": fleet_json, "junit": fleet_junit}[output_format]
    emit(render(report), output)
    raise_if_failed(report)


# --- apply and confirm ------------------------------------------------------------------------


def changes_table(report: ApplyReport, title: str) -> str:
    table = Table(title=title)
    for heading in ("Host", "Status", "Detail"):
        table.add_column(heading, overflow="fold")
    for change in report.changes:
        add_data_row(table, change.host, change.status, change.message)
    buffer = io.StringIO()
    console = plain_console(buffer)
    console.print(table)
    for change in report.changes:
        if change.diff:
            console.print(f"--- {change.host}", markup=False)
            console.print(change.diff, markup=False, soft_wrap=True, highlight=False)
    if report.timings:
        console.print("timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in report.timings.items()))
    return buffer.getvalue()


def changes_json(report: ApplyReport) -> str:
    data = {
        "deployment": report.deployment,
        "target": report.target,
        "check": report.check,
        "confirm_within": report.confirm_within,
        "hosts": [vars(c) for c in report.changes],
        "notices": report.notices,
        "timings": {k: round(v, 3) for k, v in report.timings.items()},
        "verify": None if report.verify is None else json.loads(fleet_json(report.verify)),
    }
    return json.dumps(data, indent=2) + "\n"


@command.command("apply")
@fleet_options
@click.option(
    "--target",
    type=click.Choice(["nftables", "iptables"]),
    default="nftables",
    show_default=True,
    help="The host-firewall platform to compile and push.",
)
@click.option("--check", is_flag=True, help="Show each host's difference; change nothing.")
@click.option(
    "--confirm-within",
    type=click.FloatRange(2, 3600),
    default=120,
    show_default=True,
    help="Seconds after which each host restores its saved rules unless confirmed.",
)
@click.option(
    "--management",
    default="auto",
    show_default=True,
    help="Keep SSH open from: auto (the controller's address and port as each host sees "
    "them), none, or ADDRESS[:PORT].",
)
@click.option(
    "--no-confirm",
    is_flag=True,
    help="Leave the change pending; run portplan fleet confirm within the window.",
)
@click.option("--verify", is_flag=True, help="Confirm only if a fleet verify passes first.")
@format_option(["table", "json"])
@OUTPUT
@click.pass_context
def apply_command(
    ctx: click.Context,
    deployment: str,
    inventory: str,
    limit: str | None,
    forks: int,
    remote_dir: str | None,
    target: str,
    check: bool,
    confirm_within: float,
    management: str,
    no_confirm: bool,
    verify: bool,
    output_format: str,
    output: str | None,
) -> None:
    """Push each host's compiled firewall, commit-confirmed: every host saves its running
    rules, loads the new ones and restores the saved ones after --confirm-within seconds
    unless confirmed. The run confirms over new SSH connections (after a fleet verify with
    --verify), so a change that locks the controller out undoes itself. Exit 1 if a host
    failed or was not confirmed.

    \b
    Example:  portplan fleet apply site.yaml -i inventory.yml --target nftables --check
    """
    options = FleetOptions(forks=forks, limit=limit, remote_base=remote_dir)
    with interruptible(), progress_bar("applying") as progress:
        report = pipeline.fleet_apply(
            deployment, inventory, options,
            catalog_dirs=catalog_dirs(ctx), progress=progress, target=target, check=check,
            confirm_within=confirm_within, management=management, confirm=not no_confirm,
            verify=verify,
        )  # fmt: skip
    print_notes(report.notices)
    title = f"Fleet apply {report.deployment} ({target}{', check only' if check else ''})"
    emit(changes_json(report) if output_format == "json" else changes_table(report, title), output)
    if report.verify is not None and report.verify.failed:
        raise_if_failed(report.verify)
    if report.failed:
        hosts = [c.host for c in report.failed]
        raise CheckFailed(f"{len(hosts)} host(s) not applied and confirmed: {first_few(hosts)}")


@command.command("confirm")
@fleet_options
@format_option(["table", "json"])
@OUTPUT
@click.pass_context
def confirm_command(
    ctx: click.Context,
    deployment: str,
    inventory: str,
    limit: str | None,
    forks: int,
    remote_dir: str | None,
    output_format: str,
    output: str | None,
) -> None:
    """Keep the rules a pending `portplan fleet apply --no-confirm` loaded, host by host,
    each over a new SSH connection. Exit 1 if a host could not be confirmed (its saved rules
    come back by themselves)."""
    options = FleetOptions(forks=forks, limit=limit, remote_base=remote_dir)
    report = pipeline.fleet_confirm(deployment, inventory, options, catalog_dirs=catalog_dirs(ctx))
    print_notes(report.notices)
    title = f"Fleet confirm {report.deployment}"
    emit(changes_json(report) if output_format == "json" else changes_table(report, title), output)
    if report.failed:
        hosts = [c.host for c in report.failed]
        raise CheckFailed(f"{len(hosts)} host(s) not confirmed: {first_few(hosts)}")

"""``portplan lab DEPLOYMENT`` — build the deployment in network namespaces and try every flow."""

from __future__ import annotations

import io
import json
import signal
from collections import Counter
from types import FrameType

import click
from rich.table import Table

from portplan import pipeline
from portplan.cli.options import (
    ALL,
    OUTPUT,
    add_data_row,
    catalog_dirs,
    emit,
    first_few,
    format_option,
    notes_line,
    plain_console,
    verbose,
)
from portplan.errors import CheckFailed, Interrupted


def _group(report: pipeline.LabReport) -> dict[str, list[pipeline.LabResult]]:
    rows: dict[str, list[pipeline.LabResult]] = {}
    for result in report.results:
        rows.setdefault(result.case.flow, []).append(result)
    return rows


def lab_summary(report: pipeline.LabReport) -> str:
    """What was proven, in a few lines: the flows that passed, the traffic nobody asked for
    that was refused, and every mismatch."""
    passes = [r for r in report.results if r.case.expected == "pass"]
    blocks = [r for r in report.results if r.case.expected != "pass"]
    flows = {r.case.flow for r in passes}
    verdict = "as planned" if not report.mismatches else f"{len(report.mismatches)} MISMATCHES"
    lines = [
        f"Lab {report.deployment}: {len(report.results)} probes from {report.namespaces} "
        f"namespaces — {verdict}.",
        f"  {sum(r.ok for r in passes)} of {len(passes)} probes of {len(flows)} planned flows "
        "got through the compiled rules;",
        f"  {sum(r.ok for r in blocks)} of {len(blocks)} probes nobody asked for (another "
        "port, protocol or direction) were refused.",
    ]
    lines += [_mismatch_line(r) for r in report.mismatches]
    timings = ", ".join(f"{k} {v:.1f} s" for k, v in report.timings.items())
    lines.append(f"  timings: {timings}")
    return "\n".join(lines) + "\n"


def _mismatch_line(result: pipeline.LabResult) -> str:
    case = result.case
    return (
        f"MISMATCH {case.flow}: {case.source} {case.target.label} expected "
        f"{case.expected}, observed {result.observed} ({result.detail})"
    )


def lab_table(report: pipeline.LabReport) -> str:
    groups = _group(report)
    table = Table(
        title=f"Lab {report.deployment}: {len(report.results)} probes in {report.namespaces} "
        f"namespaces, {len(report.mismatches)} mismatches"
    )
    for heading in ("Flow", "From", "Probes", "Expected", "Observed", "Result"):
        table.add_column(heading, overflow="fold")
    for flow, results in groups.items():
        states = Counter(r.observed for r in results)
        observed = ", ".join(f"{state} ×{count}" for state, count in states.most_common())
        bad = [r for r in results if not r.ok]
        add_data_row(
            table,
            flow,
            results[0].case.source,
            str(len(results)),
            "pass" if results[0].case.expected == "pass" else "blocked",
            observed,
            "MISMATCH" if bad else "ok",
        )
    buffer = io.StringIO()
    console = plain_console(buffer)
    console.print(table)
    for result in report.mismatches:
        console.print(_mismatch_line(result), soft_wrap=True, markup=False)
    timings = ", ".join(f"{k} {v:.1f} s" for k, v in report.timings.items())
    console.print(f"timings: {timings}")
    return buffer.getvalue()


def result_json(r: pipeline.LabResult) -> dict[str, object]:
    """One probe's result as the JSON of ``lab`` and ``fleet verify`` writes it."""
    return {
        "flow": r.case.flow,
        "kind": r.case.kind,
        "source": r.case.source,
        "address": r.case.target.address,
        "protocol": r.case.target.protocol,
        "port": r.case.target.port,
        "expected": r.case.expected,
        "observed": r.observed,
        "detail": r.detail,
        "ok": r.ok,
    }


def lab_json(report: pipeline.LabReport) -> str:
    data = {
        "deployment": report.deployment,
        "namespaces": report.namespaces,
        "mismatches": len(report.mismatches),
        "timings": {k: round(v, 3) for k, v in report.timings.items()},
        "notices": report.notices,
        "results": [result_json(r) for r in report.results],
    }
    return json.dumps(data, indent=2) + "\n"


def _terminate(signum: int, frame: FrameType | None) -> None:
    # SIGTERM and SIGHUP unwind like Ctrl-C (exit 128 + the signal), so cleanup runs; while
    # the lab is up its namespace group holds any further signal until it has cleaned up.
    raise Interrupted(signum)


def cleanup_table(done: pipeline.Cleanup) -> str:
    lines = [f"removed namespace {name}" for name in done.namespaces]
    lines += [f"killed agent {pid}" for pid in done.agents]
    lines += [f"left {name}: its lab is still running" for name in done.still_running]
    if not done.namespaces and not done.agents:
        lines.append("nothing left by earlier labs.")
    return "\n".join(lines) + "\n"


@click.command("lab")
@click.argument("deployment", required=False, type=click.Path(dir_okay=False))
@click.option(
    "--target",
    type=click.Choice(["nftables"]),
    default="nftables",
    show_default=True,
    help="The compile target loaded into the lab's kernel.",
)
@click.option(
    "--keep-going",
    is_flag=True,
    help="Go on when a ruleset fails to load (its flows then show as mismatches).",
)
@click.option(
    "--cleanup",
    is_flag=True,
    help="Remove the namespaces and agents that labs no longer running left behind, and exit.",
)
@format_option(["summary", "table", "json"], "summary")
@ALL
@OUTPUT
@click.pass_context
def command(
    ctx: click.Context,
    deployment: str | None,
    target: str,
    keep_going: bool,
    cleanup: bool,
    output_format: str,
    show_all: bool,
    output: str | None,
) -> None:
    """Prove DEPLOYMENT end to end on this machine (root): a network namespace per host, a
    router per network firewall with the compiled rules loaded, host firewalls in the hosts,
    links following zones, sites and WAN/VPN links, an "internet" for externals. Every flow is
    tried from its real source (expect: passes) and a sample of flows nobody asked for (another
    port, another protocol, the reverse direction; expect: blocked). Exit 1 on any mismatch.
    Namespaces and processes are always removed, also on Ctrl-C, SIGTERM and SIGHUP; after a
    lab that was killed outright, --cleanup removes what it left (only labs no longer running).
    Prints what was proven and every mismatch; --all a row per flow; -o FILE the full results
    (.json or a table).

    \b
    Examples:
      sudo portplan lab examples/papercut-hive/mesh.yaml
      sudo portplan lab --cleanup
    """
    if cleanup:
        emit(cleanup_table(pipeline.lab_cleanup()), output)
        return
    if deployment is None:
        raise click.UsageError("give a DEPLOYMENT file, or --cleanup.")
    previous = {s: signal.signal(s, _terminate) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        report = pipeline.lab(
            deployment, target=target, keep_going=keep_going, catalog_dirs=catalog_dirs(ctx)
        )
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    notes_line(report.notices, verbose(ctx), "lab notes")
    if output not in (None, "-"):
        as_json = output_format == "json" or str(output).endswith(".json")
        emit(lab_json(report) if as_json else lab_table(report), output)
        output_format = "summary"
    if output_format == "json":
        emit(lab_json(report), None)
    elif output_format == "table" or show_all:
        emit(lab_table(report), None)
    else:
        emit(lab_summary(report), None)
    if report.mismatches:
        flows = sorted({r.case.flow for r in report.mismatches})
        raise CheckFailed(
            f"{len(report.mismatches)} probe(s) did not behave as planned, in "
            f"{len(flows)} flow(s): {first_few(flows)}"
        )

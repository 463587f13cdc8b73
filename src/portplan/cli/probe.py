"""``portplan probe DEPLOYMENT --host NAME`` — try every flow this host must originate."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from xml.etree import ElementTree

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from portplan import pipeline
from portplan.cli.options import (
    ALL,
    CONCURRENCY,
    OUTPUT,
    RETRIES,
    TIMEOUT,
    add_data_row,
    catalog_dirs,
    compact_table,
    emit,
    first_few,
    format_option,
    notes_line,
    render_plain,
    verbose,
    whole_lines,
)
from portplan.errors import CheckFailed


def results_table(
    host: str,
    results: Sequence[pipeline.ProbeResult],
    accept_closed: bool,
    show_all: bool = True,
) -> str:
    """The probes as a table: every one, or (``show_all`` off) a summary and the failures.
    A probe's address is never split: its column is as wide as the longest."""
    failed = [r for r in results if not r.passed(accept_closed)]
    shown = results if show_all else failed
    summary = (
        f"Probes from {host}: {len(results)} — {len(results) - len(failed)} passed, "
        f"{len(failed)} failed" + ("" if show_all else " (--all: every probe)")
    )
    if not shown:
        return summary + ".\n"
    table = compact_table()
    table.add_column("Flow", overflow="fold", ratio=1)
    table.add_column("Probe", no_wrap=True, min_width=whole_lines(r.target.label for r in shown))
    for heading in ("State", "Detail", "Result"):
        table.add_column(heading, overflow="fold")
    for r in shown:
        verdict = "pass" if r.passed(accept_closed) else "FAIL" if r.target.required else "fail"
        add_data_row(table, r.target.flow, r.target.label, r.state, r.detail, verdict)
    return summary + ":\n" + render_plain(table)


def results_json(results: Sequence[pipeline.ProbeResult], accept_closed: bool) -> str:
    return (
        json.dumps(
            [
                {
                    "flow": r.target.flow,
                    "address": r.target.address,
                    "protocol": r.target.protocol,
                    "port": r.target.port,
                    "required": r.target.required,
                    "state": r.state,
                    "detail": r.detail,
                    "passed": r.passed(accept_closed),
                    "seconds": round(r.seconds, 4),
                    "attempts": r.attempts,
                }
                for r in results
            ],
            indent=2,
        )
        + "\n"
    )


def results_junit(host: str, results: Sequence[pipeline.ProbeResult], accept_closed: bool) -> str:
    """JUnit XML: one test case per probe, a failure for each required probe that failed."""
    failed = [r for r in results if r.target.required and not r.passed(accept_closed)]
    skipped = [r for r in results if r.state == "SKIPPED"]
    suite = ElementTree.Element(
        "testsuite",
        name=f"portplan probe {host}",
        tests=str(len(results)),
        failures=str(len(failed)),
        skipped=str(len(skipped)),
        time=f"{sum(r.seconds for r in results):.3f}",
    )
    for r in results:
        case = ElementTree.SubElement(
            suite, "testcase", classname=r.target.flow, name=r.target.label, time=f"{r.seconds:.3f}"
        )
        if r.state == "SKIPPED":
            ElementTree.SubElement(case, "skipped", message=r.detail)
        elif r.target.required and not r.passed(accept_closed):
            failure = ElementTree.SubElement(case, "failure", message=f"{r.state}: {r.detail}")
            failure.text = f"{r.target.label} for {r.target.flow}: {r.state} ({r.detail})"
        elif not r.passed(accept_closed):
            ElementTree.SubElement(case, "system-out").text = f"optional flow: {r.state}"
    suites = ElementTree.Element("testsuites")
    suites.append(suite)
    ElementTree.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        + ElementTree.tostring(suites, encoding="unicode")
        + "\n"
    )


@click.command("probe")
@click.argument("deployment", type=click.Path(dir_okay=False))
@click.option("--host", required=True, help="The host this runs on (a host of the deployment).")
@format_option(["table", "json", "junit"])
@CONCURRENCY
@TIMEOUT
@RETRIES
@click.option(
    "--sample",
    "limit",
    type=int,
    default=pipeline.RANGE_SAMPLE,
    show_default=True,
    help="Ports tried in a port range wider than this (as portplan listen opens).",
)
@click.option(
    "--accept-closed",
    is_flag=True,
    help="Count NOT LISTENING (the firewall let it through, nothing listens) as a pass.",
)
@ALL
@OUTPUT
@click.pass_context
def command(
    ctx: click.Context,
    deployment: str,
    host: str,
    output_format: str,
    concurrency: int,
    timeout: float,
    retries: int,
    limit: int,
    accept_closed: bool,
    show_all: bool,
    output: str | None,
) -> None:
    """The pre-install firewall test, sending side: try every flow HOST must originate and
    report LISTENING (answered), NOT LISTENING (refused: reached, nothing there) or FILTERED
    (no answer). Run `portplan listen` on the receiving hosts first. Exit 1 if a required flow
    fails. The table shows the failures (--all: every probe; -o FILE writes every probe).

    \b
    Example:
      portplan probe site.yaml --host ws1 --format junit -o probe.xml
    """
    targets, notices = pipeline.probe_targets(
        deployment, host, limit=limit, catalog_dirs=catalog_dirs(ctx)
    )
    notes_line(notices, verbose(ctx), "probe notes")
    if sys.stderr.isatty() and targets:
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        ) as bar:
            task = bar.add_task(f"probing from {host}", total=len(targets))
            results = pipeline.probe(
                targets,
                concurrency=concurrency,
                timeout=timeout,
                retries=retries,
                progress=lambda n: bar.advance(task, n),
            )
    else:
        results = pipeline.probe(targets, concurrency=concurrency, timeout=timeout, retries=retries)
    if output_format == "table":
        text = results_table(host, results, accept_closed, show_all or output not in (None, "-"))
    elif output_format == "json":
        text = results_json(results, accept_closed)
    else:
        text = results_junit(host, results, accept_closed)
    emit(text, output)
    failed = [r for r in results if r.target.required and not r.passed(accept_closed)]
    if failed:
        names = sorted({r.target.flow for r in failed})
        raise CheckFailed(
            f"{len(failed)} probe(s) of {len(names)} required flow(s) failed: {first_few(names)}"
        )

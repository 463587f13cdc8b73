"""``portplan report DEPLOYMENT --format …`` — the port matrix for a firewall change request."""

from __future__ import annotations

import sys

import click

from portplan import pipeline
from portplan.cli.options import OUTPUT, STRICT, catalog_dirs, emit, format_option, verbose
from portplan.cli.plan import report_problems
from portplan.errors import InputError


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


@click.command("report")
@click.argument("deployment", type=click.Path(dir_okay=False))
@format_option(pipeline.format_names(), "md", help="Port matrix format.")
@STRICT
@OUTPUT
@click.pass_context
def command(
    ctx: click.Context,
    deployment: str,
    output_format: str,
    strict: bool,
    output: str | None,
) -> None:
    """The port matrix of DEPLOYMENT: one row per flow and protocol, with source and
    destination hosts and addresses, ports, purpose, product, feature, the firewalls on the
    path and the vendor document line.

    \b
    Example:  portplan report examples/lrs-vpsx/deployment.yaml --format xlsx -o matrix.xlsx
    """
    if output_format == "xlsx" and output in (None, "-") and stdout_is_terminal():
        raise InputError("an XLSX workbook is binary — write it to a file with -o FILE.xlsx.")
    resolution, content = pipeline.report(deployment, output_format, catalog_dirs(ctx), strict)
    emit(content, output)
    report_problems(resolution, verbose(ctx))

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
@click.option("--ticket", default="", help="Change ticket id, for the cover.")
@click.option("--owner", default="", help="Who asks for the change.")
@click.option("--justification", default="", help="Why the change is needed.")
@click.option("--approver", default="", help="Who is to approve it.")
@click.pass_context
def command(
    ctx: click.Context,
    deployment: str,
    output_format: str,
    strict: bool,
    output: str | None,
    ticket: str,
    owner: str,
    justification: str,
    approver: str,
) -> None:
    """The report a change board signs for DEPLOYMENT: a cover (the deployment, portplan's
    version, the date, the input files with their SHA-256, ticket, owner, justification and
    approver), a summary by zone pair and service, the flows by role and zone pair, the port
    matrix (one row per flow, protocol and port range, with sites, zones, addresses, the
    firewalls on the path, the vendor's notes and the document line), the rules per
    enforcement point, and what was excluded or did not resolve.

    \b
    Example:
      portplan report site.yaml --format xlsx -o change.xlsx --ticket CHG-1234 --owner "Print team"
    """
    if output_format == "xlsx" and output in (None, "-") and stdout_is_terminal():
        raise InputError("an XLSX workbook is binary — write it to a file with -o FILE.xlsx.")
    request = pipeline.ChangeRequest(ticket, owner, justification, approver)
    resolution, content = pipeline.report(
        deployment, output_format, catalog_dirs(ctx), strict, request
    )
    emit(content, output)
    report_problems(resolution, verbose(ctx))

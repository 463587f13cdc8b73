"""``portplan plan DEPLOYMENT`` — concrete flows of a deployment and where they are enforced."""

from __future__ import annotations

import io
import os
import shutil
import sys

import click
from rich.console import Console
from rich.table import Table

from portplan import pipeline
from portplan.cli.options import catalog_dirs, emit
from portplan.flows.serialize import resolution_json
from portplan.model.concrete import Resolution
from portplan.model.service import format_services
from portplan.report.base import addresses_text, path_text


def table_width() -> int:
    """COLUMNS if set, else the terminal's width, else (a pipe, a file) 160."""
    if os.environ.get("COLUMNS", "").isdigit():
        return max(int(os.environ["COLUMNS"]), 60)
    if sys.stdout.isatty():
        return shutil.get_terminal_size((160, 40)).columns
    return 160


def flows_table(resolution: Resolution) -> str:
    """A plain-text table of the flows (no colour, so it can go to a file or a pipe)."""
    table = Table(
        title=f"{resolution.deployment}: {len(resolution.flows)} concrete flows", expand=True
    )
    # Services keep their width (a port list must not break); the rest share what is left,
    # purposes and paths (the long texts) getting most.
    table.add_column("Source", overflow="fold", ratio=2)
    table.add_column("Destination", overflow="fold", ratio=2)
    table.add_column("Services", no_wrap=True)
    table.add_column("Purpose", overflow="fold", ratio=3)
    table.add_column("Product / flow", overflow="fold", ratio=2)
    table.add_column("Path", overflow="fold", ratio=3)
    for flow in resolution.flows:
        table.add_row(
            f"{flow.source.name}\n{addresses_text(flow.source)}",
            f"{flow.destination.name}\n{addresses_text(flow.destination)}",
            "\n".join(format_services(flow.services)),
            flow.purpose,
            f"{flow.product}\n{flow.flow}",
            path_text(flow) or "(no firewall)",
        )
    width = table_width()
    buffer = io.StringIO()
    Console(file=buffer, width=width, no_color=True, highlight=False).print(table)
    return buffer.getvalue()


def report_problems(resolution: Resolution, verbose: bool = False) -> None:
    """Unbound flows as warnings on stderr (stdout stays data); notes with ``-v``."""
    for entry in resolution.unbound:
        click.echo(f"portplan: warning: {entry.product}/{entry.flow}: {entry.reason}", err=True)
    if verbose:
        for notice in resolution.notices:
            click.echo(f"portplan: note: {notice}", err=True)
    elif resolution.notices:
        click.echo(
            f"portplan: {len(resolution.notices)} note(s) (flows not in use, pairs left out) — "
            "add -v to see them.",
            err=True,
        )


VERBOSE = click.option("-v", "--verbose", is_flag=True, help="Also print notes on stderr.")


@click.command("plan")
@click.argument("deployment", type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Table for people, JSON for programs.",
)
@click.option("--strict", is_flag=True, help="Fail (exit 2) if any flow resolves to nothing.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE.")
@VERBOSE
@click.pass_context
def command(
    ctx: click.Context,
    deployment: str,
    output_format: str,
    strict: bool,
    output: str | None,
    verbose: bool,
) -> None:
    """Resolve DEPLOYMENT to concrete flows: roles → hosts → addresses, services with the
    deployment's variables, and the firewalls each flow crosses.

    \b
    Example:  portplan plan examples/lrs-vpsx/deployment.yaml
    """
    _, resolution = pipeline.plan(deployment, catalog_dirs(ctx), strict=strict)
    text = resolution_json(resolution) if output_format == "json" else flows_table(resolution)
    emit(text, output)
    report_problems(resolution, verbose)

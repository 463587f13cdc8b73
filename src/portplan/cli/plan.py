"""``portplan plan DEPLOYMENT`` — concrete flows of a deployment and where they are enforced."""

from __future__ import annotations

import os
import shutil
import sys

import click
from rich.table import Table

from portplan import pipeline
from portplan.cli.options import (
    OUTPUT,
    STRICT,
    catalog_dirs,
    emit,
    format_option,
    print_notes,
    render_plain,
    verbose,
)
from portplan.model.concrete import Resolution
from portplan.model.service import format_services


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
            f"{flow.source.name}\n{pipeline.addresses_text(flow.source)}",
            f"{flow.destination.name}\n{pipeline.addresses_text(flow.destination)}",
            "\n".join(format_services(flow.services)),
            flow.purpose,
            f"{flow.product}\n{flow.flow}",
            pipeline.path_text(flow) or "(no firewall)",
        )
    return render_plain(table, table_width())


def report_problems(resolution: Resolution, verbose: bool = False) -> None:
    """Unbound flows as warnings on stderr (stdout stays data); notes with ``-v``."""
    for entry in resolution.unbound:
        click.echo(f"portplan: warning: {entry.product}/{entry.flow}: {entry.reason}", err=True)
    if verbose:
        print_notes(resolution.notices)
    elif resolution.notices:
        click.echo(
            f"portplan: {len(resolution.notices)} note(s) (flows not in use, pairs left out) — "
            "add -v to see them.",
            err=True,
        )


@click.command("plan")
@click.argument("deployment", type=click.Path(dir_okay=False))
@format_option(["table", "json"], help="Table for people, JSON for programs.")
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
    """Resolve DEPLOYMENT to concrete flows: roles → hosts → addresses, services with the
    deployment's variables, and the firewalls each flow crosses.

    \b
    Example:  portplan plan examples/lrs-vpsx/deployment.yaml
    """
    _, resolution = pipeline.plan(deployment, catalog_dirs(ctx), strict=strict)
    text = (
        pipeline.resolution_json(resolution) if output_format == "json" else flows_table(resolution)
    )
    emit(text, output)
    report_problems(resolution, verbose(ctx))

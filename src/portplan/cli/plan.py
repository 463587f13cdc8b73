"""``portplan plan DEPLOYMENT`` — concrete flows of a deployment and where they are enforced.

Quiet by default: a summary and what needs attention (flows that resolve to nothing, flows
the deployment excluded or overrode, flows the vendor's notes qualify). ``--all`` prints every
flow as a table; ``-o FILE`` writes the full data (JSON for ``.json``, else the table).
"""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Collection, Sequence

import click

from portplan import pipeline
from portplan.cli.options import (
    ALL,
    OUTPUT,
    STRICT,
    add_data_row,
    catalog_dirs,
    compact_table,
    emit,
    endpoint_cell,
    format_option,
    notes_line,
    output_width,
    render_plain,
    verbose,
    whole_lines,
    wrap_at_commas,
)
from portplan.model.concrete import Resolution
from portplan.model.deployment import Deployment
from portplan.model.service import format_services

WIDE = 130  # from this width the purpose, the flow and the path get a column each


def flows_table(resolution: Resolution, width: int | None = None) -> str:
    """Every flow, as plain text (no colour, so it can go to a file or a pipe). Addresses and
    port lists are never split inside: an address is a line of its own and its column is at
    least that wide; the purpose and the path wrap at spaces."""
    width = output_width() if width is None else width
    cells = [
        (
            endpoint_cell(f.source.name, pipeline.addresses_text(f.source)),
            endpoint_cell(f.destination.name, pipeline.addresses_text(f.destination)),
            "\n".join(wrap_at_commas(s, 15) for s in format_services(f.services)),
            f.purpose,
            f"{f.product}/{f.flow}",
            pipeline.path_text(f) or "(no firewall)",
        )
        for f in resolution.flows
    ]
    table = compact_table(f"{resolution.deployment}: {len(resolution.flows)} concrete flows")
    for index, heading in enumerate(("Source", "Destination", "Services")):
        longest = whole_lines(c[index] for c in cells)
        table.add_column(heading, no_wrap=True, min_width=max(longest, len(heading)))
    if width >= WIDE:
        for heading in ("Purpose", "Product / flow", "Path"):
            table.add_column(heading, overflow="fold", ratio=1)
        for cell in cells:
            add_data_row(table, *cell)
    else:
        table.add_column("Purpose, flow and path", overflow="fold", ratio=1)
        for cell in cells:
            add_data_row(table, *cell[:3], f"{cell[3]}\n{cell[4]}\nvia {cell[5]}")
    return render_plain(table, width)


def _count(items: Sequence[object], what: str) -> str:
    return f"{len(items)} {what}{'' if len(items) == 1 else 's'}"


def plan_summary(deployment: Deployment, resolution: Resolution, width: int | None = None) -> str:
    """What a plan amounts to, in a few lines, and what needs attention."""
    width = output_width(100) if width is None else width
    uses = {use.key for use in deployment.products}
    flows = [f for f in resolution.flows if f.product in uses]
    managed = len(resolution.flows) - len(flows)  # from the management block
    product_flows = {(f.product, f.flow) for f in flows}
    hosts = {e.name for f in flows for e in (f.source, f.destination) if e.kind == "host"}
    externals = {e.name for f in flows for e in (f.source, f.destination) if e.kind != "host"}
    sites = {e.site for f in flows for e in (f.source, f.destination) if e.site}
    between = (
        f"{_count(list(product_flows), 'product flow')} between {_count(list(hosts), 'host')}"
        + (f" and {_count(list(externals), 'external')}" if externals else "")
        + f" in {_count(list(sites), 'site')}"
    )
    headline = f"{resolution.deployment}: {len(resolution.flows)} concrete flows " + (
        f"— {len(flows)} from {between}, {managed} from the management block."
        if managed
        else f"from {between}."
    )
    crossing = Counter(hop.point for f in resolution.flows for hop in dict.fromkeys(f.path))
    points = " · ".join(
        f"{p.name} {crossing[p.name]}" for p in deployment.firewalls if crossing[p.name]
    )
    lines = [headline]
    if points:
        lines.append(f"Flows per firewall: {points}.")
    lines += attention(resolution, uses)
    lines.append("Every flow: --all; the full data: -o FILE (.json or a table).")
    return "".join(
        textwrap.fill(line, width, subsequent_indent="  ", break_on_hyphens=False) + "\n"
        for line in lines
    )


def attention(resolution: Resolution, products: Collection[str]) -> list[str]:
    """The lines a reviewer must not miss: exclusions, overrides, the vendors' notes (of the
    ``products`` used), unbound flows, warnings."""
    lines = [f"Excluded {e.product}/{e.flow}: {e.reason}" for e in resolution.excluded]
    overridden = {(f.product, f.flow): f.override for f in resolution.flows if f.override}
    lines += [f"Overridden {p}/{flow}: {text}" for (p, flow), text in overridden.items()]
    noted = {(f.product, f.flow) for f in resolution.flows if f.note and f.product in products}
    if noted:
        lines.append(f"{len(noted)} product flow(s) carry a vendor's note: see portplan report.")
    if resolution.unbound:
        lines.append(f"{len(resolution.unbound)} flow(s) resolve to nothing (warnings below).")
    if resolution.warnings:
        lines.append(
            f"{len(resolution.warnings)} warning(s): what would hurt if installed as is (below)."
        )
    return lines or ["Needs attention: nothing."]


def report_problems(resolution: Resolution, show_notes: bool = False) -> None:
    """Unbound flows and the plan's warnings on stderr (stdout stays data); the notes: one
    line, or every one with ``-v``."""
    for warning in resolution.warnings:
        click.echo(f"portplan: warning: {warning}", err=True)
    for entry in resolution.unbound:
        click.echo(f"portplan: warning: {entry.product}/{entry.flow}: {entry.reason}", err=True)
    notes_line(resolution.notices, show_notes)


@click.command("plan")
@click.argument("deployment", type=click.Path(dir_okay=False))
@format_option(
    ["summary", "table", "json"],
    "summary",
    help="A summary and what needs attention, every flow as a table, or JSON for programs.",
)
@ALL
@STRICT
@OUTPUT
@click.pass_context
def command(
    ctx: click.Context,
    deployment: str,
    output_format: str,
    show_all: bool,
    strict: bool,
    output: str | None,
) -> None:
    """Resolve DEPLOYMENT to concrete flows: roles → hosts → addresses, services with the
    deployment's variables, and the firewalls each flow crosses. Prints a summary and what
    needs attention; --all (or --format table) prints every flow.

    \b
    Examples:
      portplan plan examples/lrs-vpsx/deployment.yaml
      portplan plan examples/lrs-vpsx/deployment.yaml --all
      portplan plan examples/lrs-vpsx/deployment.yaml -o plan.json
    """
    model, resolution = pipeline.plan(deployment, catalog_dirs(ctx), strict=strict)
    if output_format == "summary" and show_all:
        output_format = "table"
    if output not in (None, "-"):
        as_json = output_format == "json" or str(output).endswith(".json")
        emit(pipeline.resolution_json(resolution) if as_json else flows_table(resolution), output)
        output_format = "summary"
    if output_format == "json":
        emit(pipeline.resolution_json(resolution), None)
    elif output_format == "table":
        emit(flows_table(resolution), None)
    else:
        emit(plan_summary(model, resolution), None)
    report_problems(resolution, verbose(ctx))

"""``portplan conflicts DEPLOYMENT`` — ports two roles would fight over on one host."""

from __future__ import annotations

import json

import click
from rich.table import Table

from portplan import pipeline
from portplan.cli.options import OUTPUT, catalog_dirs, emit, format_option, render_plain


def conflicts_table(name: str, conflicts: tuple[pipeline.Conflict, ...]) -> str:
    if not conflicts:
        return f"{name}: no port conflicts.\n"
    table = Table(title=f"{name}: {len(conflicts)} port conflict(s)")
    for heading in ("Host", "Kind", "Ports", "Roles", "Suggested fix"):
        table.add_column(heading, overflow="fold")
    for conflict in conflicts:
        table.add_row(
            conflict.host,
            conflict.kind,
            f"{conflict.protocol}/{conflict.ports}",
            "\n".join(conflict.roles),
            conflict.fix.text,
        )
    return render_plain(table)


@click.command("conflicts")
@click.argument("deployment", type=click.Path(dir_okay=False))
@format_option(["table", "json"])
@OUTPUT
@click.pass_context
def command(ctx: click.Context, deployment: str, output_format: str, output: str | None) -> None:
    """Find port conflicts on each host of DEPLOYMENT: two roles on the same port, listening
    ports inside the OS's ephemeral range, configurable ports left at a colliding default —
    each with a suggested fix. Exits 1 when there are conflicts, 0 when there are none.

    \b
    Example:  portplan conflicts examples/luware-lucs/deployment.yaml
    """
    pipeline.require_deployment(deployment)
    loaded, found = pipeline.conflicts(deployment, catalog_dirs(ctx))
    if output_format == "json":
        text = json.dumps(
            {"deployment": loaded.name, "conflicts": [pipeline.conflict_to_dict(c) for c in found]},
            indent=2,
            ensure_ascii=False,
        )
        emit(text + "\n", output)
    else:
        emit(conflicts_table(loaded.name, found), output)
    ctx.exit(1 if found else 0)

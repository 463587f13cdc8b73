"""``portplan conflicts DEPLOYMENT`` — ports two roles would fight over on one host."""

from __future__ import annotations

import json
import textwrap
from collections import Counter

import click

from portplan import pipeline
from portplan.cli.options import (
    ALL,
    OUTPUT,
    add_data_row,
    catalog_dirs,
    compact_table,
    emit,
    format_option,
    longest_word,
    output_width,
    render_plain,
    wrap_at_commas,
)


def conflicts_table(
    name: str,
    conflicts: tuple[pipeline.Conflict, ...],
    show_all: bool = False,
    width: int | None = None,
) -> str:
    """A summary line, a table of the conflicts (``show_all``: with the flows whose listeners
    collide), then each suggested fix, numbered, wrapped at spaces so a command in it is
    never split. Port lists break after commas, never inside a number."""
    if not conflicts:
        return f"{name}: no port conflicts.\n"
    width = output_width() if width is None else width
    kinds = Counter(c.kind for c in conflicts)
    hosts = {c.host for c in conflicts}
    title = (
        f"{name}: {len(conflicts)} port conflict(s) on {len(hosts)} host(s) — "
        + ", ".join(f"{count} {kind}" for kind, count in kinds.items())
        + "; a fix for each below the table"
    )
    table = compact_table()
    for heading in ("Fix", "Host", "Kind", "Ports"):
        table.add_column(heading, overflow="fold")
    roles = ["\n".join(c.roles) for c in conflicts]
    table.add_column("Roles", overflow="fold", min_width=longest_word(roles))
    if show_all:
        table.add_column("Flows", overflow="fold", ratio=1)
    for number, conflict in enumerate(conflicts, 1):
        cells = [
            f"({number})",
            conflict.host,
            conflict.kind,
            wrap_at_commas(f"{conflict.protocol}/{conflict.ports}", 24),
            "\n".join(conflict.roles),
        ]
        if show_all:
            cells.append(
                "\n".join(dict.fromkeys(f"{x.product}/{x.flow}" for x in conflict.listeners))
            )
        add_data_row(table, *cells)
    fixes = [
        textwrap.fill(
            f"({number}) {conflict.fix.text}",
            width,
            subsequent_indent="    ",
            break_long_words=False,
            break_on_hyphens=False,
        )
        for number, conflict in enumerate(conflicts, 1)
    ]
    heading = textwrap.fill(title, width, break_on_hyphens=False)
    return heading + "\n" + render_plain(table, width) + "\n".join(fixes) + "\n"


@click.command("conflicts")
@click.argument("deployment", type=click.Path(dir_okay=False))
@format_option(["table", "json"])
@ALL
@OUTPUT
@click.pass_context
def command(
    ctx: click.Context, deployment: str, output_format: str, show_all: bool, output: str | None
) -> None:
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
        emit(conflicts_table(loaded.name, found, show_all), output)
    ctx.exit(1 if found else 0)

"""``portplan compile DEPLOYMENT [--target T] [-o DIR]`` — firewall rules for every enforcement
point, written all-or-nothing; ``--list-targets`` shows what can be compiled to."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import click
from rich.table import Table

from portplan import pipeline
from portplan.cli.options import (
    STRICT,
    add_data_row,
    catalog_dirs,
    compact_table,
    first_few,
    render_plain,
    terminal_width,
    whole_lines,
)
from portplan.cli.plan import report_problems
from portplan.io import TreeWrite, write_tree


def render_table(title: str, headings: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    table = Table(title=title)
    for heading in headings:
        table.add_column(heading, overflow="fold")
    for row in rows:
        add_data_row(table, *row)  # cells are data: "[aerleon]" is not rich markup
    return render_plain(table, terminal_width(120))


def summary_table(title: str, artifacts: Sequence[pipeline.Artifact]) -> str:
    """One line per file written; file names are never split."""
    table = compact_table(title)
    table.add_column("Point", overflow="fold")
    table.add_column("File", no_wrap=True, min_width=whole_lines(a.path for a in artifacts))
    table.add_column("Rules", justify="right")
    table.add_column("What", overflow="fold", ratio=1)
    for row in summary_rows(artifacts):
        add_data_row(table, *row)
    return render_plain(table, terminal_width(120))


def summary_rows(artifacts: Sequence[pipeline.Artifact]) -> list[tuple[str, str, str, str]]:
    return [
        (
            a.enforcement_point or "-",
            a.path,
            "-" if a.rules is None else str(a.rules),
            a.description,
        )
        for a in artifacts
    ]


@click.command("compile")
@click.argument("deployment", required=False, type=click.Path(dir_okay=False))
@click.option(
    "-t",
    "--target",
    metavar="TARGET",
    help="Compile every firewall for TARGET (default: each firewall's own platform).",
)
@click.option(
    "-o",
    "--output",
    "output_dir",
    type=click.Path(file_okay=False),
    help="Directory to write into (default: compiled/<deployment name>).",
)
@click.option(
    "--point",
    metavar="NAME",
    help="Compile only the enforcement point NAME (its files; the others are left alone).",
)
@click.option(
    "--keep",
    is_flag=True,
    help="Keep files an earlier compile wrote that no longer belong (they are listed).",
)
@click.option("--list-targets", is_flag=True, help="List every target and exit.")
@STRICT
@click.pass_context
def command(
    ctx: click.Context,
    deployment: str | None,
    target: str | None,
    output_dir: str | None,
    point: str | None,
    keep: bool,
    list_targets: bool,
    strict: bool,
) -> None:
    """Compile DEPLOYMENT's concrete flows to firewall rules: one artifact per enforcement
    point (a network firewall's ruleset, a host's firewall), default deny, each rule's
    comment naming the product flow it serves. Files are written all-or-nothing; files an
    earlier compile wrote into the directory that no longer belong are removed (--keep: listed).

    \b
    Examples:
      portplan compile examples/lrs-vpsx/deployment.yaml
      portplan compile examples/lrs-vpsx/deployment.yaml --target iptables -o out/
      portplan compile examples/lrs-vpsx/deployment.yaml --point fw-core
      portplan compile --list-targets
    """
    if list_targets:
        click.echo(
            render_table("compile targets", ("Target", "Description"), pipeline.compile_targets()),
            nl=False,
        )
        return
    if deployment is None:
        raise click.UsageError("give a DEPLOYMENT file, or --list-targets.")
    model, resolution, artifacts = pipeline.compile(
        deployment, target, catalog_dirs(ctx), strict=strict, point=point
    )
    directory = output_dir or f"compiled/{model.name}"
    done = write_tree(
        directory,
        {a.path: a.content for a in artifacts},
        owners={a.path: a.enforcement_point or "" for a in artifacts},
        only=None if point is None else {point},
        keep=keep,
    )
    title = f"{model.name}: {len(artifacts)} files in {directory}"
    click.echo(summary_table(title, artifacts), nl=False)
    report_stale(done)
    report_problems(resolution)


def report_stale(done: TreeWrite) -> None:
    """Files of an earlier compile that no longer belong: removed, or kept and listed."""
    if done.removed:
        names = first_few([str(p) for p in done.removed])
        click.echo(
            f"portplan: removed {len(done.removed)} file(s) an earlier compile wrote that no "
            f"longer belong: {names}",
            err=True,
        )
    if done.kept:
        names = first_few([str(p) for p in done.kept])
        click.echo(
            f"portplan: warning: {len(done.kept)} file(s) an earlier compile wrote no longer "
            f"belong (kept, --keep): {names} — do not load them.",
            err=True,
        )

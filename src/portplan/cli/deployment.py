"""``portplan deployment validate|schema`` — check deployment files; the file format."""

from __future__ import annotations

import click

from portplan import pipeline
from portplan.cli.options import catalog_dirs, emit, print_error
from portplan.errors import PortplanError


@click.group("deployment")
def command() -> None:
    """Deployment files: sites, zones, hosts, links, firewalls, products."""


@command.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.pass_context
def validate(ctx: click.Context, paths: tuple[str, ...]) -> None:
    """Check deployment files against the catalog and plan them: every problem of each file
    at once (file:line: key: message — fix), exit 2 if any file has one. A role no host
    plays is a warning.

    \b
    Example:  portplan deployment validate site.yaml
    """
    failed = False
    for path in paths:
        try:
            deployment, resolution = pipeline.plan(path, catalog_dirs(ctx))
        except PortplanError as exc:
            print_error(exc)
            failed = True
            continue
        click.echo(f"OK {path}: {pipeline.deployment_outline(deployment, resolution)}")
        for entry in resolution.unbound:
            click.echo(
                f"portplan: warning: {path}: {entry.product}/{entry.flow}: {entry.reason}",
                err=True,
            )
    if failed:
        raise click.exceptions.Exit(2)


@command.command("schema")
def schema() -> None:
    """The JSON Schema of a deployment YAML file (for editor completion)."""
    emit(pipeline.schema_text("deployment"), None)

"""``portplan deployment schema`` — the deployment file format."""

from __future__ import annotations

import click

from portplan.cli.options import emit
from portplan.schemas import schema_text


@click.group("deployment")
def command() -> None:
    """Deployment files: sites, zones, hosts, links, firewalls, products."""


@command.command("schema")
def schema() -> None:
    """The JSON Schema of a deployment YAML file (for editor completion)."""
    emit(schema_text("deployment"), None)

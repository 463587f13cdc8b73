"""``portplan deployment schema`` — the deployment file format."""

from __future__ import annotations

import click

from portplan import pipeline
from portplan.cli.options import emit


@click.group("deployment")
def command() -> None:
    """Deployment files: sites, zones, hosts, links, firewalls, products."""


@command.command("schema")
def schema() -> None:
    """The JSON Schema of a deployment YAML file (for editor completion)."""
    emit(pipeline.schema_text("deployment"), None)

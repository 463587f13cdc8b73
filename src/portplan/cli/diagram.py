"""``portplan diagram DEPLOYMENT|PRODUCT`` — a picture of the flows, for people and READMEs."""

from __future__ import annotations

import click

from portplan import pipeline
from portplan.cli.options import catalog_dirs, emit


@click.command("diagram")
@click.argument("subject", metavar="DEPLOYMENT|PRODUCT")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write to FILE; its extension (.svg .png .dot .mmd) picks the format.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(pipeline.DIAGRAM_FORMATS),
    help="svg or png (drawn by Graphviz dot), dot (Graphviz text), mmd (Mermaid flowchart).",
)
@click.pass_context
def command(
    ctx: click.Context, subject: str, output: str | None, output_format: str | None
) -> None:
    """Draw a deployment (sites and zones as boxes, hosts, flows merged per pair, firewalls
    on the path in red) or a product (its roles and flows). PRODUCT is a product YAML file
    or a catalog product id.

    \b
    Examples:
      portplan diagram examples/luware-lucs/deployment.yaml -o lucs.svg
      portplan diagram papercut-hive --format mmd
    """
    fmt = pipeline.diagram_format(output, output_format)
    emit(pipeline.draw(subject, fmt, catalog_dirs(ctx)), output)

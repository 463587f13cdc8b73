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
@click.option(
    "--level",
    type=click.Choice(pipeline.DIAGRAM_LEVELS),
    default="host",
    show_default=True,
    help="host: every host in its zone; zone: each zone one node, services merged.",
)
@click.pass_context
def command(
    ctx: click.Context, subject: str, output: str | None, output_format: str | None, level: str
) -> None:
    """Draw a deployment — sites and zones as boxes, hosts (or, with --level zone, each
    zone) as nodes, network firewalls as red nodes on the flows that cross them, WAN/VPN
    links joining the sites with the hub marked — or a product (its roles and flows).
    PRODUCT is a product YAML file or a catalog product id.

    \b
    Examples:
      portplan diagram examples/papercut-hive/mesh.yaml -o mesh.svg
      portplan diagram examples/papercut-hive/mesh.yaml --level zone -o mesh-zones.svg
      portplan diagram papercut-hive --format mmd
    """
    fmt = pipeline.diagram_format(output, output_format)
    chosen = next(known for known in pipeline.DIAGRAM_LEVELS if known == level)
    emit(pipeline.draw(subject, fmt, catalog_dirs(ctx), chosen), output)

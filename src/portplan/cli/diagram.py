"""``portplan diagram DEPLOYMENT|PRODUCT`` — a picture of the flows, for people and READMEs."""

from __future__ import annotations

import click

from portplan.cli.options import catalog_dirs, emit
from portplan.cli.subject import load_subject
from portplan.report.diagram import (
    FORMATS,
    deployment_diagram,
    format_for,
    product_diagram,
    render,
)


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
    type=click.Choice(FORMATS),
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
    fmt = format_for(output, output_format)
    loaded = load_subject(subject, catalog_dirs(ctx))
    if loaded.product is not None:
        diagram = product_diagram(loaded.product)
    else:
        assert loaded.deployment is not None and loaded.resolution is not None
        diagram = deployment_diagram(loaded.deployment, loaded.resolution)
    emit(render(diagram, fmt), output)

"""``portplan init PRODUCT… [-o site.yaml]`` — a commented starter deployment."""

from __future__ import annotations

from pathlib import Path

import click

from portplan import pipeline
from portplan.cli.options import catalog_dirs, emit
from portplan.errors import InputError


@click.command("init")
@click.argument("product_ids", nargs=-1, required=True, metavar="PRODUCT...")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE (default: stdout)."
)
@click.option("--name", help="The deployment's name (default: <first product>-site).")
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@click.pass_context
def command(
    ctx: click.Context,
    product_ids: tuple[str, ...],
    output: str | None,
    name: str | None,
    force: bool,
) -> None:
    """Write a starter deployment for catalog PRODUCTs: one site, zones for servers, users'
    computers and devices, one host per role, a network firewall, features and variables at
    their defaults — commented, and ready to plan before you change anything.

    \b
    Example:
      portplan init papercut-hive -o site.yaml
      portplan deployment validate site.yaml && portplan plan site.yaml
    """
    if output not in (None, "-") and Path(str(output)).exists() and not force:
        raise InputError("exists — choose another name, or add --force to replace it.", file=output)
    emit(pipeline.init(product_ids, catalog_dirs(ctx), name), output)

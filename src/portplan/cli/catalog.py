"""``portplan catalog list|show|validate|schema`` — the products portplan knows about."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import yaml
from rich.console import Console
from rich.table import Table

from portplan.catalog import bundled_dir, load_catalog, load_product_file, product_files
from portplan.catalog.loader import Catalog
from portplan.catalog.render import product_document
from portplan.cli.options import catalog_dirs, emit
from portplan.errors import InputError, PortplanError
from portplan.schemas import schema_text


def _catalog(ctx: click.Context) -> Catalog:
    catalog = load_catalog(catalog_dirs(ctx))
    for notice in catalog.notices:
        click.echo(f"portplan: notice: {notice}", err=True)
    return catalog


def _console() -> Console:
    # Wide enough that ids and origins are not wrapped when output goes to a file or pipe.
    return Console(width=160, highlight=False, soft_wrap=False)


@click.group("catalog")
def command() -> None:
    """List, show and check products (bundled ones plus --catalog directories)."""


@command.command("list")
@click.pass_context
def list_products(ctx: click.Context) -> None:
    """One row per product: id, name, vendor, version, how many roles and flows, origin."""
    catalog = _catalog(ctx)
    table = Table(title="portplan catalog")
    for heading in ("id", "name", "vendor", "version", "roles", "flows", "origin"):
        table.add_column(heading, justify="right" if heading in ("roles", "flows") else "left")
    for product_id, product in catalog.products.items():
        table.add_row(
            product_id,
            product.name,
            product.vendor,
            product.version,
            str(len(product.roles)),
            str(len(product.flows)),
            _origin(catalog.origins.get(product_id, "")),
        )
    _console().print(table)


def _origin(path: str) -> str:
    """``bundled`` for the products shipped with portplan, else the user's file."""
    return "bundled" if Path(path).parent == bundled_dir() else path


def _flow_table(document: dict[str, Any]) -> Table:
    table = Table(title=f"{document['id']} — {document['name']}")
    for heading in ("flow", "from", "to", "services", "when", "purpose", "line"):
        table.add_column(heading, overflow="fold")
    for flow in document["flows"]:
        when = flow.get("feature") or ("optional" if flow.get("optional") else "")
        services = ", ".join(flow["services"])
        if flow.get("unresolved"):
            services += " (set " + ", ".join(flow["unresolved"]) + ")"
        evidence = flow.get("evidence") or {}
        table.add_row(
            flow["id"],
            flow["from"],
            flow["to"],
            services,
            when,
            flow["purpose"],
            str(evidence.get("line", "")),
        )
    return table


@command.command("show")
@click.argument("product_id", metavar="ID")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "yaml"]),
    default="table",
    show_default=True,
)
@click.pass_context
def show(ctx: click.Context, product_id: str, output_format: str) -> None:
    """One product with each flow's services at the variables' defaults."""
    catalog = _catalog(ctx)
    document = product_document(catalog.get(product_id))
    if output_format == "json":
        emit(json.dumps(document, indent=2, ensure_ascii=False) + "\n", None)
    elif output_format == "yaml":
        emit(yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100), None)
    else:
        _console().print(_flow_table(document))


@command.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def validate(paths: tuple[str, ...]) -> None:
    """Check product YAML files (or directories of them); exit 2 if any is wrong.

    Every file is checked, so one run lists every broken file (one line each).
    """
    failed = False
    for entry in paths:
        try:
            files = product_files(entry) if Path(entry).is_dir() else [Path(entry)]
            if not files:
                raise InputError("no product files (*.yaml, *.yml) in this directory.", file=entry)
        except PortplanError as exc:
            click.echo(f"portplan: error: {exc}", err=True)
            failed = True
            continue
        for file in files:
            try:
                product = load_product_file(file)
            except PortplanError as exc:
                click.echo(f"portplan: error: {exc}", err=True)
                failed = True
                continue
            click.echo(f"OK {product.id} ({len(product.flows)} flows) {file}")
    if failed:
        raise click.exceptions.Exit(2)


@command.command("schema")
def schema() -> None:
    """The JSON Schema of a product YAML file (for editor completion)."""
    emit(schema_text("catalog"), None)

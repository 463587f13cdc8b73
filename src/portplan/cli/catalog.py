"""``portplan catalog list|show|validate|schema`` — the products portplan knows about."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import yaml
from rich.console import Console
from rich.table import Table

from portplan import pipeline
from portplan.cli.options import add_data_row, catalog_dirs, emit, print_error
from portplan.errors import InputError, PortplanError


def _catalog(ctx: click.Context) -> pipeline.Catalog:
    catalog = pipeline.load_catalog(catalog_dirs(ctx))
    for notice in catalog.notices:
        click.echo(f"portplan: notice: {notice}", err=True)
    return catalog


def _print_table(*tables: Table) -> None:
    """Print each table without cropping: wider than the terminal rather than cut off.

    Output to a pipe or file gets at least 160 columns (rich would assume 80).
    """
    console = Console(highlight=False)
    width = console.width if console.is_terminal else 160
    for table in tables:
        # Measured on an unbounded console: the narrowest the table can be without cutting
        # words.
        needed = Console(width=10_000).measure(table).minimum
        Console(highlight=False, width=max(width, needed)).print(table)


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
    _print_table(table)


def _origin(path: str) -> str:
    """``bundled`` for the products shipped with portplan, else the user's file."""
    return "bundled" if Path(path).parent == pipeline.bundled_dir() else path


def _roles_table(product_id: str, product: pipeline.Product) -> Table:
    table = Table(
        title=f"{len(product.roles)} roles — bind them to hosts as {product_id}:ROLE",
        title_justify="left",
    )
    for heading in ("role", "name", "required", "platforms"):
        table.add_column(heading, overflow="fold")
    for role in product.roles:
        add_data_row(
            table, role.id, role.name, "yes" if role.required else "no", ", ".join(role.platforms)
        )
    return table


def _features_table(product: pipeline.Product) -> Table:
    table = Table(
        title=f"{len(product.features)} features — switch on under products: features: [...], "
        "off under features_off",
        title_justify="left",
    )
    for heading in ("feature", "name", "default", "adds"):
        table.add_column(heading, overflow="fold")
    for info in pipeline.feature_infos(product):
        add_data_row(table, info.id, info.name, "on" if info.default else "off", info.adds)
    return table


def _variables_table(product: pipeline.Product) -> Table:
    table = Table(
        title=f"{len(product.variables)} variables — set under products: variables: {{...}}",
        title_justify="left",
    )
    for heading in ("variable", "kind", "default", "used by", "description"):
        table.add_column(heading, overflow="fold")
    for info in pipeline.variable_infos(product):
        add_data_row(
            table,
            info.id,
            info.kind,
            info.default_text,
            ", ".join(info.used_by) or "(no flow)",
            info.description,
        )
    return table


def _flow_table(document: dict[str, Any]) -> Table:
    table = Table(title=f"{len(document['flows'])} flows", title_justify="left")
    for heading in ("flow", "from", "to", "services", "when", "line"):
        table.add_column(heading, overflow="fold")
    table.add_column("purpose", overflow="fold", min_width=30)
    for flow in document["flows"]:
        when = flow.get("feature") or ("optional" if flow.get("optional") else "")
        services = ", ".join(flow["services"])
        if flow.get("unresolved"):
            services += " (set " + ", ".join(flow["unresolved"]) + ")"
        evidence = flow.get("evidence") or {}
        add_data_row(
            table,
            flow["id"],
            flow["from"],
            flow["to"],
            services,
            when,
            str(evidence.get("line", "")),
            flow["purpose"],
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
    """One product: its roles (what hosts play), features (on or off by default, and what
    they add), variables (defaults, and the flows that use them) and flows, each flow's
    services at the variables' defaults."""
    catalog = _catalog(ctx)
    product = catalog.get(product_id)
    document = pipeline.product_document(product)
    if output_format == "json":
        emit(json.dumps(document, indent=2, ensure_ascii=False) + "\n", None)
    elif output_format == "yaml":
        emit(yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100), None)
    else:
        title = " ".join(p for p in (product.vendor, product.name, product.version) if p)
        click.echo(f"{product.id} — {title}")
        tables = [_roles_table(product.id, product)]
        tables += [_features_table(product)] if product.features else []
        tables += [_variables_table(product)] if product.variables else []
        _print_table(*tables, _flow_table(document))


@command.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def validate(paths: tuple[str, ...]) -> None:
    """Check product YAML files (or directories of them); exit 2 if any is wrong.

    Every file is checked, so one run lists every broken file (one line each).
    """
    failed = False
    for entry in paths:
        try:
            files = pipeline.product_files(entry) if Path(entry).is_dir() else [Path(entry)]
            if not files:
                raise InputError("no product files (*.yaml, *.yml) in this directory.", file=entry)
        except PortplanError as exc:
            print_error(exc)
            failed = True
            continue
        for file in files:
            try:
                product = pipeline.load_product(file)
            except pipeline.NotAProduct as exc:
                if Path(entry).is_dir():  # a deployment kept beside its products
                    click.echo(f"portplan: note: {file}: skipped — {exc.what}", err=True)
                    continue
                click.echo(f"portplan: error: {exc}", err=True)
                failed = True
                continue
            except PortplanError as exc:
                print_error(exc)
                failed = True
                continue
            click.echo(f"OK {product.id} ({len(product.flows)} flows) {file}")
    if failed:
        raise click.exceptions.Exit(2)


@command.command("schema")
def schema() -> None:
    """The JSON Schema of a product YAML file (for editor completion)."""
    emit(pipeline.schema_text("catalog"), None)

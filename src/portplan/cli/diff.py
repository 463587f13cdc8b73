"""``portplan diff OLD NEW`` — what changes between two versions, as a change request."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from portplan.cli.options import catalog_dirs, emit
from portplan.cli.subject import load_subject
from portplan.errors import InputError
from portplan.report.diff import (
    ChangeRequest,
    diff_products,
    diff_resolutions,
    to_json,
    to_markdown,
    to_xlsx,
)

FORMATS = ("md", "xlsx", "json")


@click.command("diff")
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    help="Default: md, or the extension of -o.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE.")
@click.option("--ticket", default="", help="Change ticket id for the request header.")
@click.option("--owner", default="", help="Who asks for the change.")
@click.option("--justification", default="", help="Why the change is needed.")
@click.pass_context
def command(
    ctx: click.Context,
    old: str,
    new: str,
    output_format: str | None,
    output: str | None,
    ticket: str,
    owner: str,
    justification: str,
) -> None:
    """Compare two versions of a product (YAML files or catalog ids) or two deployments:
    flows added, removed and changed (ports widened or narrowed) and, for deployments, the
    rules to add and remove at each enforcement point — a change request to approve.

    \b
    Example:
      portplan diff old/deployment.yaml new/deployment.yaml --ticket CHG-1234 -o change.xlsx
    """
    fmt = output_format
    if fmt is None:
        suffix = output.rsplit(".", 1)[-1].lower() if output and "." in output else "md"
        fmt = {"markdown": "md", "xlsx": "xlsx", "json": "json"}.get(suffix, "md")
    if fmt == "xlsx" and output in (None, "-"):
        raise InputError("xlsx is a binary file — name it with -o FILE.xlsx.")
    dirs = catalog_dirs(ctx)
    before, after = load_subject(old, dirs), load_subject(new, dirs)
    if before.product is not None and after.product is not None:
        diff = diff_products(before.product, after.product)
    elif (
        before.deployment is not None
        and before.resolution is not None
        and after.deployment is not None
        and after.resolution is not None
    ):
        diff = diff_resolutions(
            before.deployment, before.resolution, after.deployment, after.resolution
        )
    else:
        raise InputError(
            f"'{old}' and '{new}' are not the same kind — compare two products or two deployments."
        )
    diff = replace(
        diff,
        old_file=old if Path(old).is_file() else "",
        new_file=new if Path(new).is_file() else "",
    )
    request = ChangeRequest(ticket, owner, justification)
    if fmt == "xlsx":
        emit(to_xlsx(diff, request), output)
    elif fmt == "json":
        emit(to_json(diff, request), output)
    else:
        emit(to_markdown(diff, request), output)

"""``portplan diff OLD NEW`` — what changes between two versions, as a change request."""

from __future__ import annotations

from typing import Literal

import click

from portplan import pipeline
from portplan.cli.options import catalog_dirs, emit
from portplan.errors import InputError

DiffFormat = Literal["md", "xlsx", "json"]
FORMATS: tuple[DiffFormat, ...] = ("md", "xlsx", "json")


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
@click.option("--approver", default="", help="Who is to approve it.")
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
    approver: str,
) -> None:
    """Compare two versions of a product (YAML files or catalog ids) or two deployments:
    flows added, removed and changed (ports widened or narrowed) and, for deployments, the
    rules to add and remove at each enforcement point — a change request to approve.

    \b
    Example:
      portplan diff old/deployment.yaml new/deployment.yaml --ticket CHG-1234 -o change.xlsx
    """
    fmt = _diff_format(output_format, output)
    if fmt == "xlsx" and output in (None, "-"):
        raise InputError("xlsx is a binary file — name it with -o FILE.xlsx.")
    changes = pipeline.diff(old, new, catalog_dirs(ctx))
    request = pipeline.ChangeRequest(ticket, owner, justification, approver)
    emit(pipeline.render_diff(changes, request, fmt), output)


def _diff_format(explicit: str | None, output: str | None) -> DiffFormat:
    """``--format``, else the extension of ``-o`` (md for anything else)."""
    name = explicit
    if name is None:
        name = output.rsplit(".", 1)[-1].lower() if output and "." in output else "md"
    return next((fmt for fmt in FORMATS if fmt == name), "md")

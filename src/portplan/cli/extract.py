"""`portplan extract`: vendor documents in, flows (JSON), a draft product (YAML) or a table out."""

from __future__ import annotations

import json

import click

from portplan.cli.options import emit
from portplan.errors import InputError
from portplan.extract.extractor import extract_flows
from portplan.extract.readers import read_document
from portplan.extract.result import Extraction


@click.command("extract")
@click.argument("files", nargs=-1, required=True)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["json", "yaml", "table"]),
    default="json",
    show_default=True,
    help="json: flows + unparsed lines; yaml: a draft catalog product; table: for reading.",
)
@click.option("-o", "--output", help="Write to this file (atomically) instead of stdout.")
def command(files: tuple[str, ...], output_format: str, output: str | None) -> None:
    """Read vendor "ports and protocols" documents and list every flow they state.

    FILE may be .txt .md .html .pdf .docx .csv .xlsx, or - for text on stdin.
    """
    extractions: list[Extraction] = []
    for name in files:
        document = read_document(name)
        if not document.blocks or not any(_has_text(b) for b in document.blocks):
            raise InputError("the document is empty — give a document with text", file=name)
        extraction = extract_flows(document)
        for notice in extraction.notices:
            click.echo(f"portplan: notice: {notice}", err=True)
        extractions.append(extraction)
    if output_format == "json":
        emit(_json(extractions), output)
    elif output_format == "yaml":
        from portplan.extract.draft import draft_product_yaml

        emit(draft_product_yaml(extractions), output)
    else:
        from portplan.extract.render import render_table

        emit(render_table(extractions), output)


def _has_text(block: object) -> bool:
    text = getattr(block, "text", None)
    if text is not None:
        return bool(str(text).strip())
    rows = getattr(block, "rows", ())
    return any(cell.strip() for row in rows for cell in row)


def _json(extractions: list[Extraction]) -> str:
    flows: list[object] = []
    unparsed: list[object] = []
    for extraction in extractions:
        data = extraction.as_json()
        flows.extend(data["flows"])  # type: ignore[arg-type]
        unparsed.extend(data["unparsed"])  # type: ignore[arg-type]
    # Indented for reading; very long outputs use the C encoder (indenting is pure Python).
    indent = 2 if len(flows) + len(unparsed) <= 5000 else None
    data = {"flows": flows, "unparsed": unparsed}
    return json.dumps(data, indent=indent, ensure_ascii=False) + "\n"

"""`portplan extract`: vendor documents in, flows (JSON), a draft product (YAML) or a table out."""

from __future__ import annotations

import json

import click

from portplan import pipeline
from portplan.cli.options import emit


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
    extractions = pipeline.extract(files)
    for extraction in extractions:
        for notice in extraction.notices:
            click.echo(f"portplan: notice: {notice}", err=True)
    if output_format == "json":
        emit(_json(extractions), output)
    else:
        emit(
            pipeline.render_extractions(
                extractions, "yaml" if output_format == "yaml" else "table"
            ),
            output,
        )


def _json(extractions: list[pipeline.Extraction]) -> str:
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

"""The port matrix as a Markdown table (for a ticket, a wiki page or a pull request)."""

from __future__ import annotations

from portplan.model.concrete import Resolution
from portplan.model.deployment import Deployment
from portplan.report.base import COLUMNS, matrix_rows, warnings


def cell(text: str) -> str:
    """Escape what would break a table row or turn into markup when rendered."""
    text = " ".join(text.split())
    for char in ("\\", "|", "`", "*", "_", "[", "]", "<", ">"):
        text = text.replace(char, "\\" + char)
    return text


class MarkdownReport:
    name = "md"
    extension = "md"
    binary = False
    description = "Markdown table"

    def render(self, deployment: Deployment, resolution: Resolution) -> str:
        rows = matrix_rows(resolution)
        lines = [
            f"# Port matrix: {cell(deployment.name)}",
            "",
            f"{len(resolution.flows)} concrete flows, {len(rows)} rows (one per protocol).",
            "",
            "| " + " | ".join(COLUMNS) + " |",
            "|" + "---|" * len(COLUMNS),
        ]
        lines += ["| " + " | ".join(cell(c) for c in row.cells()) + " |" for row in rows]
        if resolution.warnings:  # what would hurt if installed as is: read before approving
            lines += ["", "## Warnings", ""]
            lines += [f"- {cell(text)}" for text in resolution.warnings]
        problems = warnings(resolution)
        if problems:
            lines += ["", "## Unresolved", ""]
            lines += [f"- {cell(text)}" for text in problems]
        if resolution.notices:
            lines += ["", "## Notes", ""]
            lines += [f"- {cell(text)}" for text in resolution.notices]
        return "\n".join(lines) + "\n"

"""The change-board report in Markdown (for a ticket, a wiki page or a pull request): the
cover, the caveats, the summary by zone pair and service, the flows by role and zone pair,
the rules per enforcement point and the matrix, under the same headings as the HTML page."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from portplan.model.concrete import Resolution
from portplan.model.deployment import Deployment
from portplan.report.base import COLUMNS, warnings
from portplan.report.changeboard import (
    ROLE_COLUMNS,
    RULE_COLUMNS,
    SUMMARY_COLUMNS,
    ChangeBoardReport,
    change_board,
    role_cells,
    rule_cells,
    summary_cells,
)
from portplan.report.cover import Cover


def cell(text: object) -> str:
    """Escape what would break a table row or turn into markup when rendered."""
    text = " ".join(str(text).split())
    for char in ("\\", "|", "`", "*", "_", "[", "]", "<", ">"):
        text = text.replace(char, "\\" + char)
    return text


def table(headings: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    out = ["| " + " | ".join(headings) + " |", "|" + "---|" * len(headings)]
    out += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return out


def _cover(report: ChangeBoardReport) -> list[str]:
    out = ["## Cover", ""]
    out += table(("Field", "Value"), [*report.cover.fields(), *report.totals()])
    if report.cover.inputs:
        out += [
            "",
            *table(("Input file", "SHA-256"), ((i.path, i.sha256) for i in report.cover.inputs)),
        ]
    return out


def _views(report: ChangeBoardReport) -> list[str]:
    out = ["", f"## Caveats to read before approving ({len(report.caveats)})", ""]
    out += [
        f"- **{cell(c.kind)}: {cell(c.product)}/{cell(c.flow)}**"
        + (f" ({c.rows} matrix rows)" if c.rows else "")
        + f": {cell(c.text)}"
        for c in report.caveats
    ] or ["None."]
    out += ["", f"## Summary by zone pair and service ({len(report.summary)} lines)", ""]
    out += table(
        SUMMARY_COLUMNS,
        (summary_cells(s) for s in report.summary),
    )
    out += ["", f"## By role and zone pair ({len(report.by_role)} lines)", ""]
    out += table(
        ROLE_COLUMNS,
        (role_cells(r) for r in report.by_role),
    )
    out += ["", "## Rules per enforcement point"]
    for point in report.points:
        out += ["", f"### {cell(point.point)} ({cell(point.platform)}, {point.kind} firewall)", ""]
        out += table(
            RULE_COLUMNS,
            (rule_cells(r) for r in point.rules),
        )
    return out


class MarkdownReport:
    name = "md"
    extension = "md"
    binary = False
    description = "Markdown: cover, summaries, rules per firewall, the matrix"

    def render(
        self, deployment: Deployment, resolution: Resolution, cover: Cover | None = None
    ) -> str:
        report = change_board(deployment, resolution, cover)
        lines = [f"# Port matrix: {cell(deployment.name)}", ""]
        if deployment.description:
            lines += [cell(deployment.description), ""]
        lines += _cover(report)
        if report.warnings:  # what would hurt if installed as is: read before approving
            lines += ["", "## Warnings", ""]
            lines += [f"- {cell(text)}" for text in report.warnings]
        lines += _views(report)
        lines += [
            "",
            f"## Matrix ({report.flows} concrete flows, {len(report.rows)} rows: one per flow, "
            "protocol and port range)",
            "",
            *table(COLUMNS, (row.cells() for row in report.rows)),
        ]
        if report.excluded:
            lines += ["", "## Excluded by the deployment", ""]
            lines += [
                f"- {cell(e.product)}/{cell(e.flow)} ({cell(', '.join(e.services))}): "
                f"{cell(e.reason)}"
                for e in report.excluded
            ]
        problems = warnings(resolution)
        if problems:
            lines += ["", "## Unresolved", ""]
            lines += [f"- {cell(text)}" for text in problems]
        if report.notices:
            lines += ["", "## Notes", ""]
            lines += [f"- {cell(text)}" for text in report.notices]
        return "\n".join(lines) + "\n"

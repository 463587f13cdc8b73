"""A :class:`Diff` as a change request in JSON, Markdown or an XLSX workbook."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from portplan.report.cover import ChangeRequest
from portplan.report.diff.base import Diff


def to_json(diff: Diff, request: ChangeRequest | None = None) -> str:
    request = request or ChangeRequest()
    data: dict[str, Any] = {
        "kind": diff.kind,
        "old": diff.old,
        "new": diff.new,
        "old_file": diff.old_file or None,
        "new_file": diff.new_file or None,
        "request": {
            "ticket": request.ticket,
            "owner": request.owner,
            "justification": request.justification,
            "approver": request.approver,
        },
        "summary": _summary_data(diff),
        "notes": list(diff.notes),
        "flows": [
            {
                "status": f.status,
                "id": f.key,
                "from": f.source,
                "to": f.destination,
                "purpose": f.purpose,
                "before": list(f.before),
                "after": list(f.after),
                "ports_added": list(f.ports_added),
                "ports_removed": list(f.ports_removed),
                "details": list(f.details),
            }
            for f in diff.flows
        ],
        "rules": [
            {
                "action": r.action,
                "point": r.point,
                "platform": r.platform,
                "direction": r.direction,
                "source": r.source,
                "source_addresses": r.source_addresses,
                "destination": r.destination,
                "destination_addresses": r.destination_addresses,
                "services": list(r.services),
                "flows": list(r.flows),
            }
            for r in diff.rules
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _summary_data(diff: Diff) -> dict[str, Any]:
    per_point = {
        point: {
            "add": sum(1 for r in diff.rules if r.point == point and r.action == "add"),
            "remove": sum(1 for r in diff.rules if r.point == point and r.action == "remove"),
        }
        for point in diff.points
    }
    return {
        "flows_added": diff.count("added"),
        "flows_removed": diff.count("removed"),
        "flows_changed": diff.count("changed"),
        "rules": per_point,
    }


def summary_lines(diff: Diff) -> list[str]:
    lines = [
        f"{diff.count('added')} flow(s) added, {diff.count('removed')} removed, "
        f"{diff.count('changed')} changed."
    ]
    if diff.kind == "deployment":
        if not diff.rules:
            lines.append("No enforcement point needs a rule change.")
        for point, counts in _summary_data(diff)["rules"].items():
            lines.append(f"{point}: {counts['add']} rule(s) to add, {counts['remove']} to remove.")
    if not diff.flows and not diff.notes:
        lines.append("The two versions are equivalent for the firewall.")
    return lines


def _cell(text: str) -> str:
    """A Markdown table cell: pipes escaped, tags neutralised, one line."""
    one_line = " ".join(text.split())
    # "<" could open an HTML tag in a Markdown viewer; a lone ">" cannot, and keeping it
    # leaves flow ids such as "srv1->prn1" readable in the raw text.
    return (
        one_line.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace("`", "\\`")
    )


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out


def to_markdown(diff: Diff, request: ChangeRequest | None = None) -> str:
    request = request or ChangeRequest()
    out = [f"# Change request: {_cell(diff.new)}", ""]
    out += _table(
        ["Field", "Value"],
        [
            ["Ticket", request.ticket],
            ["Owner", request.owner],
            ["Justification", request.justification],
            ["Compared", diff.compared],
            [
                "Approval",
                f"☐ approved ☐ rejected — by: {request.approver or '__________'} date: __________",
            ],
        ],
    )
    out += ["", "## Summary", ""]
    out += [f"- {_cell(line)}" for line in summary_lines(diff)]
    out += [f"- {_cell(note)}" for note in diff.notes]
    flow_header = ["Flow", "From", "To"]
    sections: list[tuple[str, list[str], list[list[str]]]] = [
        (
            f"Flows {status}",
            [*flow_header, "Services", "Purpose", "Notes"],
            [
                [
                    f.key,
                    f.source,
                    f.destination,
                    " ".join(f.after if status == "added" else f.before),
                    f.purpose,
                    "; ".join(f.details),
                ]
                for f in diff.flows
                if f.status == status
            ],
        )
        for status in ("added", "removed")
    ]
    sections.append(
        (
            "Flows changed",
            [*flow_header, "Before", "After", "Ports added", "Ports removed", "Other"],
            [
                [
                    f.key,
                    f.source,
                    f.destination,
                    " ".join(f.before),
                    " ".join(f.after),
                    " ".join(f.ports_added) or "—",
                    " ".join(f.ports_removed) or "—",
                    "; ".join(f.details),
                ]
                for f in diff.flows
                if f.status == "changed"
            ],
        )
    )
    for title, headers, rows in sections:
        if rows:
            out += ["", f"## {title}", "", *_table(headers, rows)]
    if diff.kind == "deployment" and diff.rules:
        out += ["", "## Rules per enforcement point"]
        for point in diff.points:
            rules = [r for r in diff.rules if r.point == point]
            out += ["", f"### {_cell(point)} ({_cell(rules[0].platform)})", ""]
            out += _table(
                ["Action", "Direction", "Source", "Destination", "Services", "For flows"],
                [
                    [
                        r.action,
                        r.direction,
                        f"{r.source} ({r.source_addresses})",
                        f"{r.destination} ({r.destination_addresses})",
                        " ".join(r.services),
                        ", ".join(r.flows),
                    ]
                    for r in rules
                ],
            )
    return "\n".join(out) + "\n"


def to_xlsx(diff: Diff, request: ChangeRequest | None = None) -> bytes:
    """Three sheets: the request (fields, summary), the flows, the rules per point."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    request = request or ChangeRequest()
    book = Workbook()
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DCE6F1")

    def put(sheet: Any, row: int, column: int, value: str) -> None:
        cell = sheet.cell(row=row, column=column, value=value)
        # A cell starting with "=" would be stored as a formula; names come from user files.
        cell.data_type = "s"
        cell.alignment = Alignment(wrap_text=True, vertical="top")

    def table(
        sheet: Any, headers: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int]
    ) -> None:
        for column, header in enumerate(headers, 1):
            put(sheet, 1, column, header)
            sheet.cell(row=1, column=column).font = bold
            sheet.cell(row=1, column=column).fill = head_fill
            sheet.column_dimensions[get_column_letter(column)].width = widths[column - 1]
        for r, row in enumerate(rows, 2):
            for column, value in enumerate(row, 1):
                put(sheet, r, column, value)
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(1, len(rows) + 1)}"

    front = book.active
    front.title = "Change request"
    fields = [
        ("Change request", diff.new),
        ("Ticket", request.ticket),
        ("Owner", request.owner),
        ("Justification", request.justification),
        ("Compared", diff.compared),
        ("Approved by", request.approver),
        ("Approval date", ""),
        ("Decision", ""),
    ]
    rows = [[k, v] for k, v in fields] + [["", ""]]
    rows += [["Summary", line] for line in summary_lines(diff)]
    rows += [["Note", note] for note in diff.notes]
    for r, (key, value) in enumerate(rows, 1):
        put(front, r, 1, key)
        put(front, r, 2, value)
        front.cell(row=r, column=1).font = bold
    front.column_dimensions["A"].width = 18
    front.column_dimensions["B"].width = 90

    flows = book.create_sheet("Flows")
    table(
        flows,
        [
            "Status",
            "Flow",
            "From",
            "To",
            "Before",
            "After",
            "Ports added",
            "Ports removed",
            "Purpose",
            "Other",
        ],
        [
            [
                f.status,
                f.key,
                f.source,
                f.destination,
                " ".join(f.before),
                " ".join(f.after),
                " ".join(f.ports_added),
                " ".join(f.ports_removed),
                f.purpose,
                "; ".join(f.details),
            ]
            for f in diff.flows
        ],
        [10, 42, 16, 16, 24, 24, 20, 20, 36, 36],
    )
    if diff.kind == "deployment":
        rules = book.create_sheet("Rules")
        table(
            rules,
            [
                "Enforcement point",
                "Platform",
                "Action",
                "Direction",
                "Source",
                "Source addresses",
                "Destination",
                "Destination addresses",
                "Services",
                "For flows",
            ],
            [
                [
                    r.point,
                    r.platform,
                    r.action,
                    r.direction,
                    r.source,
                    r.source_addresses,
                    r.destination,
                    r.destination_addresses,
                    " ".join(r.services),
                    ", ".join(r.flows),
                ]
                for r in diff.rules
            ],
            [20, 12, 8, 12, 16, 22, 16, 22, 24, 50],
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

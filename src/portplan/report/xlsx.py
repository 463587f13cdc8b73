"""The change-board report as an Excel workbook: what change-request processes ask for.

Sheets: **Cover** (the deployment, portplan's version, the date, every input file with its
SHA-256, ticket / owner / justification / approver fields, what the report holds, the
warnings and the caveats to read), **Summary** (zone pair × service, each line counting the
matrix rows it stands for), **By role** (product flow × zone pair — a large site on one page),
**Flows** (the matrix, ports as numbers), one **Rules …** sheet per enforcement point,
**Excluded**, **Unresolved**, **Warnings** (what would hurt if installed as is: a host
firewall that locks admins out) and **Notes**. Every table has a bold header, a filter, frozen
panes and print setup (landscape, fit to the page's width, the header repeated on every page).

Written in openpyxl's streaming mode, so a 60,000-row matrix takes seconds, not minutes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from portplan.errors import UnsupportedError
from portplan.model.concrete import Resolution
from portplan.model.deployment import Deployment
from portplan.report.base import MatrixRow
from portplan.report.changeboard import ChangeBoardReport, PointRule, RoleRow, change_board
from portplan.report.cover import Cover

MAX_WIDTH = 60
MAX_ROWS = 1_048_576  # the XLSX sheet limit (ECMA-376), header included
BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DCE6F1")
WRAP = Alignment(wrap_text=True, vertical="top")
Cell = str | int | None


@dataclass(frozen=True)
class Column:
    title: str
    wrap: bool = False  # long text: wrapped in the cell
    number: bool = False  # written as a number, so it sorts and filters as one


def _text(value: str) -> str:
    # Control characters are not allowed in XLSX cells; a hostile document could carry one.
    return str(ILLEGAL_CHARACTERS_RE.sub("", value))


def _cell(sheet: WriteOnlyWorksheet, value: Cell, wrap: bool) -> object:
    """A plain value, or a styled cell where it needs one: text longer than its column is
    wrapped; text starting with "=" is marked as text (styling every cell would make a
    60,000-row sheet take minutes)."""
    if not isinstance(value, str):
        return value
    text = _text(value)
    if not wrap and not text.startswith("="):
        return text
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # a purpose starting with "=" is text, not a formula
    if wrap:
        cell.alignment = WRAP
    return cell


def _widths(columns: Sequence[Column], rows: Sequence[Sequence[Cell]]) -> list[int]:
    widths = []
    for index, column in enumerate(columns):
        longest = max([len(column.title), *(len(str(row[index] or "")) for row in rows[:5000])])
        widths.append(min(max(longest + 2, 8), MAX_WIDTH))
    return widths


def _print_setup(sheet: WriteOnlyWorksheet, header: bool = True) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as it takes
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if header:
        sheet.print_title_rows = "1:1"


def table(
    book: Workbook, title: str, columns: Sequence[Column], rows: Sequence[Sequence[Cell]]
) -> WriteOnlyWorksheet:
    """A sheet with a bold header, a filter over every column, panes frozen below the header,
    widths fitted to the content and print setup."""
    if len(rows) + 1 > MAX_ROWS:
        raise UnsupportedError(
            f"the sheet '{title}' would have {len(rows)} rows; an XLSX sheet holds at most "
            f"{MAX_ROWS - 1} — use --format csv, or describe large groups of hosts as "
            f"externals with CIDRs."
        )
    sheet: WriteOnlyWorksheet = book.create_sheet(title)
    for index, width in enumerate(_widths(columns, rows), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width  # before any row
    sheet.freeze_panes = "A2"
    _print_setup(sheet)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.title)
        cell.font, cell.fill = BOLD, HEAD_FILL
        header.append(cell)
    sheet.append(header)
    widths = _widths(columns, rows)
    # Wrapped only where the text is longer than its column (the rest needs no style).
    for row in rows:
        sheet.append(
            [
                _cell(sheet, value, column.wrap and len(str(value or "")) > width)
                for value, column, width in zip(row, columns, widths, strict=True)
            ]
        )
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(rows) + 1, 1)}"
    return sheet


def sheet_name(name: str, taken: set[str]) -> str:
    """``Rules <point>``: at most 31 characters, none of ``[]:*?/\\``, unique in the book."""
    base = re.sub(r"[\[\]:*?/\\]", "-", f"Rules {name}")[:31]
    candidate, number = base, 2
    while candidate.lower() in taken:
        suffix = f" ({number})"
        candidate, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(candidate.lower())
    return candidate


def _cover(book: Workbook, report: ChangeBoardReport) -> None:
    sheet: WriteOnlyWorksheet = book.create_sheet("Cover")
    sheet.column_dimensions["A"].width = 44
    sheet.column_dimensions["B"].width = 100
    _print_setup(sheet, header=False)

    def line(label: str, value: Cell = "", bold: bool = False) -> None:
        first = WriteOnlyCell(sheet, value=_text(label))
        first.font = BOLD if bold or value != "" else Font()
        sheet.append([first, _cell(sheet, value, wrap=True)])

    line(f"Firewall change request: port matrix for {report.cover.deployment}", bold=True)
    line("")
    for label, value in report.cover.fields():
        line(label, value)
    line("")
    line("This report holds", bold=True)
    for label, value in report.totals():
        line(label, value)
    line("")
    line("Input files (SHA-256)", bold=True)
    for item in report.cover.inputs or ():
        line(item.path, item.sha256)
    if not report.cover.inputs:
        line("(made from values in code, not from files)")
    if report.warnings:
        line("")
        line(f"Warnings — would hurt if installed as is ({len(report.warnings)})", bold=True)
        for text in report.warnings:
            line("warning", text)
    line("")
    line(f"Caveats to read before approving ({len(report.caveats)})", bold=True)
    for caveat in report.caveats:
        rows = f" — {caveat.rows} matrix row(s)" if caveat.rows else ""
        line(f"{caveat.kind}: {caveat.product}/{caveat.flow}{rows}", caveat.text)


PORTS = [f.name for f in fields(MatrixRow)].index("ports")


def _matrix_rows(report: ChangeBoardReport) -> list[list[Cell]]:
    """The matrix with its Ports column as two numbers, Port and To port."""
    out: list[list[Cell]] = []
    for row in report.rows:
        cells: list[Cell] = list(row.cells())
        cells[PORTS : PORTS + 1] = _bounds(row.ports)
        out.append(cells)
    return out


TEXT, WRAPPED, NUMBER = Column(""), Column("", wrap=True), Column("", number=True)


def _columns(*spec: tuple[str, Column]) -> list[Column]:
    return [Column(title, kind.wrap, kind.number) for title, kind in spec]


MATRIX = _columns(
    ("Source site", TEXT),
    ("Source zone", TEXT),
    ("Source host", TEXT),
    ("Source addresses", WRAPPED),
    ("Destination site", TEXT),
    ("Destination zone", TEXT),
    ("Destination host", TEXT),
    ("Destination addresses", WRAPPED),
    ("Protocol", TEXT),
    ("Port", NUMBER),
    ("To port", NUMBER),
    ("Purpose", WRAPPED),
    ("Product", TEXT),
    ("Flow", TEXT),
    ("Feature / optional", TEXT),
    ("Firewalls on the path", WRAPPED),
    ("Notes", WRAPPED),
    ("Evidence", TEXT),
)
SUMMARY = _columns(
    ("Source site", TEXT),
    ("Source zone", TEXT),
    ("Destination site", TEXT),
    ("Destination zone", TEXT),
    ("Protocol", TEXT),
    ("Port", NUMBER),
    ("To port", NUMBER),
    ("Matrix rows", NUMBER),
    ("Source hosts", NUMBER),
    ("Destination hosts", NUMBER),
    ("Firewalls on the path", WRAPPED),
    ("Product flows", WRAPPED),
)
BY_ROLE = _columns(
    ("Product", TEXT),
    ("Flow", TEXT),
    ("From role", TEXT),
    ("To role", TEXT),
    ("Source zone", TEXT),
    ("Destination zone", TEXT),
    ("Services", WRAPPED),
    ("Host pairs", NUMBER),
    ("Firewalls on the path", WRAPPED),
    ("Purpose", WRAPPED),
    ("Feature / optional", TEXT),
    ("Notes", WRAPPED),
)
RULES = _columns(
    ("Direction", TEXT),
    ("On host", TEXT),
    ("Source", TEXT),
    ("Source addresses", WRAPPED),
    ("Destination", TEXT),
    ("Destination addresses", WRAPPED),
    ("Protocol", TEXT),
    ("Port", NUMBER),
    ("To port", NUMBER),
    ("For flows", WRAPPED),
)


def _bounds(ports: str) -> list[Cell]:
    low, _, high = ports.partition("-")
    if not low.isdigit():
        return [ports, None]
    return [int(low), int(high or low)]


def _summary_rows(report: ChangeBoardReport) -> list[list[Cell]]:
    return [
        [
            s.source_site,
            s.source_zone,
            s.destination_site,
            s.destination_zone,
            s.protocol,
            *_bounds(s.ports),
            s.rows,
            s.source_hosts,
            s.destination_hosts,
            s.firewalls,
            s.flows,
        ]
        for s in report.summary
    ]


def _point_rows(rules: Iterable[PointRule]) -> list[list[Cell]]:
    return [
        [
            rule.direction,
            rule.host,
            rule.source,
            rule.source_addresses,
            rule.destination,
            rule.destination_addresses,
            rule.protocol,
            *_bounds(rule.ports),
            rule.flows,
        ]
        for rule in rules
    ]


class XlsxReport:
    name = "xlsx"
    extension = "xlsx"
    binary = True
    description = "Excel workbook for a change board: cover, summary, matrix, rules per firewall"

    def render(
        self, deployment: Deployment, resolution: Resolution, cover: Cover | None = None
    ) -> bytes:
        report = change_board(deployment, resolution, cover)
        if len(report.rows) + 1 > MAX_ROWS:  # the largest sheet: say so before writing any
            raise UnsupportedError(
                f"the port matrix has {len(report.rows)} rows; an XLSX sheet holds at most "
                f"{MAX_ROWS - 1} — use --format csv, or describe large groups of hosts as "
                f"externals with CIDRs."
            )
        book = Workbook(write_only=True)
        _cover(book, report)
        table(book, "Summary", SUMMARY, _summary_rows(report))
        table(book, "By role", BY_ROLE, [_role_cells(r) for r in report.by_role])
        table(book, "Flows", MATRIX, _matrix_rows(report))
        taken = {
            "cover",
            "summary",
            "by role",
            "flows",
            "excluded",
            "unresolved",
            "warnings",
            "notes",
        }
        for point in report.points:
            table(book, sheet_name(point.point, taken), RULES, _point_rows(point.rules))
        if report.excluded:
            table(
                book,
                "Excluded",
                _columns(
                    ("Product", TEXT),
                    ("Flow", TEXT),
                    ("Services", TEXT),
                    ("Purpose", WRAPPED),
                    ("Reason", WRAPPED),
                ),
                [
                    [e.product, e.flow, " ".join(e.services), e.purpose, e.reason]
                    for e in report.excluded
                ],
            )
        table(
            book,
            "Unresolved",
            _columns(("Product", TEXT), ("Flow", TEXT), ("Role", TEXT), ("Reason", WRAPPED)),
            [[u.product, u.flow, u.role, u.reason] for u in report.unbound],
        )
        table(book, "Warnings", _columns(("Warning", WRAPPED)), [[w] for w in report.warnings])
        table(book, "Notes", _columns(("Note", WRAPPED)), [[n] for n in report.notices])
        book.properties.title = f"Port matrix: {deployment.name}"
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()


def _role_cells(row: RoleRow) -> list[Cell]:
    return [
        row.product,
        row.flow,
        row.source_role,
        row.destination_role,
        row.source_zone,
        row.destination_zone,
        row.services,
        row.pairs,
        row.firewalls,
        row.purpose,
        row.condition,
        row.notes,
    ]

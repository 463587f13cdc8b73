"""The port matrix as an Excel workbook: what change-request processes usually ask for.

Sheet "Flows": bold header, autofilter, panes frozen below the header, widths fitted to the
content (capped, with wrapping), so it is readable as soon as it opens. Sheet "Unresolved"
lists what did not resolve, so nobody mistakes the matrix for complete when it is not; sheet
"Warnings" what would hurt if installed as is (a host firewall that locks admins out).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from portplan.errors import UnsupportedError
from portplan.model.concrete import Resolution
from portplan.model.deployment import Deployment
from portplan.report.base import COLUMNS, matrix_rows

MAX_WIDTH = 60
MAX_ROWS = 1_048_576  # the XLSX sheet limit (ECMA-376), header included


def _fill(sheet: Worksheet, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    sheet.append(list(header))
    for row in rows:
        # Control characters are not allowed in XLSX cells; a hostile document could carry one.
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", value) for value in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            # Text from documents stays text: a purpose starting with "=" is not a formula.
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
            cell.alignment = wrap
    for index, title in enumerate(header, start=1):
        longest = max([len(title), *(len(str(r[index - 1])) for r in rows)])
        sheet.column_dimensions[get_column_letter(index)].width = min(longest + 2, MAX_WIDTH)
    sheet.freeze_panes = "A2"
    last = get_column_letter(len(header))
    sheet.auto_filter.ref = f"A1:{last}{max(len(rows) + 1, 1)}"


class XlsxReport:
    name = "xlsx"
    extension = "xlsx"
    binary = True
    description = "Excel workbook (filter, frozen header)"

    def render(self, deployment: Deployment, resolution: Resolution) -> bytes:
        rows = matrix_rows(resolution)
        if len(rows) + 1 > MAX_ROWS:
            raise UnsupportedError(
                f"the port matrix has {len(rows)} rows; an XLSX sheet holds at most "
                f"{MAX_ROWS - 1} — use --format csv, or describe large groups of hosts as "
                f"externals with CIDRs."
            )
        book = Workbook()
        flows = book.active
        assert flows is not None
        flows.title = "Flows"
        _fill(flows, COLUMNS, [row.cells() for row in rows])
        unresolved = book.create_sheet("Unresolved")
        _fill(
            unresolved,
            ("Product", "Flow", "Role", "Reason"),
            [(u.product, u.flow, u.role, u.reason) for u in resolution.unbound],
        )
        _fill(
            book.create_sheet("Warnings"),
            ("Warning",),
            [(text,) for text in resolution.warnings],
        )
        book.properties.title = f"Port matrix: {deployment.name}"
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()

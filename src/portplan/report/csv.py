"""The port matrix as CSV (UTF-8, a header row, one row per flow, protocol and port range)."""

from __future__ import annotations

import csv
import io

from portplan.model.concrete import Resolution
from portplan.model.deployment import Deployment
from portplan.report.base import COLUMNS, matrix_rows
from portplan.report.cover import Cover

# Spreadsheets run a cell that starts with one of these as a formula (OWASP "CSV
# injection"); a purpose taken from a hostile document must stay text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


class CsvReport:
    name = "csv"
    extension = "csv"
    binary = False
    description = "CSV: the matrix, one row per flow, protocol and port range"

    def render(
        self, deployment: Deployment, resolution: Resolution, cover: Cover | None = None
    ) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in matrix_rows(resolution):
            writer.writerow([inert(c) for c in row.cells()])
        return buffer.getvalue()

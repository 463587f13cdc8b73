"""Report stage: the port matrix in Markdown, CSV, XLSX, HTML or JSON.

One module per format, registered in :data:`portplan.report.base.FORMATS`.
"""

from portplan.report.base import (
    COLUMNS,
    FORMATS,
    MatrixRow,
    ReportFormat,
    format_names,
    get_format,
    matrix_rows,
)

__all__ = [
    "COLUMNS",
    "FORMATS",
    "MatrixRow",
    "ReportFormat",
    "format_names",
    "get_format",
    "matrix_rows",
]

"""The port matrix as JSON: the rows by column, plus the full resolution they came from."""

from __future__ import annotations

import json
from dataclasses import asdict, fields

from portplan.flows.serialize import resolution_to_dict
from portplan.model.concrete import Resolution
from portplan.model.deployment import Deployment
from portplan.report.base import COLUMNS, MatrixRow, matrix_rows


class JsonReport:
    name = "json"
    extension = "json"
    binary = False
    description = "JSON: matrix rows, flows, unbound, notices and warnings"

    def render(self, deployment: Deployment, resolution: Resolution) -> str:
        plan = resolution_to_dict(resolution)
        document = {
            "deployment": deployment.name,
            "columns": {f.name: title for f, title in zip(fields(MatrixRow), COLUMNS, strict=True)},
            "rows": [asdict(row) for row in matrix_rows(resolution)],
            "flows": plan["flows"],
            "unbound": plan["unbound"],
            "notices": plan["notices"],
            "warnings": plan["warnings"],
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"

"""The change-board report as JSON: the cover, the summaries, the rules per enforcement
point, the matrix rows by column, and the full plan they came from."""

from __future__ import annotations

import json
from dataclasses import asdict, fields

from portplan.flows.serialize import resolution_to_dict
from portplan.model.concrete import Resolution
from portplan.model.deployment import Deployment
from portplan.report.base import COLUMNS, MatrixRow
from portplan.report.changeboard import change_board
from portplan.report.cover import Cover


class JsonReport:
    name = "json"
    extension = "json"
    binary = False
    description = "JSON: cover, warnings, summaries, rules per firewall, matrix rows, the plan"

    def render(
        self, deployment: Deployment, resolution: Resolution, cover: Cover | None = None
    ) -> str:
        report = change_board(deployment, resolution, cover)
        plan = resolution_to_dict(resolution)
        document = {
            "deployment": deployment.name,
            "cover": asdict(report.cover),
            "caveats": [asdict(c) for c in report.caveats],
            "summary": [asdict(s) for s in report.summary],
            "by_role": [asdict(r) for r in report.by_role],
            "points": [asdict(p) for p in report.points],
            "columns": {f.name: title for f, title in zip(fields(MatrixRow), COLUMNS, strict=True)},
            "rows": [asdict(row) for row in report.rows],
            "flows": plan["flows"],
            "unbound": plan["unbound"],
            "excluded": plan["excluded"],
            "notices": plan["notices"],
            "warnings": plan["warnings"],
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"

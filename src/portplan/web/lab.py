"""Running the lab from the workbench: one run at a time, in a thread, its progress kept as
events a page streams (server-sent events) and its result in the shape the page shows.

The run is :func:`portplan.pipeline.lab`, the same call ``portplan lab`` makes, so the
verdicts are the same; namespaces are removed when it ends, also when the server stops.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from portplan import pipeline
from portplan.errors import EnvironmentProblem, PortplanError

if TYPE_CHECKING:
    from portplan.pipeline import LabReport, LabResult

_ids = itertools.count(1)


@dataclass
class LabJob:
    id: str
    deployment: str
    events: list[dict[str, Any]] = field(default_factory=list)
    done: bool = False
    changed: threading.Condition = field(default_factory=threading.Condition)

    def add(self, kind: str, **data: Any) -> None:
        with self.changed:
            self.events.append({"event": kind, "time": time.time(), **data})
            if kind in ("result", "failure"):
                self.done = True
            self.changed.notify_all()

    def result(self) -> dict[str, Any] | None:
        last = self.events[-1] if self.events else None
        return last if last is not None and last["event"] in ("result", "failure") else None


class LabRunner:
    def __init__(self) -> None:
        self.jobs: dict[str, LabJob] = {}
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self, deployment_id: str, path: Path, catalog_dirs: Sequence[Path]) -> LabJob:
        problems = pipeline.lab_problems()
        if problems:
            raise EnvironmentProblem(
                f"the lab needs {' and '.join(problems)} — start portplan serve as root on a "
                "machine with nftables and iproute2."
            )
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                raise EnvironmentProblem("a lab is running already — wait for it to finish.")
            job = LabJob(str(next(_ids)), deployment_id)
            self.jobs[job.id] = job
            self._thread = threading.Thread(
                target=self._run, args=(job, path, tuple(catalog_dirs)), daemon=True
            )
            self._thread.start()
        return job

    def job(self, job_id: str) -> LabJob:
        job = self.jobs.get(job_id)
        if job is None:
            raise LookupError(f"no lab run '{job_id}'")
        return job

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()

    @staticmethod
    def _run(job: LabJob, path: Path, catalog_dirs: tuple[Path, ...]) -> None:
        job.add("progress", line=f"planning {path.name}")
        try:
            report = pipeline.lab(
                path,
                catalog_dirs=catalog_dirs,
                progress=lambda line: job.add("progress", line=line),
            )
        except PortplanError as exc:
            job.add("failure", message=str(exc))
            return
        except Exception as exc:  # the page shows one line, as the CLI would
            job.add("failure", message=f"internal error: {exc.__class__.__name__}: {exc}")
            return
        job.add("result", **lab_summary(report))


def lab_summary(report: LabReport) -> dict[str, Any]:
    """Per flow: probes, expected, observed states and the verdict (``portplan lab``'s table)."""
    flows: dict[str, list[LabResult]] = {}
    for result in report.results:
        flows.setdefault(result.case.flow, []).append(result)
    rows = []
    for flow, results in flows.items():
        states = Counter(r.observed for r in results)
        rows.append(
            {
                "flow": flow,
                "source": results[0].case.source,
                "probes": len(results),
                "expected": "pass" if results[0].case.expected == "pass" else "blocked",
                "observed": ", ".join(f"{s} ×{n}" for s, n in states.most_common()),
                "ok": all(r.ok for r in results),
            }
        )
    return {
        "deployment": report.deployment,
        "namespaces": report.namespaces,
        "probes": len(report.results),
        "mismatches": len(report.mismatches),
        "timings": {k: round(v, 3) for k, v in report.timings.items()},
        "notices": list(report.notices),
        "flows": rows,
        "mismatch_details": [
            f"{r.case.flow}: {r.case.source} {r.case.target.label} expected {r.case.expected}, "
            f"observed {r.observed} ({r.detail})"
            for r in report.mismatches
        ],
    }

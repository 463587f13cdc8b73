"""Ansible callback: one JSON line per task result, for ``portplan fleet`` to read.

Enabled by portplan through ``ANSIBLE_CALLBACKS_ENABLED=portplan_events``; writes to the file
named by ``PORTPLAN_EVENTS``. Each line: host, task, status (ok, failed, unreachable,
skipped), and for portplan's own tasks their stdout (the agent's JSON).
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):  # type: ignore[misc]
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "portplan_events"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        path = os.environ.get("PORTPLAN_EVENTS")
        self._stream = open(path, "a", buffering=1) if path else None  # noqa: SIM115

    def _write(self, result: Any, status: str) -> None:
        if self._stream is None:
            return
        data = result._result if isinstance(result._result, dict) else {}
        message = data.get("msg") or data.get("stderr") or ""
        event = {
            "host": result._host.get_name(),
            "task": result._task.get_name(),
            "status": status,
            "time": round(time.time(), 3),
            "stdout": data.get("stdout", "") if status in ("ok", "failed") else "",
            "message": str(message)[:2000],
        }
        self._stream.write(json.dumps(event) + "\n")

    def v2_runner_on_ok(self, result: Any) -> None:
        self._write(result, "ok")

    def v2_runner_on_failed(self, result: Any, ignore_errors: bool = False) -> None:
        self._write(result, "failed")

    def v2_runner_on_unreachable(self, result: Any) -> None:
        self._write(result, "unreachable")

    def v2_runner_on_skipped(self, result: Any) -> None:
        self._write(result, "skipped")

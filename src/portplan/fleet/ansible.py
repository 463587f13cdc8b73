"""Running the shipped playbooks with the real ``ansible-playbook`` and reading what happened.

Ansible is configured through its environment only, pointed into the run's temporary directory
(its home, local temp, SSH control sockets), so a run leaves nothing behind on the controller.
A callback plugin shipped beside the playbooks writes one JSON line per task result; the
outcome per host (reachable? which task failed? each portplan task's output) comes from there,
not from parsing Ansible's screen output.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from portplan.errors import EnvironmentProblem
from portplan.extras import require

PLAYBOOKS = ("verify.yml", "stop.yml", "apply.yml", "confirm.yml")
CALLBACK = "callback_plugins/portplan_events.py"


def playbook_directory() -> Path:
    return Path(str(resources.files("portplan.fleet") / "playbooks"))


def emit_playbooks(directory: Path) -> list[Path]:
    """Copy the playbooks and the callback plugin into ``directory`` for teams that run
    Ansible themselves."""
    source = playbook_directory()
    written = []
    for name in (*PLAYBOOKS, CALLBACK):
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / name, target)
        written.append(target)
    return written


def find_tool(name: str) -> str:
    """An Ansible command: beside this Python (a virtualenv's bin/), else on PATH."""
    require("fleet", "ansible")
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise EnvironmentProblem(
            f"{name} is not installed — pip install 'portplan[fleet]' (ansible-core)."
        )
    return found


@dataclass
class HostOutcome:
    """What happened on one inventory host during a playbook run."""

    status: str = "ok"  # ok, failed, unreachable
    message: str = ""  # why, when not ok
    failed_task: str = ""
    outputs: dict[str, str] = field(default_factory=dict)  # portplan task → its stdout


@dataclass(frozen=True)
class PlaybookRun:
    hosts: dict[str, HostOutcome]
    seconds: float
    log: Path  # Ansible's own output


def _outcomes(events: Path, hosts: Sequence[str]) -> dict[str, HostOutcome]:
    outcomes = {host: HostOutcome() for host in hosts}
    if not events.exists():
        return outcomes
    for line in events.read_text().splitlines():
        event = json.loads(line)
        outcome = outcomes.setdefault(event["host"], HostOutcome())
        task = event["task"]
        if event["stdout"]:
            outcome.outputs[task] = event["stdout"]
        if event["status"] in ("failed", "unreachable") and outcome.status == "ok":
            outcome.status = event["status"]
            outcome.failed_task = task
            detail = event["stdout"].strip() or event["message"].strip()
            outcome.message = " ".join(detail.split())[:400]
    return outcomes


def run_playbook(
    name: str,
    inventory: Path,
    extra_vars: Mapping[str, Any],
    workdir: Path,
    *,
    hosts: Sequence[str],
    forks: int = 20,
    limit: str | None = None,
    fresh_connections: bool = False,
    tasks_per_host: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> PlaybookRun:
    """Run a shipped playbook; per inventory host what happened. ``fresh_connections`` turns
    SSH connection sharing off (a confirm must prove a *new* login works)."""
    playbook_directory_ = playbook_directory()
    tag = f"{name.split('.')[0]}-{int(time.monotonic() * 1000)}"
    events = workdir / f"{tag}.events.jsonl"
    log = workdir / f"{tag}.log"
    variables = workdir / f"{tag}.vars.json"
    variables.write_text(json.dumps(dict(extra_vars)))
    home = workdir / "ansible"
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    (home / "cp").mkdir(exist_ok=True)
    environment = {
        **os.environ,
        "ANSIBLE_HOME": str(home),
        "ANSIBLE_LOCAL_TEMP": str(home / "tmp"),
        "ANSIBLE_SSH_CONTROL_PATH_DIR": str(home / "cp"),
        "ANSIBLE_CALLBACK_PLUGINS": str(playbook_directory_ / "callback_plugins"),
        "ANSIBLE_CALLBACKS_ENABLED": "portplan_events",
        "ANSIBLE_PIPELINING": "True",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_DEPRECATION_WARNINGS": "False",
        "ANSIBLE_FORKS": str(forks),
        "PORTPLAN_EVENTS": str(events),
    }
    if fresh_connections:
        environment["ANSIBLE_SSH_ARGS"] = "-o ControlMaster=no -o ControlPath=none"
    argv = [
        find_tool("ansible-playbook"),
        "-i",
        str(inventory),
        "-e",
        f"@{variables}",
        str(playbook_directory_ / name),
    ]
    if limit:
        argv += ["--limit", limit]
    started = time.monotonic()
    with log.open("wb") as output:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=environment,
            start_new_session=True,
        )
        try:
            total = max(1, len(hosts) * tasks_per_host)
            while process.poll() is None:
                if progress is not None and events.exists():
                    done = sum(1 for _ in events.open())
                    progress(min(done, total), total)
                time.sleep(0.2)
        except BaseException:
            # Ctrl-C or SIGTERM: stop Ansible (and its SSH children) before anything else.
            _stop(process)
            raise
    ran = events.exists() and events.stat().st_size > 0
    if process.returncode not in (0, 2, 4) or (process.returncode and not ran):
        # 2: a host failed, 4: a host was unreachable; any other code, or no task result at
        # all, means Ansible itself failed (a parse error, a bad inventory).
        tail = log.read_text(errors="replace").strip().splitlines()[-3:]
        raise EnvironmentProblem(
            f"ansible-playbook {name} failed (exit {process.returncode}): {' | '.join(tail)}"
        )
    return PlaybookRun(_outcomes(events, hosts), time.monotonic() - started, log)


def _stop(process: subprocess.Popen[bytes]) -> None:
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, signum)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=5)
            return
        except subprocess.TimeoutExpired:
            continue


def agent_output(outcome: HostOutcome, task: str) -> Any:
    """The JSON a portplan task printed on a host (None when it did not run or printed none)."""
    text = outcome.outputs.get(f"portplan: {task}", "").strip()
    if not text:
        return None
    try:
        return json.loads(text.splitlines()[-1])
    except json.JSONDecodeError:
        return None

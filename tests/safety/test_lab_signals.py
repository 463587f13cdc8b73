"""A lab stopped by signals — during build, while probing, during teardown, twice — leaves
nothing behind, and exits 128 + the signal.

Each case runs ``portplan lab`` as its own process and looks only at what that process made:
namespaces named ``ppl<its pid>-…`` and agents whose pid files sit in the test's own run
directory (``PORTPLAN_RUN_DIR``). Other labs on the machine are never looked at or touched.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.safety.conftest import MESH, portplan_argv

HERE = Path(__file__).parent
Watch = Callable[[], bool]


def namespaces_of(pid: int) -> list[str]:
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return [line.split()[0] for line in listing.splitlines() if line.startswith(f"ppl{pid}-")]


def processes_mentioning(text: str) -> list[int]:
    """Live processes whose command line names ``text`` (the test's own run directory)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if text.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def wait_for(condition: Watch, process: subprocess.Popen[bytes], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert process.poll() is None, "the lab ended before the moment to interrupt it"
        assert time.monotonic() < deadline, "the moment to interrupt never came"
        time.sleep(0.02)


# When to send the signals: the moment each predicate first holds.
def building(pid: int, run: Path) -> Watch:
    return lambda: len(namespaces_of(pid)) >= 5


def probing(pid: int, run: Path) -> Watch:
    return lambda: len(list(run.glob("*.pid"))) >= 3  # listeners up, probes under way


def tearing_down(pid: int, run: Path) -> Watch:
    """The agents' pid files appeared and are gone again: the namespaces are being deleted."""
    seen = {"agents": False}

    def check() -> bool:
        present = bool(list(run.glob("*.pid")))
        seen["agents"] |= present
        return seen["agents"] and not present and bool(namespaces_of(pid))

    return check


CASES = [
    ("build", building, (signal.SIGINT,), 130),
    ("build", building, (signal.SIGHUP, signal.SIGINT), 129),  # hang-up, then Ctrl-C
    ("probing", probing, (signal.SIGTERM,), 143),
    ("probing", probing, (signal.SIGINT, signal.SIGINT), 130),  # Ctrl-C twice
    ("teardown", tearing_down, (signal.SIGINT, signal.SIGHUP), 130),
    ("teardown", tearing_down, (signal.SIGHUP, signal.SIGINT, signal.SIGINT), 129),
]


@pytest.mark.root
@pytest.mark.parametrize(
    ("moment", "when", "signals", "code"),
    CASES,
    ids=[f"{c[0]}-{'+'.join(signal.Signals(s).name for s in c[2])}" for c in CASES],
)
def test_signals_leave_nothing_behind(
    kernel: None,
    tmp_path: Path,
    moment: str,
    when: Callable[[int, Path], Watch],
    signals: tuple[int, ...],
    code: int,
) -> None:
    run = tmp_path / "run"
    process = subprocess.Popen(
        portplan_argv("lab", str(MESH)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PORTPLAN_RUN_DIR": str(run)},
    )
    try:
        wait_for(when(process.pid, run), process)
        for signum in signals:
            process.send_signal(signum)
            time.sleep(0.05)
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    message = stderr.decode(errors="replace")
    assert process.returncode == code, message
    assert "interrupted" in message and "Traceback" not in message, message
    assert namespaces_of(process.pid) == []
    assert processes_mentioning(str(run)) == []
    assert not run.exists() or list(run.iterdir()) == []


@pytest.mark.root
def test_cleanup_removes_only_what_dead_labs_left(kernel: None, tmp_path: Path) -> None:
    """In a mount namespace of its own (so ``ip netns list`` shows only this test's
    namespaces): a dead lab's namespace and agent, an agent whose namespace name is already
    gone, and a live lab's namespace. ``portplan lab --cleanup`` removes the first two and
    leaves the third."""
    script = HERE / "cleanup_scenario.py"
    result = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "PORTPLAN_RUN_DIR": str(tmp_path / "run")},
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["exit"] == 0, outcome
    assert outcome["left"] == [outcome["live"]]
    assert sorted(outcome["removed"]) == sorted(outcome["dead"])
    assert outcome["agents_alive"] == []
    assert outcome["pid_files"] == []
    assert processes_mentioning(str(tmp_path / "run")) == []

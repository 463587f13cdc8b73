"""What earlier labs leave behind, staged for ``portplan lab --cleanup``.

Run by ``test_lab_signals.py`` under ``unshare --mount``: a tmpfs over /run/netns makes
``ip netns list`` show only the namespaces made here, so the cleanup can never see (or
remove) another lab's. Prints a JSON outcome on stdout; everything made is removed on exit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

RUN = Path(os.environ["PORTPLAN_RUN_DIR"])


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


def agent(namespace: str, pid_file: Path) -> subprocess.Popen[bytes]:
    """A listening agent inside ``namespace`` that writes ``pid_file``, as the lab starts it."""
    process = subprocess.Popen(
        [
            "ip", "netns", "exec", namespace,
            sys.executable, "-m", "portplan.verify.agent", "listen", "tcp=18080", "127.0.0.1",
            "--pid-file", str(pid_file),
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not pid_file.exists():
        if time.monotonic() > deadline or process.poll() is not None:
            raise SystemExit(f"the agent in {namespace} did not start")
        time.sleep(0.05)
    return process


def main() -> None:
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", "/run/netns"], check=True)
    RUN.mkdir(parents=True, exist_ok=True)
    gone = subprocess.Popen(["true"])
    gone.wait()
    dead = gone.pid  # a lab process that no longer runs
    live = os.getpid()  # this process: a lab still running
    names = {
        "dead": f"ppl{dead}-0-host",
        "orphan": f"ppl{dead}-2-gone",
        "live": f"ppl{live}-4-live",
    }
    for name in names.values():
        ip("netns", "add", name)
    agents = [
        agent(names["dead"], RUN / f"ppl{dead}-1-host.pid"),
        agent(names["orphan"], RUN / f"ppl{dead}-3-gone.pid"),
    ]
    ip("netns", "del", names["orphan"])  # the name is gone; its agent still runs
    try:
        result = subprocess.run(
            [sys.executable, "-m", "portplan", "lab", "--cleanup"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        time.sleep(0.2)
        listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
        outcome = {
            "exit": result.returncode,
            "output": result.stdout + result.stderr,
            "dead": [names["dead"]],
            "live": names["live"],
            "left": [line.split()[0] for line in listing.stdout.splitlines() if line.strip()],
            "removed": [
                line.split()[-1]
                for line in result.stdout.splitlines()
                if line.startswith("removed namespace")
            ],
            "agents_alive": [a.pid for a in agents if a.poll() is None],
            "pid_files": sorted(p.name for p in RUN.glob("*.pid")),
        }
    finally:
        for process in agents:
            if process.poll() is None:
                process.kill()
            process.wait()
        for name in names.values():
            subprocess.run(["ip", "netns", "del", name], capture_output=True)
    print(json.dumps(outcome))


if __name__ == "__main__":
    main()

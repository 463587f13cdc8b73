"""The process the lab and the benchmark start inside a network namespace, and the fleet agent
on real hosts (``portplan fleet`` copies it there as a zipapp: Python 3.9 or later, standard
library only — so nothing here imports the rest of portplan).

``listen SPEC ADDRESS... [--duration S] [--watch]`` opens listeners (SPEC:
``tcp=443,8000-8010;udp=161``; empty or ``-`` for none), prints one JSON line
``{"ready": ..., "findings": ...}`` when every port is open, then serves until the duration ends
or it is stopped (SIGTERM, SIGINT). With ``--watch`` it also records every probe datagram that
arrives and prints ``{"arrivals": [...]}`` when it stops. With ``--pid-file F`` it writes its
process id to F while it runs, so a lab that was killed outright can still find it
(``portplan lab --cleanup``).

``start --state DIR SPEC ADDRESS...`` does the same in the background (a daemon that stops by
itself after ``--duration``), prints the ready line and returns; ``stop --state DIR`` stops it
and prints ``{"ready": ..., "arrivals": [...]}``, removing DIR.

``probe [--timeout S] [--retries N] [--concurrency N]`` reads a JSON list of targets on stdin
and prints a JSON list of results.

``apply``, ``confirm``: a commit-confirmed ruleset change (:mod:`portplan.fleet.commit`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from dataclasses import asdict
from typing import Any

from portplan.verify.listen import Listening, listen
from portplan.verify.probe import ProbeTarget, probe


def parse_spec(spec: str) -> list[tuple[str, int]]:
    """``tcp=443,8000-8010;udp=161`` → (protocol, port) pairs (kept free of the model
    imports so the agent starts fast in every namespace)."""
    ports: list[tuple[str, int]] = []
    for part in filter(None, spec.strip("-").split(";")):
        protocol, _, text = part.partition("=")
        for item in text.split(","):
            low, _, high = item.partition("-")
            ports.extend((protocol, port) for port in range(int(low), int(high or low) + 1))
    return ports


def format_spec(ports: dict[str, list[int]]) -> str:
    parts = []
    for protocol, numbers in sorted(ports.items()):
        spans: list[list[int]] = []
        for port in sorted(set(numbers)):
            if spans and port == spans[-1][1] + 1:
                spans[-1][1] = port
            else:
                spans.append([port, port])
        text = ",".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)
        if text:
            parts.append(f"{protocol}={text}")
    return ";".join(parts)


def probe_command(*, timeout: float, retries: int, concurrency: int) -> tuple[str, ...]:
    """The command line of ``probe`` (targets on stdin, results on stdout), for the lab and
    the benchmark to start inside a namespace."""
    return (
        sys.executable,
        "-m",
        "portplan.verify.agent",
        "probe",
        "--timeout",
        str(timeout),
        "--retries",
        str(retries),
        "--concurrency",
        str(concurrency),
    )


def _listen_forever(
    spec: str,
    addresses: list[str],
    duration: float,
    watch: bool,
    on_ready: Any,
    on_done: Any,
) -> None:
    """Listen (and watch) until the duration ends or SIGTERM/SIGINT; then ``on_done``."""

    async def run() -> Listening:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        return await listen(parse_spec(spec), addresses, duration, on_ready, watch=watch, stop=stop)

    on_done(asyncio.run(run()))


def _ready_line(result: Listening) -> str:
    ready: dict[str, Any] = {
        "ready": len(result.opened),
        "findings": [asdict(f) for f in result.findings],
    }
    if result.watch is not None and result.watch.problem:
        ready["watch_problem"] = result.watch.problem
    return json.dumps(ready)


def _arrivals(result: Listening) -> list[dict[str, Any]]:
    if result.watch is None:
        return []
    listened = {
        (port, "6" if ":" in address else "4")
        for protocol, port, address in result.opened
        if protocol == "udp"
    }
    return [asdict(a) for a in result.watch.arrivals(listened)]


def _write_json(path: str, data: Any) -> None:
    with open(path + ".tmp", "w") as handle:
        json.dump(data, handle)
    os.replace(path + ".tmp", path)


def start_daemon(state: str, spec: str, addresses: list[str], duration: float) -> int:
    """Fork a detached listener that watches arrivals; print its ready line once it is ready."""
    os.makedirs(state, mode=0o700, exist_ok=True)
    read_end, write_end = os.pipe()
    child = os.fork()
    if child:
        os.close(write_end)
        os.waitpid(child, 0)
        with os.fdopen(read_end) as pipe:
            line = pipe.readline().strip()
        if not line:
            print(
                json.dumps({"error": "the listener did not start (see its log in the state dir)"})
            )
            return 1
        print(line)
        return 0
    # The first child: a new session, then a grandchild that no terminal or SSH session owns,
    # with no inherited stdout (Ansible waits for every copy of its pipe to close).
    os.close(read_end)
    os.setsid()
    if os.fork():
        os._exit(0)
    log = os.open(os.path.join(state, "listener.log"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    code = 0
    try:
        with open(os.path.join(state, "listener.pid"), "w") as handle:
            handle.write(str(os.getpid()))

        def ready(result: Listening) -> None:
            line = _ready_line(result)
            _write_json(os.path.join(state, "ready.json"), json.loads(line))
            os.write(write_end, (line + "\n").encode())
            os.close(write_end)

        def done(result: Listening) -> None:
            _write_json(os.path.join(state, "arrivals.json"), _arrivals(result))

        _listen_forever(spec, addresses, duration, True, ready, done)
    except BaseException as exc:  # a daemon has nobody to raise to: log it
        print(f"listener failed: {exc!r}", flush=True)
        code = 1
    os._exit(code)


def stop_daemon(state: str, wait: float = 10.0) -> int:
    """Stop the listener started with ``start`` and print what it saw; remove ``state``."""
    import shutil

    report: dict[str, Any] = {"ready": None, "arrivals": None}
    pid: int | None = None
    unreadable = contextlib.suppress(OSError, ValueError)
    with unreadable, open(os.path.join(state, "listener.pid")) as handle:
        pid = int(handle.read().strip())
    if pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    arrivals = os.path.join(state, "arrivals.json")
    deadline = time.monotonic() + wait
    while not os.path.exists(arrivals) and time.monotonic() < deadline and pid is not None:
        time.sleep(0.05)
    for key, name in (("ready", "ready.json"), ("arrivals", "arrivals.json")):
        unreadable = contextlib.suppress(OSError, ValueError)
        with unreadable, open(os.path.join(state, name)) as handle:
            report[key] = json.load(handle)
    if pid is not None and report["arrivals"] is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    print(json.dumps(report))
    shutil.rmtree(state, ignore_errors=True)
    return 0


def read_input(packed: bool) -> Any:
    """JSON on stdin; ``packed``: zlib-compressed and base64-encoded (what the fleet sends
    inside one SSH command line, where a single argument may hold at most 128 KiB)."""
    text = sys.stdin.read()
    if packed:
        import base64
        import zlib

        text = zlib.decompress(base64.b64decode(text)).decode()
    return json.loads(text)


def _probe(args: argparse.Namespace) -> int:
    targets = [ProbeTarget(**item) for item in read_input(args.packed)]
    results = probe(
        targets, concurrency=args.concurrency, timeout=args.timeout, retries=args.retries
    )
    json.dump(
        [
            {
                "target": vars(r.target),  # flat: cheaper than asdict for 10,000 results
                "state": r.state,
                "detail": r.detail,
                "seconds": round(r.seconds, 4),
                "attempts": r.attempts,
            }
            for r in results
        ],
        sys.stdout,
    )
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="portplan-agent")
    sub = parser.add_subparsers(dest="mode")
    sub.required = True  # (argparse's required= keyword is Python 3.7+, spelled out for clarity)
    listen_args = sub.add_parser("listen")
    listen_args.add_argument("spec")
    listen_args.add_argument("addresses", nargs="+")
    listen_args.add_argument("--duration", type=float, default=3600)
    listen_args.add_argument("--watch", action="store_true")
    listen_args.add_argument("--pid-file", default=None)
    start_args = sub.add_parser("start")
    start_args.add_argument("--state", required=True)
    start_args.add_argument("spec")
    start_args.add_argument("addresses", nargs="+")
    start_args.add_argument("--duration", type=float, default=900)
    stop_args = sub.add_parser("stop")
    stop_args.add_argument("--state", required=True)
    probe_args = sub.add_parser("probe")
    probe_args.add_argument("--timeout", type=float, default=1.0)
    probe_args.add_argument("--retries", type=int, default=1)
    probe_args.add_argument("--concurrency", type=int, default=256)
    probe_args.add_argument("--packed", action="store_true")
    from portplan.fleet.commit import add_arguments

    add_arguments(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.mode == "listen":

        def ready(result: Listening) -> None:
            print(_ready_line(result), flush=True)

        def done(result: Listening) -> None:
            if args.watch:
                print(json.dumps({"arrivals": _arrivals(result)}), flush=True)

        if args.pid_file:
            with open(args.pid_file, "w") as handle:
                handle.write(f"{os.getpid()}\n")
        try:
            _listen_forever(args.spec, args.addresses, args.duration, args.watch, ready, done)
        finally:
            if args.pid_file:
                with contextlib.suppress(OSError):
                    os.remove(args.pid_file)
        return 0
    if args.mode == "start":
        return start_daemon(args.state, args.spec, args.addresses, args.duration)
    if args.mode == "stop":
        return stop_daemon(args.state)
    if args.mode == "probe":
        return _probe(args)
    from portplan.fleet.commit import run

    return run(args)


if __name__ == "__main__":
    sys.exit(main())

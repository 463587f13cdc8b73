"""The process the lab and the benchmark start inside a network namespace.

``python -m portplan.verify.agent listen SPEC ADDRESS... [--duration S] [--pid-file F]`` opens
listeners (SPEC: ``tcp=443,8000-8010;udp=161``), prints one JSON line ``{"ready": ...,
"findings": ...}`` when every port is open, then serves until the duration ends or it is
stopped. With ``--pid-file`` it writes its process id there while it runs, so a lab that was
killed outright can still find it (``portplan lab --cleanup``).

``python -m portplan.verify.agent probe [--timeout S] [--retries N] [--concurrency N]`` reads
a JSON list of targets on stdin and prints a JSON list of results.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

from portplan.verify.listen import Listening, listen
from portplan.verify.probe import ProbeTarget, probe


def parse_spec(spec: str) -> list[tuple[str, int]]:
    """``tcp=443,8000-8010;udp=161`` → (protocol, port) pairs (kept free of the model
    imports so the agent starts fast in every namespace)."""
    ports: list[tuple[str, int]] = []
    for part in filter(None, spec.split(";")):
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="portplan.verify.agent")
    sub = parser.add_subparsers(dest="mode", required=True)
    listen_args = sub.add_parser("listen")
    listen_args.add_argument("spec")
    listen_args.add_argument("addresses", nargs="+")
    listen_args.add_argument("--duration", type=float, default=3600)
    listen_args.add_argument("--pid-file", type=Path, default=None)
    probe_args = sub.add_parser("probe")
    probe_args.add_argument("--timeout", type=float, default=1.0)
    probe_args.add_argument("--retries", type=int, default=1)
    probe_args.add_argument("--concurrency", type=int, default=256)
    args = parser.parse_args(argv)
    if args.mode == "listen":

        def ready(result: Listening) -> None:
            print(
                json.dumps(
                    {"ready": len(result.opened), "findings": [asdict(f) for f in result.findings]}
                ),
                flush=True,
            )

        if args.pid_file is not None:
            args.pid_file.write_text(f"{os.getpid()}\n")
        try:
            asyncio.run(listen(parse_spec(args.spec), args.addresses, args.duration, ready))
        finally:
            if args.pid_file is not None:
                args.pid_file.unlink(missing_ok=True)
        return 0
    targets = [ProbeTarget(**item) for item in json.load(sys.stdin)]
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


if __name__ == "__main__":
    sys.exit(main())

"""Commit-confirmed ruleset changes, run on each host by the fleet agent (Python 3.9 or later,
standard library only — nothing here imports the rest of portplan).

``apply --state DIR --kind nftables|iptables --confirm-within S`` reads ``{"files": {name:
text}}`` on stdin, saves the running ruleset, loads the new one and leaves a watchdog behind
that restores the saved ruleset after S seconds — unless ``confirm --state DIR`` runs first.
That is how routers have long made remote changes safe ("commit confirmed"): a change that
cuts the controller off cannot be confirmed over the network, so it undoes itself.

``apply --check`` prints the difference between the running rules and the new ones and changes
nothing. ``--management auto`` (the default) keeps the door open for the controller: the new
ruleset also accepts new TCP connections from the address this SSH session comes from, to the
port it arrived on (``SSH_CLIENT``); ``none`` adds nothing, ``ADDRESS[:PORT]`` names them.

A decision between the watchdog and ``confirm`` is taken under one file lock, so a
confirmation that races the deadline either wins completely or finds the rollback done.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import fcntl
import ipaddress
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import Any

COMMENT = "portplan fleet: management access"


def add_arguments(sub: Any) -> None:
    apply_args = sub.add_parser("apply")
    apply_args.add_argument("--state", required=True)
    apply_args.add_argument("--kind", choices=sorted(KINDS), required=True)
    apply_args.add_argument("--confirm-within", type=float, default=120)
    apply_args.add_argument("--check", action="store_true")
    apply_args.add_argument("--management", default="auto")
    apply_args.add_argument("--packed", action="store_true")
    confirm_args = sub.add_parser("confirm")
    confirm_args.add_argument("--state", required=True)
    watchdog_args = sub.add_parser("watchdog")
    watchdog_args.add_argument("--state", required=True)
    watchdog_args.add_argument("--after", type=float, required=True)


def run(args: argparse.Namespace) -> int:
    if args.mode == "apply":
        from portplan.verify.agent import read_input

        files = read_input(args.packed)["files"]
        return apply(args.state, args.kind, files, args.confirm_within, args.check, args.management)
    if args.mode == "confirm":
        return confirm(args.state)
    return watchdog(args.state, args.after)


# --- the platforms -------------------------------------------------------------------------


def _run(argv: list[str], data: str | None = None) -> str:
    result = subprocess.run(argv, input=data, capture_output=True, text=True)
    if result.returncode != 0:
        message = (result.stderr or result.stdout).strip().splitlines()
        raise RuntimeError(f"{' '.join(argv[:3])}: {message[0] if message else result.returncode}")
    return result.stdout


def _management(spec: str) -> tuple[str, int] | None:
    """(address, port) to keep reachable, or None."""
    if spec == "none":
        return None
    if spec == "auto":
        fields = os.environ.get("SSH_CLIENT", "").split()
        if len(fields) < 3:
            return None
        return fields[0], int(fields[2])
    address, _, port = spec.rpartition(":") if spec.count(":") == 1 else (spec, "", "22")
    ipaddress.ip_network(address, strict=False)  # an error names the bad value
    return address, int(port or 22)


class Nftables:
    """The compiled ruleset replaces ``table inet portplan`` only; the backup is the whole
    ruleset, restored in one transaction (``flush ruleset`` then the saved text)."""

    def current(self) -> str:
        return _run(["nft", "list", "ruleset"])

    def listing(self) -> str:
        """What a diff compares: portplan's own table as the kernel lists it."""
        try:
            return _run(["nft", "list", "table", "inet", "portplan"])
        except RuntimeError:
            return ""  # no such table yet

    def prepare(self, files: dict[str, str], management: tuple[str, int] | None) -> str:
        (text,) = [t for name, t in sorted(files.items()) if name.endswith(".nft")]
        if management is not None:
            address, port = management
            family = "ip6" if ":" in address else "ip"
            text += (
                f"\ninsert rule inet portplan input {family} saddr {address} tcp dport {port} "
                f'accept comment "{COMMENT}"\n'
            )
        return text

    def render(self, text: str) -> str:
        """How the kernel lists ``text``: loaded into a throw-away network namespace."""
        with _scratch(text) as path:
            return _run(["unshare", "--net", "sh", "-c", f"nft -f {path} && nft list ruleset"])

    def load(self, text: str) -> None:
        with _scratch(text) as path:
            _run(["nft", "-f", path])

    def restore(self, saved: str) -> None:
        self.load("flush ruleset\n" + saved)


class Iptables:
    """``rules.v4``/``rules.v6`` (and an ipset file) through iptables-restore; the backup is
    ``iptables-save`` and ``ip6tables-save`` of every table."""

    def current(self) -> str:
        return json.dumps(
            {"v4": _run(["iptables-save"]), "v6": _run(["ip6tables-save"]), "ipset": ""}
        )

    def listing(self) -> str:
        return _saved_filter(_run(["iptables-save", "-t", "filter"])) + _saved_filter(
            _run(["ip6tables-save", "-t", "filter"])
        )

    def prepare(self, files: dict[str, str], management: tuple[str, int] | None) -> str:
        texts = {"v4": "", "v6": "", "ipset": ""}
        for name, text in files.items():
            for key in texts:
                if name.endswith(f".rules.{key}") or name.endswith(f".{key}"):
                    texts[key] = text
        if management is not None:
            address, port = management
            key = "v6" if ":" in address else "v4"
            rule = (
                f"-A INPUT -s {address} -p tcp -m tcp --dport {port} "
                f'-m comment --comment "{COMMENT}" -j ACCEPT\n'
            )
            head, found, tail = texts[key].partition("COMMIT")
            texts[key] = head + rule + found + tail if found else texts[key]
        return json.dumps(texts)

    def render(self, text: str) -> str:
        """The filter tables as iptables-save lists them, restored in a throw-away namespace."""
        texts = json.loads(text)
        scratch = _scratch(texts["ipset"]), _scratch(texts["v4"]), _scratch(texts["v6"])
        with scratch[0] as ipset, scratch[1] as v4, scratch[2] as v6:
            steps = [
                f"ipset restore -exist < {ipset}" if texts["ipset"] else "",
                f"iptables-restore < {v4}" if texts["v4"] else "",
                f"ip6tables-restore < {v6}" if texts["v6"] else "",
                "iptables-save -t filter && echo '#v6' && ip6tables-save -t filter",
            ]
            out = _run(["unshare", "--net", "sh", "-c", " && ".join(filter(None, steps))])
        four, _, six = out.partition("#v6")
        return _saved_filter(four) + _saved_filter(six)

    def load(self, text: str) -> None:
        texts = json.loads(text)
        if texts.get("ipset"):
            _run(["ipset", "restore", "-exist"], texts["ipset"])
        for key, tool in (("v4", "iptables-restore"), ("v6", "ip6tables-restore")):
            if texts.get(key):
                _run([tool], texts[key])

    def restore(self, saved: str) -> None:
        self.load(saved)


KINDS: dict[str, Any] = {"nftables": Nftables, "iptables": Iptables}


@contextlib.contextmanager
def _scratch(text: str) -> Iterator[str]:
    handle, path = tempfile.mkstemp(suffix=".rules")
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(text)
        yield path
    finally:
        os.unlink(path)


# --- apply, confirm, roll back -------------------------------------------------------------


@contextlib.contextmanager
def _locked(state: str) -> Iterator[None]:
    with open(os.path.join(state, "lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _path(state: str, name: str) -> str:
    return os.path.join(state, name)


def apply(
    state: str,
    kind: str,
    files: dict[str, str],
    confirm_within: float,
    check: bool,
    management_spec: str,
) -> int:
    platform = KINDS[kind]()
    management = _management(management_spec)
    os.makedirs(state, mode=0o700, exist_ok=True)
    new = platform.prepare(files, management)
    report: dict[str, Any] = {"kind": kind, "management": management}
    try:
        saved = platform.current()
        before = platform.listing().strip()
        after = platform.render(new).strip()
    except RuntimeError as exc:
        print(json.dumps({**report, "error": str(exc)}))
        return 1
    diff = difflib.unified_diff(
        before.splitlines(), after.splitlines(), "running", "new", lineterm="", n=1
    )
    report["diff"] = "\n".join(diff)
    if check:
        print(json.dumps({**report, "changed": False}))
        return 0
    with _locked(state):
        if os.path.exists(_path(state, "pending")):
            print(json.dumps({**report, "error": "an earlier apply waits for confirmation"}))
            return 1
        with open(_path(state, "saved"), "w") as handle:
            handle.write(saved)
        with open(_path(state, "kind"), "w") as handle:
            handle.write(kind)
        for name in ("confirmed", "rolled-back"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(_path(state, name))
        try:
            platform.load(new)
        except RuntimeError as exc:
            print(json.dumps({**report, "error": f"not applied: {exc}"}))
            return 1
        with open(_path(state, "pending"), "w") as handle:
            handle.write(str(time.time() + confirm_within))
    _spawn_watchdog(state, confirm_within)
    print(json.dumps({**report, "changed": True, "rollback_in": confirm_within}))
    return 0


def _saved_filter(text: str) -> str:
    """iptables-save output without its timestamps and packet counters (they always differ)."""
    lines = []
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        if line.startswith(":"):
            line = line.split(" [", 1)[0]
        lines.append(line)
    return "\n".join(lines) + "\n"


def _spawn_watchdog(state: str, after: float) -> None:
    """A detached process (own session, no inherited pipes) that outlives this SSH session."""
    argv = [
        sys.executable,
        os.path.abspath(sys.argv[0]),
        "watchdog",
        "--state",
        state,
        "--after",
        str(after),
    ]
    with open(os.devnull, "rb") as null, open(_path(state, "watchdog.log"), "ab") as log:
        process = subprocess.Popen(
            argv, stdin=null, stdout=log, stderr=log, start_new_session=True, close_fds=True
        )
    with open(_path(state, "watchdog.pid"), "w") as handle:
        handle.write(str(process.pid))


def watchdog(state: str, after: float) -> int:
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    time.sleep(after)
    with _locked(state):
        if not os.path.exists(_path(state, "pending")):
            return 0  # confirmed meanwhile
        with open(_path(state, "kind")) as handle:
            platform = KINDS[handle.read().strip()]()
        with open(_path(state, "saved")) as handle:
            platform.restore(handle.read())
        os.unlink(_path(state, "pending"))
        with open(_path(state, "rolled-back"), "w") as handle:
            handle.write(str(time.time()))
    print("not confirmed in time: the saved ruleset is back", flush=True)
    return 0


def confirm(state: str) -> int:
    if not os.path.isdir(state):
        print(json.dumps({"confirmed": False, "error": "no apply to confirm on this host"}))
        return 1
    with _locked(state):
        if os.path.exists(_path(state, "rolled-back")):
            print(json.dumps({"confirmed": False, "error": "too late: the change was rolled back"}))
            return 1
        if not os.path.exists(_path(state, "pending")):
            print(json.dumps({"confirmed": False, "error": "no apply waits for confirmation"}))
            return 1
        os.unlink(_path(state, "pending"))
        with open(_path(state, "confirmed"), "w") as handle:
            handle.write(str(time.time()))
    stopped = contextlib.suppress(OSError, ValueError, ProcessLookupError)
    with stopped, open(_path(state, "watchdog.pid")) as handle:
        os.kill(int(handle.read().strip()), signal.SIGTERM)
    print(json.dumps({"confirmed": True}))
    return 0

"""Network namespaces for the lab and for tests that load rules into a real kernel.

A :class:`NetnsGroup` owns the namespaces and processes it creates and removes all of them on
exit — normal return, exception or Ctrl-C — so a failed run leaves nothing behind. Names carry
the process id so parallel runs do not collide.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType

from portplan.errors import EnvironmentProblem

_counter = itertools.count()


def missing_requirements(tools: Sequence[str] = ("ip", "nft")) -> list[str]:
    """What this machine lacks to build namespaces and load rules (empty when all is there)."""
    problems = []
    if os.geteuid() != 0:
        problems.append("root (network namespaces need CAP_SYS_ADMIN; run with sudo)")
    problems += [f"the '{tool}' command" for tool in tools if shutil.which(tool) is None]
    return problems


def require_kernel_access(tools: Sequence[str] = ("ip", "nft")) -> None:
    problems = missing_requirements(tools)
    if problems:
        raise EnvironmentProblem(
            f"this needs {' and '.join(problems)} — install nftables and iproute2 and run as root."
        )


@dataclass
class Namespace:
    name: str
    group: NetnsGroup

    def run(
        self,
        *args: str,
        input: str | None = None,
        check: bool = True,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[str]:
        """Run a command inside the namespace and return its output."""
        return _run(
            ["ip", "netns", "exec", self.name, *args], input=input, check=check, timeout=timeout
        )

    def popen(self, *args: str) -> subprocess.Popen[bytes]:
        """Start a long-running process inside the namespace; the group stops it on exit."""
        proc = subprocess.Popen(
            ["ip", "netns", "exec", self.name, *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self.group.processes.append(proc)
        return proc

    def load_nft(self, ruleset: str) -> None:
        """Load an nftables ruleset with the real ``nft`` (raises with nft's message)."""
        self.run("nft", "-f", "-", input=ruleset)


@dataclass
class NetnsGroup:
    """Context manager owning namespaces and processes; cleans up everything on exit."""

    prefix: str = "pp"
    namespaces: list[Namespace] = field(default_factory=list)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def __enter__(self) -> NetnsGroup:
        require_kernel_access(("ip",))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def add(self, label: str = "ns") -> Namespace:
        name = f"{self.prefix}{os.getpid()}-{next(_counter)}-{label}"[:60]
        _run(["ip", "netns", "add", name])
        namespace = Namespace(name, self)
        self.namespaces.append(namespace)
        namespace.run("ip", "link", "set", "lo", "up")
        return namespace

    def veth(self, a: Namespace, a_if: str, b: Namespace, b_if: str) -> None:
        """Connect two namespaces with a veth pair (interface names up to 15 characters)."""
        tmp_a, tmp_b = (
            f"pa{os.getpid() % 100000}{next(_counter)}"[:15],
            f"pb{os.getpid() % 100000}{next(_counter)}"[:15],
        )
        _run(["ip", "link", "add", tmp_a, "type", "veth", "peer", "name", tmp_b])
        _run(["ip", "link", "set", tmp_a, "netns", a.name])
        _run(["ip", "link", "set", tmp_b, "netns", b.name])
        a.run("ip", "link", "set", tmp_a, "name", a_if)
        b.run("ip", "link", "set", tmp_b, "name", b_if)
        a.run("ip", "link", "set", a_if, "up")
        b.run("ip", "link", "set", b_if, "up")

    def close(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                    proc.wait(timeout=3)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
            for stream in (proc.stdout, proc.stderr):
                if stream:
                    stream.close()
        self.processes.clear()
        for namespace in reversed(self.namespaces):
            # Killing every process still inside lets the namespace go away at once.
            pids = _run(["ip", "netns", "pids", namespace.name], check=False).stdout.split()
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)
            _run(["ip", "netns", "del", namespace.name], check=False)
        self.namespaces.clear()


def _run(
    argv: list[str], *, input: str | None = None, check: bool = True, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(argv, input=input, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        message = (result.stderr or result.stdout).strip().splitlines()
        detail = message[0] if message else f"exit {result.returncode}"
        raise EnvironmentProblem(f"'{' '.join(argv[:6])}' failed: {detail}")
    return result

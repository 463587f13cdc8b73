"""Network namespaces for the lab and for tests that load rules into a real kernel.

A :class:`NetnsGroup` owns the namespaces and processes it creates and removes all of them on
exit — normal return, exception, Ctrl-C, SIGTERM or SIGHUP — so a failed run leaves nothing
behind:

- a namespace is registered *before* ``ip netns add`` runs, so a signal between the two
  cannot lose it;
- the first SIGINT, SIGTERM or SIGHUP becomes :class:`~portplan.errors.Interrupted` (exit
  128 + the signal); any further one — a second Ctrl-C, the terminal hanging up — is only
  noted while the cleanup runs, and the cleanup itself runs with those signals held;
- every process started in a namespace is tracked while it runs; long-running agents also
  write a pid file (:func:`run_dir`), so an agent left by a lab that was killed outright
  (SIGKILL, a power cut of the session) is still found by :func:`cleanup_stale`.

Names carry the creating process's id (``ppl<pid>-<n>-<label>``) so parallel runs do not
collide, and so :func:`cleanup_stale` (``portplan lab --cleanup``) removes only what a process
that is no longer alive left behind — never another run's namespaces.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType, TracebackType
from typing import TypeVar

from portplan.errors import EnvironmentProblem, Interrupted

_counter = itertools.count()
T = TypeVar("T")
R = TypeVar("R")

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
LAB_PREFIX = "ppl"
RUN_DIR = Path("/run/portplan")
AGENT_MODULE = "portplan.verify.agent"


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


def run_dir() -> Path:
    """Where agents write their pid files: ``PORTPLAN_RUN_DIR``, else ``/run/portplan``."""
    return Path(os.environ.get("PORTPLAN_RUN_DIR") or RUN_DIR)


# --- signals ----------------------------------------------------------------------------------


class SignalGuard:
    """SIGINT, SIGTERM and SIGHUP as one :class:`Interrupted`, raised once; later signals are
    noted, not raised, so they cannot cut a cleanup short. Only the main thread can install
    handlers; elsewhere (a web server's worker) the guard does nothing."""

    def __init__(self) -> None:
        self.received: list[int] = []
        self.raised = False
        self.quiet = 0  # > 0 while a cleanup runs
        self._previous: dict[int, object] = {}

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in SIGNALS:
            self._previous[signum] = signal.signal(signum, self._handle)

    def restore(self) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)  # type: ignore[arg-type]
        self._previous.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.received.append(signum)
        if self.raised or self.quiet:
            return  # already unwinding or cleaning up: the cleanup must finish
        self.raised = True
        raise Interrupted(signum)

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Signals are noted, not raised, inside the block (the cleanup)."""
        self.quiet += 1
        try:
            yield
        finally:
            self.quiet -= 1

    def pending(self) -> Interrupted | None:
        """The interruption to raise after a cleanup that a signal arrived during."""
        if self.received and not self.raised:
            self.raised = True
            return Interrupted(self.received[0])
        return None


# --- namespaces and processes -----------------------------------------------------------------


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
        return self.group.run(
            ["ip", "netns", "exec", self.name, *args], input=input, check=check, timeout=timeout
        )

    def popen(self, *args: str) -> subprocess.Popen[bytes]:
        """Start a long-running process inside the namespace; the group stops it on exit."""
        self.group.check_running()
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
    guard: SignalGuard = field(default_factory=SignalGuard)
    running: set[subprocess.Popen[str]] = field(default_factory=set)
    pid_files: list[Path] = field(default_factory=list)
    stopping: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __enter__(self) -> NetnsGroup:
        require_kernel_access(("ip",))
        self.guard.install()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            with self.guard.held():
                self.close()
        finally:
            self.guard.restore()
        pending = self.guard.pending()
        if pending is not None and exc is None:
            raise pending

    def add(self, label: str = "ns") -> Namespace:
        self.check_running()
        name = f"{self.prefix}{os.getpid()}-{next(_counter)}-{label}"[:60]
        namespace = Namespace(name, self)
        with self._lock:
            self.namespaces.append(namespace)  # registered first: a signal cannot lose it
        self.run(["ip", "netns", "add", name])
        namespace.run("ip", "link", "set", "lo", "up")
        return namespace

    def veth(self, a: Namespace, a_if: str, b: Namespace, b_if: str) -> None:
        """Connect two namespaces with a veth pair (interface names up to 15 characters).

        Made inside ``a`` and moved to ``b``, so an interrupted call leaves the pair in a
        namespace the group removes, never in the machine's own."""
        tmp_b = f"pb{os.getpid() % 100000}{next(_counter)}"[:15]
        a.run("ip", "link", "add", a_if, "type", "veth", "peer", "name", tmp_b)
        a.run("ip", "link", "set", tmp_b, "netns", b.name)
        b.run("ip", "link", "set", tmp_b, "name", b_if)
        a.run("ip", "link", "set", a_if, "up")
        b.run("ip", "link", "set", b_if, "up")

    def run(
        self, argv: list[str], *, input: str | None = None, check: bool = True, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        """``subprocess.run`` whose process the group can stop while it runs."""
        self.check_running()
        with subprocess.Popen(
            argv,
            stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as proc:
            with self._lock:
                self.running.add(proc)
            try:
                stdout, stderr = proc.communicate(input, timeout=timeout)
            except BaseException:
                proc.kill()
                proc.communicate()
                raise
            finally:
                with self._lock:
                    self.running.discard(proc)
        result = subprocess.CompletedProcess(argv, proc.returncode, stdout, stderr)
        return _checked(result) if check else result

    def check_running(self) -> None:
        """Refuse to start anything once the group is being stopped."""
        if self.stopping:
            raise EnvironmentProblem("the lab is being stopped — nothing new is started.")

    def parallel(self, function: Callable[[T], R], items: Iterable[T], workers: int) -> list[R]:
        """``map`` over a thread pool that an interruption stops at once: the group's
        processes are stopped and queued calls cancelled before the running ones are waited
        for (a batch of probes never holds up a Ctrl-C)."""
        executor = ThreadPoolExecutor(max_workers=max(1, workers))
        try:
            return list(executor.map(function, items))
        except BaseException:
            self.stop_processes()
            executor.shutdown(wait=True, cancel_futures=True)
            raise
        finally:
            executor.shutdown(wait=True)

    def stop_processes(self) -> None:
        """Stop every process the group started: no new ones, the running commands killed,
        the agents terminated (then killed)."""
        self.stopping = True
        with self._lock:
            running = list(self.running)
        for command in running:
            with contextlib.suppress(ProcessLookupError):
                command.kill()
        for agent in self.processes:
            _stop_session(agent)
        self.processes.clear()
        self.sweep_pid_files()

    def pid_file(self, label: str) -> Path:
        """A pid file for an agent of this group (its name carries this process's id)."""
        directory = run_dir()
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = directory / f"{self.prefix}{os.getpid()}-{next(_counter)}-{label}.pid"
        self.pid_files.append(path)
        return path

    def sweep_pid_files(self) -> None:
        """Kill the agents whose pid files this group named, and remove the files."""
        for path in self.pid_files:
            _kill_agent(path)
        self.pid_files.clear()

    def close(self) -> None:
        self.stop_processes()
        for namespace in reversed(self.namespaces):
            # Killing every process still inside lets the namespace go away at once.
            pids = _run(["ip", "netns", "pids", namespace.name], check=False).stdout.split()
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)
            _run(["ip", "netns", "del", namespace.name], check=False)
        self.namespaces.clear()
        self.stopping = False


def _stop_session(proc: subprocess.Popen[bytes]) -> None:
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


# --- what earlier runs left -------------------------------------------------------------------


@dataclass(frozen=True)
class Cleanup:
    """What :func:`cleanup_stale` removed, and what it left because its creator still runs."""

    namespaces: tuple[str, ...] = ()
    agents: tuple[int, ...] = ()
    still_running: tuple[str, ...] = ()


NAME = re.compile(r"^(?P<prefix>[a-z]+)(?P<pid>\d+)-")


def cleanup_stale(prefix: str = LAB_PREFIX) -> Cleanup:
    """Remove the ``<prefix><pid>-…`` namespaces and agent pid files of processes that are no
    longer alive. Those of a live process — another lab running now — are left alone."""
    require_kernel_access(("ip",))
    listing = _run(["ip", "netns", "list"], check=False).stdout.splitlines()
    removed: list[str] = []
    alive: set[str] = set()
    for line in listing:
        name = line.split()[0] if line.split() else ""
        owner = _owner(name, prefix)
        if owner is None:
            continue
        if _alive(owner):
            alive.add(name)
            continue
        for pid in _run(["ip", "netns", "pids", name], check=False).stdout.split():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid), signal.SIGKILL)
        _run(["ip", "netns", "del", name], check=False)
        removed.append(name)
    agents: list[int] = []
    for path in _pid_files(prefix, None):
        owner = _owner(path.name, prefix)
        if owner is None or _alive(owner):
            continue
        killed = _kill_agent(path)
        if killed is not None:
            agents.append(killed)
    return Cleanup(tuple(removed), tuple(agents), tuple(sorted(alive)))


def _owner(name: str, prefix: str) -> int | None:
    match = NAME.match(name)
    if match is None or match["prefix"] != prefix:
        return None
    return int(match["pid"])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, someone else's
    return True


def _pid_files(prefix: str, owner: int | None) -> list[Path]:
    directory = run_dir()
    pattern = f"{prefix}{owner}-*.pid" if owner is not None else f"{prefix}*.pid"
    try:
        return sorted(directory.glob(pattern))
    except OSError:
        return []


def _kill_agent(path: Path) -> int | None:
    """Kill the agent a pid file names — only if that process is still the agent that wrote
    it (its command line names the module and this very file) — and remove the file."""
    killed = None
    try:
        pid = int(path.read_text().strip())
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if AGENT_MODULE.encode() in command and str(path).encode() in command:
            os.kill(pid, signal.SIGKILL)
            killed = pid
    except (OSError, ValueError):
        pass  # gone already, or the pid now belongs to someone else: nothing to kill
    path.unlink(missing_ok=True)
    return killed


def _checked(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    if result.returncode != 0:
        message = (result.stderr or result.stdout).strip().splitlines()
        detail = message[0] if message else f"exit {result.returncode}"
        argv = [str(a) for a in result.args]
        raise EnvironmentProblem(f"'{' '.join(argv[:6])}' failed: {detail}")
    return result


def _run(
    argv: list[str], *, input: str | None = None, check: bool = True, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(argv, input=input, capture_output=True, text=True, timeout=timeout)
    return _checked(result) if check else result

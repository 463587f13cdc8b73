"""One error tree for everything portplan reports to a user.

Messages read ``file:line: what is wrong — what to do``. The CLI prints ``str(error)`` on one
line and exits with ``error.exit_code`` (2: bad input; 1: a check found problems)::

    PortplanError                 exit 2
    ├── ServiceSyntaxError        tcp/0, udp/70000, a reversed range
    ├── InputError                unreadable, too large, not YAML
    ├── ValidationError           well-formed but wrong (file:line)
    ├── ResolutionError           cannot become concrete flows
    ├── UnsupportedError          a target cannot express a flow
    ├── OutputError               a result cannot be written
    │   └── ClosedPipe            the reader went away (said quietly)
    ├── CheckFailed               exit 1: audit, probe, lab, conflicts found problems
    └── EnvironmentProblem        the machine lacks root, nft, ip netns
        └── MissingExtra          an optional extra is not installed
    Interrupted                   a KeyboardInterrupt: exit 128 + the signal's number
"""

from __future__ import annotations


class PortplanError(Exception):
    """Root of every error portplan raises on purpose."""

    exit_code = 2

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None):
        self.message = " ".join(message.split())  # always one line
        self.file = file
        self.line = line
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        return f"{where}{self.message}"


class ServiceSyntaxError(PortplanError):
    """A compact service string (``tcp/443``) or a port number is invalid."""


class InputError(PortplanError):
    """A file could not be read or parsed (YAML syntax, unreadable document)."""


class ValidationError(PortplanError):
    """A catalog or deployment is well-formed but wrong (unknown role, bad CIDR, ...)."""


class ResolutionError(PortplanError):
    """A deployment cannot be resolved to concrete flows (e.g. unbound role under --strict)."""


class UnsupportedError(PortplanError):
    """A target platform cannot express a flow; raised instead of dropping a rule."""


class OutputError(PortplanError):
    """A result could not be written: a full disk, a read-only file system, no permission, or
    a path that is not a file portplan may write to."""


class ClosedPipe(OutputError):
    """The reader of standard output went away; the CLI exits quietly, like other Unix tools."""


class CheckFailed(PortplanError):
    """A check (audit, probe, lab, conflicts) found problems."""

    exit_code = 1


class EnvironmentProblem(PortplanError):
    """The machine lacks something a command needs (root, nft, ip netns)."""


class MissingExtra(EnvironmentProblem):
    """An optional extra (``portplan[pdf]``, ``[office]``, ``[aerleon]``) is not installed."""


class Interrupted(KeyboardInterrupt):
    """A signal (SIGINT, SIGTERM, SIGHUP) stopped a command after it cleaned up; the process
    exits 128 + the signal's number, as a shell reports a process the signal ended."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum
        self.exit_code = 128 + signum


def excerpt(text: str, limit: int = 60) -> str:
    """``text`` as an error message quotes it: whole when short, else its start and its length
    (a pasted 4,000-digit number stays a readable one-line message)."""
    if len(text) <= limit:
        return text
    return f"{text[: max(limit - 20, 12)]}… ({len(text):,} characters)"

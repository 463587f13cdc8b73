"""One error tree for everything portplan reports to a user.

Messages read ``file:line: what is wrong — what to do``. The CLI prints each of
``error.lines()`` on a line of its own (one, except for :class:`ValidationErrors`) and exits
with ``error.exit_code`` (2: bad input; 1: a check found problems)::

    PortplanError                 exit 2
    ├── ServiceSyntaxError        tcp/0, udp/70000, a reversed range
    ├── InputError                unreadable, too large, not YAML
    ├── ValidationError           well-formed but wrong (file:line)
    │   └── ValidationErrors      every problem of one file, together
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

from collections.abc import Sequence


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

    def lines(self) -> list[str]:
        """What the CLI prints, one line each (several for :class:`ValidationErrors`)."""
        return [str(self)]


class ServiceSyntaxError(PortplanError):
    """A compact service string (``tcp/443``) or a port number is invalid."""


class InputError(PortplanError):
    """A file could not be read or parsed (YAML syntax, unreadable document)."""


class ValidationError(PortplanError):
    """A catalog or deployment is well-formed but wrong (unknown role, bad CIDR, ...)."""


class ValidationErrors(ValidationError):
    """Every problem found in one file, reported together so one edit fixes them all.

    ``problems`` holds each one (a :class:`ValidationError` with its own file and line); the
    error itself carries the first one's file and line. At most :attr:`shown` are printed.
    """

    shown = 20

    def __init__(self, problems: Sequence[PortplanError]):
        if not problems:
            raise ValueError("ValidationErrors needs at least one problem")
        self.problems = tuple(problems)
        first = self.problems[0]
        super().__init__(first.message, file=first.file, line=first.line)

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def lines(self) -> list[str]:
        lines = [str(p) for p in self.problems[: self.shown]]
        hidden = len(self.problems) - self.shown
        if hidden > 0:
            where = f"{self.file}: " if self.file else ""
            lines.append(f"{where}{hidden} more problem(s) not shown — fix these and run again.")
        return lines


def raise_all(problems: Sequence[PortplanError]) -> None:
    """Raise nothing, the one problem, or :class:`ValidationErrors` holding them all."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ValidationErrors(problems)


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

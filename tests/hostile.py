"""Running portplan on hostile input the way a user would, with the contract checked once.

The contract for bad input: the command ends within :data:`TIME_LIMIT` seconds under a 2 GB
address-space limit (``ulimit -v 2000000``) with exit 0, 1 or 2 — never "internal error"
(exit 3), a traceback, a hang or a memory error — and an exit 2 says so in
``portplan: error:`` lines (one per problem) that name the file.
"""

from __future__ import annotations

import resource
import subprocess
from collections.abc import Sequence
from pathlib import Path

from tests.safety.conftest import run_portplan

ADDRESS_SPACE = 2_000_000 * 1024  # ulimit -v 2000000 (KiB)
TIME_LIMIT = 20.0


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def run_limited(args: Sequence[str | Path]) -> subprocess.CompletedProcess[str]:
    """``portplan ARGS`` in a child limited to 2 GB of address space and 20 s."""
    return run_portplan(*(str(arg) for arg in args), timeout=TIME_LIMIT, preexec_fn=_limit_memory)


def error_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("portplan: error:")]


def assert_ends_cleanly(
    result: subprocess.CompletedProcess[str], file: Path, *, allowed: Sequence[int] = (0, 1, 2)
) -> None:
    """Exit within ``allowed``, no crash; an exit 2 is one error line naming ``file``."""
    assert result.returncode in allowed, result.stderr[-2000:]
    assert "internal error" not in result.stderr, result.stderr[-2000:]
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    if result.returncode == 2:
        errors = error_lines(result)  # one, or one per problem of a file
        assert errors and str(file) in errors[0], result.stderr[-2000:]

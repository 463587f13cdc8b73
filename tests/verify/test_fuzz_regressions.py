"""Every fuzz reproducer that goes through ``audit`` ends in one clean line, fast and small.

The inputs in ``../shared/eval/fuzz/`` once crashed the nft JSON and iptables-save readers
(wrong types, missing keys, a 4,300-digit port, 100,000 levels of nesting, bytes that are not
UTF-8). Each runs through the real CLI under a 2 GB address-space limit and must finish within
20 s with exit 0, 1 or 2 — never "internal error" (exit 3), a traceback or a memory error.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES
from tests.verify.shared import FUZZ, require_shared, shared_files

DEPLOYMENT = EXAMPLES / "lrs-vpsx" / "deployment.yaml"
REPRODUCERS = shared_files(FUZZ, "nftjson-*") + shared_files(FUZZ, "ipt-*")
ADDRESS_SPACE = 2_000_000 * 1024  # ulimit -v 2000000 (KiB)


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def run_audit(ruleset: Path, fmt: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "portplan",
            "audit",
            str(DEPLOYMENT),
            "--ruleset",
            str(ruleset),
            "--format",
            fmt,
        ],
        capture_output=True,
        text=True,
        timeout=20,
        preexec_fn=_limit_memory,
    )


def test_the_reproducers_are_there() -> None:
    require_shared(FUZZ)
    assert len(REPRODUCERS) >= 19


@pytest.mark.parametrize("path", REPRODUCERS, ids=lambda p: p.name)
def test_reproducer_ends_in_one_clean_line(path: Path) -> None:
    fmt = "nft-json" if path.name.startswith("nftjson-") else "iptables-save"
    result = run_audit(path, fmt)
    assert result.returncode <= 2, result.stderr[-2000:]
    assert "internal error" not in result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("portplan: error:")]
    if result.returncode == 2:
        assert len(errors) == 1, result.stderr
        # The message names the file and where in it the problem is.
        assert str(path) in errors[0]
        assert (
            "nftables[" in errors[0]
            or "line " in errors[0]
            or "UTF-8" in errors[0]
            or ("nests" in errors[0])
        )

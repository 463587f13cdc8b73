"""Every fuzz reproducer that goes through ``audit`` ends in one clean line, fast and small.

The inputs in ``../shared/eval/fuzz/`` once crashed the nft JSON and iptables-save readers
(wrong types, missing keys, a 4,300-digit port, 100,000 levels of nesting, bytes that are not
UTF-8). Each runs through the real CLI under a 2 GB address-space limit and must finish within
20 s with exit 0, 1 or 2 — never "internal error" (exit 3), a traceback or a memory error.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES
from tests.hostile import assert_ends_cleanly, error_lines, run_limited
from tests.verify.shared import FUZZ, require_shared, shared_files

DEPLOYMENT = EXAMPLES / "lrs-vpsx" / "deployment.yaml"
REPRODUCERS = shared_files(FUZZ, "nftjson-*") + shared_files(FUZZ, "ipt-*")


def run_audit(ruleset: Path, fmt: str) -> subprocess.CompletedProcess[str]:
    return run_limited(["audit", DEPLOYMENT, "--ruleset", ruleset, "--format", fmt])


def test_the_reproducers_are_there() -> None:
    require_shared(FUZZ)
    assert len(REPRODUCERS) >= 19


@pytest.mark.parametrize("path", REPRODUCERS, ids=lambda p: p.name)
def test_reproducer_ends_in_one_clean_line(path: Path) -> None:
    fmt = "nft-json" if path.name.startswith("nftjson-") else "iptables-save"
    result = run_audit(path, fmt)
    assert_ends_cleanly(result, path)
    if result.returncode == 2:
        # The message names where in the file the problem is.
        errors = error_lines(result)
        assert (
            "nftables[" in errors[0]
            or "line " in errors[0]
            or "UTF-8" in errors[0]
            or ("nests" in errors[0])
        )

"""Shared fixtures. Kernel-backed tests use ``kernel``: it skips on a developer machine without
root or nft, but FAILS under CI=true, so CI can never go green by skipping them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from portplan.verify.netns import NetnsGroup, missing_requirements

# No hypothesis deadline: a busy 2-CPU machine makes any per-example time limit a flaky timed
# test, and speed goals are benchmarks (bench/), not tests.
settings.register_profile("portplan", deadline=None)
settings.load_profile("portplan")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
# The examples the README walks through; each must exist.
DOCUMENTED_EXAMPLES = (
    "lrs-vpsx/deployment.yaml",
    "lexmark-mve/deployment.yaml",
    "papercut-hive/mesh.yaml",
    "papercut-hive/local.yaml",
    "luware-lucs/deployment.yaml",
    "moderro-rem/deployment.yaml",
)


def example_deployments() -> list[Path]:
    """Every deployment under examples/, so new examples are tested too (files named
    ``product*.yaml`` are product drafts, not deployments)."""
    return sorted(p for p in EXAMPLES.glob("**/*.yaml") if not p.name.startswith("product"))


def require_kernel(tools: tuple[str, ...] = ("ip", "nft")) -> None:
    problems = missing_requirements(tools)
    if problems:
        message = "needs " + ", ".join(problems)
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} (CI=true: kernel tests must run, not skip)")
        pytest.skip(message)


@pytest.fixture
def kernel() -> None:
    """Mark a test as needing root, ip and nft."""
    require_kernel()


@pytest.fixture
def netns(kernel: None) -> Iterator[NetnsGroup]:
    """A group of network namespaces removed after the test, also on failure."""
    with NetnsGroup(prefix="ppt") as group:
        yield group


@pytest.fixture
def seeds() -> Path:
    if not SEEDS.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the seed documents are missing at {SEEDS}")
        pytest.skip("../shared/seeds is not beside this checkout")
    return SEEDS

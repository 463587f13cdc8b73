"""Test data kept beside the checkout (``../shared/eval``): real rulesets, fuzz reproducers.

Third-party files stay out of the repository; CI has ``../shared`` beside the checkout. A test
that needs them skips on a machine without them and fails under CI=true.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import SHARED

EVAL = SHARED / "eval"
RULESETS = EVAL / "rulesets"
FUZZ = EVAL / "fuzz"


def shared_files(directory: Path, pattern: str) -> list[Path]:
    """The files of a shared directory (empty when it is missing: the test using them then
    calls :func:`require_shared`, which fails under CI)."""
    return sorted(directory.glob(pattern)) if directory.is_dir() else []


def require_shared(directory: Path) -> Path:
    if not directory.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{directory} is missing (CI=true: the shared test data must be there)")
        pytest.skip(f"{directory} is not beside this checkout")
    return directory

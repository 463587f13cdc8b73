"""Helpers for the safety tests: running the real CLI as a process, and needing root."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES, require_kernel

LRS = EXAMPLES / "lrs-vpsx" / "deployment.yaml"
MESH = EXAMPLES / "papercut-hive" / "mesh.yaml"


def portplan_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "portplan", *args]


def run_portplan(
    *args: str,
    timeout: float = 120,
    preexec_fn: Callable[[], Any] | None = None,
    env: dict[str, str] | None = None,
    **kwargs: Any,
) -> subprocess.CompletedProcess[str]:
    """The CLI as a user runs it: its own process, real file descriptors, real signals."""
    return subprocess.run(
        portplan_argv(*args),
        capture_output=kwargs.pop("capture_output", "stdout" not in kwargs),
        text=True,
        timeout=timeout,
        preexec_fn=preexec_fn,
        env={**os.environ, **(env or {})},
        **kwargs,
    )


def write_plan_files(directory: Path, product: str, deployment: str) -> tuple[Path, Path]:
    """(deployment file, catalog directory) holding ``deployment`` and the one ``product``."""
    catalog = directory / "catalog"
    catalog.mkdir(exist_ok=True)
    (catalog / "product.yaml").write_text(product)
    path = directory / "deployment.yaml"
    path.write_text(deployment)
    return path, catalog


def one_error_line(stderr: str, *expected: str) -> str:
    """The single ``portplan: error:`` line, checked to mention each of ``expected``."""
    errors = [line for line in stderr.splitlines() if line.startswith("portplan: error:")]
    assert len(errors) == 1, stderr
    assert "Traceback" not in stderr, stderr
    for text in expected:
        assert text in errors[0], errors[0]
    return errors[0]


@pytest.fixture
def root() -> None:
    """Needs root (device nodes, mounts); fails under CI=true instead of skipping."""
    require_kernel(())


def command_missing(names: Sequence[str]) -> list[str]:
    return [n for n in names if not any((Path(d) / n).exists() for d in os.defpath.split(":"))]

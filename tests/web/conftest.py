"""Fixtures for the workbench: a real ``portplan serve`` on a free loopback port, a real
headless Chromium, and a catalog directory of the test's own.

Browser tests skip on a developer machine without chromium, but FAIL under CI=true, as the
kernel tests do: CI can never go green by skipping them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.web.browser import chromium, missing_browser

Serve = Callable[..., str]


def require_browser() -> None:
    problems = missing_browser()
    if problems:
        message = "needs " + ", ".join(problems)
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} (CI=true: browser tests must run, not skip)")
        pytest.skip(message)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    """Start ``portplan serve ARGS… --port 0`` (loopback); returns the URL it printed."""
    processes: list[subprocess.Popen[str]] = []

    def start(*args: str) -> str:
        process = subprocess.Popen(
            [sys.executable, "-m", "portplan", "serve", "--port", "0", *args],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        processes.append(process)
        assert process.stderr is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line:
                break
            match = re.search(r"serving on (http://\S+)", line)
            if match:
                return match.group(1)
        process.kill()
        rest = process.stderr.read()
        raise AssertionError(f"portplan serve did not start: {rest}")

    yield start
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    """A headless Chromium (Selenium WebDriver); downloads land in ``tmp_path/downloads``."""
    require_browser()
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    with chromium(downloads) as driver:
        driver.implicitly_wait(0)
        yield driver


@pytest.fixture
def catalog_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "catalog"
    directory.mkdir()
    return directory


def wait_for(condition: Callable[[], Any], timeout: float = 15.0, what: str = "condition") -> Any:
    """Poll until ``condition()`` is truthy; its value, or an AssertionError naming ``what``."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = condition()
        except Exception as exc:  # the page is still changing (stale element, not yet there)
            last = exc
        else:
            if last:
                return last
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


def portplan(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "portplan", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        timeout=300,
    )

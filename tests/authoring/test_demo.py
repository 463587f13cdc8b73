"""``make demo`` ends in one screen that says what was proven and where the files are."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from portplan.verify.netns import missing_requirements
from tests.conftest import ROOT


@pytest.mark.slow
def test_the_demo_fits_one_screen_and_says_what_was_proven(tmp_path: Path) -> None:
    kernel = not missing_requirements(("ip", "nft"))
    if not kernel and os.environ.get("CI") == "true":
        pytest.fail("CI=true: the demo's lab must run (needs root, ip and nft)")
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "portplan.demo", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    lines = (done.stdout + done.stderr).splitlines()
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(lines) <= 60, "\n".join(lines)
    text = "\n".join(lines)
    assert "$ portplan plan examples/papercut-hive/mesh.yaml" in text
    assert "papercut-hive-mesh: 162 concrete flows — 146 from 16 product flows" in text
    if kernel:
        assert (
            "Proven in a real kernel: the compiled nftables rules let all 146 planned flows" in text
        )
        assert "— as planned." in text
    else:
        assert "Compiled, not yet proven" in text
    files = lines[lines.index(f"Files in {out}/:") + 1 :]
    names = [line.split()[0] for line in files]
    for name in names:
        assert (out / name).exists(), name
    assert {"papercut-change-request.xlsx", "papercut-change-request.html", "nftables/"} <= set(
        names
    )
    book = openpyxl.load_workbook(out / "papercut-change-request.xlsx")
    assert book.sheetnames[:4] == ["Cover", "Summary", "By role", "Flows"]

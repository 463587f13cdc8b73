"""The lab button, as root: the PaperCut mesh example built in namespaces from the deployment
page, progress streamed, and the same verdicts ``portplan lab`` gives."""

from __future__ import annotations

import json
from typing import Any

import pytest
from selenium.webdriver.common.by import By

from tests.conftest import EXAMPLES
from tests.web.conftest import Serve, portplan, wait_for

pytestmark = [pytest.mark.root, pytest.mark.browser, pytest.mark.slow]
MESH = EXAMPLES / "papercut-hive" / "mesh.yaml"


def test_lab_button_streams_progress_and_shows_the_cli_verdicts(
    kernel: None, serve: Serve, browser: Any
) -> None:
    url = serve("--deployment", str(MESH))
    browser.get(url + "deployments/papercut-hive-mesh#lab")
    button = browser.find_element(By.ID, "lab-run")
    assert button.is_enabled()
    button.click()
    progress = browser.find_element(By.ID, "lab-progress")
    wait_for(lambda: "building" in progress.text, timeout=60, what="streamed progress")
    verdict = browser.find_element(By.ID, "lab-verdict")
    wait_for(verdict.is_displayed, timeout=180, what="the lab's result")
    assert "probed from" in progress.text
    assert verdict.text.endswith(", 0 mismatches"), verdict.text
    shown = {
        tuple(cell.text for cell in row.find_elements(By.TAG_NAME, "td"))
        for row in browser.find_elements(By.CSS_SELECTOR, "#lab-results tbody tr")
    }

    cli = portplan("lab", str(MESH), "--format", "json")
    assert cli.returncode == 0, cli.stderr
    report = json.loads(cli.stdout)
    assert f"{len(report['results'])} probes in {report['namespaces']} namespaces" in verdict.text
    # Same flows tried from the same sources with the same expectation and verdict.
    expected = {
        (r["flow"], r["source"], r["expected"], "ok" if r["ok"] else "MISMATCH")
        for r in report["results"]
    }
    assert {(f, s, "pass" if e == "pass" else "blocked", v) for f, s, _, e, _, v in shown} == {
        (f, s, "pass" if e == "pass" else "blocked", v) for f, s, e, v in expected
    }

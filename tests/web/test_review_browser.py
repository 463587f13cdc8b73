"""Review a seed document end to end in a real browser: the document beside its flows, an
endpoint renamed everywhere, a bad port refused with the parser's message, the fix saved, and
the saved product accepted by ``catalog validate`` and used by ``plan``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By

from tests.web.conftest import Serve, portplan, wait_for

pytestmark = pytest.mark.browser
OUT_OF_RANGE = "'tcp/70000': port 70000 is outside 1–65535 — use a port between 1 and 65535."


def _row(driver: Any, line: int) -> Any:
    """The grid row of the flow whose evidence is ``line``."""
    for row in driver.find_elements(By.CSS_SELECTOR, "#flow-grid tbody tr"):
        if row.find_element(By.CSS_SELECTOR, "button.jump").text == str(line):
            return row
    raise AssertionError(f"no flow from line {line}")


def _type(element: Any, text: str) -> None:
    element.clear()
    element.send_keys(text)


def test_review_edit_save_validate_plan(
    serve: Serve, browser: Any, seeds: Path, catalog_dir: Path, tmp_path: Path
) -> None:
    url = serve("--catalog", str(catalog_dir), "--documents", str(seeds))
    browser.get(url + "review")
    browser.find_element(By.LINK_TEXT, "lrs-vpsx.txt").click()
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#flow-grid tbody tr"), what="grid")

    # Left: numbered lines; evidence lines highlighted. Right: one row per extracted flow.
    extracted = json.loads(portplan("extract", str(seeds / "lrs-vpsx.txt")).stdout)["flows"]
    rows = browser.find_elements(By.CSS_SELECTOR, "#flow-grid tbody tr")
    assert len(rows) == len(extracted)
    highlighted = {
        int(li.get_attribute("data-line"))
        for li in browser.find_elements(By.CSS_SELECTOR, "#doc-lines li.evidence")
    }
    assert highlighted == {flow["evidence"]["line"] for flow in extracted}
    line17 = browser.find_element(By.ID, "L17")
    assert line17.find_element(By.CSS_SELECTOR, ".tx").text.startswith("161")

    # Click a flow: the document scrolls to its line and marks it.
    _row(browser, 18).find_element(By.CSS_SELECTOR, "button.jump").click()
    assert "current" in browser.find_element(By.ID, "L18").get_attribute("class")
    in_view = (
        "const r = arguments[0].getBoundingClientRect();"
        "return r.top >= 0 && r.bottom <= innerHeight;"
    )
    wait_for(lambda: browser.execute_script(in_view, browser.find_element(By.ID, "L18")))

    # Rename an endpoint once: every flow that names it follows.
    pullsvc = sum(1 for f in extracted for side in ("src", "dst") if f[side] == "PULLSVC")
    assert pullsvc > 0
    rename = browser.find_element(By.CSS_SELECTOR, "#endpoint-list input[data-name='PULLSVC']")
    _type(rename, "Pull Service")
    rename.find_element(By.XPATH, "following-sibling::button").click()
    endpoints = [
        e.get_attribute("value")
        for e in browser.find_elements(By.CSS_SELECTOR, "#flow-grid input.endpoint")
    ]
    assert "PULLSVC" not in endpoints
    assert endpoints.count("Pull Service") == pullsvc

    # A bad port: red, the parser's own message, Save disabled — and nothing saved.
    ports = _row(browser, 19).find_element(By.CSS_SELECTOR, "input.ports")
    assert ports.get_attribute("value") == "515"
    _type(ports, "70000")
    problem = _row(browser, 19).find_element(By.CSS_SELECTOR, ".problem")
    wait_for(lambda: problem.text == OUT_OF_RANGE, what="the out-of-range message")
    assert "bad" in ports.get_attribute("class")
    assert not browser.find_element(By.ID, "save-button").is_enabled()
    assert list(catalog_dir.iterdir()) == []

    # Fix it: the message goes, and the product saves.
    _type(ports, "9101")
    wait_for(lambda: problem.text == "", what="the message to clear")
    _type(browser.find_element(By.ID, "product-id"), "lrs-reviewed")
    _type(browser.find_element(By.ID, "product-file"), "lrs-reviewed.yaml")
    browser.find_element(By.ID, "save-button").click()
    status = browser.find_element(By.ID, "save-status")
    wait_for(lambda: "Saved" in status.text, what="the save to finish")
    saved = catalog_dir / "lrs-reviewed.yaml"
    assert saved.is_file()

    validated = portplan("catalog", "validate", str(saved))
    assert validated.returncode == 0, validated.stderr
    assert f"OK lrs-reviewed ({len(extracted)} flows)" in validated.stdout

    # plan uses it: a deployment of two of its roles gets the corrected port.
    deployment = tmp_path / "site.yaml"
    deployment.write_text(
        "name: reviewed\n"
        "sites: [{name: hq}]\n"
        "products: [{product: lrs-reviewed, optional: true}]\n"
        "zones:\n  - {name: lan, site: hq, cidrs: [10.20.0.0/24]}\n"
        "hosts:\n"
        "  - {name: vpsx01, zone: lan, addresses: [10.20.0.10], roles: [lrs-reviewed:vpsx]}\n"
        "  - {name: prn01, zone: lan, addresses: [10.20.0.31], roles: [lrs-reviewed:printer]}\n"
        "  - {name: pull01, zone: lan, addresses: [10.20.0.40],"
        " roles: [lrs-reviewed:pull-service]}\n"
    )
    planned = portplan("--catalog", str(catalog_dir), "plan", str(deployment), "--format", "json")
    assert planned.returncode == 0, planned.stderr
    services = {
        (f["source"]["name"], f["destination"]["name"], s)
        for f in json.loads(planned.stdout)["flows"]
        for s in f["services"]
    }
    assert ("vpsx01", "prn01", "tcp/9101") in services
    assert ("vpsx01", "prn01", "tcp/515") not in services
    assert ("pull01", "prn01", "udp/161") in services


def test_line_click_makes_a_flow_and_saving_twice_asks(
    serve: Serve, browser: Any, seeds: Path, catalog_dir: Path
) -> None:
    url = serve("--catalog", str(catalog_dir), "--documents", str(seeds))
    browser.get(url + "review?folder=seeds&document=lrs-vpsx.txt")
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#flow-grid tbody tr"), what="grid")
    before = len(browser.find_elements(By.CSS_SELECTOR, "#flow-grid tbody tr"))

    browser.find_element(By.CSS_SELECTOR, "#L4 .tx").click()
    rows = browser.find_elements(By.CSS_SELECTOR, "#flow-grid tbody tr")
    assert len(rows) == before + 1
    new = rows[-1]
    assert new.find_element(By.CSS_SELECTOR, "button.jump").text == "4"
    assert browser.switch_to.active_element == new.find_element(By.CSS_SELECTOR, "input.src")
    # A new flow has no port yet: saving would make it a variable, and the grid says so.
    note = new.find_element(By.CSS_SELECTOR, ".note")
    wait_for(lambda: "saved as a variable" in note.text, what="the no-port note")
    new.find_element(By.CSS_SELECTOR, "input.src").send_keys("Admin")
    new.find_element(By.CSS_SELECTOR, "input.dst").send_keys("VPSX")
    protocols = new.find_element(By.CSS_SELECTOR, "input.protocols")
    protocols.clear()
    protocols.send_keys("tcp+quic")
    problem = new.find_element(By.CSS_SELECTOR, ".problem")
    wait_for(lambda: "unknown protocol 'quic'" in problem.text, what="the protocol message")
    protocols.clear()
    protocols.send_keys("tcp")
    new.find_element(By.CSS_SELECTOR, "input.ports").send_keys("8443")
    wait_for(lambda: problem.text == "" and note.text == "", what="the messages to clear")
    assert "evidence" in browser.find_element(By.ID, "L4").get_attribute("class")

    browser.find_element(By.ID, "save-button").click()
    status = browser.find_element(By.ID, "save-status")
    wait_for(lambda: "Saved" in status.text, what="first save")
    saved = catalog_dir / "lrs-vpsx.yaml"
    first = saved.read_text()
    assert "tcp/8443" in first

    # Saving again over the same file asks first; declining leaves the file alone.
    browser.find_element(By.CSS_SELECTOR, "#flow-grid tbody tr:last-child input.ports").send_keys(
        ",8444"
    )
    browser.find_element(By.ID, "save-button").click()
    alert = wait_for(lambda: browser.switch_to.alert, what="the confirmation")
    assert "exists" in alert.text
    alert.dismiss()
    wait_for(lambda: "Not saved" in status.text, what="declined")
    assert saved.read_text() == first
    browser.find_element(By.ID, "save-button").click()
    wait_for(lambda: browser.switch_to.alert, what="the confirmation").accept()
    wait_for(lambda: "Saved" in status.text, what="second save")
    assert "tcp/8443,8444" in saved.read_text()
    assert [p.name for p in catalog_dir.iterdir()] == ["lrs-vpsx.yaml"]  # no temporary left


def test_upload_a_document_to_review(serve: Serve, browser: Any, tmp_path: Path) -> None:
    document = tmp_path / "agent guide.md"
    document.write_text(
        "# Ports\n\n| Port | Protocol | Source | Destination | Purpose |\n|---|---|---|---|---|\n"
        "| 4118 | TCP | Manager | Agent | Heartbeat |\n"
    )
    url = serve()
    browser.get(url + "review")
    browser.find_element(By.ID, "upload-file").send_keys(str(document))
    browser.find_element(By.ID, "upload-button").click()
    rows = wait_for(
        lambda: browser.find_elements(By.CSS_SELECTOR, "#flow-grid tbody tr"), what="grid"
    )
    assert browser.find_element(By.CSS_SELECTOR, ".doc-pane h2").text == "agent guide.md"
    assert [e.get_attribute("value") for e in rows[0].find_elements(By.TAG_NAME, "input")][:4] == [
        "Manager",
        "Agent",
        "tcp",
        "4118",
    ]
    assert "evidence" in browser.find_element(By.ID, "L5").get_attribute("class")
    # Without --catalog there is nowhere to save: the page says how to get one.
    assert not browser.find_elements(By.ID, "save-button")
    assert "--catalog DIR" in browser.find_element(By.ID, "product-form").text

"""The deployment and catalog pages in a real browser: the matrix filtered, sorted and paged,
the downloads exactly what ``portplan report`` writes, the catalog searched."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from selenium.webdriver.common.by import By

from tests.conftest import EXAMPLES
from tests.web.conftest import Serve, portplan, wait_for

pytestmark = pytest.mark.browser
MESH = EXAMPLES / "papercut-hive" / "mesh.yaml"


def _visible_rows(driver: Any) -> list[list[str]]:
    return [
        [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
        for row in driver.find_elements(By.CSS_SELECTOR, "#matrix-table tbody tr")
    ]


def _downloaded(folder: Path, suffix: str) -> Path:
    def done() -> Path | None:
        files = [p for p in folder.iterdir() if p.suffix == suffix]
        return files[0] if files and not list(folder.glob("*.crdownload")) else None

    found: Path = wait_for(done, what=f"a {suffix} download")
    time.sleep(0.2)
    return found


def _cells(path: Path) -> dict[str, list[tuple[object, ...]]]:
    book = load_workbook(path)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def test_matrix_filter_sort_and_downloads(serve: Serve, browser: Any, tmp_path: Path) -> None:
    url = serve("--deployment", str(MESH))
    browser.get(url + "deployments/papercut-hive-mesh")
    report_csv = portplan("report", str(MESH), "--format", "csv").stdout
    columns, *all_rows = list(csv.reader(io.StringIO(report_csv)))
    protocol, destination = columns.index("Protocol"), columns.index("Destination host")
    udp = [r for r in all_rows if r[protocol] == "udp"]
    assert 0 < len(udp) < len(all_rows)

    count = browser.find_element(By.ID, "matrix-count")
    assert f"of {len(all_rows)}" in count.text
    assert len(_visible_rows(browser)) == min(100, len(all_rows))

    # Filter one column: only UDP rows, and the count says how many of how many.
    browser.find_element(By.ID, "filter-protocol").send_keys("udp")
    wait_for(lambda: f"of {len(udp)} (filtered from {len(all_rows)})" in count.text, what="count")
    shown = _visible_rows(browser)
    assert len(shown) == len(udp)
    assert all(row[protocol] == "udp" for row in shown)
    assert sorted(map(tuple, shown)) == sorted(map(tuple, udp))

    # Sort by destination host, descending on the second click.
    header = browser.find_element(By.CSS_SELECTOR, "th[data-key='destination']")
    header.click()
    wait_for(lambda: header.get_attribute("aria-sort") == "ascending", what="sorted")
    header.click()
    wait_for(lambda: header.get_attribute("aria-sort") == "descending", what="sorted down")
    destinations = wait_for(
        lambda: (
            (d := [r[destination] for r in _visible_rows(browser)]) == sorted(d, reverse=True) and d
        ),
        what="rows in descending order",
    )
    assert len(destinations) == len(udp)

    # Search every column, then clear: all rows again, paged.
    browser.find_element(By.ID, "filter-protocol").clear()
    search = browser.find_element(By.ID, "matrix-search")
    search.send_keys("mel-pc01 9265")
    expected = [r for r in all_rows if "mel-pc01" in "\t".join(r) and "9265" in "\t".join(r)]
    wait_for(lambda: f"of {len(expected)} " in count.text, what="search count")

    # Downloads are what `portplan report` writes: CSV byte for byte, XLSX cell for cell.
    browser.find_element(By.ID, "download-csv").click()
    assert _downloaded(tmp_path / "downloads", ".csv").read_text(encoding="utf-8") == report_csv
    browser.find_element(By.ID, "download-xlsx").click()
    downloaded = _downloaded(tmp_path / "downloads", ".xlsx")
    written = tmp_path / "report.xlsx"
    assert portplan("report", str(MESH), "--format", "xlsx", "-o", str(written)).returncode == 0
    sheets = _cells(downloaded)
    assert sheets == _cells(written)
    assert len(sheets["Flows"]) == len(all_rows) + 1
    book = load_workbook(downloaded)
    # The XLSX matrix has every column, the Ports as two numbers (Port, To port).
    last = get_column_letter(len(columns) + 1)
    assert book["Flows"].auto_filter.ref == f"A1:{last}{len(all_rows) + 1}"
    assert book["Flows"].freeze_panes == "A2"

    # The diagram is the SVG `diagram` draws, loaded as an image.
    diagram = browser.find_element(By.ID, "deployment-diagram")
    browser.execute_script("arguments[0].scrollIntoView()", diagram)
    wait_for(
        lambda: browser.execute_script("return arguments[0].naturalWidth", diagram), what="svg"
    )


def test_catalog_search_and_product_page(serve: Serve, browser: Any) -> None:
    url = serve()
    browser.get(url + "catalog")
    rows = browser.find_elements(By.CSS_SELECTOR, "#catalog-table tbody tr")
    listed = portplan("catalog", "list").stdout
    assert len(rows) == sum(1 for line in listed.splitlines() if " bundled " in line)

    def ids() -> list[str]:
        return [
            row.find_element(By.TAG_NAME, "td").text
            for row in browser.find_elements(By.CSS_SELECTOR, "#catalog-table tbody tr")
        ]

    query = browser.find_element(By.ID, "catalog-query")
    query.send_keys("contact centre")
    wait_for(lambda: ids() == ["luware-lucs"], what="one match for 'contact centre'")
    # A port number finds every product that opens it, also inside a range.
    query.clear()
    query.send_keys("9100")
    wait_for(lambda: "lrs-vpsx" in ids() and "papercut-hive" in ids(), what="port search")
    assert "luware-lucs" not in ids()
    query.clear()
    query.send_keys("no-such-thing-anywhere")
    wait_for(lambda: ids() == [], what="no match")
    assert "0 product(s)" in browser.find_element(By.ID, "catalog-count").text

    browser.get(url + "catalog/luware-lucs")
    flows = browser.find_elements(By.CSS_SELECTOR, "#product-flows tbody tr")
    assert len(flows) == 58
    assert "luware-lucs.txt:" in flows[0].text  # each flow cites its evidence line
    diagram = browser.find_element(By.ID, "product-diagram")
    wait_for(
        lambda: browser.execute_script("return arguments[0].naturalWidth", diagram), what="svg"
    )

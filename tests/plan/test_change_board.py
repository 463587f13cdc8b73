"""The report a change board signs: cover, summary, matrix, rules per firewall, caveats —
read back from the files as a reviewer would open them."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import portplan
from portplan import pipeline
from portplan.catalog import bundled_dir
from portplan.cli.main import cli
from portplan.model.deployment import Deployment
from portplan.report.changeboard import change_board
from tests.conftest import EXAMPLES
from tests.plan.plan_fixtures import PRODUCT, catalog_of, product_from_text

LEXMARK = EXAMPLES / "lexmark-mve" / "deployment.yaml"
DOCUMENT_ERROR = "Probably an error in the document"


@pytest.fixture(scope="module")
def lexmark_xlsx(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    path = tmp_path_factory.mktemp("report") / "change.xlsx"
    result = CliRunner().invoke(
        cli,
        [
            "report", str(LEXMARK), "--format", "xlsx", "-o", str(path),
            "--ticket", "CHG-1234", "--owner", "Print team", "--approver", "CAB",
            "--justification", "Markvision rollout",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return openpyxl.load_workbook(path)


def cover_fields(book: openpyxl.Workbook) -> dict[str, object]:
    return {row[0]: row[1] for row in book["Cover"].iter_rows(values_only=True) if row[0]}


def records(sheet: openpyxl.worksheet.worksheet.Worksheet) -> list[dict[str, object]]:
    header, *rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_the_cover_names_the_deployment_version_date_inputs_and_request(
    lexmark_xlsx: openpyxl.Workbook,
) -> None:
    fields = cover_fields(lexmark_xlsx)
    assert lexmark_xlsx.sheetnames[0] == "Cover"
    assert fields["Deployment"] == "lexmark-mve-campus"
    assert fields["Made by"] == f"portplan {portplan.__version__}"
    assert str(fields["Date"])[:2] == "20" and len(str(fields["Date"])) == 10  # an ISO date
    assert (fields["Ticket"], fields["Owner"], fields["Approver"]) == (
        "CHG-1234",
        "Print team",
        "CAB",
    )
    assert fields["Justification"] == "Markvision rollout"
    assert "Decision" in fields and "Signature and date" in fields  # filled in by hand
    # Every input file with the SHA-256 of its bytes: the deployment and the product used.
    assert fields[str(LEXMARK)] == hashlib.sha256(LEXMARK.read_bytes()).hexdigest()
    bundled = bundled_dir() / "lexmark-mve.yaml"
    assert fields["lexmark-mve.yaml (bundled with portplan)"] == (
        hashlib.sha256(bundled.read_bytes()).hexdigest()
    )


def test_summary_counts_equal_the_matrix(lexmark_xlsx: openpyxl.Workbook) -> None:
    matrix = records(lexmark_xlsx["Flows"])
    summary = records(lexmark_xlsx["Summary"])
    key = ("Source site", "Source zone", "Destination site", "Destination zone", "Protocol")
    counted = Counter(tuple(r[k] for k in (*key, "Port", "To port")) for r in matrix)
    assert {tuple(s[k] for k in (*key, "Port", "To port")): s["Matrix rows"] for s in summary} == (
        dict(counted)
    )
    assert sum(int(str(s["Matrix rows"])) for s in summary) == len(matrix)
    totals = cover_fields(lexmark_xlsx)
    assert totals["Matrix rows (flow × protocol × port range)"] == str(len(matrix))


def test_ports_are_numbers_and_sort_as_numbers(lexmark_xlsx: openpyxl.Workbook) -> None:
    matrix = records(lexmark_xlsx["Flows"])
    ports = [r["Port"] for r in matrix if r["Protocol"] in ("tcp", "udp")]
    assert ports and all(isinstance(p, int) for p in ports)
    assert all(isinstance(r["To port"], int) and r["To port"] >= r["Port"] for r in matrix)
    assert sorted(ports)[0] < 100 < sorted(ports)[-1]  # 21 before 1433, not after it


def test_the_vendors_document_error_note_is_on_its_row(lexmark_xlsx: openpyxl.Workbook) -> None:
    matrix = records(lexmark_xlsx["Flows"])
    rows = [r for r in matrix if r["Flow"] == "mve-printer-https-161"]
    assert rows and all(DOCUMENT_ERROR in str(r["Notes"]) for r in rows)
    assert all((r["Protocol"], r["Port"]) == ("tcp", 161) for r in rows)
    # ... and among the caveats on the cover, with how many rows it concerns.
    caveat = next(k for k in cover_fields(lexmark_xlsx) if "mve-printer-https-161" in str(k))
    assert caveat.startswith("vendor note:") and f"{len(rows)} matrix row(s)" in caveat
    plain = [r for r in matrix if r["Flow"] == "mve-printer-https"]
    assert all(DOCUMENT_ERROR not in str(r["Notes"] or "") for r in plain)


def test_an_exclusion_and_its_reason_are_in_the_report(lexmark_xlsx: openpyxl.Workbook) -> None:
    (excluded,) = records(lexmark_xlsx["Excluded"])
    assert excluded["Flow"] == "mve-kerberos" and excluded["Services"] == "udp/88"
    assert "without a Kerberos KDC" in str(excluded["Reason"])
    assert all(r["Flow"] != "mve-kerberos" for r in records(lexmark_xlsx["Flows"]))
    assert any("excluded: lexmark-mve/mve-kerberos" in str(k) for k in cover_fields(lexmark_xlsx))


def test_a_sheet_per_enforcement_point_with_the_rules_to_enter(
    lexmark_xlsx: openpyxl.Workbook,
) -> None:
    deployment, resolution = pipeline.plan(LEXMARK)
    for point in deployment.firewalls:
        rules = records(lexmark_xlsx[f"Rules {point.name}"])
        expected = {
            (f.source.name, f.destination.name, s.protocol, int(str(r).split("-")[0]))
            for f in resolution.flows
            if any(h.point == point.name for h in f.path)
            for s in f.services
            for r in s.ports
        }
        assert {
            (r["Source"], r["Destination"], r["Protocol"], r["Port"]) for r in rules
        } == expected
        if point.kind == "host":
            assert {r["On host"] for r in rules} <= set(point.hosts)
            assert {r["Direction"] for r in rules} <= {"egress", "ingress"}
        else:
            assert {r["Direction"] for r in rules} == {"forward"}


def test_long_text_wraps_in_its_column(lexmark_xlsx: openpyxl.Workbook) -> None:
    sheet = lexmark_xlsx["Flows"]
    header = [c.value for c in sheet[1]]
    column = header.index("Purpose") + 1
    width = sheet.column_dimensions[openpyxl.utils.get_column_letter(column)].width
    cells = [sheet.cell(row=r, column=column) for r in range(2, sheet.max_row + 1)]
    long = [c for c in cells if len(str(c.value)) > width]
    assert long and all(c.alignment.wrap_text for c in long)


def test_every_sheet_prints_landscape_fitted_to_the_width(lexmark_xlsx: openpyxl.Workbook) -> None:
    for sheet in lexmark_xlsx.worksheets:
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        if sheet.title != "Cover":
            assert sheet.print_title_rows == "$1:$1", sheet.title
            assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref, sheet.title


def test_html_has_a_filter_box_and_the_same_summary(tmp_path: Path) -> None:
    deployment, resolution = pipeline.plan(LEXMARK)
    html = str(pipeline.render_report(deployment, resolution, "html"))
    report = change_board(deployment, resolution)
    assert '<input type="search" id="filter"' in html
    assert html.count('<table class="data" id="summary">') == 1
    summary = html.split('id="summary">')[1].split("</table>")[0]
    assert summary.count("<tr>") == 1 + len(report.summary)
    assert DOCUMENT_ERROR in html and "without a Kerberos KDC" in html
    assert "<details" in html and 'id="matrix-section" open' in html  # short: unfolded


def test_markdown_has_the_same_sections() -> None:
    deployment, resolution = pipeline.plan(LEXMARK)
    text = str(pipeline.render_report(deployment, resolution, "md"))
    for heading in (
        "## Cover",
        "## Caveats to read before approving (",
        "## Summary by zone pair and service (",
        "## By role and zone pair (",
        "## Rules per enforcement point",
        "### fw-campus (nftables, network firewall)",
        "## Matrix (",
        "## Excluded by the deployment",
    ):
        assert heading in text, heading
    assert DOCUMENT_ERROR in text


def test_json_carries_the_cover_and_every_view() -> None:
    deployment, resolution = pipeline.plan(LEXMARK)
    document = json.loads(pipeline.render_report(deployment, resolution, "json"))
    assert document["cover"]["deployment"] == "lexmark-mve-campus"
    assert {i["path"] for i in document["cover"]["inputs"]} >= {str(LEXMARK)}
    assert sum(s["rows"] for s in document["summary"]) == len(document["rows"])
    assert [p["point"] for p in document["points"]] == [f.name for f in deployment.firewalls]


def test_a_large_site_aggregates_to_a_page(tmp_path: Path) -> None:
    """3,000 workstations submitting on two ports: 6,000 matrix rows, a handful of lines
    by role and zone pair, and the HTML matrix folded behind them."""
    product = product_from_text(tmp_path / "p.yaml", PRODUCT)
    clients = [
        {
            "name": f"pc{i}",
            "zone": f"floor{i % 3}",
            "addresses": [str(ipaddress.ip_address("10.8.0.0") + (i % 3) * 4096 + 10 + i // 3)],
            "roles": ["acme-print:client"],
        }
        for i in range(3000)
    ]
    deployment = Deployment.model_validate(
        {
            "name": "big",
            "sites": [{"name": "hq"}],
            "zones": [
                {"name": "servers", "site": "hq", "cidrs": ["10.9.0.0/24"]},
                *(
                    {"name": f"floor{f}", "site": "hq", "cidrs": [f"10.8.{16 * f}.0/20"]}
                    for f in range(3)
                ),
            ],
            "hosts": [
                {"name": "print1", "zone": "servers", "addresses": ["10.9.0.10"],
                 "roles": ["acme-print:server"]},
                *clients,
            ],
            "firewalls": [{"name": "core", "kind": "network", "zones": ["servers"]}],
            "products": [{"product": "acme-print"}],
        }
    )  # fmt: skip
    resolution = pipeline.plan_deployment(deployment, catalog_of(product))
    report = change_board(deployment, resolution)
    assert len(report.rows) == 6000
    assert len(report.by_role) == 3  # one product flow from three floors
    assert len(report.summary) == 6  # three zone pairs × two ports
    assert [line.pairs for line in report.by_role] == [1000, 1000, 1000]
    html = str(pipeline.render_report(deployment, resolution, "html"))
    assert 'id="matrix-section">' in html  # folded: the page opens on the summaries


def test_the_html_filter_narrows_every_table_in_a_real_browser(tmp_path: Path) -> None:
    """Chromium opens the page with #filter=… in its address; the rows left visible in the
    matrix are exactly those holding every word."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true: chromium must be installed (make test installs it)")
        pytest.skip("needs chromium")
    mesh = EXAMPLES / "papercut-hive" / "mesh.yaml"
    deployment, resolution = pipeline.plan(mesh)
    page = tmp_path / "report.html"
    page.write_text(str(pipeline.render_report(deployment, resolution, "html")))
    done = subprocess.run(
        [
            browser, "--headless", "--no-sandbox", "--disable-gpu",
            f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
            page.as_uri() + "#filter=mel-pc01%20443",
        ],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    matrix = done.stdout.split('id="matrix"')[1].split("</table>")[0]
    rows = matrix.split("<tbody>")[1].split("<tr")[1:]
    shown = [row for row in rows if not row.startswith(" hidden")]
    every = change_board(deployment, resolution).rows
    expected = [r for r in every if all(w in " ".join(r.cells()) for w in ("mel-pc01", "443"))]
    assert len(rows) == len(every)  # every row is there, most hidden
    assert len(shown) == len(expected) > 0
    assert f'id="matrix-shown">{len(expected)} of {len(rows)} shown' in done.stdout

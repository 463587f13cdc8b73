"""The port matrix in every format, read back and checked for content."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from portplan import pipeline
from portplan.catalog import Catalog
from portplan.cli.main import cli
from portplan.errors import UnsupportedError, ValidationError
from portplan.flows import resolve_flows
from portplan.report import COLUMNS, FORMATS, get_format, matrix_rows
from tests.plan.plan_fixtures import DEPLOYMENT, PRODUCT, DeploymentFactory

DELIVER_UDP = {
    "Source host": "print1",
    "Source addresses": "10.0.1.10",
    "Destination host": "prn-east",
    "Destination addresses": "10.1.0.9",
    "Protocol": "udp",
    "Ports": "161-162",
    "Purpose": "Deliver jobs and poll status",
    "Product": "acme-print",
    "Flow": "deliver",
    "Feature / optional": "required",
    "Firewalls on the path": "windows-fw (egress) → core → hq-edge → east-edge",
    "Evidence": "acme.txt:14",
}


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "acme-print.yaml").write_text(PRODUCT)
    (tmp_path / "deployment.yaml").write_text(DEPLOYMENT)
    return tmp_path


def report(workspace: Path, fmt: str, deployment: str = "deployment.yaml") -> Path:
    target = workspace / f"matrix.{fmt}"
    result = CliRunner().invoke(
        cli,
        [
            "--catalog",
            str(workspace / "catalog"),
            "report",
            str(workspace / deployment),
            "--format",
            fmt,
            "-o",
            str(target),
        ],
    )
    assert result.exit_code == 0, result.output
    return target


def test_rows_are_one_per_flow_and_protocol(
    make_deployment: DeploymentFactory, catalog: Catalog
) -> None:
    resolution = resolve_flows(make_deployment(), catalog)
    rows = matrix_rows(resolution)
    assert len(rows) == sum(len(f.services) for f in resolution.flows) == 14
    assert dict(zip(COLUMNS, rows[1].cells(), strict=True))["Protocol"] == "tcp"
    assert dict(zip(COLUMNS, rows[2].cells(), strict=True)) == DELIVER_UDP


def test_csv_reads_back(workspace: Path) -> None:
    with report(workspace, "csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 14
    assert DELIVER_UDP in rows
    submit = next(r for r in rows if r["Flow"] == "submit")
    assert (submit["Ports"], submit["Source addresses"]) == ("443,9100", "10.0.2.5, 2001:db8:2::5")
    cloud = next(r for r in rows if r["Flow"] == "cloud" and r["Source host"] == "prn-east")
    assert cloud["Destination addresses"] == "203.0.113.0/24 (cloud.acme.example)"


def test_xlsx_reads_back_with_header_filter_and_frozen_panes(workspace: Path) -> None:
    book = openpyxl.load_workbook(report(workspace, "xlsx"))
    sheet = book["Flows"]
    header = [c.value for c in sheet[1]]
    assert header == list(COLUMNS)
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:L{14 + 1}"
    rows = [
        dict(zip(header, (c.value for c in line), strict=True))
        for line in sheet.iter_rows(min_row=2)
    ]
    assert len(rows) == 14
    assert DELIVER_UDP in rows
    widths = [sheet.column_dimensions[chr(ord("A") + i)].width for i in range(len(COLUMNS))]
    assert all(8 <= w <= 60 for w in widths)
    assert sheet["G2"].alignment.wrap_text
    assert book["Unresolved"].max_row == 1  # header only: everything resolved


class _Table(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None
        self.scripts = 0
        self.external = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = []
        elif tag == "script":
            self.scripts += 1
        if any(name in ("src", "href") for name, _ in attrs):
            self.external = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append("".join(self.cell))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def test_html_is_standalone_and_has_every_flow(workspace: Path) -> None:
    parser = _Table()
    parser.feed(report(workspace, "html").read_text(encoding="utf-8"))
    header, *rows = parser.rows
    assert header == list(COLUMNS)
    assert len(rows) == 14
    assert list(DELIVER_UDP.values()) in rows
    pairs = {(r[0], r[2], r[8]) for r in rows}
    assert ("prn-east", "edge-west", "mesh") in pairs and ("pc1", "print1", "submit") in pairs
    assert parser.scripts == 1 and not parser.external


def test_markdown_has_one_table_row_per_matrix_row(workspace: Path) -> None:
    text = report(workspace, "md").read_text(encoding="utf-8")
    table = [line for line in text.splitlines() if line.startswith("| ")]
    assert len(table) == 1 + 14  # header + rows
    assert "| print1 | 10.0.1.10 | prn-east | 10.1.0.9 | udp | 161-162 |" in text


def test_json_report_rows_and_flows(workspace: Path) -> None:
    document = json.loads(report(workspace, "json").read_text(encoding="utf-8"))
    assert len(document["rows"]) == 14 and len(document["flows"]) == 13
    assert document["columns"]["ports"] == "Ports"
    assert {document["columns"][k]: v for k, v in document["rows"][2].items()} == DELIVER_UDP


HOSTILE = '=HYPERLINK("http://x") | <script>alert(1)</script> *bold* `code`'


def test_hostile_text_stays_text_in_every_format(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    hostile = PRODUCT.replace("purpose: Submit print jobs", f"purpose: '{HOSTILE}'")
    (catalog / "acme-print.yaml").write_text(hostile)
    (tmp_path / "deployment.yaml").write_text(DEPLOYMENT)
    outputs = {fmt: report(tmp_path, fmt) for fmt in FORMATS}

    rows = list(csv.DictReader(io.StringIO(outputs["csv"].read_text(encoding="utf-8"))))
    assert rows[0]["Purpose"] == "'" + HOSTILE  # a spreadsheet will not run it

    sheet = openpyxl.load_workbook(outputs["xlsx"])["Flows"]
    assert sheet["G2"].value == HOSTILE and sheet["G2"].data_type == "s"

    html = outputs["html"].read_text(encoding="utf-8")
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    md_row = next(line for line in outputs["md"].read_text().splitlines() if "HYPERLINK" in line)
    assert md_row.count(" | ") == len(COLUMNS) - 1  # the pipe in the purpose is escaped
    assert "\\<script\\>" in md_row

    assert json.loads(outputs["json"].read_text())["rows"][0]["purpose"] == HOSTILE


def test_unresolved_flows_are_listed_in_the_report(
    make_deployment: DeploymentFactory, catalog: Catalog
) -> None:
    deployment = make_deployment(
        {'["acme-print:printer", "acme-print:edge"]': '["acme-print:edge"]'}
    )
    resolution = resolve_flows(deployment, catalog)
    md = get_format("md").render(deployment, resolution)
    assert "## Unresolved" in md and "no host or external plays role" in md
    html = get_format("html").render(deployment, resolution)
    assert "Unresolved" in html
    xlsx = get_format("xlsx").render(deployment, resolution)
    assert isinstance(xlsx, bytes)
    unresolved = openpyxl.load_workbook(io.BytesIO(xlsx))["Unresolved"]
    assert [c.value for c in unresolved[2]][:3] == ["acme-print", "deliver", "acme-print:printer"]


def test_unknown_format_is_an_error() -> None:
    with pytest.raises(ValidationError, match="unknown report format 'pdf'"):
        get_format("pdf")


def test_xlsx_goes_to_stdout_only_when_it_is_not_a_terminal(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["--catalog", str(workspace / "catalog"), "report", str(workspace / "deployment.yaml")]
    piped = CliRunner().invoke(cli, [*args, "--format", "xlsx"])
    assert piped.exit_code == 0, piped.output
    assert openpyxl.load_workbook(io.BytesIO(piped.stdout_bytes))["Flows"].max_row == 15

    monkeypatch.setattr("portplan.cli.report.stdout_is_terminal", lambda: True)
    terminal = CliRunner().invoke(cli, [*args, "--format", "xlsx"])
    assert terminal.exit_code == 2
    assert terminal.stderr.strip() == (
        "portplan: error: an XLSX workbook is binary — write it to a file with -o FILE.xlsx."
    )
    assert terminal.stdout_bytes == b""


def test_pipeline_report_is_usable_without_the_cli(workspace: Path) -> None:
    resolution, text = pipeline.report(
        workspace / "deployment.yaml", "csv", catalog_dirs=[workspace / "catalog"]
    )
    assert isinstance(text, str) and len(text.splitlines()) == 1 + 14
    assert len(resolution.flows) == 13


def test_xlsx_refuses_more_rows_than_a_sheet_holds(
    make_deployment: DeploymentFactory, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployment = make_deployment()
    resolution = resolve_flows(deployment, catalog)
    monkeypatch.setattr("portplan.report.xlsx.MAX_ROWS", 14)  # 14 rows + header > 14
    with pytest.raises(UnsupportedError, match="the port matrix has 14 rows; an XLSX sheet holds"):
        get_format("xlsx").render(deployment, resolution)
    monkeypatch.setattr("portplan.report.xlsx.MAX_ROWS", 15)
    assert get_format("xlsx").render(deployment, resolution)

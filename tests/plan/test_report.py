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
    "Source site": "hq",
    "Source zone": "hq-servers",
    "Source host": "print1",
    "Source addresses": "10.0.1.10",
    "Destination site": "east",
    "Destination zone": "east-lan",
    "Destination host": "prn-east",
    "Destination addresses": "10.1.0.9",
    "Protocol": "udp",
    "Ports": "161-162",
    "Purpose": "Deliver jobs and poll status",
    "Product": "acme-print",
    "Flow": "deliver",
    "Feature / optional": "required",
    "Firewalls on the path": "windows-fw (egress) → core → hq-edge → east-edge",
    "Notes": "",
    "Evidence": "acme.txt:14",
}
ROWS = 15  # 13 concrete flows: one row per flow, protocol and port range


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


def test_rows_are_one_per_flow_protocol_and_port_range(
    make_deployment: DeploymentFactory, catalog: Catalog
) -> None:
    resolution = resolve_flows(make_deployment(), catalog)
    rows = matrix_rows(resolution)
    ranges = sum(len(list(s.ports)) if s.ports else 1 for f in resolution.flows for s in f.services)
    assert len(rows) == ranges == ROWS
    # submit opens tcp/443,9100: two rows, each one port
    assert [(r.protocol, r.ports, r.port_bounds()) for r in rows[:2]] == [
        ("tcp", "443", (443, 443)),
        ("tcp", "9100", (9100, 9100)),
    ]
    assert dict(zip(COLUMNS, rows[3].cells(), strict=True)) == DELIVER_UDP
    mesh = next(r for r in rows if r.flow == "mesh")
    assert mesh.notes == "The vendor lists this port twice."
    cloud = next(r for r in rows if r.flow == "cloud")
    assert (cloud.destination_site, cloud.destination_zone) == ("internet", "acme-cloud (external)")


def test_csv_reads_back(workspace: Path) -> None:
    with report(workspace, "csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == ROWS
    assert DELIVER_UDP in rows
    submit = [r for r in rows if r["Flow"] == "submit"]
    assert [r["Ports"] for r in submit] == ["443", "9100"]
    assert submit[0]["Source addresses"] == "10.0.2.5, 2001:db8:2::5"
    cloud = next(r for r in rows if r["Flow"] == "cloud" and r["Source host"] == "prn-east")
    assert cloud["Destination addresses"] == "203.0.113.0/24 (cloud.acme.example)"


def test_xlsx_matrix_reads_back_with_numbers_filter_frozen_panes_and_print_setup(
    workspace: Path,
) -> None:
    book = openpyxl.load_workbook(report(workspace, "xlsx"))
    sheet = book["Flows"]
    header = [c.value for c in sheet[1]]
    ports = COLUMNS.index("Ports")
    assert header == [*COLUMNS[:ports], "Port", "To port", *COLUMNS[ports + 1 :]]
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:R{ROWS + 1}"
    assert sheet.print_title_rows == "$1:$1"  # the header repeats on every printed page
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    rows = [
        dict(zip(header, (c.value for c in line), strict=True))
        for line in sheet.iter_rows(min_row=2)
    ]
    assert len(rows) == ROWS
    expected = {k: v or None for k, v in DELIVER_UDP.items() if k != "Ports"}
    assert {**expected, "Port": 161, "To port": 162} in rows
    assert all(isinstance(r["Port"], int) and isinstance(r["To port"], int) for r in rows[:2])
    widths = [sheet.column_dimensions[chr(ord("A") + i)].width for i in range(len(header))]
    assert all(8 <= w <= 60 for w in widths)
    assert book["Unresolved"].max_row == 1  # header only: everything resolved


class _Table(HTMLParser):
    """The rows of every table with an id, by id."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None
        self.scripts = 0
        self.external = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.rows = self.tables.setdefault(dict(attrs).get("id") or "", [])
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
    header, *rows = parser.tables["matrix"]
    assert header == list(COLUMNS)
    assert len(rows) == ROWS
    assert list(DELIVER_UDP.values()) in rows
    pairs = {(r[2], r[6], r[12]) for r in rows}
    assert ("prn-east", "edge-west", "mesh") in pairs and ("pc1", "print1", "submit") in pairs
    assert parser.scripts == 1 and not parser.external


def test_markdown_has_one_table_row_per_matrix_row(workspace: Path) -> None:
    text = report(workspace, "md").read_text(encoding="utf-8")
    matrix = text.split("\n## Matrix ")[1].split("\n## ")[0]
    table = [line for line in matrix.splitlines() if line.startswith("| ")]
    assert len(table) == 1 + ROWS  # header + rows
    assert "| print1 | 10.0.1.10 | east | east-lan | prn-east | 10.1.0.9 | udp | 161-162 |" in text


def test_json_report_rows_and_flows(workspace: Path) -> None:
    document = json.loads(report(workspace, "json").read_text(encoding="utf-8"))
    assert len(document["rows"]) == ROWS and len(document["flows"]) == 13
    assert document["columns"]["ports"] == "Ports"
    assert {document["columns"][k]: v for k, v in document["rows"][3].items()} == DELIVER_UDP
    assert sum(line["rows"] for line in document["summary"]) == ROWS


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
    assert sheet["L2"].value == HOSTILE and sheet["L2"].data_type == "s"

    html = outputs["html"].read_text(encoding="utf-8")
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    md_row = next(
        line
        for line in outputs["md"].read_text().splitlines()
        if "HYPERLINK" in line and line.startswith("| hq |")
    )
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
    assert openpyxl.load_workbook(io.BytesIO(piped.stdout_bytes))["Flows"].max_row == ROWS + 1

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
    assert isinstance(text, str) and len(text.splitlines()) == 1 + ROWS
    assert len(resolution.flows) == 13


def test_xlsx_refuses_more_rows_than_a_sheet_holds(
    make_deployment: DeploymentFactory, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployment = make_deployment()
    resolution = resolve_flows(deployment, catalog)
    monkeypatch.setattr("portplan.report.xlsx.MAX_ROWS", ROWS)  # ROWS rows + header > ROWS
    with pytest.raises(UnsupportedError, match=f"the port matrix has {ROWS} rows; an XLSX sheet"):
        get_format("xlsx").render(deployment, resolution)
    monkeypatch.setattr("portplan.report.xlsx.MAX_ROWS", ROWS + 1)
    assert get_format("xlsx").render(deployment, resolution)

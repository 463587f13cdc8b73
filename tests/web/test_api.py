"""The JSON API: each page's data, the same as the command line gives for the same input."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from portplan.catalog import load_product_file
from portplan.errors import ValidationError
from portplan.web import WebSettings, create_app
from portplan.web.documents import document_lines
from portplan.web.review import FileExists, flow_note, flow_problem, write_new
from tests.conftest import EXAMPLES
from tests.web.conftest import portplan

LUCS = EXAMPLES / "luware-lucs" / "deployment.yaml"
MESH = EXAMPLES / "papercut-hive" / "mesh.yaml"
PACKAGE = Path(__file__).resolve().parents[2] / "src" / "portplan" / "web"


@pytest.fixture
def web(tmp_path: Path) -> Any:
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    docs = tmp_path / "docs"
    docs.mkdir()
    settings = WebSettings(catalog_dirs=(catalog,), deployments=(LUCS, MESH), documents=(docs,))
    with TestClient(create_app(settings), base_url="http://127.0.0.1:8765") as client:
        client.catalog = catalog  # type: ignore[attr-defined]
        client.docs = docs  # type: ignore[attr-defined]
        yield client


def test_openapi_documents_every_api_route(web: TestClient) -> None:
    paths = web.get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/catalog",
        "/api/catalog/{product_id}",
        "/api/deployments",
        "/api/deployments/{deployment_id}",
        "/api/deployments/{deployment_id}/matrix",
        "/api/deployments/{deployment_id}/conflicts",
        "/api/deployments/{deployment_id}/lab",
        "/api/lab/{job_id}/events",
        "/api/documents",
        "/api/review",
        "/api/review/check",
        "/api/review/save",
    ):
        assert path in paths, path
    index = web.get("/api")
    assert index.status_code == 200 and "/api/review/save" in index.text
    assert web.get("/docs").status_code == 404  # Swagger UI would load scripts from the internet


def test_every_page_renders(web: TestClient) -> None:
    for url in ("/", "/catalog", "/catalog/luware-lucs", "/review", "/api"):
        page = web.get(url)
        assert page.status_code == 200, url
        assert "<main>" in page.text
    deployments = web.get("/api/deployments").json()["deployments"]
    assert [d["id"] for d in deployments] == ["luware-lucs-deployment", "papercut-hive-mesh"]
    assert web.get("/deployments/luware-lucs-deployment").status_code == 200
    missing = web.get("/deployments/nope")
    assert missing.status_code == 404 and "no deployment &#39;nope&#39;" in missing.text


def test_assets_come_from_the_package_only() -> None:
    """Nothing is loaded from the internet: no asset or template names another host."""
    for path in [*PACKAGE.glob("templates/*"), *PACKAGE.glob("static/*")]:
        text = path.read_text()
        for marker in ("http://", "https://", "//cdn", "@import"):
            assert marker not in text, f"{path.name} mentions {marker}"


def test_matrix_api_pages_filters_and_sorts_the_report_rows(web: TestClient) -> None:
    rows = list(csv.reader(io.StringIO(portplan("report", str(LUCS), "--format", "csv").stdout)))
    header, body = rows[0], rows[1:]
    url = "/api/deployments/luware-lucs-deployment/matrix"
    first = web.get(url, params={"limit": 10}).json()
    assert [c["title"] for c in first["columns"]] == header
    assert first["total"] == first["matched"] == len(body)
    assert first["rows"] == body[:10]
    second = web.get(url, params={"limit": 10, "offset": 10}).json()
    assert second["rows"] == body[10:20]

    protocol, port = header.index("Protocol"), header.index("Ports")
    udp = web.get(url, params={"filter": "protocol:udp", "limit": 1000}).json()
    assert udp["rows"] == [r for r in body if "udp" in r[protocol]]
    both = web.get(url, params=[("filter", "protocol:tcp"), ("q", "sql"), ("limit", "1000")])
    expected = [r for r in body if "tcp" in r[protocol] and "sql" in "\t".join(r).lower()]
    assert both.json()["rows"] == expected and expected

    ports = web.get(url, params={"sort": "ports", "order": "desc", "limit": 1000}).json()["rows"]
    assert len(ports) == len(body)
    first_numbers = [int(r[port].split("-")[0]) for r in ports if r[port][0].isdigit()]
    assert first_numbers == sorted(first_numbers, reverse=True)  # numeric, not text, order

    bad = web.get(url, params={"sort": "nonsense"})
    assert bad.status_code == 400 and "unknown column 'nonsense'" in bad.json()["error"]
    assert web.get(url, params={"filter": "no-colon"}).status_code == 400


def test_conflicts_and_downloads_match_the_cli(web: TestClient) -> None:
    api = web.get("/api/deployments/luware-lucs-deployment/conflicts").json()
    cli = json.loads(portplan("conflicts", str(LUCS), "--format", "json").stdout)
    assert api == cli
    csv_text = web.get("/deployments/luware-lucs-deployment/report.csv")
    assert csv_text.content == portplan("report", str(LUCS), "--format", "csv").stdout.encode()
    assert "attachment" in csv_text.headers["content-disposition"]
    md = web.get("/deployments/luware-lucs-deployment/report.md").text
    assert md == portplan("report", str(LUCS), "--format", "md").stdout
    assert web.get("/deployments/luware-lucs-deployment/report.exe").status_code == 400


def test_catalog_api_matches_catalog_show(web: TestClient) -> None:
    shown = json.loads(portplan("catalog", "show", "luware-lucs", "--format", "json").stdout)
    api = web.get("/api/catalog/luware-lucs").json()
    assert {k: v for k, v in api.items() if k != "summary"} == shown
    assert api["summary"]["flows"] == 58 and api["summary"]["origin"] == "bundled"
    found = web.get("/api/catalog", params={"q": "5060"}).json()["products"]
    assert found and all(p["id"] != "lexmark-mve" for p in found)


def test_review_api_gives_extract_json_and_saves_nothing_bad(web: TestClient, seeds: Path) -> None:
    document = web.docs / "papercut.txt"  # type: ignore[attr-defined]
    document.write_bytes((seeds / "papercut-hive-multisite.txt").read_bytes())
    data = web.get("/api/review", params={"folder": "docs", "document": "papercut.txt"}).json()
    cli = json.loads(portplan("extract", str(document)).stdout)
    assert [{**f, "evidence": {**f["evidence"], "file": ""}} for f in data["flows"]] == [
        {**f, "evidence": {**f["evidence"], "file": ""}} for f in cli["flows"]
    ]
    text = document.read_text().splitlines()
    assert [line["text"] for line in data["lines"]] == text
    assert data["problems"] == {}

    flows = data["flows"]
    flows[0] = {**flows[0], "ports": ["0"]}
    body = {"folder": "docs", "document": "papercut.txt", "flows": flows, "filename": "p.yaml"}
    refused = web.post("/api/review/save", json=body)
    assert refused.status_code == 422
    assert refused.json()["problems"] == {"0": flow_problem(flows[0])}
    assert "nothing was saved" in refused.json()["error"]
    assert list(web.catalog.iterdir()) == []  # type: ignore[attr-defined]

    bad_id = web.post(
        "/api/review/save", json={**body, "flows": data["flows"][1:], "product_id": "Bad Id!"}
    )
    assert bad_id.status_code == 400 and "p.yaml" in bad_id.json()["error"]
    assert list(web.catalog.iterdir()) == []  # type: ignore[attr-defined]


def test_a_bad_port_reads_as_the_catalog_loader_says_it(tmp_path: Path) -> None:
    flow = {"protocols": ["tcp"], "ports": ["70000"]}
    message = flow_problem(flow)
    assert message is not None
    product = tmp_path / "p.yaml"
    product.write_text(
        "id: p\nname: P\nroles: [{id: a, name: A}]\n"
        "flows: [{id: f, from: a, to: a, services: [tcp/70000], purpose: x}]\n"
    )
    with pytest.raises(ValidationError) as caught:
        load_product_file(product)
    assert str(caught.value).endswith(message)
    assert flow_problem({"protocols": ["tcp", "udp"], "ports": ["161-162"]}) is None
    assert flow_problem({"protocols": ["icmp"], "ports": []}) is None
    assert "unknown protocol 'tpc'" in (flow_problem({"protocols": ["tpc"], "ports": ["1"]}) or "")
    assert flow_problem({"protocols": [], "ports": ["1"]}) == (
        "no protocol — write one, e.g. tcp, udp, tcp+udp or icmp."
    )
    # A flow without a port becomes a variable without a default: not wrong, but noted.
    portless = {"protocols": ["tcp"], "ports": [], "configurable": True}
    assert flow_problem(portless) is None
    assert "variable without a default" in (flow_note(portless) or "")
    assert flow_note({"protocols": ["icmp"], "ports": []}) is None


def test_write_new_never_replaces_and_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "p.yaml"
    write_new(target, "first\n")
    with pytest.raises(FileExists):
        write_new(target, "second\n")
    assert target.read_text() == "first\n"
    assert [p.name for p in tmp_path.iterdir()] == ["p.yaml"]


def test_reader_numbered_documents_show_the_readers_lines(web: TestClient, tmp_path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = web.docs / "guide.pdf"  # type: ignore[attr-defined]
    drawing = canvas.Canvas(str(pdf), pagesize=A4)
    for index, line in enumerate(
        ["Firewall requirements", "Port 443 TCP from Client to Server for HTTPS", "Version 2"]
    ):
        drawing.drawString(72, 760 - 20 * index, line)
    drawing.save()
    data = web.get("/api/review", params={"folder": "docs", "document": "guide.pdf"}).json()
    texts = {line["number"]: line["text"] for line in data["lines"]}
    assert texts[2] == "Port 443 TCP from Client to Server for HTTPS"
    assert [f["evidence"]["line"] for f in data["flows"]] == [2]
    assert texts[data["flows"][0]["evidence"]["line"]] == data["flows"][0]["evidence"]["text"]


def test_document_lines_walk_tables_and_nested_blocks(tmp_path: Path) -> None:
    from portplan.extract import Table, TextLine

    class Section:  # a block that holds others, as a block tree does
        def __init__(self, children: list[object]) -> None:
            self.children = children

    blocks = [
        TextLine(1, "Ports"),
        Table(rows=(("Port", "Use"), ("443", "HTTPS")), lines=(3, 4)),
        Section([TextLine(6, "Inbound"), TextLine(6, "to the server")]),
    ]
    lines = document_lines(tmp_path / "guide.docx", blocks)
    assert [(line.number, line.text) for line in lines] == [
        (1, "Ports"),
        (3, "Port │ Use"),
        (4, "443 │ HTTPS"),
        (6, "Inbound  to the server"),
    ]

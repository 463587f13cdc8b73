"""The diagram, diff and conflicts commands on the bundled catalog and on every example."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from click.testing import CliRunner, Result

from portplan.catalog import load_catalog
from portplan.cli.main import cli
from portplan.report.diagram import bundle_edges, product_diagram
from tests.conftest import example_deployments
from tests.see.test_diagram import assert_drawn

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
DEPLOYMENTS = example_deployments()
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz dot")


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@needs_dot
@pytest.mark.parametrize("product_id", sorted(load_catalog().products))
def test_diagram_of_every_bundled_product(product_id: str, tmp_path: Path) -> None:
    out = tmp_path / "p.svg"
    result = run("diagram", product_id, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert_drawn(out.read_bytes(), product_diagram(load_catalog().get(product_id)))


def test_diagram_errors_are_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["diagram", "no-such-thing"])
    assert result.exit_code == 2
    assert "is neither a file nor a catalog product id" in result.output
    result = CliRunner().invoke(cli, ["diagram", "lrs-vpsx", "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code == 2 and "unknown diagram format 'pdf'" in result.output
    assert not (tmp_path / "x.pdf").exists()


def test_mermaid_of_a_product_to_stdout() -> None:
    result = run("diagram", "papercut-hive", "--format", "mmd")
    assert result.exit_code == 0
    assert result.output.startswith("flowchart LR\n")
    assert "-.->" in result.output  # the document's optional/feature flows


def modified_product(tmp_path: Path, change: Any) -> Path:
    source = load_catalog().origins["lrs-vpsx"]
    data = yaml.safe_load(Path(source).read_text())
    change(data)
    path = tmp_path / "lrs-vpsx-new.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_diff_of_a_product_file_against_the_catalog(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        flows = {f["id"]: f for f in data["flows"]}
        flows["pullsvc-vpsx-ipps"]["services"] = ["tcp/9443"]  # follow the vendor's advice
        data["flows"] = [f for f in data["flows"] if f["id"] != "serverx-dis"]
        data["flows"].append(
            {
                "id": "vpsx-syslog",
                "from": "vpsx",
                "to": "serverx",
                "services": ["udp/514"],
                "purpose": "Syslog",
            }
        )

    new = modified_product(tmp_path, change)
    result = run("diff", "lrs-vpsx", str(new), "--format", "json", "--ticket", "CHG-1")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["kind"] == "product" and data["request"]["ticket"] == "CHG-1"
    entries = {(f["status"], f["id"]): f for f in data["flows"]}
    assert set(entries) == {
        ("changed", "pullsvc-vpsx-ipps"),
        ("removed", "serverx-dis"),
        ("added", "vpsx-syslog"),
    }
    narrowed = entries["changed", "pullsvc-vpsx-ipps"]
    assert (narrowed["ports_added"], narrowed["ports_removed"]) == ([], ["tcp/443"])
    assert entries["removed", "serverx-dis"]["before"] == ["tcp/5701"]
    assert entries["added", "vpsx-syslog"]["after"] == ["udp/514"]


def test_diff_refuses_a_product_against_a_deployment_and_xlsx_to_stdout() -> None:
    result = CliRunner().invoke(cli, ["diff", "lrs-vpsx", "lrs-vpsx", "--format", "xlsx"])
    assert result.exit_code == 2 and "name it with -o" in result.output
    if DEPLOYMENTS:
        result = CliRunner().invoke(cli, ["diff", "lrs-vpsx", str(DEPLOYMENTS[0])])
        assert result.exit_code == 2 and "not the same kind" in result.output


# --------------------------------------------------------------------------- every example


def example_ids(path: Path) -> str:
    return str(path.relative_to(EXAMPLES))


def test_there_are_examples() -> None:
    assert DEPLOYMENTS, "examples/**/*.yaml should hold deployments"


@needs_dot
@pytest.mark.parametrize("example", DEPLOYMENTS, ids=example_ids)
def test_diagram_of_every_example(example: Path, tmp_path: Path) -> None:
    from portplan import pipeline
    from portplan.report.diagram import deployment_diagram

    out = tmp_path / "d.svg"
    result = run("diagram", str(example), "-o", str(out))
    assert result.exit_code == 0, result.output
    deployment, resolution = pipeline.plan(example)
    diagram = deployment_diagram(deployment, resolution)
    assert {h.name for h in deployment.hosts} <= {n.id for n in diagram.nodes}
    assert len(diagram.edges) >= 1
    assert_drawn(out.read_bytes(), diagram)
    mermaid = run("diagram", str(example), "--format", "mmd").output
    singles, bundles = bundle_edges(diagram.edges)
    arrows = re.findall(r"^  n\d+ (?:-->|-\.->)\|\"[^\"]*\"\| n\d+$", mermaid, re.MULTILINE)
    assert len(arrows) == sum(1 for e in singles if e.kind == "flow")
    wires = re.findall(r"^  n\d+ ===(?:\|\"hub\"\|)? n\d+$", mermaid, re.MULTILINE)
    assert len(wires) == sum(len(link.sites) for link in deployment.links)
    links = re.findall(
        r"^  (?:n\d+ (?:---|-\.-) j\d+|j\d+ (?:-->|-\.->) n\d+)$", mermaid, re.MULTILINE
    )
    assert len(links) == sum(len(b.sources) + len(b.targets) for b in bundles)


@pytest.mark.parametrize("example", DEPLOYMENTS, ids=example_ids)
def test_diff_of_every_example_against_itself(example: Path, tmp_path: Path) -> None:
    result = run("diff", str(example), str(example), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["flows"] == [] and data["rules"] == [] and data["notes"] == []
    out = tmp_path / "c.xlsx"
    assert run("diff", str(example), str(example), "-o", str(out)).exit_code == 0
    book = openpyxl.load_workbook(io.BytesIO(out.read_bytes()))
    assert book.sheetnames == ["Change request", "Flows", "Rules"]


@pytest.mark.parametrize("example", DEPLOYMENTS, ids=example_ids)
def test_conflicts_of_every_example(example: Path) -> None:
    result = run("conflicts", str(example), "--format", "json")
    data = json.loads(result.output)
    assert result.exit_code == (1 if data["conflicts"] else 0)
    for conflict in data["conflicts"]:
        assert conflict["fix"]["text"]
        assert conflict["kind"] in ("same-port", "ephemeral", "default-variable")


def test_diff_of_two_example_files_names_them(tmp_path: Path) -> None:
    old = EXAMPLES / "lexmark-mve/deployment.yaml"
    data = yaml.safe_load(old.read_text())
    data["products"][0]["variables"]["sql_port"] = 1533
    new = tmp_path / "new.yaml"
    new.write_text(yaml.safe_dump(data, sort_keys=False))
    out = tmp_path / "change.md"
    result = run("diff", str(old), str(new), "--ticket", "CHG-1042", "-o", str(out))
    assert result.exit_code == 0
    text = out.read_text()
    assert f"| Compared | deployment lexmark-mve-campus ({old}) → lexmark-mve-campus ({new}) |" in (
        text
    )
    assert "| Ticket | CHG-1042 |" in text
    assert (
        "| add | host-ingress | mve01 (10.20.1.10/32, fd00:20:1::10/128) | sql01 (10.20.1.20/32)"
        " | tcp/1533 | lexmark-mve/mve-sql-server |" in text
    )


def test_conflicts_exit_codes_and_errors(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["conflicts", str(EXAMPLES / "lrs-vpsx/deployment.yaml")])
    assert (result.exit_code, result.output) == (0, "lrs-vpsx-hq: no port conflicts.\n")
    result = CliRunner().invoke(cli, ["conflicts", str(EXAMPLES / "moderro-rem/deployment.yaml")])
    assert result.exit_code == 1
    assert "iem01" in result.output and "net.ipv4.ip_local_reserved_ports=36680" in result.output
    product = load_catalog().origins["lrs-vpsx"]
    result = CliRunner().invoke(cli, ["conflicts", product])
    assert result.exit_code == 2 and "this is a product, not a deployment" in result.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [\n")
    out = tmp_path / "out.json"
    result = CliRunner().invoke(cli, ["conflicts", str(broken), "--format", "json", "-o", str(out)])
    assert result.exit_code == 2 and "YAML syntax error" in result.output
    assert len(result.output.strip().splitlines()) == 1 and not out.exists()

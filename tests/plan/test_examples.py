"""Every example deployment resolves, and every report format renders it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from portplan import pipeline
from portplan.cli.main import cli
from portplan.report import FORMATS, get_format, matrix_rows
from tests.conftest import DOCUMENTED_EXAMPLES, EXAMPLES, example_deployments

DEPLOYMENTS = example_deployments()
IDS = [str(p.relative_to(EXAMPLES)) for p in DEPLOYMENTS]


def test_the_documented_examples_exist() -> None:
    names = set(IDS)
    for expected in DOCUMENTED_EXAMPLES:
        assert expected in names


@pytest.mark.parametrize("path", DEPLOYMENTS, ids=IDS)
def test_example_resolves_to_concrete_flows(path: Path) -> None:
    _, resolution = pipeline.plan(path)
    assert resolution.flows, f"{path} resolves to no flows"
    assert len({f.id for f in resolution.flows}) == len(resolution.flows)
    for flow in resolution.flows:
        assert flow.services and flow.source.addresses and flow.destination.addresses
        if flow.product == "management":  # from the deployment, not a vendor document
            assert flow.evidence is not None and "management" in flow.evidence.document
            continue
        assert flow.evidence is not None and flow.evidence.line, flow.id
    # the same input gives the same output
    assert pipeline.plan(path)[1] == resolution


@pytest.mark.parametrize("path", DEPLOYMENTS, ids=IDS)
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_renders_every_example(path: Path, fmt: str) -> None:
    deployment, resolution = pipeline.plan(path)
    rendered = get_format(fmt).render(deployment, resolution)
    rows = len(matrix_rows(resolution))
    if fmt == "xlsx":
        assert isinstance(rendered, bytes)
        assert openpyxl.load_workbook(io.BytesIO(rendered))["Flows"].max_row == rows + 1
    elif fmt == "json":
        assert isinstance(rendered, str)
        assert len(json.loads(rendered)["rows"]) == rows
    else:
        assert isinstance(rendered, str) and rendered


def papercut(name: str) -> set[tuple[str, str]]:
    """(source, destination) hosts of edge-node → edge-node flows that cross sites."""
    _, resolution = pipeline.plan(EXAMPLES / "papercut-hive" / name)
    return {
        (f.source.name, f.destination.name)
        for f in resolution.flows
        if f.source.role.endswith(":edge-node")
        and f.destination.role.endswith(":edge-node")
        and f.source.site != f.destination.site
    }


def test_papercut_scenarios_differ_in_cross_site_edge_traffic() -> None:
    mesh, local = papercut("mesh.yaml"), papercut("local.yaml")
    assert mesh, "scenario 1 (mesh) must let edge nodes talk across sites"
    assert not local, "scenario 2 (local) must keep edge-node traffic inside each site"
    # the VPN is hub-and-spoke: Portland → Bracknell transits Melbourne's edge firewall
    _, mesh_plan = pipeline.plan(EXAMPLES / "papercut-hive" / "mesh.yaml")
    spoke_to_spoke = [
        f
        for f in mesh_plan.flows
        if f.flow == "edge-node-replication"
        and (f.source.site, f.destination.site) == ("portland", "bracknell")
    ]
    assert spoke_to_spoke
    for flow in spoke_to_spoke:
        network = [h.point for h in flow.path if h.kind == "network"]
        assert network == ["fw-portland", "fw-melbourne", "fw-bracknell"], flow.id
    _, local_plan = pipeline.plan(EXAMPLES / "papercut-hive" / "local.yaml")
    # scenario 2 bridges sites through the cloud node instead
    assert any(f.source.role.endswith(":cloud-node") for f in local_plan.flows)


def test_plan_cli_json_on_an_example() -> None:
    path = EXAMPLES / "lrs-vpsx" / "deployment.yaml"
    result = CliRunner().invoke(cli, ["plan", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["flows"] and {"flows", "unbound", "notices"} <= set(document)

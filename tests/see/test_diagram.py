"""Diagrams: structure of the rendered SVG, Mermaid basics, escaping of hostile names."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from portplan import pipeline
from portplan.cli.main import cli
from portplan.errors import EnvironmentProblem, InputError
from portplan.model import Deployment, Product
from portplan.report import diagram as dg
from tests.see.conftest import resolve

SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz dot")


def svg_structure(svg: bytes) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Per node title its texts, and per edge title ("a->b") the texts of its label(s)."""
    root = ET.fromstring(svg)
    nodes: dict[str, list[str]] = {}
    edges: dict[str, list[str]] = {}
    for group in root.iter(f"{SVG}g"):
        title = group.find(f"{SVG}title")
        if title is None or title.text is None:
            continue
        texts = [t.text or "" for t in group.iter(f"{SVG}text")]
        if group.get("class") == "node":
            nodes.setdefault(title.text, []).extend(texts)
        elif group.get("class") == "edge":
            edges.setdefault(title.text, []).extend(texts)
    return nodes, edges


def assert_drawn(svg: bytes, diagram: dg.Diagram) -> None:
    """Every node and every edge label is in the SVG: on the edge itself, or on the junction
    of its bundle with an edge from each source to it and from it to each target."""
    nodes, edges = svg_structure(svg)
    assert {n.id for n in diagram.nodes} <= set(nodes)
    singles, bundles = dg.bundle_edges(diagram.edges)
    for edge in singles:
        texts = edge_texts(edges, edge)
        assert all(line in texts for line in edge.label_lines), edge
    for bundle in bundles:
        assert list(bundle.edge.label_lines) == nodes[bundle.id]
        for source in bundle.sources:
            assert f"{source}->{bundle.id}" in edges
        for target in bundle.targets:
            assert f"{bundle.id}->{target}" in edges
    drawn_pairs = {(e.source, e.target) for e in singles} | {
        (e.source, e.target) for b in bundles for e in b.members
    }
    assert drawn_pairs == {(e.source, e.target) for e in diagram.edges}


def edge_texts(edges: dict[str, list[str]], edge: dg.Edge) -> list[str]:
    """Label texts of an edge; an edge whose reverse also exists is drawn reversed (dir=back)."""
    return edges.get(f"{edge.source}->{edge.target}", []) + edges.get(
        f"{edge.target}->{edge.source}", []
    )


def test_deployment_edges_merge_services_per_segment(deployment: Deployment) -> None:
    """Each flow runs through the network firewall on its path, drawn as a node; the flows
    sharing a segment share its edge."""
    diagram = dg.deployment_diagram(deployment, resolve(deployment))
    by_pair = {(e.source, e.target, e.conditional): e for e in diagram.edges}
    assert set(by_pair) == {
        ("srv1", "fw:fw-core", False),
        ("fw:fw-core", "prn1", False),
        ("pc1", "fw:fw-core", False),
        ("fw:fw-core", "srv1", False),
        ("pc1", "fw:fw-core", True),
        ("fw:fw-core", "srv1", True),
    }
    assert by_pair["srv1", "fw:fw-core", False].services == ("tcp/631,9100", "udp/161")
    assert by_pair["fw:fw-core", "prn1", False].services == ("tcp/631,9100", "udp/161")
    assert by_pair["pc1", "fw:fw-core", True].features == ("portal",)
    assert all(e.firewalls == () for e in diagram.edges)  # the firewall is a node, not text
    (firewall,) = [n for n in diagram.nodes if n.kind == "firewall"]
    assert (firewall.title, firewall.cluster) == ("fw-core", "cluster_s0")  # inside its site
    hosts = {n.id: n for n in diagram.nodes}
    assert hosts["srv1"].host_firewall == "windows"
    assert hosts["pc1"].host_firewall is None
    assert [c.label for c in diagram.clusters] == [
        "site hq",
        "servers (10.0.1.0/24)",
        "clients (10.0.2.0/24)",
    ]


@needs_dot
def test_svg_has_every_host_and_every_edge_label(deployment: Deployment) -> None:
    diagram = dg.deployment_diagram(deployment, resolve(deployment))
    svg = dg.render(diagram, "svg")
    assert isinstance(svg, bytes)
    assert_drawn(svg, diagram)
    nodes, edges = svg_structure(svg)
    assert {h.name for h in deployment.hosts} <= set(nodes)
    assert "fw:fw-core" in nodes and "fw-core" in nodes["fw:fw-core"]
    assert not any("via" in text for texts in edges.values() for text in texts)
    dot = dg.to_dot(diagram)
    assert re.search(r'"pc1" -> "fw:fw-core" \[label=<tcp/8443<BR/>\[portal\].*style=dashed', dot)
    assert "subgraph cluster_s0" in dot and "subgraph cluster_z1" in dot


@needs_dot
def test_png_is_a_png(product: Product) -> None:
    png = dg.render(dg.product_diagram(product), "png")
    assert isinstance(png, bytes) and png.startswith(b"\x89PNG\r\n\x1a\n")


def test_product_diagram_uses_defaults_and_marks_conditional(product: Product) -> None:
    diagram = dg.product_diagram(product)
    edges = {(e.source, e.target): e for e in diagram.edges}
    assert edges["workstation", "web"].services == ("tcp/8443",)
    assert edges["workstation", "web"].conditional
    assert edges["server", "printer"].services == ("tcp/631,9100", "udp/161")
    assert not edges["server", "printer"].conditional
    roles = {n.id: n for n in diagram.nodes}
    assert roles["web"].optional and not roles["server"].optional
    # A variable without a value stays visible as the variable, not a guessed port.
    unset = dg.product_diagram(product, {"portal_port": None, "instance_offset": 0})
    assert {(e.source, e.target): e for e in unset.edges}["workstation", "web"].services == (
        "tcp/${portal_port}",
    )


HOSTILE = 'evil"]; x -> y; <b>&\\'


def hostile_diagram() -> dg.Diagram:
    return dg.Diagram(
        title=HOSTILE,
        clusters=(dg.Cluster("cluster_s0", HOSTILE + "\nline2", "site"),),
        nodes=(
            dg.DiagramNode(
                HOSTILE,
                HOSTILE,
                "host",
                details=("a\nb", "</FONT>"),
                cluster="cluster_s0",
                host_firewall='"fw"',
            ),
            dg.DiagramNode("plain", "plain", "external"),
        ),
        edges=(dg.Edge(HOSTILE, "plain", ("tcp/443",), features=(HOSTILE,), flows=(HOSTILE,)),),
    )


@needs_dot
def test_hostile_names_cannot_break_dot() -> None:
    diagram = hostile_diagram()
    dot = dg.to_dot(diagram)
    assert "\nline2" not in dot  # newlines never reach the DOT text
    svg = dg.render(diagram, "svg")
    assert isinstance(svg, bytes)
    nodes, edges = svg_structure(svg)
    # Exactly the two nodes: the quote did not end the ID and start a new statement.
    assert len(nodes) == 2 and "plain" in nodes
    assert "x" not in nodes and "y" not in nodes
    texts = [t for labels in edges.values() for t in labels]
    assert any(HOSTILE.replace('"', '"') in t for t in texts)  # shown literally
    node_texts = [
        t.text for t in ET.fromstring(svg).iter(f"{SVG}text") if t.text and "evil" in t.text
    ]
    assert HOSTILE in node_texts


def test_hostile_names_stay_text_in_mermaid() -> None:
    text = dg.to_mermaid(hostile_diagram())
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    for line in lines[2:]:
        # Every label is one quoted string free of raw quotes, brackets and markup.
        for label in re.findall(r'"([^"]*)"', line):
            assert not re.search(r"[<>\[\];&]", re.sub(r"#\d+;|<br/>", "", label))
    assert "subgraph c0[" in text and text.count("end") >= 1
    assert re.search(r"n0 -->\|\"tcp/443<br/>#91;evil#34;#93;#59; x -#62; y#59; ", text)
    assert sum(1 for line in lines if line.strip() == "end") == 1


def test_mermaid_shapes_and_dashes(deployment: Deployment) -> None:
    text = dg.to_mermaid(dg.deployment_diagram(deployment, resolve(deployment)))
    ids = dict(re.findall(r"(n\d+)[\[{]+\"([\w-]+)", text))
    srv, pc, fw = (
        next(k for k, v in ids.items() if v == name) for name in ("srv1", "pc1", "fw-core")
    )
    assert f'{pc} -.->|"tcp/8443<br/>#91;portal#93;"| {fw}' in text
    assert f'{fw}{{{{"fw-core<br/>' in text  # a hexagon
    assert f"class {fw} firewall" in text
    assert f"class {srv} hostfw" in text
    assert text.count("subgraph") == 3 and text.count("\n  end") == 1


def test_format_from_extension_or_option() -> None:
    assert dg.format_for("a/b.PNG", None) == "png"
    assert dg.format_for("x.mmd", None) == "mmd"
    assert dg.format_for("x.svg", "dot") == "dot"
    assert dg.format_for(None, None) == "svg"
    with pytest.raises(InputError, match="unknown diagram format 'pdf'"):
        dg.format_for("x.pdf", None)


def test_missing_dot_is_one_line(monkeypatch: pytest.MonkeyPatch, product: Product) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(EnvironmentProblem, match="Graphviz 'dot' is not installed"):
        dg.render(dg.product_diagram(product), "svg")


def test_opposite_edges_are_drawn_as_one_multi_edge() -> None:
    diagram = dg.Diagram(
        "t",
        (),
        (dg.DiagramNode("a", "a", "host"), dg.DiagramNode("b", "b", "host")),
        (dg.Edge("a", "b", ("tcp/1",)), dg.Edge("b", "a", ("tcp/2",))),
    )
    dot = dg.to_dot(diagram)
    assert '"a" -> "b" [label=<tcp/1>' in dot
    assert re.search(r'"a" -> "b" \[label=<tcp/2>.*dir=back\];', dot)


@needs_dot
def test_same_label_edges_share_one_junction() -> None:
    nodes = tuple(dg.DiagramNode(n, n, "host") for n in ("a1", "a2", "s1", "s2", "db"))
    edges = (
        dg.Edge("a1", "s1", ("tcp/443",)),
        dg.Edge("a1", "s2", ("tcp/443",)),
        dg.Edge("a2", "s1", ("tcp/443",)),
        dg.Edge("a2", "s2", ("tcp/443",)),
        dg.Edge("a1", "db", ("tcp/443",), conditional=True),  # other style: alone
        dg.Edge("s1", "db", ("tcp/1433",)),
        dg.Edge("s2", "db", ("tcp/1433",)),
        dg.Edge("s1", "s1", ("tcp/1433",)),  # a loop is never bundled
    )
    singles, bundles = dg.bundle_edges(edges)
    assert [(b.sources, b.targets, b.edge.services) for b in bundles] == [
        (("a1", "a2"), ("s1", "s2"), ("tcp/443",)),
        (("s1", "s2"), ("db",), ("tcp/1433",)),
    ]
    assert [(e.source, e.target) for e in singles] == [("a1", "db"), ("s1", "s1")]
    svg = dg.render(dg.Diagram("t", (), nodes, edges), "svg")
    assert isinstance(svg, bytes)
    assert_drawn(svg, dg.Diagram("t", (), nodes, edges))


def test_dashed_edge_shows_only_ports_the_solid_one_does_not_open() -> None:
    def diagram(feature_services: list[str]) -> dict[tuple[str, str, bool], dg.Edge]:
        product = Product.model_validate(
            {
                "id": "p",
                "name": "p",
                "roles": [{"id": "a", "name": "a"}, {"id": "b", "name": "b"}],
                "features": [{"id": "f", "name": "f"}],
                "flows": [
                    {"id": "base", "from": "a", "to": "b", "services": ["tcp/443"], "purpose": "x"},
                    {
                        "id": "extra",
                        "from": "a",
                        "to": "b",
                        "services": feature_services,
                        "purpose": "y",
                        "feature": "f",
                    },
                ],
            }
        )
        return {(e.source, e.target, e.conditional): e for e in dg.product_diagram(product).edges}

    wider = diagram(["tcp/443,8443", "udp/53"])
    assert wider["a", "b", True].services == ("tcp/8443", "udp/53")
    assert set(diagram(["tcp/443"])) == {("a", "b", False)}


def test_mermaid_bundles_and_colours_links_in_order() -> None:
    nodes = tuple(dg.DiagramNode(n, n, "host") for n in ("a1", "a2", "s1"))
    edges = (
        dg.Edge("a1", "s1", ("tcp/443",), firewalls=("fw",)),
        dg.Edge("a2", "s1", ("tcp/443",), firewalls=("fw",)),
        dg.Edge("s1", "a1", ("udp/53",)),
    )
    text = dg.to_mermaid(dg.Diagram("t", (), nodes, edges))
    assert '  j0(["tcp/443<br/>via fw"])' in text
    assert "  n0 --- j0\n  n1 --- j0\n  j0 --> n2\n" in text
    assert '  n2 -->|"udp/53"| n0' in text
    assert "  linkStyle 0,1,2 stroke:#b22222" in text  # the three links of the bundle


MESH = Path(__file__).resolve().parents[2] / "examples" / "papercut-hive" / "mesh.yaml"


@needs_dot
def test_the_mesh_svg_draws_firewalls_on_the_flows_and_the_vpn_hub() -> None:
    """Portland → Bracknell crosses fw-portland, fw-melbourne and fw-bracknell: each a node,
    the flow a chain of edges through them; the VPN is a node joined to every site's edge
    firewall, the hub's join labelled."""
    deployment, resolution = pipeline.plan(MESH)
    diagram = dg.deployment_diagram(deployment, resolution)
    svg = dg.render(diagram, "svg")
    assert isinstance(svg, bytes)
    nodes, edges = svg_structure(svg)
    for name in ("fw-melbourne", "fw-portland", "fw-bracknell"):
        assert name in nodes[f"fw:{name}"]
    assert "link:corporate-vpn" in nodes
    assert any("hub" in text for text in nodes["link:corporate-vpn"])
    wires = {title: texts for title, texts in edges.items() if title.startswith("link:")}
    assert set(wires) == {
        f"link:corporate-vpn->fw:fw-{site}" for site in ("melbourne", "portland", "bracknell")
    }
    assert wires["link:corporate-vpn->fw:fw-melbourne"] == ["hub"]
    assert wires["link:corporate-vpn->fw:fw-portland"] == []
    # The cross-site replication: portland's firewall → melbourne's → bracknell's.
    drawn = {(e.source, e.target) for e in diagram.edges if e.kind == "flow"}
    assert {("fw:fw-portland", "fw:fw-melbourne"), ("fw:fw-melbourne", "fw:fw-bracknell")} <= drawn
    assert ("pdx-pc01", "bra-pc01") not in drawn
    assert not any("via" in text for texts in edges.values() for text in texts)
    assert_drawn(svg, diagram)


def test_zone_level_draws_zones_and_merges_their_services() -> None:
    deployment, resolution = pipeline.plan(MESH)
    diagram = dg.deployment_diagram(deployment, resolution, "zone")
    zones = {n.title: n for n in diagram.nodes if n.kind == "zone"}
    assert set(zones) == {z.name for z in deployment.zones}
    assert all(n.kind != "host" for n in diagram.nodes)
    assert [c.kind for c in diagram.clusters] == ["site"] * 3
    assert zones["mel-users"].cluster == "cluster_s0"
    assert "3 host(s)" in zones["mel-users"].details
    assert any("inside the zone" in d for d in zones["bra-users"].details)
    edge = next(
        e
        for e in diagram.edges
        if (e.source, e.target, e.conditional) == ("zone:pdx-users", "fw:fw-portland", False)
    )
    crossing = {
        f.id
        for f in resolution.flows
        if f.source.zone == "pdx-users"
        and not (f.feature or f.optional)
        and any(h.point == "fw-portland" for h in f.path)
    }
    assert set(edge.flows) == crossing
    assert len(diagram.edges) < len(dg.deployment_diagram(deployment, resolution).edges)


def test_the_legend_names_only_what_is_drawn(product: Product) -> None:
    diagram = dg.product_diagram(product)
    assert "firewall" not in diagram.legend() and "WAN" not in diagram.legend()
    assert "firewall" not in dg.to_dot(diagram)
    deployment, resolution = pipeline.plan(MESH)
    legend = dg.deployment_diagram(deployment, resolution).legend()
    assert "red box: network firewall" in legend and "grey: WAN/VPN link" in legend


def test_the_cli_draws_the_zone_level(tmp_path: Path) -> None:
    target = tmp_path / "zones.dot"
    result = CliRunner().invoke(cli, ["diagram", str(MESH), "--level", "zone", "-o", str(target)])
    assert result.exit_code == 0, result.output
    text = target.read_text()
    assert '"zone:mel-users"' in text and '"mel-pc01"' not in text

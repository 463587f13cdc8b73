"""Diagrams of a deployment (or of a product): who talks to whom, on what, through which firewall.

The builders turn a resolved deployment or a product into a neutral :class:`Diagram` (clusters,
nodes, edges); the renderers turn that into Graphviz DOT, Mermaid flowchart text, or SVG/PNG
through Graphviz's ``dot``. Flows are merged per (source, destination) pair so a deployment with
dozens of flows stays readable; flows that only exist with a feature or as an option are kept on
a separate, dashed edge so the picture shows what is needed in every installation.

Every name that reaches DOT or Mermaid text comes from a user-written file (a product may come
from anyone), so it is escaped for the target and stripped of control characters: a hostile name
cannot end a string, open a new statement or inject markup.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from portplan.errors import EnvironmentProblem, InputError, ServiceSyntaxError
from portplan.model.concrete import ConcreteFlow, Resolution
from portplan.model.deployment import Deployment
from portplan.model.product import Flow, Product
from portplan.model.service import Service, format_services, parse_services
from portplan.report.diff import service_delta

DiagramFormat = Literal["svg", "png", "dot", "mmd"]
FORMATS: tuple[DiagramFormat, ...] = ("svg", "png", "dot", "mmd")
LABEL_WIDTH = 30  # characters per edge-label line before wrapping


@dataclass(frozen=True)
class Cluster:
    """A site or zone box; zones sit inside their site."""

    id: str
    label: str
    kind: Literal["site", "zone"]
    parent: str | None = None


@dataclass(frozen=True)
class Node:
    """A host, an external endpoint, or (in a product diagram) a role."""

    id: str  # unique within the diagram; the name a reader sees as the node's title
    title: str
    kind: Literal["host", "external", "role"]
    details: tuple[str, ...] = ()
    cluster: str | None = None
    host_firewall: str | None = None  # platform of the host's own enforcement point
    optional: bool = False


@dataclass(frozen=True)
class Edge:
    """All flows from one node to another that share one kind (required or conditional)."""

    source: str
    target: str
    services: tuple[str, ...]
    conditional: bool = False  # optional or tied to a feature: drawn dashed
    features: tuple[str, ...] = ()
    firewalls: tuple[str, ...] = ()  # network enforcement points on the path
    flows: tuple[str, ...] = ()

    @property
    def label_lines(self) -> tuple[str, ...]:
        lines = wrap_words(self.services, LABEL_WIDTH)
        if self.features:
            lines.append("[" + ", ".join(self.features) + "]")
        if self.firewalls:
            lines.extend(wrap_words(["via", *self.firewalls], LABEL_WIDTH))
        return tuple(lines)


@dataclass(frozen=True)
class Diagram:
    title: str
    clusters: tuple[Cluster, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    subtitle: str = ""


# --------------------------------------------------------------------------- building


def deployment_diagram(deployment: Deployment, resolution: Resolution) -> Diagram:
    """Sites and zones as clusters, hosts and externals as nodes, flows merged per pair."""
    clusters: list[Cluster] = []
    site_cluster: dict[str, str] = {}
    zone_cluster: dict[str, str] = {}
    for i, site in enumerate(deployment.sites):
        site_cluster[site.name] = f"cluster_s{i}"
        clusters.append(Cluster(f"cluster_s{i}", f"site {site.name}", "site"))
    for i, zone in enumerate(deployment.zones):
        zone_cluster[zone.name] = f"cluster_z{i}"
        cidrs = ", ".join(str(c) for c in zone.cidrs)
        clusters.append(
            Cluster(f"cluster_z{i}", f"{zone.name} ({cidrs})", "zone", site_cluster[zone.site])
        )

    host_points: dict[str, str] = {}
    for point in deployment.firewalls:
        if point.kind == "host":
            for host_name in point.hosts or [h.name for h in deployment.hosts]:
                host_points.setdefault(host_name, point.platform)

    nodes: list[Node] = []
    ids: dict[tuple[str, str], str] = {}
    host_names = {h.name for h in deployment.hosts}
    for host in deployment.hosts:
        ids[("host", host.name)] = host.name
        addresses = ", ".join(str(a) for a in host.addresses)
        nodes.append(
            Node(
                host.name,
                host.name,
                "host",
                details=(f"{addresses} · {host.os}", *host.roles),
                cluster=zone_cluster[host.zone],
                host_firewall=host_points.get(host.name),
            )
        )
    for external in deployment.externals:
        # A host and an external may share a name; the node ids must not.
        node_id = external.name if external.name not in host_names else f"ext:{external.name}"
        ids[("external", external.name)] = node_id
        where = [str(c) for c in external.cidrs] + ([external.fqdn] if external.fqdn else [])
        nodes.append(
            Node(
                node_id,
                external.name,
                "external",
                details=(", ".join(where), *external.roles),
                cluster=site_cluster.get(external.site) if external.site else None,
            )
        )

    groups: dict[tuple[str, str, bool], list[ConcreteFlow]] = {}
    for flow in resolution.flows:
        source = ids.get((flow.source.kind, flow.source.name), flow.source.name)
        target = ids.get((flow.destination.kind, flow.destination.name), flow.destination.name)
        conditional = flow.optional or flow.feature is not None
        groups.setdefault((source, target, conditional), []).append(flow)
    known = {n.id for n in nodes}
    for flow in resolution.flows:  # an endpoint the deployment does not list (defensive)
        for end in (flow.source, flow.destination):
            node_id = ids.get((end.kind, end.name), end.name)
            if node_id not in known:
                known.add(node_id)
                nodes.append(Node(node_id, end.name, end.kind))

    edges = [
        Edge(
            source,
            target,
            tuple(format_services(s for f in flows for s in f.services)),
            conditional,
            tuple(sorted({f.feature for f in flows if f.feature})),
            tuple(
                dict.fromkeys(hop.point for f in flows for hop in f.path if hop.kind == "network")
            ),
            tuple(sorted(f.id for f in flows)),
        )
        for (source, target, conditional), flows in groups.items()
    ]
    edges = _drop_covered(edges)
    edges.sort(key=lambda e: (e.source, e.target, e.conditional))
    return Diagram(
        deployment.name,
        tuple(clusters),
        tuple(nodes),
        tuple(edges),
        subtitle=deployment.description,
    )


def product_diagram(
    product: Product, values: Mapping[str, str | int | None] | None = None
) -> Diagram:
    """A product's roles as nodes and its flows merged per role pair (variables at defaults)."""
    nodes = [
        Node(
            role.id,
            role.id,
            "role",
            details=tuple(d for d in (role.name, ", ".join(role.platforms)) if d),
            optional=not role.required,
        )
        for role in product.roles
    ]
    groups: dict[tuple[str, str, bool], list[Flow]] = {}
    for flow in product.flows:
        groups.setdefault((flow.from_role, flow.to_role, flow.conditional), []).append(flow)
    edges = [
        Edge(
            source,
            target,
            _product_services(product, flows, values),
            conditional,
            tuple(sorted({f.feature for f in flows if f.feature})),
            (),
            tuple(f.id for f in flows),
        )
        for (source, target, conditional), flows in groups.items()
    ]
    edges = _drop_covered(edges)
    edges.sort(key=lambda e: (e.source, e.target, e.conditional))
    title = " ".join(p for p in (product.vendor, product.name, product.version) if p)
    return Diagram(title or product.id, (), tuple(nodes), tuple(edges), subtitle=product.id)


def _drop_covered(edges: list[Edge]) -> list[Edge]:
    """A dashed (optional/feature) edge shows only the ports the solid edge between the same
    pair does not already open; when nothing is left, it adds nothing to the picture."""
    required = {(e.source, e.target): e for e in edges if not e.conditional}
    out: list[Edge] = []
    for edge in edges:
        twin = required.get((edge.source, edge.target)) if edge.conditional else None
        if twin is None:
            out.append(edge)
            continue
        try:
            extra, _ = service_delta(parse_services(twin.services), parse_services(edge.services))
        except ServiceSyntaxError:  # a ${variable} without a value: keep it as written
            out.append(edge)
            continue
        if extra:
            out.append(replace(edge, services=tuple(format_services(extra))))
    return out


def _product_services(
    product: Product, flows: Sequence[Flow], values: Mapping[str, str | int | None] | None
) -> tuple[str, ...]:
    """Merged services; a flow whose variable has no value keeps its ``${name}`` text."""
    concrete: list[Service] = []
    symbolic: list[str] = []
    for flow in flows:
        services = product.flow_services(flow, values)
        if services is None:
            symbolic.extend(flow.services)
        else:
            concrete.extend(services)
    return (*format_services(concrete), *dict.fromkeys(symbolic))


# --------------------------------------------------------------------------- text helpers

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def clean(text: str) -> str:
    """One line of printable text: control characters (newlines included) become spaces."""
    return _CONTROL.sub(" ", text)


def wrap_words(words: Iterable[str], width: int) -> list[str]:
    """Greedy wrap: words joined by spaces, a new line once ``width`` would be exceeded; a
    word longer than ``width`` (a long port list) is broken after a comma."""
    lines: list[str] = []
    for word in (piece for w in words for piece in _break_long(w, width)):
        if lines and not lines[-1].endswith(",") and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _break_long(word: str, width: int) -> list[str]:
    if len(word) <= width or "," not in word:
        return [word]
    pieces: list[str] = []
    for part in word.split(","):
        if pieces and len(pieces[-1]) + 1 + len(part) <= width:
            pieces[-1] += "," + part
        else:
            pieces.append(part)
    return [p + "," for p in pieces[:-1]] + [pieces[-1]]


def dot_id(text: str) -> str:
    """A DOT quoted ID. Inside quotes DOT only unescapes ``\\"``; doubling every backslash keeps
    a trailing backslash from escaping the closing quote."""
    return '"' + clean(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def html(text: str) -> str:
    """Text for a Graphviz HTML-like label (an XML fragment)."""
    return (
        clean(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


def _nesting(
    diagram: Diagram,
) -> tuple[dict[str | None, list[Cluster]], dict[str | None, list[Node]]]:
    """Child clusters and member nodes per cluster id (None: the top level), in order."""
    children: dict[str | None, list[Cluster]] = {}
    for cluster in diagram.clusters:
        children.setdefault(cluster.parent, []).append(cluster)
    members: dict[str | None, list[Node]] = {}
    for node in diagram.nodes:
        members.setdefault(node.cluster, []).append(node)
    return children, members


# --------------------------------------------------------------------------- DOT

_EDGE_COLOUR = "#1f4e79"
_FIREWALL_COLOUR = "#b22222"


def to_dot(diagram: Diagram) -> str:
    """Graphviz DOT: left to right, clusters per site and zone, HTML-like labels."""
    out = [
        "digraph portplan {",
        "  graph [rankdir=LR, compound=true, splines=true, concentrate=false, nodesep=0.35,",
        '         ranksep=1.1, fontname="Helvetica", fontsize=11, labelloc=t,',
        f"         label=<{_graph_label(diagram)}>];",
        '  node [shape=box, style="rounded,filled", fillcolor="#f4f7fb", color="#5b7290",',
        '        fontname="Helvetica", fontsize=10, margin="0.12,0.06"];',
        f'  edge [fontname="Helvetica", fontsize=9, color="{_EDGE_COLOUR}", '
        f'fontcolor="{_EDGE_COLOUR}", arrowsize=0.7];',
    ]
    children, members = _nesting(diagram)

    def emit_cluster(cluster: Cluster, depth: int) -> None:
        pad = "  " * depth
        site = cluster.kind == "site"
        out.append(f"{pad}subgraph {cluster.id} {{")
        out.append(
            f"{pad}  graph [label=<<B>{html(cluster.label)}</B>>, style="
            + (
                '"rounded", color="#7f8c8d", bgcolor="#fbfbf8"'
                if site
                else '"rounded,dashed", color="#95a5a6", bgcolor="#ffffff"'
            )
            + ", fontsize="
            + ("12" if site else "10")
            + ", labeljust=l];"
        )
        for child in children.get(cluster.id, []):
            emit_cluster(child, depth + 1)
        for node in members.get(cluster.id, []):
            out.append(f"{pad}  {_dot_node(node)}")
        for bundle in junctions.get(cluster.id, []):
            out.append(f"{pad}  {_dot_junction(bundle)}")
        out.append(f"{pad}}}")

    singles, bundles = bundle_edges(diagram.edges)
    # A junction sits in the innermost cluster holding all its ends, so it is laid out next
    # to them rather than outside every box.
    junctions: dict[str | None, list[Bundle]] = {}
    for bundle in bundles:
        junctions.setdefault(_common_cluster(diagram, bundle), []).append(bundle)
    for cluster in children.get(None, []):
        emit_cluster(cluster, 1)
    for node in members.get(None, []):
        out.append(f"  {_dot_node(node)}")
    for bundle in junctions.get(None, []):
        out.append(f"  {_dot_junction(bundle)}")
    for bundle in bundles:
        out.extend(f"  {line}" for line in _dot_bundle_edges(bundle))
    # Opposite edges between two nodes are written in one direction (the reverse one with
    # dir=back): Graphviz then fans them out as a multi-edge instead of drawing both, with
    # their labels, on the same line.
    order = {node.id: i for i, node in enumerate(diagram.nodes)}
    pairs = {(e.source, e.target) for e in singles}
    for edge in singles:
        flip = (edge.target, edge.source) in pairs and order.get(edge.source, 0) > order.get(
            edge.target, 0
        )
        out.append(f"  {_dot_edge(edge, flip)}")
    out.append("}")
    return "\n".join(out) + "\n"


@dataclass(frozen=True)
class Bundle:
    """Edges with one label from several sources and/or to several targets, drawn through one
    labelled junction: the label appears once instead of once per pair."""

    id: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    edge: Edge  # the shared label and style (source/target of one member)
    members: tuple[Edge, ...]


def bundle_edges(edges: Sequence[Edge]) -> tuple[list[Edge], list[Bundle]]:
    """Split edges into those drawn alone and bundles: within edges of identical label and
    style, targets reached from the same set of sources form one bundle (sources × targets)."""
    groups: dict[tuple[object, ...], list[Edge]] = {}
    for edge in edges:
        if edge.source == edge.target:
            continue
        key = (edge.label_lines, edge.conditional, edge.firewalls)
        groups.setdefault(key, []).append(edge)
    bundled: set[int] = set()
    bundles: list[Bundle] = []
    for group in groups.values():
        sources_of: dict[str, list[str]] = {}
        for edge in group:
            sources_of.setdefault(edge.target, []).append(edge.source)
        by_sources: dict[tuple[str, ...], list[str]] = {}
        for target, found in sources_of.items():
            by_sources.setdefault(tuple(sorted(set(found))), []).append(target)
        for sources, targets in by_sources.items():
            if len(sources) == 1 and len(targets) == 1:
                continue
            members = tuple(e for e in group if e.source in sources and e.target in targets)
            bundled.update(id(e) for e in members)
            bundles.append(
                Bundle(f"bundle:{len(bundles)}", sources, tuple(targets), members[0], members)
            )
    return [e for e in edges if id(e) not in bundled], bundles


def _common_cluster(diagram: Diagram, bundle: Bundle) -> str | None:
    """The innermost cluster that contains every end of the bundle (None: the top level)."""
    parent = {c.id: c.parent for c in diagram.clusters}
    home = {n.id: n.cluster for n in diagram.nodes}

    def chain(node_id: str) -> list[str | None]:
        out: list[str | None] = []
        cluster = home.get(node_id)
        while cluster is not None:
            out.append(cluster)
            cluster = parent.get(cluster)
        return [*out, None]  # innermost first, the top level last

    chains = [chain(n) for n in (*bundle.sources, *bundle.targets)]
    for candidate in chains[0]:
        if all(candidate in other for other in chains[1:]):
            return candidate
    return None


def _bundle_style(bundle: Bundle) -> tuple[str, str]:
    colour = _FIREWALL_COLOUR if bundle.edge.firewalls else _EDGE_COLOUR
    return colour, "dashed" if bundle.edge.conditional else "solid"


def _dot_junction(bundle: Bundle) -> str:
    colour, style = _bundle_style(bundle)
    label = "<BR/>".join(html(line) for line in bundle.edge.label_lines)
    return (
        f'{dot_id(bundle.id)} [label=<{label}>, shape=box, style="rounded,{style}", '
        f'color="{colour}", fontcolor="{colour}", fontsize=9, penwidth=0.8, '
        f'fillcolor="#ffffff", margin="0.06,0.03"];'
    )


def _dot_bundle_edges(bundle: Bundle) -> list[str]:
    colour, style = _bundle_style(bundle)
    common = f'color="{colour}", style={style}'
    lines = [
        f"{dot_id(source)} -> {dot_id(bundle.id)} [{common}, arrowhead=none];"
        for source in bundle.sources
    ]
    lines += [f"{dot_id(bundle.id)} -> {dot_id(target)} [{common}];" for target in bundle.targets]
    return lines


def _graph_label(diagram: Diagram) -> str:
    parts = [f'<FONT POINT-SIZE="14"><B>{html(diagram.title)}</B></FONT>']
    if diagram.subtitle:
        parts.append(html(diagram.subtitle))
    parts.append(
        '<FONT POINT-SIZE="9">solid: required · dashed: optional or feature · red: crosses a '
        "network firewall · double border: host firewall</FONT>"
    )
    return "<BR/>".join(parts)


def _dot_node(node: Node) -> str:
    rows = [f"<B>{html(node.title)}</B>"]
    rows += [f'<FONT POINT-SIZE="8">{html(d)}</FONT>' for d in node.details if d]
    if node.host_firewall:
        rows.append(
            f'<FONT POINT-SIZE="8" COLOR="{_FIREWALL_COLOUR}">host firewall: '
            f"{html(node.host_firewall)}</FONT>"
        )
    attrs = [f"label=<{'<BR/>'.join(rows)}>"]
    if node.kind == "external":
        attrs.append('shape=box, style="rounded,filled,dashed", fillcolor="#fdf2e9"')
    if node.optional:
        attrs.append('style="rounded,filled,dashed"')
    if node.host_firewall:
        attrs.append(f'peripheries=2, color="{_FIREWALL_COLOUR}"')
    return f"{dot_id(node.id)} [{', '.join(attrs)}];"


def _dot_edge(edge: Edge, flip: bool = False) -> str:
    label = "<BR/>".join(html(line) for line in edge.label_lines)
    attrs = [f"label=<{label}>"]
    if edge.conditional:
        attrs.append("style=dashed")
    if edge.firewalls:
        attrs.append(f'color="{_FIREWALL_COLOUR}", fontcolor="{_FIREWALL_COLOUR}"')
    tooltip = clean("; ".join(edge.flows))[:1000].replace("\\", "\\\\").replace('"', '\\"')
    attrs.append(f'tooltip="{tooltip}"')
    if flip:
        attrs.append("dir=back")
        return f"{dot_id(edge.target)} -> {dot_id(edge.source)} [{', '.join(attrs)}];"
    return f"{dot_id(edge.source)} -> {dot_id(edge.target)} [{', '.join(attrs)}];"


# --------------------------------------------------------------------------- Mermaid


def mermaid_text(text: str) -> str:
    """Text for a quoted Mermaid label: anything but letters, digits and plain punctuation
    becomes an entity code (``#quot;``, ``#60;``), so quotes, brackets and markup stay text."""
    return "".join(
        ch if re.fullmatch(r"[A-Za-z0-9 _.,:/+@()=·-]", ch) else f"#{ord(ch)};"
        for ch in clean(text)
    )


def to_mermaid(diagram: Diagram) -> str:
    """A Mermaid ``flowchart LR``: subgraphs for clusters, synthetic ids, escaped labels."""
    node_ids = {node.id: f"n{i}" for i, node in enumerate(diagram.nodes)}
    cluster_ids = {c.id: f"c{i}" for i, c in enumerate(diagram.clusters)}
    out = ["flowchart LR", f"  %% {mermaid_text(diagram.title)}"]
    children, members = _nesting(diagram)

    def node_line(node: Node) -> str:
        lines = [node.title, *[d for d in node.details if d]]
        if node.host_firewall:
            lines.append(f"host firewall: {node.host_firewall}")
        label = "<br/>".join(mermaid_text(line) for line in lines)
        shape = ('(["', '"])') if node.kind == "external" else ('["', '"]')
        return f"{node_ids[node.id]}{shape[0]}{label}{shape[1]}"

    def emit_cluster(cluster: Cluster, depth: int) -> None:
        pad = "  " * depth
        out.append(f'{pad}subgraph {cluster_ids[cluster.id]}["{mermaid_text(cluster.label)}"]')
        for child in children.get(cluster.id, []):
            emit_cluster(child, depth + 1)
        for node in members.get(cluster.id, []):
            out.append(f"{pad}  {node_line(node)}")
        out.append(f"{pad}end")

    for cluster in children.get(None, []):
        emit_cluster(cluster, 1)
    for node in members.get(None, []):
        out.append(f"  {node_line(node)}")
    # The same bundling as in DOT: a shared label is one junction node. Mermaid numbers links
    # in the order they are written; ``firewalled`` collects those to colour.
    singles, bundles = bundle_edges(diagram.edges)
    firewalled: list[int] = []
    links = 0
    for i, bundle in enumerate(bundles):
        junction = f"j{i}"
        label = "<br/>".join(mermaid_text(line) for line in bundle.edge.label_lines)
        out.append(f'  {junction}(["{label}"])')
        line, arrow = ("-.-", "-.->") if bundle.edge.conditional else ("---", "-->")
        ends = [f"{node_ids[s]} {line} {junction}" for s in bundle.sources]
        ends += [f"{junction} {arrow} {node_ids[t]}" for t in bundle.targets]
        for text in ends:
            out.append(f"  {text}")
            if bundle.edge.firewalls:
                firewalled.append(links)
            links += 1
    for edge in singles:
        label = "<br/>".join(mermaid_text(line) for line in edge.label_lines)
        arrow = "-.->" if edge.conditional else "-->"
        out.append(f'  {node_ids[edge.source]} {arrow}|"{label}"| {node_ids[edge.target]}')
        if edge.firewalls:
            firewalled.append(links)
        links += 1
    if firewalled:
        out.append(f"  linkStyle {','.join(str(i) for i in firewalled)} stroke:{_FIREWALL_COLOUR}")
    walled = [node_ids[n.id] for n in diagram.nodes if n.host_firewall]
    if walled:
        out.append(f"  classDef hostfw stroke:{_FIREWALL_COLOUR},stroke-width:3px")
        out.append(f"  class {','.join(walled)} hostfw")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- rendering


def format_for(output: str | None, explicit: str | None) -> DiagramFormat:
    """The format named by ``--format``, else by the output file's extension, else SVG."""
    if explicit:
        name = explicit.lower().lstrip(".")
    elif output and "." in output.rsplit("/", 1)[-1]:
        name = output.rsplit(".", 1)[-1].lower()
    else:
        name = "svg"
    aliases = {"gv": "dot", "mermaid": "mmd", "md": "mmd"}
    name = aliases.get(name, name)
    for known in FORMATS:
        if known == name:
            return known
    raise InputError(
        f"unknown diagram format '{name}' — use one of {', '.join(FORMATS)} "
        "(or an output file ending in one of them)."
    )


def render(diagram: Diagram, fmt: DiagramFormat) -> str | bytes:
    """DOT or Mermaid text, or an SVG/PNG image drawn by Graphviz's ``dot``."""
    if fmt == "dot":
        return to_dot(diagram)
    if fmt == "mmd":
        return to_mermaid(diagram)
    return run_dot(to_dot(diagram), fmt)


def run_dot(source: str, fmt: Literal["svg", "png"]) -> bytes:
    dot = shutil.which("dot")
    if dot is None:
        raise EnvironmentProblem(
            "Graphviz 'dot' is not installed — install it (Debian: apt-get install graphviz) "
            "or write .dot or .mmd text instead."
        )
    try:
        done = subprocess.run(
            [dot, f"-T{fmt}"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=120,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise EnvironmentProblem(
            "Graphviz 'dot' took longer than 120 s — write .dot text and render it yourself."
        ) from None
    if done.returncode != 0:
        detail = clean(done.stderr.decode("utf-8", "replace")).strip()[:300]
        raise EnvironmentProblem(f"Graphviz 'dot' failed: {detail}")
    return done.stdout


__all__ = [
    "FORMATS",
    "Bundle",
    "Cluster",
    "Diagram",
    "Edge",
    "Node",
    "bundle_edges",
    "deployment_diagram",
    "format_for",
    "product_diagram",
    "render",
    "to_dot",
    "to_mermaid",
]

"""Graphviz DOT for a :class:`~.model.Diagram`: left to right, a box per site and zone,
HTML-like labels; every name is escaped (:func:`dot_id`, :func:`html`)."""

from __future__ import annotations

from portplan.report.diagram.model import (
    EDGE_COLOUR,
    FIREWALL_COLOUR,
    LINK_COLOUR,
    Bundle,
    Cluster,
    Diagram,
    DiagramNode,
    Edge,
    bundle_edges,
    clean,
    nesting,
)


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


def to_dot(diagram: Diagram) -> str:
    """Graphviz DOT: left to right, clusters per site and zone, HTML-like labels."""
    out = [
        "digraph portplan {",
        "  graph [rankdir=LR, compound=true, splines=true, concentrate=false, nodesep=0.35,",
        '         ranksep=1.1, fontname="Helvetica", fontsize=11, labelloc=t,',
        f"         label=<{_graph_label(diagram)}>];",
        '  node [shape=box, style="rounded,filled", fillcolor="#f4f7fb", color="#5b7290",',
        '        fontname="Helvetica", fontsize=10, margin="0.12,0.06"];',
        f'  edge [fontname="Helvetica", fontsize=9, color="{EDGE_COLOUR}", '
        f'fontcolor="{EDGE_COLOUR}", arrowsize=0.7];',
    ]
    children, members = nesting(diagram)

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
    colour = FIREWALL_COLOUR if bundle.edge.firewalls else EDGE_COLOUR
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
    parts.append(f'<FONT POINT-SIZE="9">{html(diagram.legend())}</FONT>')
    return "<BR/>".join(parts)


def _dot_node(node: DiagramNode) -> str:
    rows = [f"<B>{html(node.title)}</B>"]
    rows += [f'<FONT POINT-SIZE="8">{html(d)}</FONT>' for d in node.details if d]
    if node.host_firewall:
        rows.append(
            f'<FONT POINT-SIZE="8" COLOR="{FIREWALL_COLOUR}">host firewall: '
            f"{html(node.host_firewall)}</FONT>"
        )
    attrs = [f"label=<{'<BR/>'.join(rows)}>"]
    if node.kind in NODE_STYLES:
        attrs.append(NODE_STYLES[node.kind])
    if node.kind == "anchor":
        attrs = [f'label="", xlabel=<{html(node.title)}>', NODE_STYLES["anchor"]]
    if node.optional:
        attrs.append('style="rounded,filled,dashed"')
    if node.host_firewall:
        attrs.append(f'peripheries=2, color="{FIREWALL_COLOUR}"')
    return f"{dot_id(node.id)} [{', '.join(attrs)}];"


# How each kind of node other than a host or a role is drawn.
NODE_STYLES = {
    "external": 'shape=box, style="rounded,filled,dashed", fillcolor="#fdf2e9"',
    "zone": 'shape=box, style="filled", fillcolor="#ffffff", color="#95a5a6"',
    "firewall": (
        f'shape=hexagon, style="filled,bold", fillcolor="#fdecea", color="{FIREWALL_COLOUR}", '
        f'fontcolor="{FIREWALL_COLOUR}", penwidth=2, margin="0.05,0.04"'
    ),
    "link": f'shape=ellipse, style="filled", fillcolor="#eceff1", color="{LINK_COLOUR}"',
    "anchor": f'shape=point, width=0.12, color="{LINK_COLOUR}"',
}


def _dot_wire(edge: Edge) -> str:
    """A WAN/VPN link joining a site: thick, grey, no arrow; ``hub`` at the hub."""
    hub = edge.label == "hub"
    attrs = [
        f'color="{LINK_COLOUR}"',
        f"penwidth={5 if hub else 3}",
        "dir=none",
        "weight=0",
    ]
    if edge.label:  # beside the site's end, not floating along a long line
        attrs.append(f'headlabel=<<B>{html(edge.label)}</B>>, fontcolor="{LINK_COLOUR}"')
    return f"{dot_id(edge.source)} -> {dot_id(edge.target)} [{', '.join(attrs)}];"


def _dot_edge(edge: Edge, flip: bool = False) -> str:
    if edge.kind == "wire":
        return _dot_wire(edge)
    label = "<BR/>".join(html(line) for line in edge.label_lines)
    attrs = [f"label=<{label}>"]
    if edge.conditional:
        attrs.append("style=dashed")
    if edge.firewalls:
        attrs.append(f'color="{FIREWALL_COLOUR}", fontcolor="{FIREWALL_COLOUR}"')
    tooltip = clean("; ".join(edge.flows))[:1000].replace("\\", "\\\\").replace('"', '\\"')
    attrs.append(f'tooltip="{tooltip}"')
    if flip:
        attrs.append("dir=back")
        return f"{dot_id(edge.target)} -> {dot_id(edge.source)} [{', '.join(attrs)}];"
    return f"{dot_id(edge.source)} -> {dot_id(edge.target)} [{', '.join(attrs)}];"

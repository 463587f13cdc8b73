"""Mermaid ``flowchart LR`` text for a :class:`~.model.Diagram`, with synthetic ids and every
label escaped as entity codes."""

from __future__ import annotations

import re

from portplan.report.diagram.model import (
    FIREWALL_COLOUR,
    LINK_COLOUR,
    Cluster,
    Diagram,
    DiagramNode,
    bundle_edges,
    clean,
    nesting,
)


def mermaid_text(text: str) -> str:
    """Text for a quoted Mermaid label: anything but letters, digits and plain punctuation
    becomes an entity code (``#quot;``, ``#60;``), so quotes, brackets and markup stay text."""
    return "".join(
        ch if re.fullmatch(r"[A-Za-z0-9 _.,:/+@()=·-]", ch) else f"#{ord(ch)};"
        for ch in clean(text)
    )


# Mermaid shapes: a firewall is a hexagon, a WAN/VPN link a circle, an external a stadium.
SHAPES = {
    "external": ('(["', '"])'),
    "firewall": ('{{"', '"}}'),
    "link": ('(("', '"))'),
    "anchor": ('(("', '"))'),
}


def to_mermaid(diagram: Diagram) -> str:
    """A Mermaid ``flowchart LR``: subgraphs for clusters, synthetic ids, escaped labels."""
    node_ids = {node.id: f"n{i}" for i, node in enumerate(diagram.nodes)}
    cluster_ids = {c.id: f"c{i}" for i, c in enumerate(diagram.clusters)}
    out = ["flowchart LR", f"  %% {mermaid_text(diagram.title)}"]
    children, members = nesting(diagram)

    def node_line(node: DiagramNode) -> str:
        lines = [node.title, *[d for d in node.details if d]]
        if node.host_firewall:
            lines.append(f"host firewall: {node.host_firewall}")
        label = "<br/>".join(mermaid_text(line) for line in lines)
        shape = SHAPES.get(node.kind, ('["', '"]'))
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
    wires: list[int] = []
    for edge in singles:
        label = "<br/>".join(mermaid_text(line) for line in edge.label_lines)
        arrow = "===" if edge.kind == "wire" else "-.->" if edge.conditional else "-->"
        labelled = f'|"{label}"| ' if label else " "
        out.append(f"  {node_ids[edge.source]} {arrow}{labelled}{node_ids[edge.target]}")
        (wires if edge.kind == "wire" else firewalled if edge.firewalls else []).append(links)
        links += 1
    out += _styles(diagram, node_ids, firewalled, wires)
    return "\n".join(out) + "\n"


def _styles(
    diagram: Diagram, node_ids: dict[str, str], firewalled: list[int], wires: list[int]
) -> list[str]:
    """Colours: links that cross a firewall, WAN/VPN links, firewall nodes, host firewalls."""
    out = []
    if firewalled:
        out.append(f"  linkStyle {','.join(str(i) for i in firewalled)} stroke:{FIREWALL_COLOUR}")
    if wires:
        out.append(f"  linkStyle {','.join(str(i) for i in wires)} stroke:{LINK_COLOUR}")
    firewalls = [node_ids[n.id] for n in diagram.nodes if n.kind == "firewall"]
    if firewalls:
        out.append(f"  classDef firewall stroke:{FIREWALL_COLOUR},fill:#fdecea,stroke-width:2px")
        out.append(f"  class {','.join(firewalls)} firewall")
    walled = [node_ids[n.id] for n in diagram.nodes if n.host_firewall]
    if walled:
        out.append(f"  classDef hostfw stroke:{FIREWALL_COLOUR},stroke-width:3px")
        out.append(f"  class {','.join(walled)} hostfw")
    return out

"""The neutral picture both renderers draw: clusters (sites, zones), nodes, edges and bundles.

The builders (:mod:`.build`) make a :class:`Diagram`; :mod:`.dot` and :mod:`.mermaid` write it
out. What both renderers share lives here too: the edge bundling (one labelled junction for
edges that carry the same label), the cluster nesting, and the text helpers that keep a
user-written name from breaking out of a label.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

DiagramFormat = Literal["svg", "png", "dot", "mmd"]
FORMATS: tuple[DiagramFormat, ...] = ("svg", "png", "dot", "mmd")
Level = Literal["host", "zone"]
LEVELS: tuple[Level, ...] = ("host", "zone")
LABEL_WIDTH = 30  # characters per edge-label line before wrapping
EDGE_COLOUR = "#1f4e79"
FIREWALL_COLOUR = "#b22222"
LINK_COLOUR = "#7f8c8d"


@dataclass(frozen=True)
class Cluster:
    """A site or zone box; zones sit inside their site."""

    id: str
    label: str
    kind: Literal["site", "zone"]
    parent: str | None = None


NodeKind = Literal["host", "external", "role", "zone", "firewall", "link", "anchor"]


@dataclass(frozen=True)
class DiagramNode:
    """A host, an external endpoint, a zone (zone level), a network firewall, a WAN/VPN link,
    a site's edge (where a link meets a site without an edge firewall), or (in a product
    diagram) a role."""

    id: str  # unique within the diagram; the name a reader sees as the node's title
    title: str
    kind: NodeKind
    details: tuple[str, ...] = ()
    cluster: str | None = None
    host_firewall: str | None = None  # platform of the host's own enforcement point
    optional: bool = False


@dataclass(frozen=True)
class Edge:
    """All flows from one node to another that share one kind (required or conditional) —
    or (``kind="wire"``) a WAN/VPN link joining a site, labelled ``hub`` at its hub."""

    source: str
    target: str
    services: tuple[str, ...]
    conditional: bool = False  # optional or tied to a feature: drawn dashed
    features: tuple[str, ...] = ()
    firewalls: tuple[str, ...] = ()  # network enforcement points crossed, when not drawn
    flows: tuple[str, ...] = ()
    kind: Literal["flow", "wire"] = "flow"
    label: str = ""  # a wire's label

    @property
    def label_lines(self) -> tuple[str, ...]:
        if self.kind == "wire":
            return (self.label,) if self.label else ()
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
    nodes: tuple[DiagramNode, ...]
    edges: tuple[Edge, ...]
    subtitle: str = ""

    def legend(self) -> str:
        """What the drawing's marks mean — only the marks it uses."""
        parts = ["solid: required"]
        flows = [e for e in self.edges if e.kind == "flow"]
        if any(e.conditional for e in flows):
            parts.append("dashed: optional or feature")
        if any(n.kind == "firewall" for n in self.nodes):
            parts.append("red box: network firewall, on the flows that cross it")
        if any(e.firewalls for e in flows):
            parts.append("red: crosses a network firewall")
        if any(n.host_firewall for n in self.nodes):
            parts.append("double border: host firewall")
        if any(e.kind == "wire" for e in self.edges):
            parts.append("grey: WAN/VPN link")
        return " · ".join(parts)


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
        if edge.source == edge.target or edge.kind == "wire":
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


def nesting(
    diagram: Diagram,
) -> tuple[dict[str | None, list[Cluster]], dict[str | None, list[DiagramNode]]]:
    """Child clusters and member nodes per cluster id (None: the top level), in order."""
    children: dict[str | None, list[Cluster]] = {}
    for cluster in diagram.clusters:
        children.setdefault(cluster.parent, []).append(cluster)
    members: dict[str | None, list[DiagramNode]] = {}
    for node in diagram.nodes:
        members.setdefault(node.cluster, []).append(node)
    return children, members


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

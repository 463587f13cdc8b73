"""Diagrams of a deployment (or of a product): who talks to whom, on what, through which firewall.

The builders (:mod:`.build`) turn a resolved deployment or a product into a neutral
:class:`Diagram` (:mod:`.model`: clusters, nodes, edges); the renderers turn that into Graphviz
DOT (:mod:`.dot`), Mermaid flowchart text (:mod:`.mermaid`), or SVG/PNG through Graphviz's
``dot`` (:mod:`.render`).

Every name that reaches DOT or Mermaid text comes from a user-written file (a product may come
from anyone), so it is escaped for the target and stripped of control characters: a hostile name
cannot end a string, open a new statement or inject markup.
"""

from portplan.report.diagram.build import deployment_diagram, product_diagram
from portplan.report.diagram.dot import to_dot
from portplan.report.diagram.mermaid import to_mermaid
from portplan.report.diagram.model import (
    FORMATS,
    LEVELS,
    Bundle,
    Cluster,
    Diagram,
    DiagramFormat,
    DiagramNode,
    Edge,
    Level,
    bundle_edges,
)
from portplan.report.diagram.render import format_for, render, run_dot

__all__ = [
    "FORMATS",
    "LEVELS",
    "Bundle",
    "Cluster",
    "Diagram",
    "DiagramFormat",
    "DiagramNode",
    "Edge",
    "Level",
    "bundle_edges",
    "deployment_diagram",
    "format_for",
    "product_diagram",
    "render",
    "run_dot",
    "to_dot",
    "to_mermaid",
]

"""What changes between two versions of a product or a deployment, as a change request.

A change board approves firewall changes, not YAML edits, so a deployment diff says, per
enforcement point, which rules to add and which to remove. Rules are compared as what each
point must let through (source, destination, protocol, ports), summed over every flow: a port
that another flow still needs is not a rule to remove. A product diff (no hosts, no firewalls)
lists the flows added, removed and changed, with the ports that were widened or narrowed.

``diff_products`` and ``diff_resolutions`` are pure; ``to_markdown``, ``to_json`` and
``to_xlsx`` render one :class:`Diff` with the request's ticket, owner and justification (blank
fields when not given, so the form can be filled in by hand).
"""

from portplan.report.cover import ChangeRequest
from portplan.report.diff.base import (
    Diff,
    FlowChange,
    RuleChange,
    Status,
    service_delta,
)
from portplan.report.diff.deployment import diff_resolutions, rule_changes
from portplan.report.diff.product import diff_products
from portplan.report.diff.render import summary_lines, to_json, to_markdown, to_xlsx

__all__ = [
    "ChangeRequest",
    "Diff",
    "FlowChange",
    "RuleChange",
    "Status",
    "diff_products",
    "diff_resolutions",
    "rule_changes",
    "service_delta",
    "summary_lines",
    "to_json",
    "to_markdown",
    "to_xlsx",
]

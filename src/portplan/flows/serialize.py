"""Concrete flows as JSON-ready dicts — the one place their JSON shape is defined.

``portplan plan --format json``, the JSON report and later stages all use these functions,
so the shape cannot drift between commands. Services are compact strings (``tcp/443``).
"""

from __future__ import annotations

import json
from typing import Any

from portplan.model.concrete import ConcreteFlow, Endpoint, Excluded, Hop, Resolution, Unbound
from portplan.model.service import format_services


def endpoint_to_dict(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "name": endpoint.name,
        "kind": endpoint.kind,
        "role": endpoint.role,
        "addresses": [str(a) for a in endpoint.addresses],
        "zone": endpoint.zone,
        "site": endpoint.site,
        "fqdn": endpoint.fqdn,
    }


def hop_to_dict(hop: Hop) -> dict[str, Any]:
    return {"point": hop.point, "kind": hop.kind, "platform": hop.platform}


def flow_to_dict(flow: ConcreteFlow) -> dict[str, Any]:
    return {
        "id": flow.id,
        "product": flow.product,
        "flow": flow.flow,
        "source": endpoint_to_dict(flow.source),
        "destination": endpoint_to_dict(flow.destination),
        "services": format_services(flow.services),
        "purpose": flow.purpose,
        "feature": flow.feature,
        "optional": flow.optional,
        "path": [hop_to_dict(h) for h in flow.path],
        "evidence": (
            {"document": flow.evidence.document, "line": flow.evidence.line}
            if flow.evidence
            else None
        ),
        "note": flow.note,
        "override": flow.override,
    }


def unbound_to_dict(entry: Unbound) -> dict[str, Any]:
    return {
        "product": entry.product,
        "flow": entry.flow,
        "role": entry.role,
        "reason": entry.reason,
    }


def excluded_to_dict(entry: Excluded) -> dict[str, Any]:
    return {
        "product": entry.product,
        "flow": entry.flow,
        "services": list(entry.services),
        "purpose": entry.purpose,
        "reason": entry.reason,
        "in_use": entry.in_use,
    }


def resolution_to_dict(resolution: Resolution) -> dict[str, Any]:
    return {
        "deployment": resolution.deployment,
        "flows": [flow_to_dict(f) for f in resolution.flows],
        "unbound": [unbound_to_dict(u) for u in resolution.unbound],
        "excluded": [excluded_to_dict(e) for e in resolution.excluded],
        "notices": list(resolution.notices),
        "warnings": list(resolution.warnings),
    }


def resolution_json(resolution: Resolution) -> str:
    return json.dumps(resolution_to_dict(resolution), indent=2, ensure_ascii=False) + "\n"

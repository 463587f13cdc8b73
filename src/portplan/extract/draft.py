"""``--format yaml``: a draft catalog product built from extracted flows, for a person to review.

Roles are the distinct endpoint names (one id per name, de-duplicated by slug); flows under an
optional section become a feature named after the section; configurable ports become
variables whose default is the documented port; every flow keeps its evidence. The draft is
validated with :class:`~portplan.model.product.Product` before it is printed, so what the
catalog loader accepts is exactly what is written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from portplan.errors import ValidationError
from portplan.extract.result import ExtractedFlow, Extraction
from portplan.model.product import Product


def slug(text: str, fallback: str = "item") -> str:
    """An identifier for the catalog: lower case, words joined by hyphens, at most 60 chars."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    value = "-".join(words)[:60].strip("-")
    return value or fallback


class _Ids:
    """Hands out unique identifiers, remembering which text got which id."""

    def __init__(self, *, fold_plurals: bool = False) -> None:
        self.fold_plurals = fold_plurals
        self.by_text: dict[str, str] = {}
        self.used: set[str] = set()

    def get(self, text: str, fallback: str) -> str:
        key = slug(text, fallback)
        if self.fold_plurals:
            # "Printer" and "Printers", "LRS/ServerX" and "LRS/Serverx" are one role.
            words = key.split("-")
            key = "-".join(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words)
        if key in self.by_text:
            return self.by_text[key]
        candidate, n = key, 2
        while candidate in self.used:
            candidate, n = f"{key}-{n}", n + 1
        self.used.add(candidate)
        self.by_text[key] = candidate
        return candidate

    def fresh(self, text: str, fallback: str) -> str:
        key = slug(text, fallback)
        candidate, n = key, 2
        while candidate in self.used:
            candidate, n = f"{key}-{n}", n + 1
        self.used.add(candidate)
        return candidate


def _role_name(name: str) -> str:
    stripped = name.strip()
    if not stripped or stripped == "*":
        return "Any source"
    return stripped


def draft_product(extractions: Sequence[Extraction]) -> dict[str, Any]:
    """The draft product as plain data (validated with Product)."""
    first = extractions[0].document if extractions else "document"
    stem = Path(first).stem if first not in ("-", "<stdin>") else "extracted"
    roles = _Ids(fold_plurals=True)
    features = _Ids()
    variables = _Ids()
    flow_ids = _Ids()
    role_names: dict[str, str] = {}
    role_optional: dict[str, bool] = {}
    feature_data: dict[str, dict[str, Any]] = {}
    variable_data: dict[str, dict[str, Any]] = {}
    flows: list[dict[str, Any]] = []
    for extraction in extractions:
        for flow in extraction.flows:
            src_name, dst_name = _role_name(flow.src), _role_name(flow.dst)
            src = roles.get(src_name, "role")
            dst = roles.get(dst_name, "role")
            role_names.setdefault(src, src_name)
            role_names.setdefault(dst, dst_name)
            for role in (src, dst):
                role_optional[role] = role_optional.get(role, True) and flow.optional
            entry: dict[str, Any] = {
                "id": flow_ids.fresh(f"{src} to {dst} {_port_label(flow)}", "flow"),
                "from": src,
                "to": dst,
                "services": [],
                "purpose": flow.purpose or f"{src_name} to {dst_name}",
                "evidence": {
                    "document": Path(flow.evidence.file).name,
                    "line": flow.evidence.line,
                    "text": flow.evidence.text,
                },
            }
            services = _services(flow)
            if flow.configurable or not services:
                name = variables.get(f"{dst} port {_port_label(flow)}", "port")
                default = ",".join(flow.ports) if flow.ports else None
                variable_data.setdefault(
                    name,
                    {
                        "id": name,
                        "description": f"port of {dst_name} ({flow.purpose[:80]})".strip(),
                        "kind": "ports",
                        "default": default,
                    },
                )
                protocols = [p for p in flow.protocols if p != "icmp"] or ["tcp"]
                services = [f"{'+'.join(protocols)}/${{{name}}}"]
            entry["services"] = services
            if flow.optional and flow.section and _is_optional_section(flow.section):
                feature = features.get(flow.section, "feature")
                feature_data.setdefault(
                    feature, {"id": feature, "name": flow.section, "default": False}
                )
                entry["feature"] = feature
            elif flow.optional:
                entry["optional"] = True
            flows.append(entry)
    data: dict[str, Any] = {
        "id": slug(stem, "product"),
        "name": stem,
        "description": "Draft extracted by portplan extract; review every flow before use.",
        "sources": [{"document": Path(e.document).name} for e in extractions],
        "roles": [
            {"id": role, "name": name, **({"required": False} if role_optional[role] else {})}
            for role, name in role_names.items()
        ]
        or [{"id": "unknown", "name": "Unknown"}],
        "features": list(feature_data.values()),
        "variables": [
            {k: v for k, v in var.items() if v is not None} for var in variable_data.values()
        ],
        "flows": flows,
    }
    return data


def _is_optional_section(section: str) -> bool:
    return bool(re.search(r"optional|debug|troubleshoot", section, re.IGNORECASE))


def _port_label(flow: ExtractedFlow) -> str:
    return "-".join([*flow.protocols, *flow.ports[:3]]) or "any"


def _services(flow: ExtractedFlow) -> list[str]:
    transports = [p for p in flow.protocols if p != "icmp"]
    services: list[str] = []
    if transports and flow.ports:
        services.append(f"{'+'.join(transports)}/{','.join(flow.ports)}")
    if "icmp" in flow.protocols:
        services.append("icmp")
    return services


def draft_product_yaml(extractions: Sequence[Extraction]) -> str:
    """The draft as YAML text; raises ValidationError if it would not load as a product."""
    data = draft_product(extractions)
    try:
        Product.model_validate(data)
    except Exception as exc:  # pydantic's error, reduced to one line for the user
        first = str(exc).splitlines()
        detail = " ".join(first[:3]) if first else exc.__class__.__name__
        raise ValidationError(
            f"the draft product does not validate ({detail}) — report this document"
        ) from exc
    header = (
        "# Draft product extracted by `portplan extract --format yaml`.\n"
        "# Review roles, features and variables; every flow cites its evidence line.\n"
    )
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)

"""nft JSON expressions and statements back as nft's own text, for conditions and messages.

Kept short: a condition reads like the rule the user wrote (``limit rate 10/second burst 5
packets``, ``ip6 hoplimit 255``), never a JSON dump.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from portplan.verify.nftjson import Node


def render(node: Node | None) -> str:
    """An expression as nft's text syntax, for conditions and messages (kept short)."""
    if node is None:
        return ""
    return _shorten(_render(node.value))


def _shorten(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _render(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "exists" if value else "missing"
    if isinstance(value, int | str):
        return str(value)
    if isinstance(value, list):
        return ", ".join(_render(v) for v in value)
    if not isinstance(value, dict) or len(value) != 1:
        return json.dumps(value)[:60]
    ((kind, body),) = value.items()
    writer = _WRITERS.get(kind)
    if writer is not None and isinstance(body, dict | list):
        return writer(kind, body)
    return f"{kind} {json.dumps(body)[:50]}"


def _payload(kind: str, body: Any) -> str:
    if "protocol" in body:
        return f"{body['protocol']} {body.get('field', '')}"
    return f"@{body.get('base', '?')},{body.get('offset', '?')},{body.get('len', '?')}"


def _keyed(kind: str, body: Any) -> str:
    direction = f" {body['dir']}" if "dir" in body else ""
    return f"{kind}{direction} {body.get('key', '')}"


def _fib(kind: str, body: Any) -> str:
    flags = body.get("flags", [])
    flags = " . ".join(flags if isinstance(flags, list) else [flags])
    return f"fib {flags} {body.get('result', '')}"


def _joined(separator: str) -> Callable[[str, Any], str]:
    return lambda kind, body: separator.join(_render(v) for v in body)


_WRITERS: dict[str, Callable[[str, Any], str]] = {
    "payload": _payload,
    **dict.fromkeys(("meta", "ct", "rt", "socket", "osf", "ipsec"), _keyed),
    "fib": _fib,
    "exthdr": lambda k, b: f"exthdr {b.get('name', '')} {b.get('field', '')}".strip(),
    "concat": _joined(" . "),
    **{op: _joined(f" {op} ") for op in ("&", "|", "^", "<<", ">>")},
    "set": lambda k, b: "{ " + _render(b) + " }",
    "range": _joined("-"),
    "prefix": lambda k, b: f"{b.get('addr')}/{b.get('len')}",
    "elem": lambda k, b: _render(b.get("val")),
    "map": lambda k, b: f"{_render(b.get('key'))} map {_render(b.get('data'))}",
}


def render_match(left: Node, op: str, right: Node) -> str:
    shown = "" if op in ("==", "in") else f" {op}"
    return _shorten(f"{_render(left.value)}{shown} {_render(right.value)}")


def render_statement(kind: str, body: Node) -> str:
    value = body.value
    if kind == "limit" and isinstance(value, dict):
        over = " over" if value.get("inv") else ""
        unit = f" {value['rate_unit']}" if "rate_unit" in value else ""
        burst = f" burst {value['burst']} packets" if value.get("burst") else ""
        return f"limit rate{over} {value.get('rate')}{unit}/{value.get('per', 'second')}{burst}"
    if kind == "quota" and isinstance(value, dict):
        over = " over" if value.get("inv") else ""
        return f"quota{over} {value.get('val')} {value.get('val_unit', 'bytes')}"
    if kind == "ct count" and isinstance(value, dict):
        over = " over" if value.get("inv") else ""
        return f"ct count{over} {value.get('val')}"
    if kind in ("dnat", "snat") and isinstance(value, dict):
        address = _render(value.get("addr")) if "addr" in value else ""
        port = f":{_render(value['port'])}" if "port" in value else ""
        return _shorten(f"{kind} to {address}{port}")
    if kind in ("redirect", "masquerade") and isinstance(value, dict) and "port" in value:
        return f"{kind} to :{_render(value['port'])}"
    if isinstance(value, str | int):
        return f"{kind} {value}"  # a named object, e.g. limit "ssh-rate"
    if value is None or kind in ("redirect", "masquerade", "notrack"):
        return kind
    return _shorten(f"{kind} {_render(value)}")

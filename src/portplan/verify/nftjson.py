"""The JSON of ``nft -j list ruleset`` as typed structures, checked before anything reads it.

A ruleset file comes from a firewall, a colleague or a paste — so nothing in it is trusted:
the text must be UTF-8 and nest at most :data:`MAX_DEPTH` levels, numbers are bounded before
they are converted, and every value is reached through a :class:`Node`, which knows its JSON
path and turns a wrong type or a missing key into one line naming it::

    nftables[12].rule.expr[3].match: no "right" — ...

The top level becomes :class:`Document` (tables' chains, sets and maps, rules, elements); the
expressions inside rules stay :class:`Node` trees, read by :mod:`portplan.verify.nftrules`
through the same checked accessors.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from portplan.errors import InputError

MAX_DEPTH = 64  # nft's own JSON nests about 12 deep; anything far deeper is not a ruleset
MAX_INTEGER_DIGITS = 40  # 128-bit values (IPv6 addresses, marks) need 39 digits at most
FAMILIES = ("ip", "ip6", "inet", "arp", "bridge", "netdev")
HINT = "export it again with 'nft -j list ruleset'"


class NftJsonError(InputError):
    """The nft JSON is malformed: the message names the JSON path of the problem."""


@dataclass(frozen=True, slots=True)
class Node:
    """A JSON value and where it sits (``nftables[3].rule.expr[0]``)."""

    value: Any
    path: str

    def fail(self, what: str) -> NftJsonError:
        return NftJsonError(f"{self.path}: {what} — {HINT}.")

    # --- kinds --------------------------------------------------------------------------
    def is_object(self) -> bool:
        return isinstance(self.value, dict)

    def is_list(self) -> bool:
        return isinstance(self.value, list)

    def is_text(self) -> bool:
        return isinstance(self.value, str)

    def is_integer(self) -> bool:
        return isinstance(self.value, int) and not isinstance(self.value, bool)

    # --- checked access -----------------------------------------------------------------
    def mapping(self) -> Mapping[str, Any]:
        if not isinstance(self.value, dict):
            raise self.fail(f"an object expected, not {describe(self.value)}")
        return self.value

    def has(self, key: str) -> bool:
        return isinstance(self.value, dict) and key in self.value

    def key(self, key: str) -> Node:
        if key not in self.mapping():
            raise self.fail(f'no "{key}"')
        return Node(self.value[key], f"{self.path}.{key}")

    def optional(self, key: str) -> Node | None:
        return self.key(key) if key in self.mapping() else None

    def items(self) -> list[Node]:
        if not isinstance(self.value, list):
            raise self.fail(f"a list expected, not {describe(self.value)}")
        return [Node(item, f"{self.path}[{index}]") for index, item in enumerate(self.value)]

    def listed(self) -> list[Node]:
        """A list, or one value standing for a list of one (nft prints both)."""
        return self.items() if isinstance(self.value, list) else [self]

    def text(self) -> str:
        if not isinstance(self.value, str):
            raise self.fail(f"a string expected, not {describe(self.value)}")
        return self.value

    def integer(self, low: int = 0, high: int = 2**64 - 1) -> int:
        if not self.is_integer():
            raise self.fail(f"a number expected, not {describe(self.value)}")
        number: int = self.value
        if not low <= number <= high:
            raise self.fail(f"{number} is outside {low}..{high}")
        return number

    def single(self) -> tuple[str, Node]:
        """The one key of a statement or expression object and its value."""
        mapping = self.mapping()
        if len(mapping) != 1:
            keys = ", ".join(f'"{k}"' for k in list(mapping)[:4]) or "none"
            raise self.fail(f"an object with one key expected (it has {keys})")
        ((name, body),) = mapping.items()
        return name, Node(body, f"{self.path}.{name}")


def describe(value: Any) -> str:
    """A JSON value's kind for an error message, never the whole value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return f'the string "{value[:30]}"' if len(value) <= 30 else "a long string"
    if isinstance(value, list):
        return "a list"
    return "an object"


# --- the top level ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainSpec:
    family: str
    table: str
    name: str
    hook: str | None
    priority: Node | None
    policy: str
    type: str
    devices: tuple[str, ...] | None  # for ingress/egress chains; None: the JSON does not say
    node: Node


@dataclass(frozen=True)
class SetSpec:
    family: str
    table: str
    name: str
    map_type: str | None  # None for a set; "verdict" or a data type for a map
    flags: frozenset[str]
    elements: tuple[Node, ...]
    node: Node


@dataclass(frozen=True)
class RuleSpec:
    family: str
    table: str
    chain: str
    handle: int | None
    comment: str | None
    expressions: tuple[Node, ...]
    node: Node

    @property
    def label(self) -> str:
        where = f"{self.family} {self.table} {self.chain} handle {self.handle}"
        return f'{where} "{self.comment}"' if self.comment else where


@dataclass(frozen=True)
class ElementSpec:
    family: str
    table: str
    name: str
    elements: tuple[Node, ...]


@dataclass(frozen=True)
class Document:
    chains: tuple[ChainSpec, ...]
    sets: tuple[SetSpec, ...]
    rules: tuple[RuleSpec, ...]
    elements: tuple[ElementSpec, ...]


def decode(raw: bytes | str) -> Any:
    """Bytes or text → JSON value, with nesting, number size and encoding checked first."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}) — nft writes "
                "UTF-8; export the ruleset again."
            ) from None
    depth = _nesting(raw)
    if depth > MAX_DEPTH:
        raise InputError(
            f"the JSON nests {depth} levels deep (nft JSON needs about 12; at most {MAX_DEPTH} "
            f"are read) — {HINT}."
        )
    try:
        return json.loads(raw, parse_int=_bounded_int, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"not nft JSON (line {exc.lineno}): {exc.msg}.") from None
    except ValueError as exc:  # raised by the hooks below
        raise InputError(f"not nft JSON: {exc}.") from None


def _nesting(text: str) -> int:
    """The deepest nesting of [ and { outside strings (a linear scan, no recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                return deepest
        elif char in "]}":
            depth -= 1
    return deepest


def _bounded_int(text: str) -> int:
    digits = text.lstrip("-")
    if len(digits) > MAX_INTEGER_DIGITS:
        raise ValueError(f"a number of {len(digits)} digits (at most {MAX_INTEGER_DIGITS})")
    return int(text)


def _no_constant(text: str) -> Any:
    raise ValueError(f"'{text}' is not a JSON number")


def parse_document(data: Any) -> Document:
    """The checked top level of ``nft -j list ruleset`` output."""
    root = Node(data, "")
    if not root.is_object() or not isinstance(root.value.get("nftables"), list):
        raise InputError("not the JSON of 'nft -j list ruleset' — it has no 'nftables' list.")
    chains: list[ChainSpec] = []
    sets: list[SetSpec] = []
    rules: list[RuleSpec] = []
    elements: list[ElementSpec] = []
    for item in _objects(Node(root.value["nftables"], "nftables")):
        kind, body = item.single()
        if kind == "chain":
            chains.append(_chain(body))
        elif kind in ("set", "map"):
            sets.append(_set(body, kind))
        elif kind == "rule":
            rules.append(_rule(body))
        elif kind == "element":
            family, table = _where(body)
            named = body.key("name").text()
            elements.append(ElementSpec(family, table, named, tuple(body.key("elem").items())))
        # metainfo, table, flowtable, counter, quota, limit, ct helper ... carry no verdicts
    return Document(tuple(chains), tuple(sets), tuple(rules), tuple(elements))


def _objects(listing: Node) -> Iterator[Node]:
    for item in listing.items():
        item.mapping()
        yield item


def _where(body: Node) -> tuple[str, str]:
    family = body.key("family").text()
    if family not in FAMILIES:
        raise body.key("family").fail(f'unknown family "{family[:20]}"')
    return family, body.key("table").text()


def _chain(body: Node) -> ChainSpec:
    family, table = _where(body)
    hook = body.optional("hook")
    devices: tuple[str, ...] | None = None
    for key in ("dev", "devices"):
        found = body.optional(key)
        if found is not None:
            devices = tuple(d.text() for d in found.listed())
    policy = body.optional("policy")
    kind = body.optional("type")
    return ChainSpec(
        family=family,
        table=table,
        name=body.key("name").text(),
        hook=hook.text() if hook is not None else None,
        priority=body.optional("prio"),
        policy=policy.text() if policy is not None else "accept",
        type=kind.text() if kind is not None else "filter",
        devices=devices,
        node=body,
    )


def _set(body: Node, kind: str) -> SetSpec:
    family, table = _where(body)
    flags = body.optional("flags")
    listed = frozenset(f.text() for f in flags.listed()) if flags is not None else frozenset()
    map_type = body.optional("map")
    elem = body.optional("elem")
    return SetSpec(
        family=family,
        table=table,
        name=body.key("name").text(),
        map_type=_type_name(map_type) if kind == "map" and map_type is not None else None,
        flags=listed,
        elements=tuple(elem.items()) if elem is not None else (),
        node=body,
    )


def _type_name(node: Node) -> str:
    """A set or map type: a name, or a list of names for a concatenation."""
    return " . ".join(part.text() for part in node.listed())


def _rule(body: Node) -> RuleSpec:
    family, table = _where(body)
    handle = body.optional("handle")
    comment = body.optional("comment")
    expressions = body.optional("expr")
    return RuleSpec(
        family=family,
        table=table,
        chain=body.key("chain").text(),
        handle=handle.integer(0, 2**63) if handle is not None else None,
        comment=comment.text() if comment is not None else None,
        expressions=tuple(expressions.items()) if expressions is not None else (),
        node=body,
    )

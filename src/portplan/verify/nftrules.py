"""nft JSON rules → the evaluator's rules (:mod:`portplan.verify.rules`).

Every expression is read through :class:`~portplan.verify.nftjson.Node`, so malformed JSON
is a one-line error naming its path. What a rule *tests* is either a field the evaluator
models (addresses, protocol, ports, ICMP type, conntrack state and status, marks, interfaces,
``fib … type``, ``meta pkttype``) or — anything else, being free of side effects — an
:class:`~portplan.verify.matches.Undecided` condition. What a rule *does* must be modelled
(marks, ``notrack``, NAT) or harmless to verdicts (counters, logging, MSS clamping);
anything else (``queue``, ``tproxy``, ``fwd``, iptables-nft's ``xt``) is an error naming the
rule.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from portplan.errors import UnsupportedError
from portplan.verify.evaluate import Ruleset
from portplan.verify.matches import (
    UNKNOWN,
    Element,
    Field,
    Match,
    PacketState,
    Undecided,
    Unknown,
    in_element,
)
from portplan.verify.netfilter import (
    PRIORITY_NAMES,
    ascii_number,
)
from portplan.verify.nftjson import Document, Node, RuleSpec, decode, parse_document
from portplan.verify.nfttext import render, render_match, render_statement
from portplan.verify.nftvalues import (
    FLAG_KINDS,
    Undecidable,
    elements_of,
    field_of,
    fields_of,
    flag_bits,
    frag_off_match,
    is_frag_off,
    is_scalar,
    number_of,
    range_of,
    single_or_unknown,
    single_value,
)
from portplan.verify.rules import (
    MISS,
    Chain,
    Compute,
    Miss,
    Nat,
    Notrack,
    Rewrite,
    Rule,
    SetMark,
    Statement,
    Step,
    VerdictMap,
    constant,
    read_mark,
    unknown,
)

EVALUATED_FAMILIES = ("ip", "ip6", "inet", "netdev")  # arp and bridge never see routed packets
VERDICTS = ("accept", "drop", "reject", "return", "continue", "jump", "goto")
# Statements that never change a verdict or a field the evaluator reads.
HARMLESS = {
    "counter",
    "log",
    "comment",
    "dup",
    "flow",
    "ct helper",
    "ct timeout",
    "ct expectation",
    "secmark",
    "map",
}
REFUSED = {
    "queue": "hands the packet to a userspace program, which decides it",
    "tproxy": "diverts the packet to a local socket (transparent proxy)",
    "fwd": "sends the packet out of another device",
    "synproxy": "answers SYNs itself (synproxy)",
}
MANGLED_FIELDS = {"ip saddr": "saddr", "ip6 saddr": "saddr", "ip daddr": "daddr"}
MANGLED_FIELDS |= {"ip6 daddr": "daddr", "th dport": "dport", "th sport": "sport"}
MANGLED_FIELDS |= {f"{p} {d}": d for p in ("tcp", "udp", "sctp") for d in ("dport", "sport")}


@dataclass
class _NamedSet:
    name: str
    elements: list[Node]
    map_type: str | None
    dynamic: bool


def compile_document(data: Mapping[str, Any] | str | bytes) -> Ruleset:
    """A checked nft JSON document → a Ruleset."""
    document = parse_document(decode(data) if isinstance(data, str | bytes) else data)
    sets = _named_sets(document)
    chains: dict[tuple[str, str, str], Chain] = {}
    for spec in document.chains:
        if spec.family not in EVALUATED_FAMILIES:
            continue
        policy = spec.policy
        if policy not in ("accept", "drop"):
            raise spec.node.key("policy").fail(f'unknown policy "{policy[:20]}"')
        chains[(spec.family, spec.table, spec.name)] = Chain(
            family=spec.family,
            table=spec.table,
            name=spec.name,
            hook=spec.hook,
            priority=_priority(spec.priority),
            policy=policy,
            type=spec.type,
            devices=spec.devices,
        )
    for rule_spec in document.rules:
        chain = chains.get((rule_spec.family, rule_spec.table, rule_spec.chain))
        if chain is None:
            continue
        table_sets = sets.get((rule_spec.family, rule_spec.table), {})
        chain.rules.append(_RuleCompiler(rule_spec, table_sets).compile())
    return Ruleset(chains)


def _named_sets(document: Document) -> dict[tuple[str, str], dict[str, _NamedSet]]:
    sets: dict[tuple[str, str], dict[str, _NamedSet]] = {}
    for spec in document.sets:
        dynamic = bool(spec.flags & {"dynamic", "timeout"})
        sets.setdefault((spec.family, spec.table), {})[spec.name] = _NamedSet(
            spec.name, list(spec.elements), spec.map_type, dynamic
        )
    for element in document.elements:
        named = sets.get((element.family, element.table), {}).get(element.name)
        if named is not None:
            named.elements.extend(element.elements)
    for rule in document.rules:  # sets that rules fill while traffic flows
        for expression in rule.expressions:
            if not expression.is_object() or len(expression.mapping()) != 1:
                continue
            kind, body = expression.single()
            target = None
            if kind in ("set", "map") and body.has("set" if kind == "set" else "map"):
                target = body.key("set" if kind == "set" else "map").value
            elif kind == "meter" and body.has("name"):
                target = body.key("name").value
            elif kind == "set" and body.is_text():
                target = body.value
            if isinstance(target, str):
                named = sets.get((rule.family, rule.table), {}).get(target.lstrip("@"))
                if named is not None:
                    named.dynamic = True
    return sets


def _priority(node: Node | None) -> int:
    # nft -j prints numbers; accept the standard names (nftables wiki, "Base chain priority")
    # and "name + n" too.
    if node is None:
        return 0
    if node.is_integer():
        return node.integer(-(2**31), 2**31 - 1)
    text = node.text().replace(" ", "")
    for name, base in PRIORITY_NAMES.items():
        if text == name:
            return base
        if text.startswith(name) and text[len(name)] in "+-":
            offset = ascii_number(text[len(name) + 1 :], 2**31)
            if offset is not None:
                return base + offset if text[len(name)] == "+" else base - offset
    raise node.fail(f'unknown chain priority "{text[:20]}"')


# --- rules ------------------------------------------------------------------------------------


class _RuleCompiler:
    """One rule's expressions → steps and a verdict."""

    def __init__(self, spec: RuleSpec, sets: Mapping[str, _NamedSet]):
        self.spec = spec
        self.sets = sets

    def fail(self, message: str) -> UnsupportedError:
        return UnsupportedError(
            f"{self.spec.label}: portplan cannot evaluate {message} — rewrite the rule with "
            "plain matches or audit this ruleset by hand."
        )

    def compile(self) -> Rule:
        steps: list[Step] = []
        verdict: Statement | VerdictMap | None = None
        for node in self.spec.expressions:
            if verdict is not None:
                break  # statements after a verdict never run
            if node.is_text():
                self._text_statement(node)
                continue
            kind, body = node.single()
            if kind == "match":
                steps.append(self._match(body))
            elif kind == "vmap":
                verdict = self._vmap(body)
            elif kind in VERDICTS:
                verdict = self._verdict(kind, body)
                if kind == "reject":
                    steps.extend(_reject_dependencies(body))
            else:
                step, ends = self._statement(kind, body)
                if step is not None:
                    steps.append(step)
                if ends:
                    verdict = Statement("accept")  # NAT ends its chain; the packet goes on
        return Rule(
            family=self.spec.family,
            table=self.spec.table,
            chain=self.spec.chain,
            handle=self.spec.handle,
            comment=self.spec.comment,
            steps=tuple(steps),
            verdict=verdict,
            raw=self.spec.node.mapping(),
        )

    def _text_statement(self, node: Node) -> None:
        # nft prints a few statements it cannot express in JSON as text, e.g. a map update
        # "update @sticky { ip saddr : 0x2 }": they fill a set and decide nothing. A jump
        # into an anonymous chain ("jump { … }") is printed so too: its rules are not there.
        words = node.text().split()
        if words[:1] in (["jump"], ["goto"]):
            raise self.fail("a jump into an anonymous chain ('nft -j' does not show its rules)")
        if len(words) < 2 or words[0] not in ("add", "update") or not words[1].startswith("@"):
            raise self.fail(f"the statement '{node.text()[:60]}' (nft prints it only as text)")

    def _verdict(self, kind: str, body: Node) -> Statement:
        if kind in ("jump", "goto"):
            return Statement(kind, body.key("target").text())
        return Statement(kind)

    # --- statements -----------------------------------------------------------------------
    def _statement(self, kind: str, body: Node) -> tuple[Step | None, bool]:
        """(the step, whether it ends the chain like a verdict)."""
        if kind in HARMLESS:
            return None, False
        if kind == "xt":
            name = body.optional("name") if body.is_object() else None
            what = f"'xt' {name.value}" if name is not None and name.is_text() else "'xt'"
            raise UnsupportedError(
                f"{self.spec.label}: an iptables extension ({what}) that 'nft -j' cannot show — "
                "this ruleset comes from iptables-nft: audit the output of 'iptables-save' "
                "(and 'ip6tables-save') instead."
            )
        if kind in REFUSED:
            raise self.fail(f"'{kind}': it {REFUSED[kind]}")
        if kind in ("limit", "quota", "ct count"):
            return Undecided(render_statement(kind, body)), False
        if kind in ("set", "meter"):
            return self._dynamic_set(kind, body), False
        if kind == "notrack":
            return Notrack(), False
        if kind == "mangle":
            return self._mangle(body), False
        if kind in ("dnat", "snat", "masquerade", "redirect"):
            return self._nat(kind, body), True
        raise self.fail(f"the statement '{kind}' ({render(body)})")

    def _dynamic_set(self, kind: str, body: Node) -> Step | None:
        """``add @blocklist { ip saddr limit rate over 10/second }``: filling a set decides
        nothing; a statement inside (limit, quota, ct count) is a condition."""
        inner = body.optional("stmt") if body.is_object() else None
        if inner is None:
            return None
        texts = [render_statement(*item.single()) for item in inner.listed()]
        named = body.optional("set") or body.optional("name")
        where = f" {render(named)}" if named is not None else ""
        return Undecided(f"{kind}{where} {{ {' '.join(texts)} }}")

    def _mangle(self, body: Node) -> Step | None:
        key, value = body.key("key"), body.key("value")
        try:
            target = field_of(key)
        except Undecidable:
            return None  # a field no rule test reads (dscp, ttl, MSS...): no verdict changes
        text = f"{target.name} set {render(value)}"
        if target.name in ("meta mark", "ct mark"):
            return SetMark(target.name.split()[0], self._compute(value, "mark"), text)
        if target.name in MANGLED_FIELDS:
            kind = "port" if target.kind == "port" else target.kind
            return Rewrite(MANGLED_FIELDS[target.name], self._compute(value, kind), text)
        raise self.fail(f"'{text}' (it changes a field rules test)")

    def _nat(self, kind: str, body: Node) -> Nat:
        text = render_statement(kind, body)
        if not body.is_object():
            return Nat(kind, None, None, text)
        family = body.optional("family")
        address = body.optional("addr")
        if family is not None:
            address_kind = "addr6" if family.value == "ip6" else "addr4"
        else:  # an inet table's nat statement: the address says which
            shown = render(address) if address is not None else ""
            six = ":" in shown or self.spec.family == "ip6"
            address_kind = "addr6" if six and address is not None and "." not in shown else "addr4"
        port = body.optional("port")
        if kind == "redirect" and address is not None:
            raise self.fail(f"'{text}'")
        address_compute = port_compute = None
        if address is not None:
            if address.has("map") and _is_concat_data(address):
                address_compute, port_compute = self._concat_nat(address, address_kind)
            else:
                address_compute = self._compute(address, address_kind)
        if port is not None:
            port_compute = self._compute(port, "port")
        if kind == "masquerade" and port_compute is None and body.has("port"):
            port_compute = unknown
        return Nat(kind, address_compute, port_compute, text)

    def _concat_nat(self, node: Node, address_kind: str) -> tuple[Compute, Compute]:
        """``dnat ip addr . port to ip daddr . tcp dport map { … : 10.0.0.2 . 8080 }``."""
        lookup = self._lookup(node.key("map"), ("concat", address_kind, "port"))

        def part(index: int) -> Compute:
            def compute(state: PacketState) -> int | Unknown | Miss | None:
                found = lookup(state)
                if isinstance(found, Miss | Unknown) or found is None:
                    return found
                assert isinstance(found, tuple)
                value: int | Unknown = found[index]
                return value

            return compute

        return part(0), part(1)

    def _compute(self, node: Node, kind: str) -> Compute:
        """A value a statement writes: a constant, a mark, a bit operation, a map lookup."""
        if node.is_integer() or node.is_text():
            return constant(single_value(kind, node))
        if node.has("range"):
            low, high = range_of(node, kind)
            return constant(low) if low == high else unknown
        if node.is_object() and len(node.mapping()) == 1:
            name, body = node.single()
            if name in ("meta", "ct") and body.has("key") and body.key("key").value == "mark":
                return read_mark(name)
            if name in ("|", "&", "^", "<<", ">>"):
                left, right = (self._compute(part, kind) for part in body.items()[:2])
                return _binary(name, left, right)
            if name == "map":
                lookup = self._lookup(body, (kind,))
                return lambda state: _first(lookup(state))
        return unknown  # numgen, jhash, a prefix (netmap), ...: not decided by the flow

    def _lookup(self, body: Node, data_kinds: tuple[str, ...]) -> Callable[[PacketState], Any]:
        """``map { key : data }`` as a function of the packet (MISS when no element)."""
        key = body.key("key")
        try:
            fields = fields_of(key)
        except Undecidable:
            return unknown
        data = body.key("data")
        items = self._map_items(data)
        entries: list[tuple[Element, Any]] = []
        for item in items:
            pair = item.items()
            if len(pair) != 2:
                raise item.fail("a map element is a [key, value] pair")
            (element,) = elements_of([f.kind for f in fields], [pair[0]])
            entries.append((element, _data_value(pair[1], data_kinds)))

        def lookup(state: PacketState) -> Any:
            values: list[int | str] = []
            for f in fields:
                value = f.read(state)
                if isinstance(value, Unknown):
                    return UNKNOWN
                if value is None:
                    return MISS
                values.append(value)
            for element, value in entries:
                if in_element(values, element):
                    return value
            return MISS

        return lookup

    def _map_items(self, data: Node) -> list[Node]:
        if data.is_text() and data.value.startswith("@"):
            named = self.sets.get(data.value[1:])
            if named is None or named.map_type is None:
                raise self.fail(f"the unknown map '{data.value[:40]}'")
            if named.dynamic:
                raise self.fail(f"a lookup in the map '{data.value[:40]}', which traffic fills")
            return named.elements
        if data.has("set"):
            return data.key("set").items()
        raise data.fail("a map's data is a set or a named map")

    # --- tests ----------------------------------------------------------------------------
    def _match(self, body: Node) -> Step:
        left, right = body.key("left"), body.key("right")
        op_node = body.optional("op")
        op = op_node.text() if op_node is not None else "=="
        if op not in ("==", "!=", "in", "<", ">", "<=", ">="):
            raise op_node.fail(f'unknown operator "{op[:10]}"') if op_node else body.fail("op")
        text = render_match(left, op, right)
        try:
            return self._field_match(left, op, right, text)
        except Undecidable:
            return Undecided(text)

    def _field_match(self, left: Node, op: str, right: Node, text: str) -> Step:
        mask: int | None = None
        if left.has("&"):
            operands = left.key("&").items()
            if len(operands) != 2:
                raise left.key("&").fail("a bitmask has two operands")
            inner, mask_node = operands
            if is_frag_off(inner):
                return frag_off_match(mask_node, op, right, text)
            fields: tuple[Field, ...] = (field_of(inner),)
            kind = fields[0].kind
            mask = flag_bits(mask_node) if kind == "tcpflags" else number_of(kind, mask_node)
        else:
            fields = fields_of(left)
        kinds = [f.kind for f in fields]
        if right.is_text() and right.value.startswith("@"):
            named = self.sets.get(right.value[1:])
            if named is None:
                raise self.fail(f"the unknown set '{right.value[:40]}'")
            if named.map_type is not None:
                raise self.fail(f"a lookup in the map '{right.value[:40]}'")
            if named.dynamic:
                return Undecided(f"{text} (a set rules fill while traffic flows)")
            elements = tuple(elements_of(kinds, named.elements))
            return Match(fields, op if op != "in" else "==", elements, text=text)
        if kinds == ["tcpflags"]:
            flags = flag_bits(right)
            if mask is None and op == "in":
                # ``tcp flags syn``: any of the named bits set.
                return Match(fields, "==", (((flags, flags),),), flag_test=True, text=text)
            return Match(
                fields, op if op != "in" else "==", (((flags, flags),),), mask=mask, text=text
            )
        comparison = op in ("<", ">", "<=", ">=")
        if comparison and (len(fields) != 1 or kinds[0] == "ifname" or not is_scalar(right)):
            raise self.fail(f"the comparison '{text}'")
        flag_test = kinds[0] in FLAG_KINDS and len(kinds) == 1 and mask is None
        if flag_test:
            state_bits = flag_bits(right, kinds[0])
            return Match(fields, op, (((state_bits, state_bits),),), flag_test=True, text=text)
        elements = tuple(self._elements(kinds, right))
        return Match(fields, op if op != "in" else "==", elements, mask=mask, text=text)

    def _elements(self, kinds: Sequence[str], right: Node) -> list[Element]:
        """The right side → elements (an anonymous set, a list or a constant)."""
        if right.has("set"):
            return elements_of(kinds, right.key("set").listed())
        return elements_of(kinds, right.items() if right.is_list() else [right])

    def _vmap(self, body: Node) -> VerdictMap:
        key = body.key("key")
        try:
            fields = fields_of(key)
        except Undecidable:
            raise self.fail(f"a verdict map on '{render(key)}'") from None
        entries: list[tuple[Element, Statement]] = []
        for item in self._map_items(body.key("data")):
            pair = item.items()
            if len(pair) != 2:
                raise item.fail("a map element is a [key, verdict] pair")
            (element,) = elements_of([f.kind for f in fields], [pair[0]])
            name, verdict_body = pair[1].single()
            if name not in VERDICTS:
                raise pair[1].fail(f'"{name[:20]}" is not a verdict')
            entries.append((element, self._verdict(name, verdict_body)))
        return VerdictMap(fields, tuple(entries), text=f"{render(key)} vmap")


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, tuple) else value


def _binary(name: str, left: Compute, right: Compute) -> Compute:
    operation = {
        "|": operator.or_,
        "&": operator.and_,
        "^": operator.xor,
        "<<": operator.lshift,
        ">>": operator.rshift,
    }[name]

    def compute(state: PacketState) -> int | Unknown | Miss | None:
        a, b = left(state), right(state)
        if isinstance(a, Miss) or isinstance(b, Miss):
            return MISS
        if not isinstance(a, int) or not isinstance(b, int) or b > 64:
            return UNKNOWN
        return int(operation(a, b)) & (2**32 - 1)

    return compute


def _is_concat_data(address: Node) -> bool:
    data = address.key("map").key("data")
    if data.has("set"):
        return any(
            item.is_list() and len(item.value) == 2 and _has_concat(item.value[1])
            for item in data.key("set").listed()
        )
    return False


def _has_concat(value: Any) -> bool:
    return isinstance(value, dict) and "concat" in value


def _data_value(node: Node, kinds: tuple[str, ...]) -> Any:
    if kinds[0] == "concat":
        parts = node.key("concat").items()
        if len(parts) != 2:
            raise node.fail("an address . port pair expected")
        return tuple(
            single_or_unknown(kind, part) for kind, part in zip(kinds[1:], parts, strict=True)
        )
    return single_or_unknown(kinds[0], node)


def _reject_dependencies(body: Node) -> list[Step]:
    """What a reject type implies about the packet. nft adds these matches to the kernel rule
    and leaves them out of its JSON: ``reject with icmpv6 ...`` only ever matches IPv6,
    ``reject with icmp ...`` only IPv4, ``reject with tcp reset`` only TCP."""
    kind = body.key("type").value if body.is_object() and body.has("type") else None
    nfproto = Field("meta nfproto", "nfproto")
    if kind == "icmp":
        return [Match((nfproto,), "==", (((2, 2),),), text="meta nfproto ipv4")]
    if kind == "icmpv6":
        return [Match((nfproto,), "==", (((10, 10),),), text="meta nfproto ipv6")]
    if kind == "tcp reset":
        proto = Field("meta l4proto", "proto")
        return [Match((proto,), "==", (((6, 6),),), text="meta l4proto tcp")]
    return []

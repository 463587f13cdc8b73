"""Packet classification over a ruleset, with the kernel's semantics.

- A packet passes the hooks of its path in order — input: ingress, prerouting, input;
  forward: ingress, prerouting, forward, postrouting, egress; output: output, postrouting,
  egress. At each hook every base chain of a table whose family sees the packet (``inet``
  and ``ip`` for IPv4, ``inet`` and ``ip6`` for IPv6, ``netdev`` for both) runs in priority
  order; ingress and egress chains only for the device they are bound to. ``accept`` ends
  only that base chain; ``drop`` and ``reject`` end the packet; a base chain that ends
  without a verdict applies its policy.
- Conntrack looks the packet up at priority -200 on prerouting and output: chains before it
  see ``ct state invalid``, and ``notrack`` there leaves the packet untracked. NAT chains run
  for a connection's first packet only, at their hook's NAT priority; ``dnat`` and
  ``redirect`` rewrite the destination the later chains see (a redirected forward packet is
  delivered locally; a packet to this host rewritten to another address is refused: routing
  decides it), ``snat``/``masquerade`` the source.
- Rules run in order; ``jump`` pushes, ``goto`` replaces, ``return`` pops (at a base chain it
  applies the policy). Verdict maps (``vmap``) pick one of these by key. A payload match
  implies its protocol, as ``nft`` adds it when the rule is loaded.

A match a flow alone cannot decide — a rate limit, ``-m recent``, a mark set outside the
ruleset, an interface when the packet's is not given (:data:`ANY_INTERFACE`) — makes the
evaluator follow both ways; when they end differently the verdict is *conditional*:
"allowed, subject to ``limit rate 10/second`` (rule …)". What it cannot evaluate at all
raises :class:`UnsupportedError` naming the rule, so a verdict is never a guess.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from portplan.errors import UnsupportedError
from portplan.model.intervals import Interval
from portplan.verify.matches import (
    ANY_INTERFACE,
    UNKNOWN,
    Condition,
    Field,
    Match,
    PacketState,
)
from portplan.verify.netfilter import (
    CONNTRACK_HOOKS,
    CONNTRACK_PRIORITY,
    CT_STATES,
    FAMILIES_SEEING,
    HOOK_PATH,
    IP_PROTOCOLS,
    NAT_PRIORITY,
    NEW_STATE,
    PORTED,
    Action,
    Hook,
    icmp_type_number,
)
from portplan.verify.packets import Packet, Trace, Verdict, packet_state
from portplan.verify.rules import (
    MISS,
    Chain,
    Effect,
    Nat,
    Rewrite,
    Rule,
    Statement,
    VerdictMap,
)

__all__ = [
    "ANY_INTERFACE",
    "CT_STATES",
    "IP_PROTOCOLS",
    "PORTED",
    "Chain",
    "Field",
    "Hook",
    "Interval",
    "Match",
    "Packet",
    "Rule",
    "Ruleset",
    "Statement",
    "Trace",
    "Verdict",
    "VerdictMap",
    "icmp_type_number",
    "load_ruleset",
    "packet_state",
]

MAX_WAYS = 256  # ways through the ruleset for one packet (each undecided match doubles them)
OTHER_INTERFACE = None  # the packet's interface is one no rule names


# --- the walk through the hooks ---------------------------------------------------------------


@dataclass
class _Way:
    """One way through the ruleset: the packet's state and where it is."""

    state: PacketState
    hooks: tuple[str, ...]
    hook_at: int = 0
    base: tuple[Chain, ...] | None = None  # the current hook's base chains, once entered
    base_at: int = 0
    chain: Chain | None = None  # the chain running now (None: between base chains)
    rule_at: int = 0
    step_at: int = 0
    stack: tuple[tuple[Chain, int], ...] = ()
    binding: tuple[int, bool] | None = None  # a NAT chain run for a later packet (its real
    # ct state and opening): the chain runs as for the connection's first packet, and only its
    # rewrites count
    conditions: tuple[str, ...] = ()
    assumed: dict[str, bool] = field(default_factory=dict)
    accepts: tuple[tuple[int, str | None, str], ...] = ()
    rewrites: tuple[str, ...] = ()
    nat_hooks: frozenset[str] = frozenset()
    reroute: str | None = None  # "input" after a redirect (or dnat to loopback) of a forward
    # Where the packet's interface is not known: the interfaces this way may still be on
    # (None: one no rule names), per direction; a way left with one knows it.
    interfaces: dict[str, tuple[str | None, ...]] = field(default_factory=dict)
    every_interface: dict[str, tuple[str | None, ...]] = field(default_factory=dict)
    destination_rule: Rule | None = None  # the rule that rewrote the destination

    def fork(self, **changes: Any) -> _Way:
        changes.setdefault("assumed", dict(self.assumed))
        changes.setdefault("interfaces", dict(self.interfaces))
        return replace(self, **changes)


@dataclass(frozen=True)
class _Leaf:
    action: Action
    rule: str | None
    chain: str | None
    conditions: tuple[str, ...]
    rewrites: tuple[str, ...]
    destination: tuple[str | None, int | None] | None = None


def _leaf(action: Action, rule: str | None, chain: str | None, way: _Way) -> _Leaf:
    state = way.state
    conditions = way.conditions + tuple(
        _interface_condition(direction, names, way.every_interface[direction])
        for direction, names in way.interfaces.items()
        if len(names) < len(way.every_interface[direction])
    )
    destination = None
    if "dnat" in state.nat:  # where the rewritten packet goes (None: an address not known)
        address = state.daddr if isinstance(state.daddr, int) else None
        port = state.dport if isinstance(state.dport, int) else None
        make = ipaddress.IPv4Address if state.family == "ip" else ipaddress.IPv6Address
        destination = (str(make(address)) if address is not None else None, port)
    return _Leaf(action, rule, chain, conditions, way.rewrites, destination)


class Ruleset:
    """A loaded ruleset; :meth:`verdict` classifies packets."""

    def __init__(self, chains: dict[tuple[str, str, str], Chain], notes: tuple[str, ...] = ()):
        self.chains = chains
        self.notes = notes  # what the reader assumed (e.g. the IP version of a file)
        self._base: dict[tuple[str, str], list[Chain]] = {}
        for chain in chains.values():
            if chain.hook is None:
                continue
            for packet_family, seen_by in FAMILIES_SEEING.items():
                if chain.family in (*seen_by, "netdev"):
                    self._base.setdefault((packet_family, chain.hook), []).append(chain)
        for (_, hook), chain_list in self._base.items():
            chain_list.sort(key=lambda c, h=hook: _order(c, h))  # type: ignore[misc]
        self.interface_names = self._interface_names()

    def rules(self) -> Iterator[Rule]:
        """Every rule of every chain in the families packets are evaluated in."""
        for chain in self.chains.values():
            yield from chain.rules

    def base_chains(self, hook: str, family: str = "ip") -> list[Chain]:
        return list(self._base.get((family, hook), []))

    @property
    def uses_interfaces(self) -> bool:
        return any(self.interface_names.values())

    def _interface_names(self) -> dict[str, tuple[str, ...]]:
        """The interface names (and nft patterns) the ruleset tells apart, per direction."""
        names: dict[str, set[str]] = {"iif": set(), "oif": set()}
        for rule in self.rules():
            tests: list[Match | VerdictMap] = [*rule.matches]
            if isinstance(rule.verdict, VerdictMap):
                tests.append(rule.verdict)
            for test in tests:
                fields = test.fields if isinstance(test, Match) else test.field_
                elements = (
                    test.elements if isinstance(test, Match) else tuple(e for e, _ in test.entries)
                )
                for index, f in enumerate(fields):
                    if f.interface:
                        names[f.interface].update(
                            part for e in elements if isinstance(part := e[index], str)
                        )
        for chain in self.chains.values():
            if chain.device_bound:
                direction = "iif" if chain.hook == "ingress" else "oif"
                names[direction].update(_devices(chain))
        return {k: tuple(sorted(v)) for k, v in names.items()}

    def verdict(self, packet: Packet) -> Verdict:
        return self.trace(packet).verdict

    def trace(self, packet: Packet) -> Trace:
        state = packet_state(packet)
        matched: dict[int, Rule] = {}
        leaves = self._walk(state, matched)
        return Trace(_combine(leaves), list(matched.values()))

    def _walk(self, state: PacketState, matched: dict[int, Rule]) -> list[_Leaf]:
        start = _Way(state, HOOK_PATH[state.path])
        local = _loopback(state.family, state.saddr) or state.saddr == state.daddr
        for direction in ("iifname", "oifname"):
            if getattr(state, direction) == ANY_INTERFACE:
                names = self.interface_names[direction[:3]]
                # Only this host's own traffic arrives on (or leaves by) lo.
                start.interfaces[direction] = (
                    OTHER_INTERFACE,
                    *(n for n in names if n != "lo" or local),
                )
        start.every_interface = dict(start.interfaces)
        ways = [start]
        leaves: list[_Leaf] = []
        while ways:
            way = ways.pop()
            leaf = self._run(way, ways, matched)
            leaves.append(leaf)
            if len(leaves) + len(ways) > MAX_WAYS:
                hint = (
                    "name the packets' interfaces (audit: --interface ZONE=IFNAME)"
                    if ANY_INTERFACE in (state.iifname, state.oifname)
                    else "audit this ruleset by hand"
                )
                raise UnsupportedError(
                    f"more than {MAX_WAYS} ways through the ruleset for one packet (each "
                    f"interface it tells apart and each match a flow cannot decide adds some) — "
                    f"{hint}."
                )
        return leaves

    def _run(self, way: _Way, ways: list[_Way], matched: dict[int, Rule]) -> _Leaf:
        while True:
            if way.chain is None:
                leaf = self._between_chains(way, ways)
                if leaf is not None:
                    return leaf
                continue
            ended = self._run_chain(way, ways, matched)
            if ended is None:
                continue
            action, rule = ended
            assert way.base is not None
            base = way.base[way.base_at]
            way.chain, way.stack = None, ()
            way.base_at += 1
            if way.binding is not None:
                ct_state, opening = way.binding
                way.state = replace(way.state, ct_state=ct_state, opening=opening)
                way.binding = None
                continue
            if action != "accept":
                return _leaf(action, rule, base.label, way)
            rank = (0 if base.policy == "drop" else 1) if rule else 2
            way.accepts += ((rank, rule, base.label),)

    def _between_chains(self, way: _Way, ways: list[_Way]) -> _Leaf | None:
        """Enter the next base chain (or hook); a leaf when the packet has passed them all."""
        if way.base is None:
            if way.hook_at >= len(way.hooks):
                return _accepted(way)
            hook = way.hooks[way.hook_at]
            way.state = replace(way.state, hook=hook)
            way.base = tuple(self._base.get((way.state.family, hook), ()))
            way.base_at = 0
        if way.base_at >= len(way.base):
            self._leave_hook(way)
            return None
        chain = way.base[way.base_at]
        hook = way.state.hook
        conntrack_now = hook in CONNTRACK_HOOKS and _order(chain, hook)[0] >= CONNTRACK_PRIORITY
        if conntrack_now and way.state.conntrack == "before":
            way.state = replace(way.state, conntrack="tracked")
        if chain.device_bound:
            direction = "iifname" if chain.hook == "ingress" else "oifname"
            devices = _devices(chain)
            if getattr(way.state, direction) == ANY_INTERFACE:
                self._split(way, ways, direction, lambda s: getattr(s, direction) in devices)
            if getattr(self._representative(way), direction) not in devices:
                way.base_at += 1
                return None
        if chain.type == "nat":
            if way.state.conntrack != "tracked" or hook in way.nat_hooks:
                way.base_at += 1  # untracked packets and bound connections skip NAT
                return None
            if way.state.ct_state != NEW_STATE:
                way.binding = (way.state.ct_state, way.state.opening)
                way.state = replace(way.state, ct_state=NEW_STATE, opening=True)
        way.chain, way.rule_at, way.step_at, way.stack = chain, 0, 0, ()
        return None

    def _leave_hook(self, way: _Way) -> None:
        hook = way.state.hook
        if hook in CONNTRACK_HOOKS and way.state.conntrack == "before":
            way.state = replace(way.state, conntrack="tracked")
        way.hook_at += 1
        way.base = None
        if hook == "prerouting":
            self._route(way)

    def _route(self, way: _Way) -> None:
        """Routing after prerouting: a rewritten destination may change where it goes — a
        redirected forward packet is delivered here, a packet to this host rewritten to
        another address is routed on (through forward, as with forwarding on)."""
        state = way.state
        rule = way.destination_rule
        if rule is not None and way.reroute != "input" and not isinstance(state.daddr, int):
            raise rule.fail(
                "it rewrites the destination to an address the packet does not decide (a "
                "hash, a counter, a network); where routing sends it is not in the ruleset — "
                "audit this rule by hand."
            )
        if way.reroute == "input" and state.path == "forward":
            way.state = replace(state, path="input")
            way.hooks, way.hook_at = HOOK_PATH["input"], HOOK_PATH["input"].index("input")
        elif (
            state.path == "input"
            and way.destination_rule is not None
            and not _loopback(state.family, state.daddr)
        ):
            way.state = replace(state, path="forward")
            way.hooks = HOOK_PATH["forward"]
            way.hook_at = HOOK_PATH["forward"].index("forward")

    def _run_chain(
        self, way: _Way, ways: list[_Way], matched: dict[int, Rule]
    ) -> tuple[Action, str | None] | None:
        """Run rules until the base chain ends (its action and deciding rule) or the way
        forks (None: run on)."""
        assert way.chain is not None
        while True:
            chain = way.chain
            if way.rule_at >= len(chain.rules):
                if way.stack:
                    (way.chain, way.rule_at), way.stack = way.stack[-1], way.stack[:-1]
                    way.step_at = 0
                    continue
                return self._policy(way), None
            rule = chain.rules[way.rule_at]
            held = self._steps(rule, way, ways)
            if held is None:
                return None  # forked: the interface is now known, run the rule again
            way.step_at = 0
            if not held:
                way.rule_at += 1
                continue
            matched.setdefault(id(rule), rule)
            ended = self._verdict(rule, way, ways)
            if ended is not None:
                return ended

    def _policy(self, way: _Way) -> Action:
        assert way.chain is not None
        base = way.base[way.base_at] if way.base is not None else way.chain
        return "accept" if base.policy == "accept" else "drop"

    def _steps(self, rule: Rule, way: _Way, ways: list[_Way]) -> bool | None:
        """Run the rule's steps from ``way.step_at``: whether they all held (None: the way
        forked on an unknown interface and must run the rule again)."""
        steps = rule.steps
        index = way.step_at
        while index < len(steps):
            step = steps[index]
            if isinstance(step, Effect):
                changed = step.apply(way.state, rule)
                if changed is MISS:
                    return False
                assert isinstance(changed, PacketState)
                self._after_effect(step, rule, way, changed)
                index += 1
                continue
            state = way.state
            if isinstance(step, Match) and step.interfaces and _unknown_interface(step, way):
                if self._rest_fails(rule, index, way.state):
                    return False  # fails whichever interface it is: no need to split
                way.step_at = index
                self._split_by(way, ways, step.interfaces, step.test)
                state = self._representative(way)
            result = step.test(state)
            if isinstance(result, Condition):
                result = self._decide(result, rule, index, way, ways)
            if not result:
                return False
            index += 1
        return True

    def _after_effect(self, step: Effect, rule: Rule, way: _Way, changed: PacketState) -> None:
        if isinstance(step, Nat):
            way.nat_hooks |= {way.state.hook}
            way.rewrites += (f"{step.text} ({rule.label})",)
            if way.state.path == "forward" and (
                step.kind == "redirect" or _loopback(changed.family, changed.daddr)
            ):
                way.reroute = "input"
                if step.kind == "redirect":
                    changed = replace(changed, daddr=UNKNOWN)  # the arrival interface's address
        elif isinstance(step, Rewrite) and changed.daddr != way.state.daddr:
            way.rewrites += (f"{step.text} ({rule.label})",)
        if changed.daddr != way.state.daddr and way.reroute != "input":
            way.destination_rule = rule  # routing decides again where it goes
        way.state = changed

    def _split_by(
        self,
        way: _Way,
        ways: list[_Way],
        directions: frozenset[str],
        outcome: Callable[[PacketState], Hashable],
    ) -> None:
        """Split a way whose interface is not known by what a test makes of it. A test of
        both directions at once settles the input interface first."""
        unknown = [d for d in ("iifname", "oifname") if d[:3] in directions]
        unknown = [d for d in unknown if getattr(way.state, d) == ANY_INTERFACE]
        if len(unknown) == 2:
            self._split(way, ways, "iifname", lambda s: s.iifname)
            unknown = ["oifname"]
        for direction in unknown:
            self._split(way, ways, direction, outcome)

    def _split(
        self,
        way: _Way,
        ways: list[_Way],
        direction: str,
        outcome: Callable[[PacketState], Hashable],
    ) -> None:
        """Group the interfaces the way may be on by ``outcome``: this way keeps the first
        group, a new way takes each other one."""
        groups: dict[Hashable, list[str | None]] = {}
        for name in way.interfaces[direction]:
            key = outcome(_on_interface(way.state, direction, name))
            groups.setdefault(key, []).append(name)
        first, *others = groups.values()
        for group in others:
            ways.append(_narrow(way.fork(), direction, group))
        _narrow(way, direction, first)

    def _representative(self, way: _Way) -> PacketState:
        """The way's state with an interface it may be on where it is not known (every one
        left behaves alike in the tests run so far)."""
        state = way.state
        for direction, names in way.interfaces.items():
            if getattr(state, direction) == ANY_INTERFACE:
                state = _on_interface(state, direction, names[0])
        return state

    def _decide(
        self, condition: Condition, rule: Rule, index: int, way: _Way, ways: list[_Way]
    ) -> bool:
        """An undecided test: follow both answers (unless the rest of the rule fails anyway
        or its answer changes nothing); this way takes 'it holds'."""
        if condition.key in way.assumed:
            return way.assumed[condition.key]
        if self._rest_fails(rule, index, way.state) or _inconsequential(rule, index):
            return False
        text = f"`{condition.text}` ({rule.label})"
        ways.append(
            way.fork(
                rule_at=way.rule_at + 1,
                step_at=0,
                conditions=(*way.conditions, f"not {text}"),
                assumed={**way.assumed, condition.key: False},
            )
        )
        way.assumed[condition.key] = True
        way.conditions = (*way.conditions, text)
        return True

    @staticmethod
    def _rest_fails(rule: Rule, index: int, state: PacketState) -> bool:
        """Whether a later test of the rule (before any statement) fails for this packet."""
        for step in rule.steps[index + 1 :]:
            if isinstance(step, Effect):
                return False
            if isinstance(step, Match) and step.interfaces and _unknown_interface(step, state):
                continue
            if step.test(state) is False:
                return True
        return False

    def _verdict(self, rule: Rule, way: _Way, ways: list[_Way]) -> tuple[Action, str | None] | None:
        verdict = rule.verdict
        if isinstance(verdict, VerdictMap):
            if verdict.interfaces:
                way.step_at = len(rule.steps)  # new ways resume at the verdict
                self._split_by(way, ways, verdict.interfaces, verdict.pick)
                way.step_at = 0
            picked = verdict.pick(self._representative(way))
            if isinstance(picked, Condition):
                raise rule.fail(
                    "its verdict map is keyed on a value the flow does not decide "
                    f"({picked.text}) — audit this rule by hand."
                )
            verdict = picked
        way.rule_at += 1
        if verdict is None or verdict.kind == "continue":
            return None
        if verdict.kind in ("accept", "drop", "reject"):
            return verdict.kind, rule.label  # type: ignore[return-value]
        if verdict.kind == "return":
            if not way.stack:
                return self._policy(way), None
            (way.chain, way.rule_at), way.stack = way.stack[-1], way.stack[:-1]
            return None
        assert way.chain is not None
        target = self.chains.get((way.chain.family, way.chain.table, verdict.target or ""))
        if target is None:
            raise rule.fail(f"it jumps to the unknown chain '{verdict.target}'.")
        if len(way.stack) > 16:
            raise rule.fail("its jumps nest deeper than 16 chains.")
        if verdict.kind == "jump":
            way.stack += ((way.chain, way.rule_at),)
        way.chain, way.rule_at = target, 0
        return None


def _unknown_interface(match: Match, where: _Way | PacketState) -> bool:
    state = where.state if isinstance(where, _Way) else where
    return any(getattr(state, f"{d}name") == ANY_INTERFACE for d in match.interfaces)


def _inconsequential(rule: Rule, index: int) -> bool:
    """Matching or not changes nothing: no verdict and no statement after the test."""
    tail = rule.steps[index + 1 :]
    no_verdict = rule.verdict is None or (
        isinstance(rule.verdict, Statement) and rule.verdict.kind == "continue"
    )
    return no_verdict and not any(isinstance(step, Effect) for step in tail)


def _loopback(family: str, address: object) -> bool:
    if not isinstance(address, int):
        return False
    return address >> 24 == 127 if family == "ip" else address == 1


def _devices(chain: Chain) -> tuple[str, ...]:
    # An ingress chain whose device the JSON does not say: a device no rule names.
    return chain.devices if chain.devices is not None else (f":device of {chain.label}",)


def _on_interface(state: PacketState, direction: str, name: str | None) -> PacketState:
    if direction == "iifname":
        return replace(state, iifname=name)
    return replace(state, oifname=name)


def _narrow(way: _Way, direction: str, names: list[str | None]) -> _Way:
    way.interfaces[direction] = tuple(names)
    if len(names) == 1:
        way.state = _on_interface(way.state, direction, names[0])
    return way


def _interface_condition(
    direction: str, names: tuple[str | None, ...], every: tuple[str | None, ...]
) -> str:
    """ "arriving on eth0 or eth1", "arriving on an interface other than eth0", …"""
    verb = "arriving on" if direction == "iifname" else "leaving by"
    if names == (None,):
        return f"{verb} an interface the ruleset does not name"
    if None in names:
        others = [_interface_text(n) for n in every if n is not None and n not in names]
        return f"{verb} an interface other than {', '.join(others)}"
    return f"{verb} {' or '.join(_interface_text(n) for n in names if n is not None)}"


def _interface_text(name: str) -> str:
    if name.startswith(":device of "):
        return f"the device of {name[len(':device of ') :]}"
    if name.endswith("*") and not name.endswith("\\*"):
        return f"an interface matching {name}"
    return name


def _order(chain: Chain, hook: str) -> tuple[int, int]:
    """Where a base chain runs in its hook: NAT chains at the hook's NAT priority."""
    if chain.type == "nat" and hook in NAT_PRIORITY:
        return NAT_PRIORITY[hook], chain.priority
    return chain.priority, 0


def _accepted(way: _Way) -> _Leaf:
    if not way.accepts:
        return _leaf("accept", None, None, way)
    _, rule, label = min(way.accepts, key=lambda a: a[0])
    return _leaf("accept", rule, label, way)


def _combine(leaves: list[_Leaf]) -> Verdict:
    """One verdict from every way through the ruleset; the first leaf is the way that took
    every condition as holding and the interface no rule names."""
    first = leaves[0]
    possible = frozenset(leaf.action for leaf in leaves)
    accepting = [leaf for leaf in leaves if leaf.action == "accept"]
    if possible == {"accept"} or not accepting:
        return Verdict(
            first.action,
            first.rule,
            first.chain,
            rewrites=first.rewrites,
            possible=possible,
            destination=first.destination,
        )
    blocking = next(leaf for leaf in leaves if leaf.action != "accept")
    conditions = tuple(dict.fromkeys(" and ".join(leaf.conditions) for leaf in accepting))
    by = blocking.rule or (f"policy of {blocking.chain}" if blocking.chain else "no base chain")
    word = "dropped" if blocking.action == "drop" else "rejected"
    return Verdict(
        "accept",
        accepting[0].rule,
        accepting[0].chain,
        conditions=conditions,
        otherwise=f"{word} by {by}",
        rewrites=accepting[0].rewrites,
        possible=possible,
        destination=accepting[0].destination,
    )


def load_ruleset(data: Mapping[str, Any] | str | bytes) -> Ruleset:
    """Load the JSON of ``nft -j list ruleset`` (a parsed object, its text or bytes)."""
    from portplan.verify.nftrules import compile_document

    return compile_document(data)

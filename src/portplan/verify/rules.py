"""A ruleset as the evaluator runs it: chains of rules, each a sequence of steps.

A rule's steps run in order, as in the kernel: a test that fails ends the rule; a statement
(``meta mark set``, ``notrack``, ``dnat``) changes the packet for everything after it, even
when a later test of the same rule fails. The rule's verdict runs when every step held. Both
readers (nft JSON, iptables-save) produce these.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final

from portplan.errors import UnsupportedError
from portplan.verify.matches import (
    UNKNOWN,
    Condition,
    Element,
    Field,
    Match,
    PacketState,
    Test,
    Unknown,
    in_element,
)


class Miss:
    """A map lookup found no element: the rule stops there (nft's NFT_BREAK)."""

    __slots__ = ()


MISS: Final = Miss()
# A value a statement computes from the packet: a number, UNKNOWN, or MISS.
Compute = Callable[[PacketState], "int | Unknown | Miss | None"]


def unknown(state: PacketState) -> Unknown:
    """A value the packet and the ruleset do not decide (a hash, the interface's address)."""
    return UNKNOWN


def constant(value: int) -> Compute:
    return lambda state: value


def read_mark(source: str) -> Compute:
    """The packet's mark (``meta``) or its connection's (``ct``; none before conntrack)."""

    def read(state: PacketState) -> int | Unknown | Miss:
        if source == "ct":
            return state.ct_mark if state.conntrack == "tracked" else MISS
        return state.mark

    return read


@dataclass(frozen=True)
class SetMark:
    """``meta mark set …`` / ``ct mark set …`` (iptables MARK, CONNMARK)."""

    target: str  # "meta" or "ct"
    value: Compute
    text: str

    def apply(self, state: PacketState, rule: Rule) -> PacketState | Miss:
        value = self.value(state)
        if isinstance(value, Miss) or value is None:
            return MISS
        if self.target == "ct":
            if state.conntrack != "tracked":
                return state  # no connection to mark
            return replace(state, ct_mark=value)
        return replace(state, mark=value)


@dataclass(frozen=True)
class Notrack:
    """``notrack`` (iptables ``-j CT --notrack``): before conntrack, the packet stays
    untracked — ``ct state`` then reads ``untracked`` and NAT never sees it."""

    text: str = "notrack"

    def apply(self, state: PacketState, rule: Rule) -> PacketState:
        if state.conntrack != "before":
            return state  # conntrack has already looked it up: notrack does nothing
        return replace(state, conntrack="untracked")


@dataclass(frozen=True)
class Nat:
    """A NAT statement: ``dnat``/``redirect`` rewrite the destination (prerouting, output),
    ``snat``/``masquerade`` the source (postrouting, input). None: that part unchanged."""

    kind: str  # dnat snat masquerade redirect
    address: Compute | None
    port: Compute | None
    text: str

    def apply(self, state: PacketState, rule: Rule) -> PacketState | Miss:
        address = self.address(state) if self.address is not None else None
        port = self.port(state) if self.port is not None else None
        if isinstance(address, Miss) or isinstance(port, Miss):
            return MISS
        if self.kind in ("dnat", "redirect"):
            changed = replace(state, nat=state.nat | {"dnat"})
            if address is not None:
                changed = replace(changed, daddr=address)
            if port is not None and state.dport is not None:
                changed = replace(changed, dport=port)
            return changed
        changed = replace(state, nat=state.nat | {"snat"})
        if self.kind == "masquerade":
            # The address of the interface the packet leaves by: not known here.
            changed = replace(changed, saddr=UNKNOWN)
        elif address is not None:
            changed = replace(changed, saddr=address)
        if port is not None and state.sport is not None:
            changed = replace(changed, sport=port)
        return changed


@dataclass(frozen=True)
class Rewrite:
    """A header field set to a value (``ip daddr set …``): only fields rules test matter."""

    attribute: str  # a PacketState attribute: saddr, daddr, dport, sport
    value: Compute
    text: str

    def apply(self, state: PacketState, rule: Rule) -> PacketState | Miss:
        value = self.value(state)
        if isinstance(value, Miss):
            return MISS
        if getattr(state, self.attribute) is None:
            return state  # e.g. a port set on an ICMP packet: nothing to set
        new: int | Unknown = UNKNOWN if value is None else value
        match self.attribute:
            case "saddr":
                return replace(state, saddr=new)
            case "daddr":
                return replace(state, daddr=new)
            case "dport":
                return replace(state, dport=new)
        return replace(state, sport=new)


Effect = SetMark | Notrack | Nat | Rewrite
Step = Test | Effect


@dataclass(frozen=True)
class Statement:
    """A verdict statement: accept/drop/reject/return/continue, or jump/goto a chain."""

    kind: str
    target: str | None = None


@dataclass(frozen=True)
class VerdictMap:
    """``… vmap { key : verdict }``: the key's value picks the verdict."""

    field_: tuple[Field, ...]
    entries: tuple[tuple[Element, Statement], ...]
    text: str = "vmap"

    @property
    def interfaces(self) -> frozenset[str]:
        return frozenset(f.interface for f in self.field_ if f.interface)

    def pick(self, state: PacketState) -> Statement | Condition | None:
        values: list[int | str] = []
        for f in self.field_:
            value = f.read(state)
            if isinstance(value, Unknown):
                return Condition(self.text, self.text)
            if value is None:
                return None
            values.append(value)
        for element, verdict in self.entries:
            if in_element(values, element):
                return verdict
        return None

    def targets(self) -> list[str]:
        return [v.target for _, v in self.entries if v.target]


@dataclass(frozen=True)
class Rule:
    """One rule: its steps in order and the verdict it ends with (None: none, go on)."""

    family: str
    table: str
    chain: str
    handle: int | None
    comment: str | None
    steps: tuple[Step, ...]
    verdict: Statement | VerdictMap | None
    raw: Mapping[str, Any] = field(compare=False, repr=False, default_factory=dict)

    @property
    def label(self) -> str:
        where = f"{self.family} {self.table} {self.chain} handle {self.handle}"
        return f'{where} "{self.comment}"' if self.comment else where

    @property
    def matches(self) -> tuple[Match, ...]:
        """The tests that compare packet fields (what the audit's interval analysis reads)."""
        return tuple(step for step in self.steps if isinstance(step, Match))

    @property
    def exact(self) -> bool:
        """Every test compares packet fields and no statement changes the packet first:
        the rule's matches alone say which packets it decides."""
        return all(isinstance(step, Match) for step in self.steps)

    @property
    def terminal(self) -> bool:
        """Whether the rule ends evaluation for the packets it matches (accept/drop/reject)."""
        return isinstance(self.verdict, Statement) and self.verdict.kind in (
            "accept",
            "drop",
            "reject",
        )

    def fail(self, message: str) -> UnsupportedError:
        return UnsupportedError(f"{self.label}: {message}")


@dataclass
class Chain:
    family: str
    table: str
    name: str
    hook: str | None
    priority: int
    policy: str
    type: str
    rules: list[Rule] = field(default_factory=list)
    devices: tuple[str, ...] | None = None  # ingress/egress chains; None: not known

    @property
    def label(self) -> str:
        return f"{self.family} {self.table} {self.name}"

    @property
    def device_bound(self) -> bool:
        return self.hook in ("ingress", "egress")

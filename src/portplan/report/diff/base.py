"""The change-request model and what both diffs share: the service algebra and matching
flows by id."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, TypeVar

from portplan.model.service import PortSet, Service, format_services, split_services

Status = Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class FlowChange:
    status: Status
    key: str  # product flow id, or the concrete flow id (product/flow/source->destination)
    source: str
    destination: str
    purpose: str
    before: tuple[str, ...] = ()  # services, compact strings
    after: tuple[str, ...] = ()
    ports_added: tuple[str, ...] = ()
    ports_removed: tuple[str, ...] = ()
    details: tuple[str, ...] = ()  # other changes: roles, feature, path, addresses


@dataclass(frozen=True)
class RuleChange:
    """A rule to add to or remove from one enforcement point."""

    action: Literal["add", "remove"]
    point: str
    platform: str
    direction: str  # host-egress | network | host-ingress
    source: str
    source_addresses: str
    destination: str
    destination_addresses: str
    services: tuple[str, ...]
    flows: tuple[str, ...]  # the flows that need (add) or needed (remove) it


@dataclass(frozen=True)
class Diff:
    kind: Literal["product", "deployment"]
    old: str  # name or id of each side
    new: str
    flows: tuple[FlowChange, ...]
    rules: tuple[RuleChange, ...] = ()
    notes: tuple[str, ...] = ()  # changes that are not flows: roles, features, variables
    old_file: str = ""  # where each side was read from, when it was a file
    new_file: str = ""

    @property
    def compared(self) -> str:
        old = f"{self.old} ({self.old_file})" if self.old_file else self.old
        new = f"{self.new} ({self.new_file})" if self.new_file else self.new
        return f"{self.kind} {old} → {new}"

    def count(self, status: Status) -> int:
        return sum(1 for f in self.flows if f.status == status)

    @property
    def points(self) -> list[str]:
        return list(dict.fromkeys(r.point for r in self.rules))


# --------------------------------------------------------------------------- service algebra


def service_delta(
    old: Iterable[Service], new: Iterable[Service]
) -> tuple[tuple[Service, ...], tuple[Service, ...]]:
    """(services in ``new`` not in ``old``, services in ``old`` not in ``new``), per port."""
    old_ports, old_icmp = split_services(old)
    new_ports, new_icmp = split_services(new)
    added_services = [
        Service(p, rest)
        for p, ports in new_ports.items()
        if (rest := ports.subtract(old_ports.get(p, PortSet())))
    ]
    removed_services = [
        Service(p, rest)
        for p, ports in old_ports.items()
        if (rest := ports.subtract(new_ports.get(p, PortSet())))
    ]
    added_services += [Service(p, icmp_type=t) for p, t in sorted(new_icmp - old_icmp, key=str)]
    removed_services += [Service(p, icmp_type=t) for p, t in sorted(old_icmp - new_icmp, key=str)]
    return tuple(added_services), tuple(removed_services)


def service_texts(services: Iterable[Service]) -> tuple[str, ...]:
    return tuple(format_services(services))


# --------------------------------------------------------------------------- flow matching

F = TypeVar("F")


def compare_flows(
    old: Mapping[str, F],
    new: Mapping[str, F],
    one_sided: Callable[[Status, str, F], FlowChange],
    changed: Callable[[F, F], FlowChange | None],
) -> list[FlowChange]:
    """Flows matched by id: the added ones, then the removed ones, then the changed ones."""
    changes = [one_sided("added", key, flow) for key, flow in new.items() if key not in old]
    changes += [one_sided("removed", key, flow) for key, flow in old.items() if key not in new]
    for key, flow in new.items():
        previous = old.get(key)
        if previous is not None and (change := changed(previous, flow)) is not None:
            changes.append(change)
    return changes


def one_sided_change(
    status: Status,
    key: str,
    source: str,
    destination: str,
    purpose: str,
    services: tuple[str, ...],
    details: tuple[str, ...],
) -> FlowChange:
    """A flow only one side has: every port of it is added (or removed)."""
    before, after = ((), services) if status == "added" else (services, ())
    return FlowChange(
        status, key, source, destination, purpose, before, after, after, before, details
    )


def membership_notes(sets: Iterable[tuple[str, set[str], set[str]]]) -> list[str]:
    """``<what> <name> added/removed`` for each (what, old names, new names)."""
    notes: list[str] = []
    for what, a, b in sets:
        notes += [f"{what} {name} added" for name in sorted(b - a)]
        notes += [f"{what} {name} removed" for name in sorted(a - b)]
    return notes

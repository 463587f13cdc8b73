"""Port conflicts on a host: what breaks at install time although every firewall rule is right.

Three kinds, each found per host from the roles it plays (a role *listens* on the destination
ports of every active flow that ends at it):

``same-port``
    two roles (of one product, two products, or two instances of one product) listen on the same
    protocol and port — only one process can bind it (a VPSX server that also hosts IIS on 443).
``ephemeral``
    a listening port lies inside the host OS's ephemeral range, so the OS may already have handed
    it to an outgoing connection when the service starts (Windows and RFC 6335: 49152–65535;
    Linux ``net.ipv4.ip_local_port_range``: 32768–60999; ``ephemeral_ports`` overrides).
``default-variable``
    one of the above, caused by a configurable port left at the product's default — the cheapest
    fix is to set that variable in the deployment.

Two instances of one product on one host share the ports of flows the vendor gives no instance
offset (LUCS and TM both answer on IIS's 443): those are one service, not a conflict.

Every conflict carries one suggested fix, in this order of preference: the vendor's own advice
(a flow note such as "Port 9443 is recommended"), the product's instance offset when two
instances share a host (LUCS and TM: +2000), setting the configurable variable, and otherwise the
nearest free port (not used on the host, outside its ephemeral range), or for a vendor-fixed port
inside the ephemeral range, reserving it in the OS.

Pure function over the deployment and the products; derived values are frozen dataclasses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from portplan.flows.resolve import active_features, is_active
from portplan.model.deployment import Deployment, Host, split_binding
from portplan.model.product import VARIABLE_REFERENCE, Flow, Product
from portplan.model.service import ICMP_PROTOCOLS, PortRange, PortSet

ConflictKind = Literal["same-port", "ephemeral", "default-variable"]
FixKind = Literal["vendor-advice", "instance-offset", "set-variable", "free-port", "reserve-ports"]


@dataclass(frozen=True)
class Listener:
    """A role on a host listening on ports because a product flow ends at it."""

    host: str
    binding: str  # "product:role" or "product@instance:role" as written on the host
    product: str  # product key: "luware-lucs" or "luware-lucs@tm"
    product_id: str
    instance: str | None
    role: str
    flow: str
    protocol: str
    ports: PortSet
    variables: tuple[str, ...] = ()  # port variables the ports come from
    defaulted: tuple[str, ...] = ()  # those of them the deployment leaves at the default
    offset: str | None = None  # the flow's offset variable
    advice: str | None = None  # a vendor sentence recommending another port
    kind_of: tuple[str, ...] = ()  # roles of the product this role says it is a kind of


@dataclass(frozen=True)
class Fix:
    kind: FixKind
    text: str
    product: str | None = None  # the product key whose setting changes
    variable: str | None = None
    value: str | None = None  # the suggested port(s) or offset


@dataclass(frozen=True)
class Conflict:
    host: str
    kind: ConflictKind
    protocol: str
    ports: PortSet  # the ports in conflict
    listeners: tuple[Listener, ...]  # every flow's listener involved (two roles or one)
    fix: Fix
    ephemeral: PortSet | None = None  # the host's ephemeral range, for ephemeral conflicts

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(listener.binding for listener in self.listeners))

    @property
    def summary(self) -> str:
        ports = f"{self.protocol}/{self.ports}"
        if self.ephemeral is None:
            return f"{' and '.join(self.roles)} both listen on {ports}"
        return (
            f"{self.roles[0]} listens on {ports}, inside the ephemeral range "
            f"{self.ephemeral} the OS hands to outgoing connections"
        )


# --------------------------------------------------------------------------- listeners


_RECOMMEND = re.compile(r"recommend|advis|prefer|should use|instead", re.IGNORECASE)


def vendor_advice(flow: Flow) -> str | None:
    """The sentence of the flow's note or purpose where the vendor recommends a port."""
    for text in (flow.note, flow.purpose, flow.evidence.text if flow.evidence else None):
        if not text:
            continue
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            if _RECOMMEND.search(sentence) and re.search(r"\b\d{2,5}\b", sentence):
                return sentence.strip()
    return None


def advised_ports(advice: str) -> list[int]:
    """Port numbers of the advice, those after the word "recommend" first ("... has port 443
    open; the vendor recommends 9443" advises 9443, not 443)."""
    keyword = _RECOMMEND.search(advice)
    cut = keyword.start() if keyword else 0
    numbers = re.findall(r"\b(\d{2,5})\b", advice[cut:]) + re.findall(
        r"\b(\d{2,5})\b", advice[:cut]
    )
    return [int(n) for n in numbers if 1 <= int(n) <= 65535]


def specialises(product: Product, role_id: str) -> tuple[str, ...]:
    """Roles that ``role_id`` describes itself as a kind of: PaperCut's super node is "A local
    edge node that ..." — one program playing both roles, so one listener, not two."""
    role = product.role(role_id)
    return tuple(
        other.id
        for other in product.roles
        if other.id != role_id
        and re.match(
            rf"(?:an?|the)\s+(?:[\w-]+\s+)?{re.escape(other.name)}\b",
            role.description.strip(),
            re.IGNORECASE,
        )
    )


def host_listeners(
    host: Host, deployment: Deployment, products: Mapping[str, Product]
) -> list[Listener]:
    uses = {use.key: use for use in deployment.products}
    listeners: list[Listener] = []
    for binding in host.roles:
        product_id, instance, role = split_binding(binding)
        key = f"{product_id}@{instance}" if instance else product_id
        use = uses.get(key)
        product = products.get(product_id)
        if use is None or product is None:
            continue  # reported by the deployment checks; nothing to listen on here
        values = product.variable_values(use.variables)
        features = active_features(use, product)
        kind_of = specialises(product, role)
        for flow in product.flows:
            # The same notion of "active" as the resolver, so both agree on what runs.
            if flow.to_role != role or not is_active(flow, use, features):
                continue
            services = product.flow_services(flow, values)
            if services is None:
                continue  # a variable without a value: the resolver reports it
            port_variables = tuple(
                dict.fromkeys(n for text in flow.services for n in VARIABLE_REFERENCE.findall(text))
            )
            for service in services:
                if service.protocol in ICMP_PROTOCOLS:
                    continue
                listeners.append(
                    Listener(
                        host=host.name,
                        binding=binding,
                        product=key,
                        product_id=product_id,
                        instance=instance,
                        role=role,
                        flow=flow.id,
                        protocol=service.protocol,
                        ports=service.ports,
                        variables=port_variables,
                        defaulted=tuple(v for v in port_variables if v not in use.variables),
                        offset=flow.offset,
                        advice=vendor_advice(flow),
                        kind_of=kind_of,
                    )
                )
    return listeners


# --------------------------------------------------------------------------- finding


@dataclass
class _HostState:
    """Ports in use on one host per protocol, growing as fixes reserve new ones."""

    host: Host
    used: dict[str, PortSet] = field(default_factory=dict)
    # Variables are set once per product use, so a value suggested on one host is offered
    # again on the others when it is free there too (shared across hosts).
    suggested: dict[tuple[str, str], PortSet] = field(default_factory=dict)

    def take(self, protocol: str, ports: PortSet) -> None:
        self.used[protocol] = self.used.get(protocol, PortSet()).union(ports)

    def is_free(self, protocol: str, ports: PortSet) -> bool:
        blocked = self.used.get(protocol, PortSet()).union(self.host.ephemeral_range())
        return not ports.intersect(blocked)

    def free_like(self, protocol: str, ports: PortSet) -> PortSet | None:
        """The nearest free block(s) of the same size as each range of ``ports``."""
        blocked = self.used.get(protocol, PortSet()).union(self.host.ephemeral_range())
        chosen: list[PortRange] = []
        for span in ports:
            found = _nearest_free(span, blocked)
            if found is None:
                return None
            chosen.append(found)
            blocked = blocked.union(PortSet.of([found]))
        return PortSet.of(chosen)


def _nearest_free(span: PortRange, blocked: PortSet) -> PortRange | None:
    size = span.high - span.low
    floor = 1024 if span.low >= 1024 else 1  # don't move an unprivileged port below 1024
    for distance in range(1, 65536):
        for low in (span.low + distance, span.low - distance):
            high = low + size
            if low < floor or high > 65535:
                continue
            candidate = PortSet.of([PortRange(low, high)])
            if not candidate.intersect(blocked):
                return PortRange(low, high)
    return None


def find_conflicts(deployment: Deployment, products: Mapping[str, Product]) -> tuple[Conflict, ...]:
    """Every port conflict on every host of ``deployment``, each with one suggested fix."""
    conflicts: list[Conflict] = []
    suggested: dict[tuple[str, str], PortSet] = {}
    for host in deployment.hosts:
        listeners = host_listeners(host, deployment, products)
        state = _HostState(host, suggested=suggested)
        for listener in listeners:
            state.take(listener.protocol, listener.ports)
        conflicts.extend(_shared_ports(host, listeners, deployment, products, state))
        conflicts.extend(_ephemeral(host, listeners, deployment, products, state))
    return tuple(conflicts)


def _shared_ports(
    host: Host,
    listeners: Sequence[Listener],
    deployment: Deployment,
    products: Mapping[str, Product],
    state: _HostState,
) -> list[Conflict]:
    # Group per pair of bindings and protocol, so two flows to the same port make one conflict.
    pairs: dict[tuple[str, str, str], list[tuple[Listener, Listener, PortSet]]] = {}
    for i, first in enumerate(listeners):
        for second in listeners[i + 1 :]:
            if first.binding == second.binding or first.protocol != second.protocol:
                continue
            if _shared_by_design(first, second):
                continue
            overlap = first.ports.intersect(second.ports)
            if overlap:
                pairs.setdefault((first.binding, second.binding, first.protocol), []).append(
                    (first, second, overlap)
                )
    out: list[Conflict] = []
    for (_, _, protocol), matches in pairs.items():
        overlap = PortSet()
        for _, _, ports in matches:
            overlap = overlap.union(ports)
        firsts = _unique(m[0] for m in matches)
        seconds = _unique(m[1] for m in matches)
        kind, fix = _fix_shared(firsts, seconds, protocol, overlap, deployment, products, state)
        out.append(Conflict(host.name, kind, protocol, overlap, (*firsts, *seconds), fix))
    return out


def _shared_by_design(first: Listener, second: Listener) -> bool:
    """Ports one product's roles share by design, so not a conflict. Neither flow moves with
    an instance offset, and either

    - two instances of the product play the same role: everything the vendor gives no offset
      is one service for both (IIS on 443 and SMB on 445 serve LUCS and TM alike; the Skype
      for Business pool both instances talk to is one pool), or
    - both ports come from the same port variable: one setting means one listener, or
    - one role is a kind of the other (:func:`specialises`): one program plays both.
    """
    if first.product_id != second.product_id or first.offset or second.offset:
        return False
    if first.product != second.product and first.role == second.role:
        return True
    if first.product == second.product and (
        first.role in second.kind_of or second.role in first.kind_of
    ):
        return True
    return bool(set(first.variables) & set(second.variables))


def _unique(listeners: Iterable[Listener]) -> list[Listener]:
    return list({(x.flow, x.protocol): x for x in listeners}.values())


def _ephemeral(
    host: Host,
    listeners: Sequence[Listener],
    deployment: Deployment,
    products: Mapping[str, Product],
    state: _HostState,
) -> list[Conflict]:
    ephemeral = host.ephemeral_range()
    grouped: dict[tuple[str, str], list[Listener]] = {}
    for i, listener in enumerate(listeners):
        if any(
            _shared_by_design(earlier, listener)
            and (earlier.protocol, earlier.ports) == (listener.protocol, listener.ports)
            for earlier in listeners[:i]
        ):
            continue  # one service for several roles: reported once, with the first
        if listener.ports.intersect(ephemeral):
            grouped.setdefault((listener.binding, listener.protocol), []).append(listener)
    out: list[Conflict] = []
    for (_, protocol), group in grouped.items():
        inside = PortSet()
        for listener in group:
            inside = inside.union(listener.ports.intersect(ephemeral))
        kind, fix = _fix_ephemeral(host, group, protocol, inside, state)
        out.append(Conflict(host.name, kind, protocol, inside, tuple(group), fix, ephemeral))
    return out


# --------------------------------------------------------------------------- fixes


def _fix_shared(
    firsts: Sequence[Listener],
    seconds: Sequence[Listener],
    protocol: str,
    overlap: PortSet,
    deployment: Deployment,
    products: Mapping[str, Product],
    state: _HostState,
) -> tuple[ConflictKind, Fix]:
    # 1. The vendor's own advice, on whichever side has it.
    for side, other in ((seconds, firsts), (firsts, seconds)):
        for listener in side:
            fix = _advice_fix(listener, protocol, overlap, other, state)
            if fix is not None:
                return "same-port", fix
    # 2. Two instances of one product: the product's instance offset.
    first, second = firsts[0], seconds[0]
    if first.product_id == second.product_id and first.product != second.product:
        mover = second if second.instance else first
        fix = _offset_fix(mover, products, deployment, state)
        if fix is not None:
            return "same-port", fix
    # 3. A configurable port: set its variable (left at the default: the cause of the conflict).
    for listener in (*seconds, *firsts):
        if listener.variables:
            kind: ConflictKind = "default-variable" if listener.defaulted else "same-port"
            return kind, _variable_fix(listener, protocol, state)
    # 4. The nearest free port for the role listed later on the host.
    return "same-port", _free_fix(second, protocol, overlap, state)


def _fix_ephemeral(
    host: Host, group: Sequence[Listener], protocol: str, inside: PortSet, state: _HostState
) -> tuple[ConflictKind, Fix]:
    blocked_by_os = host.ephemeral_range()
    for listener in group:
        if listener.advice:
            for port in advised_ports(listener.advice):
                if port not in blocked_by_os and port not in inside:
                    return "ephemeral", Fix(
                        "vendor-advice",
                        f"use {protocol}/{port} for {listener.binding} as the vendor recommends: "
                        f"“{listener.advice}”",
                        listener.product,
                        _single(listener.variables),
                        str(port),
                    )
    for listener in group:
        if listener.variables:
            kind: ConflictKind = "default-variable" if listener.defaulted else "ephemeral"
            commands = _reserve_commands(host, protocol, inside)
            also = f", or keep it and reserve it: {'; '.join(commands)}" if commands else ""
            return kind, _variable_fix(listener, protocol, state, also)
    listener = group[0]
    return "ephemeral", _reserve_fix(host, listener, protocol, inside, state)


def _single(names: Sequence[str]) -> str | None:
    return names[0] if len(names) == 1 else None


def _advice_fix(
    listener: Listener,
    protocol: str,
    overlap: PortSet,
    others: Sequence[Listener],
    state: _HostState,
) -> Fix | None:
    if not listener.advice or not listener.ports.intersect(overlap):
        return None
    taken = PortSet()
    for other in others:
        taken = taken.union(other.ports)
    for port in advised_ports(listener.advice):
        if port in overlap or port in taken or port in state.host.ephemeral_range():
            continue
        variable = _single(listener.variables)
        how = f" (set variables.{variable}: {port} for {listener.product})" if variable else ""
        state.take(protocol, PortSet.of([port]))
        return Fix(
            "vendor-advice",
            f"serve {listener.binding} on {protocol}/{port} instead of {protocol}/{overlap}"
            f"{how}, as the vendor recommends: “{listener.advice}”",
            listener.product,
            variable,
            str(port),
        )
    return None


_OFFSET_HINT = re.compile(r"\+\s*(\d{2,5})")


def _offset_fix(
    mover: Listener,
    products: Mapping[str, Product],
    deployment: Deployment,
    state: _HostState,
) -> Fix | None:
    product = products[mover.product_id]
    offsets = [v for v in product.variables if v.kind == "offset"]
    name = mover.offset or (offsets[0].id if len(offsets) == 1 else None)
    if name is None:
        return None
    variable = next(v for v in offsets if v.id == name)
    # The vendor's value: a non-zero default, or the "+2000" its description or notes quote.
    value: int | None = variable.default if isinstance(variable.default, int) else None
    if not value:
        texts = [variable.description, product.description]
        texts += [f.note or "" for f in product.flows if f.offset == name]
        hints = [int(m) for t in texts for m in _OFFSET_HINT.findall(t)]
        value = hints[0] if hints else None
    use = next(u for u in deployment.products if u.key == mover.product)
    current = use.variables.get(name)
    if value is None or (current is not None and int(current) == value):
        value = 1000 * (1 + int(current or 0) // 1000)  # next round step when the quoted one fails
    return Fix(
        "instance-offset",
        f"give the second instance its offset: set variables.{name}: {value} for "
        f"{mover.product} (all its ports move by +{value})",
        mover.product,
        name,
        str(value),
    )


def _variable_fix(listener: Listener, protocol: str, state: _HostState, also: str = "") -> Fix:
    """Set the variable the listener's ports come from to a free block of the same shape."""
    variable = listener.variables[0]
    target = state.suggested.get((listener.product, variable))
    if target is None or not state.is_free(protocol, target):
        target = state.free_like(protocol, listener.ports)
    if target is not None:
        state.suggested.setdefault((listener.product, variable), target)
    if target is None:
        return Fix(
            "set-variable",
            f"set variables.{variable} for {listener.product} to a port no other role on "
            f"{listener.host} uses (no free port was found){also}",
            listener.product,
            variable,
        )
    state.take(protocol, target)
    left = " (left at the product's default)" if variable in listener.defaulted else ""
    return Fix(
        "set-variable",
        f"set variables.{variable}: {target} for {listener.product}{left}; {protocol}/{target} "
        f"is free on {listener.host} and outside its ephemeral range{also}",
        listener.product,
        variable,
        str(target),
    )


def _free_fix(listener: Listener, protocol: str, ports: PortSet, state: _HostState) -> Fix:
    target = state.free_like(protocol, ports)
    if target is None:
        return Fix(
            "free-port",
            f"move {listener.binding} off {protocol}/{ports} or onto another host",
            listener.product,
        )
    state.take(protocol, target)
    return Fix(
        "free-port",
        f"move {listener.binding} ({listener.flow}) from {protocol}/{ports} to the nearest free "
        f"port {protocol}/{target}, or onto another host",
        listener.product,
        None,
        str(target),
    )


def _reserve_fix(
    host: Host, listener: Listener, protocol: str, inside: PortSet, state: _HostState
) -> Fix:
    """A port the vendor fixed: keep it and stop the OS from handing it out."""
    commands = _reserve_commands(host, protocol, inside)
    if commands:
        return Fix(
            "reserve-ports",
            f"reserve {protocol}/{inside} for {listener.binding} so the OS never hands it to an "
            f"outgoing connection: {'; '.join(commands)}",
            listener.product,
            None,
            str(inside),
        )
    return _free_fix(listener, protocol, inside, state)


def conflict_to_dict(conflict: Conflict) -> dict[str, object]:
    """The JSON shape of one conflict (``portplan conflicts --format json``)."""
    return {
        "host": conflict.host,
        "kind": conflict.kind,
        "protocol": conflict.protocol,
        "ports": str(conflict.ports),
        "summary": conflict.summary,
        "roles": list(conflict.roles),
        "flows": [f"{x.product}/{x.flow}" for x in conflict.listeners],
        "ephemeral_range": str(conflict.ephemeral) if conflict.ephemeral else None,
        "fix": {
            "kind": conflict.fix.kind,
            "text": conflict.fix.text,
            "product": conflict.fix.product,
            "variable": conflict.fix.variable,
            "value": conflict.fix.value,
        },
    }


def _reserve_commands(host: Host, protocol: str, inside: PortSet) -> list[str]:
    """The OS commands that keep ports out of the ephemeral range (excluded/reserved ports)."""
    if host.os == "windows":
        return [
            f"netsh int ipv4 add excludedportrange protocol={protocol} startport={r.low} "
            f"numberofports={r.size}"
            for r in inside
        ]
    if host.os == "linux":
        return [f"sysctl -w net.ipv4.ip_local_reserved_ports={inside}"]
    return []

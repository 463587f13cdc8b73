"""nftables: one ``nft -f`` file per network firewall, and per host of a host firewall.

Each file replaces one table, ``inet portplan`` (both IP versions in one table), and leaves
every other table alone. Chains drop by default and accept, in order:

1. packets of connections already allowed (``ct state established,related``), so only the
   first packet of a connection meets the policy; ``ct state invalid`` is dropped;
2. on hosts, loopback and the ICMPv6 messages IPv6 cannot work without (neighbour and router
   discovery, multicast listener discovery — RFC 4890 section 4.4.1, RFC 4861);
3. the flows, compressed (see :mod:`portplan.compile.boxes`): small groups become elements of a
   concatenated interval set ``saddr . daddr . l4proto . dport`` matched by one rule per IP
   version, large groups (many hosts with one requirement) one rule over named address sets;
   with many of those, a verdict map on (protocol, port) jumps to a chain holding only the
   rules of that service. The rule count thus grows with distinct services, not with hosts,
   and a new connection meets a set lookup and a few rules instead of a rule per flow
   (bench/compile.py: 200,000 flows, 82 % of a bare router's connection rate; a rule per flow
   gets 2 %).

Every set element and rule carries a comment naming the ``product/flow`` it serves.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from portplan.compile.base import Artifact
from portplan.compile.boxes import RuleBox, allow_boxes
from portplan.compile.chains import (
    FilterScope,
    filter_scopes,
    final_verdict_lines,
    lockout_warning,
)
from portplan.compile.text import NFT_COMMENT_BYTES, comment_text, labels_comment
from portplan.model.concrete import Network, Resolution
from portplan.model.deployment import Deployment
from portplan.model.service import ICMP_TYPES

TABLE = "portplan"
# A group this large (sources × destinations) gets its own rule over named address sets;
# smaller ones are elements of the chain's concatenated set. Rules cost time per packet,
# elements cost load time and memory: measured in bench/compile.py.
RULE_MIN_ELEMENTS = 16
# From this many such rules on, a verdict map on (protocol, port) sends each new connection
# straight to the few rules for its service, instead of down the whole list.
DISPATCH_MIN_RULES = 8

HOOKS = {"forward": "forward", "input": "input", "output": "output"}
# RFC 4890 4.4.1 (traffic that must not be dropped): without these a host loses its IPv6
# neighbours and routers (RFC 4861) and multicast listener discovery (RFC 3810).
ICMPV6_ESSENTIAL = (
    "nd-router-solicit",
    "nd-router-advert",
    "nd-neighbor-solicit",
    "nd-neighbor-advert",
    "mld-listener-query",
    "mld-listener-report",
    "mld-listener-done",
    "mld2-listener-report",
)
ADDRESS_TYPE = {4: "ipv4_addr", 6: "ipv6_addr"}
FTP_HELPER_NAME = "ftp"
FTP_HELPER = f'\tct helper {FTP_HELPER_NAME} {{\n\t\ttype "ftp" protocol tcp\n\t}}'
MATCH_FAMILY = {4: "ip", 6: "ip6"}


@dataclass
class _Table:
    """The text of one table being written, with what it contains for the summary."""

    helpers: list[str] = field(default_factory=list)
    sets: list[str] = field(default_factory=list)
    set_names: set[str] = field(default_factory=set)
    chains: list[str] = field(default_factory=list)
    rules: int = 0
    elements: int = 0


class NftablesCompiler:
    name = "nftables"
    host_os = "linux"  # a host firewall of this target runs on Linux
    final_verdicts = ("drop", "continue")  # a network ruleset may live beside another one
    description = (
        "nftables ruleset per network firewall (forward) and per host (input/output), "
        "inet table with concatenated interval sets; load with nft -f"
    )

    def __init__(
        self,
        rule_min_elements: int = RULE_MIN_ELEMENTS,
        dispatch_min_rules: int = DISPATCH_MIN_RULES,
    ) -> None:
        self.rule_min_elements = rule_min_elements
        self.dispatch_min_rules = dispatch_min_rules

    def compile(self, deployment: Deployment, resolution: Resolution) -> list[Artifact]:
        return [self.render(deployment, scope) for scope in filter_scopes(deployment, resolution)]

    def render(self, deployment: Deployment, scope: FilterScope) -> Artifact:
        table = _Table()
        final = "continue" if scope.host is None and scope.point.final == "continue" else "drop"
        for chain, flows in scope.chains:
            # FTP data connections need no rule: the helper on the control connection lets
            # them in as related (ct state established,related accept).
            boxes = allow_boxes([f for f in flows if f.application != "ftp-data"], self.name)
            helped = allow_boxes([f for f in flows if f.application == "ftp"], self.name)
            host = scope.host is not None
            _chain(table, chain, boxes, self, host=host, final=final, helped=helped)
        what = (
            f"host firewall '{scope.point.name}' on host '{scope.host}'"
            if scope.host
            else f"network firewall '{scope.point.name}'"
        )
        header = [
            "#!/usr/sbin/nft -f",
            f"# portplan: deployment {_header_text(deployment.name)}, {_header_text(what)}.",
            f"# {_count(scope.flow_count, 'concrete flow')}; {_count(table.rules, 'rule')}, "
            f"{_count(table.elements, 'set element')}.",
            f"# Load with: nft -f {scope.stem}.nft  (replaces table inet {TABLE} only)",
            *(f"# {line}" for line in _safety_lines(deployment, scope)),
            "",
            # Declaring then deleting the table makes the file replace it atomically whether or
            # not it exists yet (nft 1.0.6 has no 'destroy table').
            f"table inet {TABLE}",
            f"delete table inet {TABLE}",
            "",
            f"table inet {TABLE} {{",
        ]
        body = "\n\n".join(table.helpers + table.sets + table.chains)
        content = "\n".join(header) + "\n" + body + "\n}\n"
        chains = ", ".join(chain for chain, _ in scope.chains)
        return Artifact(
            path=f"{scope.stem}.nft",
            content=content,
            enforcement_point=scope.point.name,
            description=f"{chains}: {_count(table.rules, 'rule')}, "
            f"{_count(table.elements, 'set element')}",
            rules=table.rules,
        )


def _safety_lines(deployment: Deployment, scope: FilterScope) -> list[str]:
    """What loading this file does to traffic it does not list (docs/safety.md)."""
    if scope.host is None:
        return final_verdict_lines(scope.point)
    warning = lockout_warning(deployment)
    return [warning] if warning else []


def _chain(
    table: _Table,
    chain: str,
    boxes: list[RuleBox],
    options: NftablesCompiler,
    *,
    host: bool,
    final: str = "drop",
    helped: list[RuleBox] | None = None,
) -> None:
    rules = ['\t\tct state established,related accept comment "replies of allowed connections"']
    if final == "drop":
        rules.append("\t\tct state invalid drop")  # with continue, this table drops nothing
    rules += _helper_rules(table, chain, [b for b in helped or () if b.protocol == "tcp"])
    if host:
        interface = "iifname" if chain == "input" else "oifname"
        rules.append(f'\t\t{interface} "lo" accept comment "loopback"')
        essential = ", ".join(ICMPV6_ESSENTIAL)
        rules.append(
            f"\t\ticmpv6 type {{ {essential} }} accept "
            'comment "IPv6 neighbour and router discovery, MLD (RFC 4890 4.4.1)"'
        )
    grouped = [b for b in boxes if b.size < options.rule_min_elements]
    alone = [b for b in boxes if b.size >= options.rule_min_elements]
    for family in (4, 6):
        for icmp in (False, True):
            members = [b for b in grouped if b.family == family and b.is_icmp == icmp]
            if members:
                rules.append(_set_rule(table, chain, family, icmp, members))
    ported = [b for b in alone if not b.is_icmp]
    rules.extend(_box_rule(table, box) for box in alone if box.is_icmp)
    if len(ported) >= options.dispatch_min_rules:
        rules.append(_dispatch(table, chain, ported))
    else:
        rules.extend(_box_rule(table, box) for box in ported)
    table.rules += len(rules)
    # policy accept: the packet goes on to the next base chain on this hook (continue).
    policy = "drop" if final == "drop" else "accept"
    head = [
        f"\tchain {chain} {{",
        f"\t\ttype filter hook {HOOKS[chain]} priority filter; policy {policy};",
    ]
    table.chains.append("\n".join([*head, *rules, "\t}"]))


def _helper_rules(table: _Table, chain: str, boxes: list[RuleBox]) -> list[str]:
    """Attach the kernel's FTP helper (nf_conntrack_ftp) to the FTP control connections: it
    reads the PORT/PASV exchange and expects the data connection, which then passes as
    related. Assigned before the conntrack entry is confirmed, in this same chain."""
    if not boxes:
        return []
    if FTP_HELPER not in table.helpers:
        table.helpers.append(FTP_HELPER)
    rules = []
    for family in (4, 6):
        members = [b for b in boxes if b.family == family]
        if not members:
            continue
        ip, address = MATCH_FAMILY[family], ADDRESS_TYPE[family]
        name = f"{chain}_ftp{family}"
        elements = [
            f"\t\t\t{_net(source)} . {_net(destination)} . {_range(box.low, box.high)} "
            f'comment "{labels_comment(box.labels, NFT_COMMENT_BYTES)}"'
            for box in members
            for source in box.sources
            for destination in box.destinations
        ]
        table.elements += len(elements)
        table.sets.append(
            "\n".join(
                [
                    f"\tset {name} {{",
                    f"\t\ttype {address} . {address} . inet_service",
                    "\t\tflags interval",
                    "\t\telements = {",
                    ",\n".join(elements),
                    "\t\t}",
                    "\t}",
                ]
            )
        )
        rules.append(
            f'\t\t{ip} saddr . {ip} daddr . tcp dport @{name} ct helper set "{FTP_HELPER_NAME}" '
            'comment "FTP control: its data connections pass as related"'
        )
    return rules


def _dispatch(table: _Table, chain: str, boxes: list[RuleBox]) -> str:
    """A verdict map from (protocol, port range) to a chain holding the rules of the boxes that
    cover it. Map keys may not overlap, so the ports are cut where any box starts or ends."""
    targets: dict[tuple[int, ...], str] = {}
    elements: list[str] = []
    for protocol, low, high, covering in _port_pieces(boxes):
        name = targets.get(covering)
        if name is None:
            name = f"{chain}_{protocol}_{low}" + ("" if low == high else f"_{high}")
            targets[covering] = name
            rules = [_box_rule(table, boxes[i], with_service=False) for i in covering]
            table.rules += len(rules)
            table.chains.append("\n".join([f"\tchain {name} {{", *rules, "\t}"]))
        elements.append(f"\t\t\t{protocol} . {_range(low, high)} : jump {name}")
    table.elements += len(elements)
    table.sets.append(
        "\n".join(
            [
                f"\tmap {chain}_services {{",
                "\t\ttype inet_proto . inet_service : verdict",
                "\t\tflags interval",
                "\t\telements = {",
                ",\n".join(elements),
                "\t\t}",
                "\t}",
            ]
        )
    )
    return (
        f"\t\tmeta l4proto . th dport vmap @{chain}_services "
        'comment "each service to the chain of its rules"'
    )


def _port_pieces(boxes: list[RuleBox]) -> list[tuple[str, int, int, tuple[int, ...]]]:
    """Disjoint (protocol, low, high, indices of the boxes covering it), adjacent pieces with
    the same boxes joined; a sweep over the range ends."""
    pieces: list[tuple[str, int, int, tuple[int, ...]]] = []
    for protocol in dict.fromkeys(b.protocol for b in boxes):
        events: list[tuple[int, int, int]] = []  # (port, 0 = ends before / 1 = starts, box)
        for index, box in enumerate(boxes):
            if box.protocol == protocol:
                events += [(box.low, 1, index), (box.high + 1, 0, index)]
        events.sort()
        active: set[int] = set()
        position = 0
        while position < len(events):
            port = events[position][0]
            while position < len(events) and events[position][0] == port:
                _, starts, index = events[position]
                if starts:
                    active.add(index)
                else:
                    active.discard(index)
                position += 1
            if not active:
                continue
            covering = tuple(sorted(active))
            end = events[position][0] - 1  # the next boundary; one always follows a start
            last = pieces[-1] if pieces else None
            if last and last[0] == protocol and last[3] == covering and last[2] == port - 1:
                pieces[-1] = (protocol, last[1], end, covering)
            else:
                pieces.append((protocol, port, end, covering))
    return pieces


def _set_rule(table: _Table, chain: str, family: int, icmp: bool, boxes: list[RuleBox]) -> str:
    """One concatenated interval set holding ``boxes`` and the rule that looks packets up in it."""
    ip = MATCH_FAMILY[family]
    address = ADDRESS_TYPE[family]
    if icmp:
        kind = "icmp" if family == 4 else "icmpv6"
        name = f"{chain}_{kind}"
        key_type = f"{address} . {address} . {kind}_type"
        key = f"{ip} saddr . {ip} daddr . {kind} type"
        what = f"{kind} flows"
    else:
        name = f"{chain}{family}"
        key_type = f"{address} . {address} . inet_proto . inet_service"
        key = f"{ip} saddr . {ip} daddr . meta l4proto . th dport"
        what = f"IPv{family} tcp/udp/sctp flows"
    elements = []
    for box in boxes:
        comment = labels_comment(box.labels, NFT_COMMENT_BYTES)
        last = _icmp_type(box) if icmp else f"{box.protocol} . {_range(box.low, box.high)}"
        for source in box.sources:
            for destination in box.destinations:
                elements.append(
                    f'\t\t\t{_net(source)} . {_net(destination)} . {last} comment "{comment}"'
                )
    table.elements += len(elements)
    table.sets.append(
        "\n".join(
            [
                f"\tset {name} {{",
                f"\t\ttype {key_type}",
                "\t\tflags interval",
                "\t\telements = {",
                ",\n".join(elements),
                "\t\t}",
                "\t}",
            ]
        )
    )
    return f'\t\t{key} @{name} accept comment "{what}: {_count(len(elements), "element")}"'


def _box_rule(table: _Table, box: RuleBox, *, with_service: bool = True) -> str:
    """A rule of its own for a large group: named sets of its sources and destinations.

    The cheapest, most selective match goes first, as the kernel stops at the first that
    fails: the protocol and port (a compare), then a single address, then the set lookup.
    Behind a verdict map that already matched the port, the rule matches addresses only.
    """
    ip = MATCH_FAMILY[box.family]
    parts: list[str] = []
    if not with_service:
        pass
    elif not box.is_icmp:
        parts.append(f"{box.protocol} dport {_range(box.low, box.high)}")
    elif (box.low, box.high) == (0, 255):
        parts.append(f"meta l4proto {box.protocol}")
    else:
        parts.append(f"{box.protocol} type {_icmp_type(box)}")
    sides = [("saddr", box.sources), ("daddr", box.destinations)]
    sides.sort(key=lambda side: len(side[1]) > 1)
    parts += [f"{ip} {key} {_addresses(table, box.family, networks)}" for key, networks in sides]
    comment = labels_comment(box.labels, NFT_COMMENT_BYTES)
    return f'\t\t{" ".join(parts)} accept comment "{comment}"'


def _addresses(table: _Table, family: int, networks: tuple[Network, ...]) -> str:
    """A single network inline; several as a named interval set, shared by equal groups."""
    if len(networks) == 1:
        return _net(networks[0])
    listed = [_net(n) for n in networks]
    digest = hashlib.sha256("\n".join(listed).encode()).hexdigest()[:12]
    name = f"addr{family}_{digest}"
    if name not in table.set_names:
        table.set_names.add(name)
        table.elements += len(listed)
        rows = ",\n".join(f"\t\t\t{item}" for item in listed)
        table.sets.append(
            f"\tset {name} {{\n\t\ttype {ADDRESS_TYPE[family]}\n\t\tflags interval\n"
            f"\t\telements = {{\n{rows}\n\t\t}}\n\t}}"
        )
    return f"@{name}"


def _net(network: Network) -> str:
    full = network.prefixlen == network.max_prefixlen
    return str(network.network_address) if full else str(network)


def _range(low: int, high: int) -> str:
    return str(low) if low == high else f"{low}-{high}"


def _icmp_type(box: RuleBox) -> str:
    if box.low == box.high:
        names = {number: name for name, number in ICMP_TYPES[box.protocol].items()}
        return names.get(box.low, str(box.low))
    return _range(box.low, box.high)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _header_text(text: str) -> str:
    return comment_text(text, 400)

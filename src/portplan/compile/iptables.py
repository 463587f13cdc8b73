"""iptables: ``iptables-restore`` and ``ip6tables-restore`` files, and an ``ipset restore`` file.

Per network firewall ``<point>.rules.v4`` / ``.rules.v6`` filter ``FORWARD``; per host of a
host firewall ``<point>-<host>.rules.v4`` / ``.v6`` filter ``INPUT`` and ``OUTPUT``. A restore
file replaces the whole ``filter`` table, so every built-in chain gets a policy: the chains the
enforcement point owns drop by default, the others accept — exactly what the nftables target
leaves untouched (a router's own management traffic, a host's forwarding are not modelled).

The rules come from the same disjoint boxes as the nftables target
(:mod:`portplan.compile.boxes`). A group of several source or destination networks is one
``hash:net`` ipset (``<stem>.ipset``, restore it first with ``ipset restore -exist``), so hosts
sharing a requirement share one rule; ports of the same address pair share a ``multiport``
rule of at most 15 ports (a range counts twice, iptables-extensions(8)).

FTP control connections get the kernel's FTP helper (``-j CT --helper ftp``) in a ``raw``
table section, written only when there are FTP flows (it then replaces the raw table too);
their data connections pass as RELATED and get no rule of their own.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from portplan.compile.base import Artifact
from portplan.compile.boxes import RuleBox, allow_boxes
from portplan.compile.chains import FilterScope, filter_scopes, lockout_warning
from portplan.compile.text import IPTABLES_COMMENT_BYTES, comment_text, labels_comment
from portplan.model.concrete import Network, Resolution
from portplan.model.deployment import Deployment

MULTIPORT_SLOTS = 15
CHAIN_NAMES = {"forward": "FORWARD", "input": "INPUT", "output": "OUTPUT"}
# RFC 4890 4.4.1: router/neighbour discovery (RFC 4861) and MLD (RFC 3810) must pass a host.
ICMPV6_ESSENTIAL = (130, 131, 132, 133, 134, 135, 136, 143)
IPSET_FAMILY = {4: "inet", 6: "inet6"}
PROTOCOL_NAMES = {"icmp": "icmp", "icmpv6": "ipv6-icmp"}


@dataclass
class _Ipsets:
    """The hash:net sets one scope needs, named by their content so equal groups share one."""

    stem: str
    sets: dict[str, tuple[int, tuple[Network, ...]]] = field(default_factory=dict)

    def name(self, family: int, networks: tuple[Network, ...]) -> str:
        listed = "\n".join(str(n) for n in networks)
        digest = hashlib.sha256(listed.encode()).hexdigest()[:12]
        name = f"portplan{family}-{digest}"  # ipset names are at most 31 characters
        self.sets[name] = (family, networks)
        return name

    def restore_file(self, header: list[str]) -> str:
        lines = [*header]
        for name in sorted(self.sets):
            family, networks = self.sets[name]
            size = max(65536, len(networks))
            lines.append(
                f"create {name} hash:net family {IPSET_FAMILY[family]} maxelem {size} -exist"
            )
            lines.append(f"flush {name}")
            lines.extend(f"add {name} {network}" for network in networks)
        return "\n".join(lines) + "\n"


class IptablesCompiler:
    name = "iptables"
    host_os = "linux"  # a host firewall of this target runs on Linux
    description = (
        "iptables-restore and ip6tables-restore files per network firewall (FORWARD) and per "
        "host (INPUT/OUTPUT), with hash:net ipsets for groups of hosts"
    )

    def compile(self, deployment: Deployment, resolution: Resolution) -> list[Artifact]:
        artifacts: list[Artifact] = []
        for scope in filter_scopes(deployment, resolution):
            artifacts.extend(self.render(deployment, scope))
        return artifacts

    def render(self, deployment: Deployment, scope: FilterScope) -> list[Artifact]:
        ipsets = _Ipsets(scope.stem)
        # FTP data connections need no rule: the helper the raw table attaches to the control
        # connection lets them in as RELATED.
        boxes = {
            chain: allow_boxes([f for f in flows if f.application != "ftp-data"], self.name)
            for chain, flows in scope.chains
        }
        helped = {
            chain: allow_boxes([f for f in flows if f.application == "ftp"], self.name)
            for chain, flows in scope.chains
        }
        what = comment_text(
            f"host firewall '{scope.point.name}' on host '{scope.host}'"
            if scope.host
            else f"network firewall '{scope.point.name}'",
            400,
        )
        header = [
            f"# portplan: deployment {comment_text(deployment.name, 200)}, {what}.",
            f"# {scope.flow_count} concrete flows.",
        ]
        warning = lockout_warning(deployment) if scope.host is not None else None
        if warning:
            header.append(f"# {warning}")
        tables = {family: _filter_table(scope, boxes, family, ipsets) for family in (4, 6)}
        for family in (4, 6):
            raw, helpers = _raw_table(helped, family, ipsets)
            tables[family] = (tables[family][0] + raw, tables[family][1] + helpers)
        artifacts = []
        for family, suffix, tool in ((4, "v4", "iptables"), (6, "v6", "ip6tables")):
            lines, rules = tables[family]
            load = f"# Load with: {tool}-restore {scope.stem}.rules.{suffix}"
            if ipsets.sets:
                load += f"  (first: ipset restore -exist < {scope.stem}.ipset)"
            artifacts.append(
                Artifact(
                    path=f"{scope.stem}.rules.{suffix}",
                    content="\n".join([*header, load, *lines]) + "\n",
                    enforcement_point=scope.point.name,
                    description=f"{tool}-restore, filter table: {rules} rules",
                    rules=rules,
                )
            )
        if ipsets.sets:
            ipset_header = [*header, "# Load with: ipset restore -exist < " + scope.stem + ".ipset"]
            artifacts.append(
                Artifact(
                    path=f"{scope.stem}.ipset",
                    content=ipsets.restore_file(ipset_header),
                    enforcement_point=scope.point.name,
                    description=f"ipset restore: {len(ipsets.sets)} hash:net sets",
                )
            )
        return artifacts


def _filter_table(
    scope: FilterScope, boxes: dict[str, list[RuleBox]], family: int, ipsets: _Ipsets
) -> tuple[list[str], int]:
    owned = {CHAIN_NAMES[chain] for chain, _ in scope.chains}
    lines = ["*filter"]
    lines += [
        f":{chain} {'DROP' if chain in owned else 'ACCEPT'} [0:0]"
        for chain in ("INPUT", "FORWARD", "OUTPUT")
    ]
    rules: list[str] = []
    for chain, _ in scope.chains:
        name = CHAIN_NAMES[chain]
        rules += [
            f"-A {name} -m conntrack --ctstate ESTABLISHED,RELATED "
            '-m comment --comment "replies of allowed connections" -j ACCEPT',
            f"-A {name} -m conntrack --ctstate INVALID -j DROP",
        ]
        if scope.host is not None:
            interface = "-i lo" if chain == "input" else "-o lo"
            rules.append(f'-A {name} {interface} -m comment --comment "loopback" -j ACCEPT')
            if family == 6:
                rules += [
                    f"-A {name} -p ipv6-icmp --icmpv6-type {number} -m comment --comment "
                    '"IPv6 neighbour and router discovery, MLD (RFC 4890 4.4.1)" -j ACCEPT'
                    for number in ICMPV6_ESSENTIAL
                ]
        mine = [b for b in boxes[chain] if b.family == family]
        rules += [f"-A {name} {rule}" for rule in _flow_rules(mine, ipsets)]
    return [*lines, *rules, "COMMIT"], len(rules)


def _raw_table(
    helped: dict[str, list[RuleBox]], family: int, ipsets: _Ipsets
) -> tuple[list[str], int]:
    """A ``raw`` table attaching the FTP conntrack helper to the FTP control connections:
    PREROUTING for connections arriving or passing through, OUTPUT for the host's own (the
    CT target works only in raw). Written only when there are FTP flows — it then replaces
    the raw table too."""
    rules = []
    for chain, boxes in helped.items():
        hook = "OUTPUT" if chain == "output" else "PREROUTING"
        mine = [b for b in boxes if b.family == family and b.protocol == "tcp"]
        rules += [f"-A {hook} {rule}" for rule in _flow_rules(mine, ipsets, "-j CT --helper ftp")]
    if not rules:
        return [], 0
    return ["*raw", ":PREROUTING ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", *rules, "COMMIT"], len(
        rules
    )


def _flow_rules(boxes: list[RuleBox], ipsets: _Ipsets, verdict: str = "-j ACCEPT") -> list[str]:
    """Rule bodies (after ``-A CHAIN``) for boxes, ports of one address pair joined."""
    groups: dict[tuple[str, tuple[Network, ...], tuple[Network, ...]], list[RuleBox]] = defaultdict(
        list
    )
    for box in boxes:
        groups[(box.protocol, box.sources, box.destinations)].append(box)
    rules: list[str] = []
    for (protocol, sources, destinations), members in groups.items():
        family = members[0].family
        addresses = [
            _address_match("-s", "src", family, sources, ipsets),
            _address_match("-d", "dst", family, destinations, ipsets),
        ]
        prefix = " ".join(a for a in addresses if a)
        for match, labels in _service_matches(protocol, members):
            comment = labels_comment(labels, IPTABLES_COMMENT_BYTES)
            parts = [prefix, match, f'-m comment --comment "{comment}"', verdict]
            rules.append(" ".join(p for p in parts if p))
    return rules


def _address_match(
    flag: str, direction: str, family: int, networks: tuple[Network, ...], ipsets: _Ipsets
) -> str:
    if len(networks) == 1:
        network = networks[0]
        return "" if network.prefixlen == 0 else f"{flag} {network}"
    return f"-m set --match-set {ipsets.name(family, networks)} {direction}"


def _service_matches(protocol: str, boxes: list[RuleBox]) -> list[tuple[str, tuple[str, ...]]]:
    """(match text, labels) per rule: ICMP one type per rule; ports in multiport chunks."""
    if protocol in PROTOCOL_NAMES:
        option = "--icmp-type" if protocol == "icmp" else "--icmpv6-type"
        name = PROTOCOL_NAMES[protocol]
        out = []
        for box in boxes:
            if (box.low, box.high) == (0, 255):
                out.append((f"-p {name}", box.labels))
            else:
                out += [
                    (f"-p {name} {option} {t}", box.labels) for t in range(box.low, box.high + 1)
                ]
        return out
    chunks: list[list[RuleBox]] = [[]]
    used = 0
    for box in boxes:
        slots = 1 if box.low == box.high else 2
        if used + slots > MULTIPORT_SLOTS:
            chunks.append([])
            used = 0
        chunks[-1].append(box)
        used += slots
    out = []
    for chunk in chunks:
        ports = ",".join(str(b.low) if b.low == b.high else f"{b.low}:{b.high}" for b in chunk)
        labels = tuple(sorted({label for b in chunk for label in b.labels}))
        if len(chunk) == 1:
            out.append((f"-p {protocol} -m {protocol} --dport {ports}", labels))
        else:
            out.append((f"-p {protocol} -m multiport --dports {ports}", labels))
    return out

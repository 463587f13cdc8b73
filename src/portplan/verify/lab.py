"""The lab: a deployment built in network namespaces, compiled rules loaded, every flow tried.

Steps: plan the network (:mod:`portplan.verify.topology`); compile every enforcement point
with the nftables target (host firewalls of other platforms are stood in for by the same flows
in nftables, so the lab proves the plan, not a Windows firewall); create the namespaces and
veth links; address and route them; load the rulesets; start listeners on every destination;
probe every concrete flow from its real source (expect: passes) and a sample of flows nobody
asked for between the same endpoints — another port, another protocol, the reverse direction
(expect: blocked). Everything runs under one :class:`NetnsGroup`, so namespaces and processes
go away on return, on error and on Ctrl-C.
"""

from __future__ import annotations

import ipaddress
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from portplan.compile.registry import get_compiler
from portplan.errors import EnvironmentProblem, UnsupportedError
from portplan.flows.management import PRODUCT as MANAGEMENT
from portplan.flows.paths import NoRoute, SiteGraph, flow_path
from portplan.model.concrete import ConcreteFlow, Endpoint, Resolution
from portplan.model.deployment import Deployment
from portplan.model.service import Service
from portplan.verify.agent import format_spec, probe_command
from portplan.verify.netns import LAB_PREFIX, Namespace, NetnsGroup, require_kernel_access
from portplan.verify.targets import RANGE_SAMPLE, ProbeTarget, sample_ports
from portplan.verify.topology import Address, Node, Topology, plan_topology

Expect = Literal["pass", "blocked"]
Progress = Callable[[str], None]
NEGATIVES_PER_FLOW = 3
NEGATIVE_CAP = 400
PROBE_TIMEOUT = 1.0
SYSCTLS = (
    "net.ipv4.ip_forward=1",
    "net.ipv6.conf.all.forwarding=1",
    "net.ipv6.conf.all.accept_dad=0",
    "net.ipv6.conf.default.accept_dad=0",
    "net.ipv4.conf.all.rp_filter=0",
    "net.ipv4.conf.default.rp_filter=0",
    # Closed UDP ports must answer every probe with ICMP port unreachable, or a leak through a
    # firewall would look like silence (Linux rate-limits ICMP errors by default).
    "net.ipv4.icmp_ratelimit=0",
    "net.ipv4.icmp_msgs_per_sec=100000",
    "net.ipv4.icmp_msgs_burst=10000",
    "net.ipv6.icmp.ratelimit=0",
)


@dataclass(frozen=True)
class LabCase:
    flow: str  # the concrete flow id, or what a negative case varies
    source: str  # host or external name
    node: str  # the namespace node it runs from
    target: ProbeTarget
    expected: Expect
    kind: Literal["required", "optional", "negative"]


@dataclass(frozen=True)
class LabResult:
    case: LabCase
    observed: str  # probe state
    detail: str

    @property
    def ok(self) -> bool:
        if self.observed == "SKIPPED":
            return True
        if self.case.expected == "pass":
            return self.observed == "LISTENING"
        return self.observed == "FILTERED"


@dataclass
class LabReport:
    deployment: str
    results: list[LabResult] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    namespaces: int = 0

    @property
    def mismatches(self) -> list[LabResult]:
        return [r for r in self.results if not r.ok]


# --- what to try ------------------------------------------------------------------------------


def _lab_addresses(topology: Topology, endpoint: Endpoint) -> list[Address]:
    try:
        node = topology.owner_of(endpoint.name)
    except KeyError:
        return []
    if endpoint.kind == "host":
        return list(node.addresses)
    return list(node.owners.get(endpoint.name, []))


def _covers(service: Service, protocol: str, port: int | None) -> bool:
    if service.protocol != protocol:
        return False
    return port is None or port in service.ports


def _allowed(
    flows: Sequence[ConcreteFlow], source: Address, target: Address, protocol: str, port: int | None
) -> bool:
    """Whether any concrete flow lets ``source`` reach ``target`` on this service."""
    for flow in flows:
        if not any(source in net for net in flow.source.addresses if net.version == source.version):
            continue
        if not any(
            target in net for net in flow.destination.addresses if net.version == target.version
        ):
            continue
        if any(_covers(s, protocol, port) for s in flow.services):
            return True
    return False


def _probe_targets(
    flow_id: str,
    source: Address | None,
    targets: Iterable[Address],
    services: Iterable[Service],
    required: bool,
) -> list[ProbeTarget]:
    out: list[ProbeTarget] = []
    for address in targets:
        for service in services:
            source_text = str(source) if source is not None else None
            if service.protocol in ("icmp", "icmpv6"):
                if (service.protocol == "icmp") != (address.version == 4):
                    continue
                if service.icmp_type_number not in (None, 8, 128):
                    continue
                out.append(
                    ProbeTarget(
                        flow_id, str(address), service.protocol, None, None, required, source_text
                    )
                )
                continue
            ports, _ = sample_ports(service.ports, RANGE_SAMPLE)
            out.extend(
                ProbeTarget(
                    flow_id, str(address), service.protocol, port, None, required, source_text
                )
                for port in ports
            )
    return out


def plan_cases(
    deployment: Deployment, resolution: Resolution, topology: Topology
) -> tuple[list[LabCase], list[str]]:
    """Every concrete flow (expect pass) and a sample of unrequested ones (expect blocked)."""
    cases: list[LabCase] = []
    notices: list[str] = []
    flows = resolution.flows
    notices += untried_notices(flows)
    for flow in flows:
        if untried(flow) is not None:
            continue
        sources = _lab_addresses(topology, flow.source)
        targets = _lab_addresses(topology, flow.destination)
        if not sources or not targets:
            notices.append(f"{flow.id}: an endpoint has no address in the lab — not tried.")
            continue
        node = topology.owner_of(flow.source.name)
        for source in _one_per_family(sources):
            bind = source if flow.source.kind == "external" else None
            same_family = [t for t in targets if t.version == source.version]
            for target in _probe_targets(
                flow.id, bind, same_family, flow.services, not flow.optional
            ):
                cases.append(
                    LabCase(
                        flow.id,
                        flow.source.name,
                        node.name,
                        target,
                        "pass",
                        "optional" if flow.optional else "required",
                    )
                )
    negatives = _negatives(deployment, flows, topology)
    return cases + negatives, notices


UNTRIED = {
    "management": "management flow(s) are compiled but not tried: administrators and DNS, NTP "
    "and update servers live outside the lab",
    "ftp-data": "FTP data flow(s) are not tried on their own: they pass as related traffic of "
    "their control connection (tried), through the kernel's FTP helper",
    "discovery": "discovery flow(s) to a multicast group or broadcast are compiled but not "
    "tried: the lab probes unicast",
}


def untried(flow: ConcreteFlow) -> str | None:
    """Why the lab does not try ``flow`` (a key of :data:`UNTRIED`), or ``None``."""
    if flow.product == MANAGEMENT:
        return "management"
    if flow.application == "ftp-data":
        return "ftp-data"
    if flow.discovery is not None:
        return "discovery"
    return None


def untried_notices(flows: Sequence[ConcreteFlow]) -> list[str]:
    counts = Counter(reason for flow in flows if (reason := untried(flow)) is not None)
    return [f"{counts[reason]} {UNTRIED[reason]}." for reason in UNTRIED if counts[reason]]


def _one_per_family(addresses: Sequence[Address]) -> list[Address]:
    seen: dict[int, Address] = {}
    for address in addresses:
        seen.setdefault(address.version, address)
    return list(seen.values())


def _negatives(
    deployment: Deployment, flows: Sequence[ConcreteFlow], topology: Topology
) -> list[LabCase]:
    graph = SiteGraph.of(deployment)
    cases: list[LabCase] = []
    seen: set[tuple[str, str, str, int | None]] = set()
    for flow in flows:
        if len(cases) >= NEGATIVE_CAP:
            break
        if untried(flow) is not None:
            continue  # no plain rule carries it, so its variants say nothing about the rules
        sources = _lab_addresses(topology, flow.source)
        targets = _lab_addresses(topology, flow.destination)
        if not sources or not targets or not flow.path:
            continue  # no enforcement point between them: nothing would block anything
        made = 0
        for variant in _variants(flow):
            if made >= NEGATIVES_PER_FLOW:
                break
            reverse, protocol, port, label = variant
            src_end, dst_end = (
                (flow.destination, flow.source) if reverse else (flow.source, flow.destination)
            )
            src_addrs, dst_addrs = (targets, sources) if reverse else (sources, targets)
            if reverse:
                try:
                    if not flow_path(deployment, graph, src_end, dst_end):
                        continue
                except NoRoute:
                    continue
            node = topology.owner_of(src_end.name)
            added = False
            for source in _one_per_family(src_addrs):  # IPv4, and IPv6 where both ends have it
                target = next((t for t in dst_addrs if t.version == source.version), None)
                if target is None or _allowed(flows, source, target, protocol, port):
                    continue
                if protocol in ("icmp", "icmpv6") and (protocol == "icmp") != (source.version == 4):
                    continue
                key = (node.name, str(target), protocol, port)
                if key in seen:
                    continue
                seen.add(key)
                bind = str(source) if src_end.kind == "external" else None
                probe = ProbeTarget(
                    f"{flow.id} ({label})", str(target), protocol, port, None, True, bind
                )
                cases.append(
                    LabCase(probe.flow, src_end.name, node.name, probe, "blocked", "negative")
                )
                added = True
            made += added
    return cases


def _variants(flow: ConcreteFlow) -> list[tuple[bool, str, int | None, str]]:
    """(reverse?, protocol, port, label) candidates for flows nobody asked for."""
    out: list[tuple[bool, str, int | None, str]] = []
    ported = [s for s in flow.services if s.ports]
    for service in ported:
        first = service.ports.ranges[0].low
        last = service.ports.ranges[-1].high
        for port in (last + 1, first - 1, 7, 65001):
            if 1 <= port <= 65535 and port not in service.ports:
                out.append((False, service.protocol, port, f"other port {service.protocol}/{port}"))
                break
        other = "udp" if service.protocol == "tcp" else "tcp"
        out.append((False, other, first, f"other protocol {other}/{first}"))
        out.append((True, service.protocol, first, f"reverse {service.protocol}/{first}"))
    if not ported:
        for service in flow.services:
            out.append((True, service.protocol, None, f"reverse {service.protocol}"))
            out.append((False, "tcp", 7, "other protocol tcp/7"))
    # Interleave: one of each kind before a second of any.
    return sorted(out, key=lambda v: 0 if "other port" in v[3] else 1 if v[0] else 2)


# --- building ---------------------------------------------------------------------------------


@dataclass
class _Wiring:
    """Interface names and link addresses decided for each link."""

    interfaces: dict[tuple[str, str], str] = field(default_factory=dict)  # (node, peer) → ifname
    link_v4: dict[tuple[str, str], str] = field(default_factory=dict)  # (node, peer) → my addr
    commands: dict[str, list[str]] = field(default_factory=dict)  # node → ip -batch lines


def _wire(topology: Topology) -> _Wiring:
    wiring = _Wiring()
    counters: dict[str, int] = {}
    for index, (a, b) in enumerate(topology.links):
        for me, peer in ((a, b), (b, a)):
            if topology.nodes[me].kind == "host":
                name = "eth0"
            else:
                name = f"l{counters.get(me, 0)}"
                counters[me] = counters.get(me, 0) + 1
            wiring.interfaces[(me, peer)] = name
        # One /30 of 169.254.0.0/16 per link (never a deployment address): .1 on a, .2 on b.
        base = int(ipaddress.IPv4Address("169.254.0.0")) + index * 4
        wiring.link_v4[(a, b)] = str(ipaddress.IPv4Address(base + 1))
        wiring.link_v4[(b, a)] = str(ipaddress.IPv4Address(base + 2))
    if len(topology.links) * 4 >= 65536:
        raise UnsupportedError("the lab supports up to 16,383 links.")
    next_hops = topology.next_hops()
    neighbours = topology.neighbours()
    for name, node in topology.nodes.items():
        lines = _link_commands(topology, wiring, name, neighbours[name])
        if node.kind == "host":
            (peer,) = neighbours[name]
            lines += _host_commands(topology, wiring, name, peer)
        else:
            lines += _router_commands(topology, wiring, name, next_hops)
        wiring.commands[name] = lines
    return wiring


def _link_local6(topology: Topology, near: str, far: str) -> str:
    """The IPv6 link-local address of ``near`` on its link to ``far``: fe80::1 on the side
    the link was declared from, fe80::2 on the other."""
    return "fe80::1" if (near, far) in topology.links else "fe80::2"


def _link_commands(
    topology: Topology, wiring: _Wiring, name: str, peers: Iterable[str]
) -> list[str]:
    """Every link of ``name`` up; a router numbers its side of each link."""
    lines: list[str] = []
    for peer in peers:
        interface = wiring.interfaces[(name, peer)]
        lines.append(f"link set {interface} up")
        if topology.nodes[name].kind != "host":
            lines.append(f"address add {wiring.link_v4[(name, peer)]}/30 dev {interface}")
            lines.append(
                f"address add {_link_local6(topology, name, peer)}/64 dev {interface} nodad"
            )
    return lines


def _host_commands(topology: Topology, wiring: _Wiring, name: str, peer: str) -> list[str]:
    """A host's addresses on its one interface, and default routes through its one peer."""
    lines = []
    for address in topology.nodes[name].addresses:
        suffix = "/32" if address.version == 4 else "/128 nodad"
        lines.append(f"address add {address}{suffix} dev eth0")
    lines.append(f"route add default via {wiring.link_v4[(peer, name)]} dev eth0 onlink")
    lines.append(f"route add ::/0 via {_link_local6(topology, peer, name)} dev eth0")
    return lines


def _router_commands(
    topology: Topology,
    wiring: _Wiring,
    name: str,
    next_hops: Mapping[str, Mapping[str, str]],
) -> list[str]:
    """A router's own addresses on lo, and a route to every address it forwards to."""
    lines = []
    for address in topology.nodes[name].addresses:
        suffix = "/32" if address.version == 4 else "/128"
        lines.append(f"address add {address}{suffix} dev lo")
    for target, hops in next_hops.items():
        if target == name or name not in hops:
            continue
        via = hops[name]
        interface = wiring.interfaces[(name, via)]
        for address in topology.nodes[target].addresses:
            prefix = f"{address}/{address.max_prefixlen}"
            if topology.nodes[via].kind == "host":
                lines.append(f"route add {prefix} dev {interface}")
            elif address.version == 4:
                lines.append(
                    f"route add {prefix} via {wiring.link_v4[(via, name)]} dev {interface}"
                )
            else:
                peer6 = _link_local6(topology, via, name)
                lines.append(f"route add {prefix} via {peer6} dev {interface}")
    return lines


def compile_rulesets(
    deployment: Deployment, resolution: Resolution, target: str
) -> tuple[dict[str, str], dict[str, str]]:
    """nft text per network firewall, and per host with a host firewall."""
    if target != "nftables":
        raise UnsupportedError(
            f"the lab loads rules into the Linux kernel; target '{target}' cannot be loaded — "
            "use --target nftables."
        )
    networks: dict[str, str] = {}
    hosts: dict[str, str] = {}
    kinds = {p.name: p.kind for p in deployment.firewalls}
    for artifact in get_compiler(target).compile(deployment, resolution):
        point = artifact.enforcement_point
        if point is None or not artifact.path.endswith(".nft"):
            continue
        content = artifact.content
        text = content if isinstance(content, str) else content.decode()
        if kinds.get(point) == "network":
            networks[point] = text
        else:
            host = artifact.path[len(point) + 1 : -len(".nft")]
            hosts[host] = hosts.get(host, "") + text
    return networks, hosts


def build(
    group: NetnsGroup,
    topology: Topology,
    networks: dict[str, str],
    hosts: dict[str, str],
    *,
    keep_going: bool = False,
    notices: list[str] | None = None,
) -> dict[str, Namespace]:
    """Create, wire, address, route and load every namespace; returns node → namespace."""
    wiring = _wire(topology)
    nodes = list(topology.nodes.values())
    names = [n.name for n in nodes]
    namespaces = dict(
        zip(names, group.parallel(lambda n: group.add(n.name), nodes, 8), strict=True)
    )
    group.parallel(lambda ns: ns.run("sysctl", "-qw", *SYSCTLS), namespaces.values(), 8)
    links = [
        f"link add name {wiring.interfaces[(a, b)]} netns {namespaces[a].name} type veth "
        f"peer name {wiring.interfaces[(b, a)]} netns {namespaces[b].name}"
        for a, b in topology.links
    ]
    _batch(group, None, links)
    group.parallel(lambda n: _batch(group, namespaces[n], wiring.commands[n]), names, 8)

    def load(node: Node) -> str | None:
        text = hosts.get(node.host or "") if node.kind == "host" else networks.get(node.point or "")
        if not text:
            return None
        try:
            namespaces[node.name].load_nft(text)
        except EnvironmentProblem as exc:
            if not keep_going:
                raise
            return f"{node.point or node.host}: the ruleset did not load: {exc}"
        return None

    problems = [p for p in group.parallel(load, nodes, 8) if p]
    if notices is not None:
        notices.extend(problems)
    return namespaces


def _batch(group: NetnsGroup, namespace: Namespace | None, lines: Sequence[str]) -> None:
    if not lines:
        return
    argv = ["ip", "-batch", "-"]
    if namespace is None:
        # Each line makes a veth pair with its ends already in their namespaces: nothing is
        # ever left in the machine's own namespace, even if the lab stops half-way.
        result = group.run(argv, input="\n".join(lines) + "\n", check=False, timeout=120)
        if result.returncode != 0:
            raise EnvironmentProblem(f"building the lab's links failed: {result.stderr.strip()}")
        return
    namespace.run(*argv, input="\n".join(lines) + "\n", timeout=120)


# --- running ----------------------------------------------------------------------------------


def start_listeners(
    group: NetnsGroup,
    namespaces: dict[str, Namespace],
    cases: Sequence[LabCase],
    topology: Topology,
) -> list[str]:
    """A listener in every namespace that receives a flow; returns findings."""
    by_node: dict[str, dict[str, list[int]]] = {}
    address_node = {str(a): name for name, node in topology.nodes.items() for a in node.addresses}
    for case in cases:
        if case.expected != "pass" or case.target.port is None:
            continue
        node = address_node[case.target.address]
        by_node.setdefault(node, {}).setdefault(case.target.protocol, []).append(case.target.port)
    processes = []
    for node, ports in by_node.items():
        binds = ["0.0.0.0"]
        if any(a.version == 6 for a in topology.nodes[node].addresses):
            binds.append("::")
        pid_file = str(group.pid_file(node))  # found by `portplan lab --cleanup` if we die
        processes.append(
            namespaces[node].popen(
                sys.executable,
                "-m",
                "portplan.verify.agent",
                "listen",
                format_spec(ports),
                *binds,
                "--pid-file",
                pid_file,
            )
        )
    findings: list[str] = []
    for node, process in zip(by_node, processes, strict=True):
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            error = process.stderr.read().decode() if process.stderr else ""
            raise EnvironmentProblem(f"the listener in {node} did not start: {error.strip()}")
        for finding in json.loads(line)["findings"]:
            findings.append(
                f"{node}: {finding['protocol']}/{finding['port']}: {finding['problem']}"
            )
    return findings


def run_cases(
    group: NetnsGroup,
    namespaces: dict[str, Namespace],
    cases: Sequence[LabCase],
    timeout: float = PROBE_TIMEOUT,
    progress: Progress | None = None,
) -> list[LabResult]:
    by_node: dict[str, list[LabCase]] = {}
    for case in cases:
        by_node.setdefault(case.node, []).append(case)

    def run(node: str) -> list[LabResult]:
        batch = by_node[node]
        payload = json.dumps([vars(c.target) for c in batch])
        result = namespaces[node].run(
            *probe_command(timeout=timeout, retries=1, concurrency=512),
            input=payload,
            timeout=300,
        )
        answers = json.loads(result.stdout)
        results = [
            LabResult(case, answer["state"], answer["detail"])
            for case, answer in zip(batch, answers, strict=True)
        ]
        if progress is not None:
            bad = sum(not r.ok for r in results)
            progress(f"probed from {node}: {len(results)} probes, {bad} mismatches")
        return results

    # Source namespaces probe at once (up to 32 agents): they mostly wait on timeouts.
    batches = group.parallel(run, list(by_node), min(32, len(by_node)))
    results = [r for batch in batches for r in batch]
    order = {id(c): i for i, c in enumerate(cases)}
    return sorted(results, key=lambda r: order[id(r.case)])


def _final_drop(deployment: Deployment, notices: list[str]) -> Deployment:
    """Network firewalls set to ``final: continue`` are loaded with ``drop``: the lab has no
    existing ruleset for them to leave traffic to, and with drop it proves they accept every
    flow and nothing else."""
    beside = [p.name for p in deployment.firewalls if p.final == "continue"]
    if not beside:
        return deployment
    notices.append(
        f"{', '.join(beside)}: final: continue — the lab has no other ruleset beside them, so "
        "they are loaded with drop to prove what they accept."
    )
    points = [p.model_copy(update={"final": "drop"}) for p in deployment.firewalls]
    return deployment.model_copy(update={"firewalls": points})


def run_lab(
    deployment: Deployment,
    resolution: Resolution,
    *,
    target: str = "nftables",
    keep_going: bool = False,
    sabotage: Callable[[dict[str, str], dict[str, str]], None] | None = None,
    progress: Progress | None = None,
) -> LabReport:
    """Build, test and tear down the lab. ``sabotage`` may edit the compiled rulesets first
    (tests use it to prove the lab notices a missing rule); ``progress`` is told each step as
    one line of text (the web workbench streams them)."""
    say = progress or (lambda line: None)
    require_kernel_access()
    report = LabReport(deployment.name)
    started = time.monotonic()
    topology = plan_topology(deployment)
    report.notices.extend(topology.notices)
    deployment = _final_drop(deployment, report.notices)
    networks, hosts = compile_rulesets(deployment, resolution, target)
    if sabotage is not None:
        sabotage(networks, hosts)
    others = sorted({p.platform for p in deployment.firewalls if p.platform != target})
    if others:
        report.notices.append(
            f"enforcement points on {', '.join(others)} are stood in for by {target} rules "
            "compiled from the same flows."
        )
    cases, notices = plan_cases(deployment, resolution, topology)
    report.notices.extend(notices)
    say(f"compiled {len(networks) + len(hosts)} rulesets; {len(cases)} probes planned")
    with NetnsGroup(prefix=LAB_PREFIX) as group:
        say(f"building {len(topology.nodes)} namespaces")
        namespaces = build(
            group, topology, networks, hosts, keep_going=keep_going, notices=report.notices
        )
        report.namespaces = len(namespaces)
        report.notices.extend(start_listeners(group, namespaces, cases, topology))
        report.timings["build"] = time.monotonic() - started
        say(f"built in {report.timings['build']:.1f} s; probing")
        tested = time.monotonic()
        report.results = run_cases(group, namespaces, cases, progress=progress)
        report.timings["test"] = time.monotonic() - tested
        closing = time.monotonic()
        say("removing the namespaces")
    report.timings["teardown"] = time.monotonic() - closing
    report.timings["total"] = time.monotonic() - started
    return report

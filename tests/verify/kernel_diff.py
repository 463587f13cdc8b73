"""The evaluator against the kernel on real rulesets: the differential harness.

For one ruleset file: load it into a router namespace the way its owner would (``nft -f``,
``iptables-restore``, ``ip6tables-restore``), read it back the way ``portplan audit`` does
(``nft -j list ruleset``; the iptables-save file itself), then send sampled probes through it
from a client namespace — to the router itself (input) and to a server behind it (forward),
IPv4 and IPv6, TCP, UDP and ICMP echo — and compare what the kernel did with the verdicts.

Probes are sampled where rules change their answers: addresses and ports the ruleset names,
the values just beside them, and some it does not name. The router's interfaces take names
the ruleset uses, so interface rules are exercised too; devices it binds chains to are made as
dummies. A verdict's expected observation: accept → the probe connects (when the reply is
allowed back too), drop → silence, reject → an error or silence (the reject's own packet may
be dropped on its way); a conditional verdict allows what any of its ways allows.

Used by ``tests/verify/test_differential.py`` (a sample) and ``bench/audit.py`` (every file).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import random
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from portplan.errors import PortplanError
from portplan.verify.evaluate import Packet, Ruleset, Verdict
from portplan.verify.iptables import detect_family, parse_iptables_save
from portplan.verify.netns import Namespace, NetnsGroup
from portplan.verify.nftrules import compile_document
from portplan.verify.rulesets import add_devices, dump_ruleset, named_devices

PROBER = Path(__file__).with_name("kernel_probe.py")
INFRA = {4: ("10.254.1.", "10.254.2."), 6: ("fd54:1::", "fd54:2::")}
UNUSABLE = [
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "10.254.0.0/16",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "224.0.0.0/3",
        "::/127",
        "::ffff:0:0/96",
        "fd54::/16",
        "fe80::/10",
        "ff00::/8",
    )
]
PROTOCOLS = {4: ("tcp", "udp", "icmp"), 6: ("tcp", "udp", "icmpv6")}


@dataclass(frozen=True)
class Probe:
    id: int
    path: str  # input (to the router) or forward (through it)
    family: int
    proto: str
    saddr: str
    daddr: str
    dport: int | None
    sport: int | None


@dataclass
class Result:
    """One ruleset's run: ``status`` loaded / noload / error (the evaluator refused it,
    with its one-line message) and the probes that disagreed."""

    name: str
    status: str
    message: str = ""
    probes: int = 0
    disagreements: list[str] = field(default_factory=list)


def ruleset_kind(path: Path) -> str:
    if path.suffix == ".json":
        return "nft-json"
    head = path.read_bytes()[:4000].decode("utf-8", "replace")
    if any(
        line.startswith(("*filter", "*nat", "*mangle", "*raw", ":", "-A "))
        for line in head.splitlines()
    ):
        return "iptables"
    return "nft"


def load(router: Namespace, path: Path) -> tuple[str, str]:
    """Load the file into the router's kernel: ("", "") or ("noload", the kernel's words)."""
    data = path.read_bytes()
    kind = ruleset_kind(path)
    if kind == "iptables":
        text = data.decode("utf-8", "replace")
        try:
            family, _ = detect_family(text, path.name)
        except PortplanError as exc:
            return "noload", str(exc)
        command = "iptables-restore" if family == "ip" else "ip6tables-restore"
        result = router.run(command, input=text, check=False)
    else:
        args = ("nft", "-j", "-f", "-") if kind == "nft-json" else ("nft", "-f", "-")
        result = router.run(*args, input=data.decode("utf-8", "replace"), check=False)
    if result.returncode != 0:
        return "noload", (result.stderr.strip().splitlines() or ["failed"])[0][:160]
    return "", ""


def evaluator_view(router: Namespace, path: Path) -> Ruleset:
    """What ``portplan audit`` reads: the kernel's JSON, or the iptables-save file."""
    if ruleset_kind(path) == "iptables":
        return parse_iptables_save(path.read_bytes().decode("utf-8", "replace"), name=path.name)
    return compile_document(dump_ruleset(router))


# --- sampling ---------------------------------------------------------------------------------


def _usable(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return not any(address in network for network in UNUSABLE if network.version == address.version)


def interesting(ruleset: Ruleset) -> tuple[dict[int, list[str]], list[int]]:
    """Addresses (per IP version) and ports the rules name, with their neighbours."""
    addresses: dict[int, set[str]] = {4: set(), 6: set()}
    ports: set[int] = set()
    for rule in ruleset.rules():
        for match in rule.matches:
            for index, f in enumerate(match.fields):
                for element in match.elements[:64]:
                    part = element[index]
                    if isinstance(part, str):
                        continue
                    low, high = part
                    if f.kind in ("addr4", "addr6"):
                        version = 4 if f.kind == "addr4" else 6
                        make = ipaddress.IPv4Address if version == 4 else ipaddress.IPv6Address
                        top = 2**32 - 1 if version == 4 else 2**128 - 1
                        for value in (low - 1, low + 1, high - 1, high + 1, (low + high) // 2):
                            if 0 < value < top and _usable(make(value)):
                                addresses[version].add(str(make(value)))
                    elif f.kind == "port":
                        ports.update(v for v in (low, high, low - 1, high + 1) if 1 <= v <= 65535)
    return {v: sorted(a) for v, a in addresses.items()}, sorted(ports)


def interface_names(ruleset: Ruleset, rng: random.Random) -> tuple[str, str]:
    """Names for the router's client-side and server-side interfaces: ones the ruleset tells
    apart where it has them (a pattern like eth* becomes eth0)."""

    def concrete(names: tuple[str, ...]) -> list[str]:
        out = []
        for name in names:
            name = name[:-1] + "0" if name.endswith("*") else name
            if (
                name != "lo"
                and 0 < len(name) <= 15
                and name.replace("-", "").replace(".", "").replace("_", "").isalnum()
            ):
                out.append(name)
        return out

    iif = rng.choice([*concrete(ruleset.interface_names["iif"]), "ppin0"])
    outside = [n for n in [*concrete(ruleset.interface_names["oif"]), "ppout0"] if n != iif]
    return iif, rng.choice(outside)


def sample(ruleset: Ruleset, count: int, seed: int) -> list[Probe]:
    rng = random.Random(seed)
    named, ports = interesting(ruleset)
    families = sorted(
        {4 if c.family == "ip" else 6 for c in ruleset.chains.values() if c.family in ("ip", "ip6")}
        or {4, 6}
    )
    if any(c.family in ("inet", "netdev") for c in ruleset.chains.values()):
        families = [4, 6]
    roles: dict[str, str] = {}  # address -> client / router / server
    probes: list[Probe] = []
    attempts = 0
    while len(probes) < count and attempts < count * 20:
        attempts += 1
        version = rng.choice(families)
        path = rng.choice(("input", "forward"))
        proto = rng.choice(PROTOCOLS[version])
        saddr = _address(rng, named[version], version)
        daddr = _address(rng, named[version], version)
        where = "router" if path == "input" else "server"
        if (
            saddr == daddr
            or roles.get(saddr, "client") != "client"
            or roles.get(daddr, where) != where
        ):
            continue
        roles[saddr], roles[daddr] = "client", where
        ported = proto in ("tcp", "udp")
        dport = (
            (
                rng.choice(ports)
                if ports and rng.random() < 0.7
                else rng.choice((22, 80, 443, 53, 8080, 3306))
            )
            if ported
            else None
        )
        sport = 20000 + len(probes) if ported else None
        if ported and ports and rng.random() < 0.1:
            sport = rng.choice(ports)
        probes.append(Probe(len(probes) + 1, path, version, proto, saddr, daddr, dport, sport))
    # two probes must not share (source, source port): the kernel would reuse the connection
    seen: set[tuple[str, int | None, str]] = set()
    unique = []
    for probe in probes:
        key = (probe.saddr, probe.sport, probe.proto)
        if probe.sport is None or key not in seen:
            seen.add(key)
            unique.append(probe)
    return unique


def _address(rng: random.Random, named: list[str], version: int) -> str:
    if named and rng.random() < 0.7:
        return rng.choice(named)
    if version == 4:
        return str(
            ipaddress.IPv4Address(
                rng.choice((0xC6120000, 0x0A000000, 0xC0A80000, 0x64400000))
                + rng.randrange(1, 65000)
            )
        )
    return str(ipaddress.IPv6Address(0x20010DB8 << 96 | rng.randrange(1, 2**32)))


# --- expectations -----------------------------------------------------------------------------


def request(probe: Probe, iif: str, oif: str) -> Packet:
    family = "ip" if probe.family == 4 else "ip6"
    return Packet(
        probe.path,  # type: ignore[arg-type]
        family,
        probe.saddr,
        probe.daddr,
        probe.proto,
        probe.dport,
        sport=probe.sport,
        icmp_type=None,
        iifname=iif,
        oifname=oif if probe.path == "forward" else None,
    )


def reply(probe: Probe, iif: str, oif: str) -> Packet:
    family = "ip" if probe.family == 4 else "ip6"
    echo_reply = "echo-reply" if probe.proto in ("icmp", "icmpv6") else None
    hook = "output" if probe.path == "input" else "forward"
    return Packet(
        hook,  # type: ignore[arg-type]
        family,
        probe.daddr,
        probe.saddr,
        probe.proto,
        probe.sport,
        sport=probe.dport,
        icmp_type=echo_reply,
        ct_state="established",
        iifname=oif if hook == "forward" else None,
        oifname=iif,
    )


def expected(ruleset: Ruleset, probe: Probe, iif: str, oif: str) -> tuple[set[str], Verdict]:
    """The observations the evaluator allows for a probe."""
    verdict = ruleset.verdict(request(probe, iif, oif))
    allowed: set[str] = set()
    for action in verdict.possible or {verdict.action}:
        if action == "drop":
            allowed.add("drop")
        elif action == "reject":
            allowed |= {"reject", "drop"}
        elif verdict.rewrites:
            allowed |= {"accept", "drop"}  # the reply is un-NATed on its way: not modelled here
        else:
            back = ruleset.verdict(reply(probe, iif, oif))
            allowed |= (
                {"accept"}
                if back.allowed
                else {"drop"}
                if not back.conditional
                else {"accept", "drop"}
            )
    return allowed, verdict


# --- the run ----------------------------------------------------------------------------------


def run_file(path: Path, *, probes: int = 24, seed: int = 1) -> Result:
    """Load, evaluate and probe one ruleset file in namespaces of its own."""
    name = path.name
    rng = random.Random(f"{seed}:{name}")
    with NetnsGroup(prefix="ppd") as group:
        router = group.add("r")
        add_devices(router, named_devices(path.read_bytes().decode("utf-8", "replace")))
        status, message = load(router, path)
        if status:
            return Result(name, status, message)
        try:
            ruleset = evaluator_view(router, path)
            iif, oif = interface_names(ruleset, rng)
            plan = sample(ruleset, probes, rng.randrange(2**31))
            expectations = [expected(ruleset, p, iif, oif) for p in plan]
        except PortplanError as exc:
            return Result(name, "error", str(exc))
        send = _topology(group, router, iif, oif, plan, expectations, path)
        observed = send(plan)
        # A probe that disagrees is tried once more, as a new connection (another source
        # port or echo id): a busy machine can be slow to answer within the timeout.
        retries = [
            (probe, _again(probe, index))
            for index, (probe, (allowed, _)) in enumerate(zip(plan, expectations, strict=True))
            if observed.get(probe.id, "missing") not in allowed
        ]
        again = send([retry for _, retry in retries]) if retries else {}
        result = Result(name, "loaded", probes=len(plan))
        for _, retry in retries:
            allowed, verdict = expected(ruleset, retry, iif, oif)
            seen = again.get(retry.id, "missing")
            if seen not in allowed:
                result.disagreements.append(
                    f"{name}: {retry.path} {retry.proto} {retry.saddr}:{retry.sport} → "
                    f"{retry.daddr}:{retry.dport} on {iif}/{oif}: kernel {seen}, evaluator "
                    f"{verdict.describe()}"
                )
    return result


def _again(probe: Probe, index: int) -> Probe:
    sport = 50000 + index if probe.sport is not None else None
    return Probe(
        probe.id + 1000,
        probe.path,
        probe.family,
        probe.proto,
        probe.saddr,
        probe.daddr,
        probe.dport,
        sport,
    )


def _topology(
    group: NetnsGroup,
    router: Namespace,
    iif: str,
    oif: str,
    plan: list[Probe],
    expectations: list[tuple[set[str], Verdict]],
    path: Path,
) -> Callable[[list[Probe]], dict[int, str]]:
    """Build the client, router and server, start the listeners: a function sending probes."""
    client, server = group.add("c"), group.add("s")
    _rename_for(router, iif, oif)
    group.veth(client, "c0", router, iif)
    group.veth(router, oif, server, "s0")
    _reload(router, path)
    targets = {"input": set(), "forward": set()}
    for probe in plan:
        targets[probe.path].add(probe.daddr)
    for _, verdict in expectations:
        if verdict.destination and verdict.destination[0]:
            targets["forward"].add(verdict.destination[0])  # where dnat sends it
    _address_plan(client, router, server, iif, oif, plan, targets)
    ports = {p.dport for p in plan if p.dport} | {
        v.destination[1] for _, v in expectations if v.destination and v.destination[1]
    }
    listeners = [
        ns.popen(
            sys.executable, str(PROBER), "listen", ",".join(map(str, sorted(ports))), *addresses
        )
        for ns, addresses in (
            (router, sorted(targets["input"])),
            (server, sorted(targets["forward"])),
        )
    ]
    for listener in listeners:
        assert listener.stdout is not None and listener.stdout.readline().strip() == b"ready"

    def send(probes: list[Probe]) -> dict[int, str]:
        payload = [dataclasses.asdict(p) for p in probes]
        result = client.run(
            sys.executable, str(PROBER), "probe", input=json.dumps(payload), timeout=30
        )
        return {int(k): v for k, v in json.loads(result.stdout).items()}

    return send


def _rename_for(router: Namespace, *names: str) -> None:
    """Dummy devices made for the ruleset may carry the names the veths need: drop them."""
    for name in names:
        router.run("ip", "link", "del", name, check=False)


def _reload(router: Namespace, path: Path) -> None:
    """Load the ruleset again once the router's interfaces exist: ``iif``/``oif`` compare
    interface indexes, taken when the rules are loaded."""
    if ruleset_kind(path) != "iptables":
        router.run("nft", "flush", "ruleset")
    status, message = load(router, path)
    assert not status, message


def _address_plan(
    client: Namespace,
    router: Namespace,
    server: Namespace,
    iif: str,
    oif: str,
    plan: list[Probe],
    targets: dict[str, set[str]],
) -> None:
    commands: dict[str, list[str]] = {"c": [], "r": [], "s": []}
    for version, (inside, outside) in INFRA.items():
        extra = " nodad" if version == 6 else ""
        prefix = 24 if version == 4 else 64
        commands["c"] += [
            f"addr add {inside}2/{prefix} dev c0{extra}",
            f"route add default via {inside}1",
        ]
        commands["r"] += [
            f"addr add {inside}1/{prefix} dev {iif}{extra}",
            f"addr add {outside}1/{prefix} dev {oif}{extra}",
        ]
        commands["s"] += [
            f"addr add {outside}2/{prefix} dev s0{extra}",
            f"route add default via {outside}1",
        ]
    for probe in plan:
        extra = " nodad" if probe.family == 6 else ""
        host = 32 if probe.family == 4 else 128
        commands["c"].append(f"addr add {probe.saddr}/{host} dev c0{extra}")
        commands["r"].append(f"route add {probe.saddr}/{host} via {INFRA[probe.family][0]}2")
    for address in sorted(targets["input"]):
        host = 128 if ipaddress.ip_address(address).version == 6 else 32
        commands["r"].append(f"addr add {address}/{host} dev lo")
    for address in sorted(targets["forward"] - targets["input"]):
        version = ipaddress.ip_address(address).version
        host, extra = (128, " nodad") if version == 6 else (32, "")
        commands["s"].append(f"addr add {address}/{host} dev s0{extra}")
        commands["r"].append(f"route add {address}/{host} via {INFRA[version][1]}2")
    # Static neighbours: the ruleset under test may well drop ARP or neighbour discovery to
    # the router itself, which would break probes that have nothing to do with their verdict.
    macs = {
        "c": _mac(client, "c0"),
        "ri": _mac(router, iif),
        "ro": _mac(router, oif),
        "s": _mac(server, "s0"),
    }
    for inside, outside in INFRA.values():
        commands["c"].append(f"neigh replace {inside}1 lladdr {macs['ri']} dev c0 nud permanent")
        commands["r"].append(f"neigh replace {inside}2 lladdr {macs['c']} dev {iif} nud permanent")
        commands["r"].append(f"neigh replace {outside}2 lladdr {macs['s']} dev {oif} nud permanent")
        commands["s"].append(f"neigh replace {outside}1 lladdr {macs['ro']} dev s0 nud permanent")
    for key, namespace in (("c", client), ("r", router), ("s", server)):
        namespace.run(
            "ip", "-force", "-batch", "-", input="\n".join(commands[key]) + "\n", check=False
        )
    for namespace in (router, server):
        namespace.run(
            "sh",
            "-c",
            "sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 "
            "net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0",
            check=False,
        )


def _mac(namespace: Namespace, device: str) -> str:
    data = json.loads(namespace.run("ip", "-j", "link", "show", device).stdout)
    return str(data[0]["address"])


def files(directory: Path) -> Iterator[Path]:
    for path in sorted(directory.rglob("*")):
        if path.is_file() and not path.name.endswith((".txt", ".md")):
            yield path

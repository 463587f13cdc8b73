"""Compile at scale, and the data plane of the result.

    .venv/bin/python bench/compile.py [--hosts 5000] [--products 50] [--seconds 2] [--rounds 7]
                                      [--skip-dataplane] [--skip-aerleon] [--write FILE]

The input is a :class:`Resolution` built directly (not through a catalog and ``resolve_flows``,
whose cost is not what this measures): 5,000 hosts in 20 client zones of 245 hosts plus a
server zone, 20 % of them dual-stack; 50 products, each with two servers and 1,000 clients —
every other product takes whole zones as clients (as role assignments by zone do), the others
a random sample of hosts — and two flows per product (clients → servers on the product's
ports, servers → clients for call-backs), all through one network firewall ``core``:
2 × 2 × 1,000 × 50 = 200,000 concrete flows.

Measured:

* compile time and peak memory (RSS of this process: generation plus compile) for nftables;
* rule counts before compression (one rule per flow, service and address pair, what a linear
  compiler writes) and after (rules and set elements), and Aerleon's nftables output for the
  same policy (``aerleon:nftables``, rendered by Aerleon's own generator), both loaded;
* loading the ruleset into ``nft`` in a fresh network namespace;
* the data plane: client namespace → router namespace → server namespace, new TCP
  connections per second (connect, then close with RST so no TIME_WAIT piles up) through the
  router with no ruleset, with the compiled ruleset for 100,000 flows (the first 25 products),
  and with the linear one-rule-per-flow ruleset for the same flows. The measured connection
  belongs to the last product, so a linear ruleset walks almost every rule for it (its worst
  case, as it would be for the last flows in any linear ruleset).

Every namespace and process the bench starts is removed on exit; traffic stays between them.
It prints a table and exits 0: a measurement, not a test.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from portplan.compile.boxes import allow_boxes  # noqa: E402
from portplan.compile.nftables import NftablesCompiler  # noqa: E402
from portplan.model.concrete import ConcreteFlow, Endpoint, Hop, Resolution  # noqa: E402
from portplan.model.deployment import Deployment  # noqa: E402
from portplan.model.service import Service, parse_service  # noqa: E402
from portplan.verify.netns import Namespace, NetnsGroup, missing_requirements  # noqa: E402

T = TypeVar("T")
ZONES = 20
CLIENTS_PER_PRODUCT = 1000
SERVERS_PER_PRODUCT = 2
CORE = Hop("core", "network", "nftables")


@dataclass
class Generated:
    deployment: Deployment
    resolution: Resolution
    measured: tuple[str, str, int]  # client address, server address, port of the last product


def timed(function: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(hosts: int, products: int, seed: int = 1) -> Generated:
    rng = random.Random(seed)
    servers_total = products * SERVERS_PER_PRODUCT
    clients_total = hosts - servers_total
    per_zone = -(-clients_total // ZONES)
    endpoints: list[tuple[str, list[str], int]] = []  # name, addresses, zone
    for i in range(clients_total):
        zone, index = divmod(i, per_zone)
        addresses = [f"10.{zone}.{index // 250}.{index % 250 + 1}"]
        if rng.random() < 0.2:
            addresses.append(f"fd00:{zone}::{index + 1:x}")
        endpoints.append((f"h{i}", addresses, zone))
    for j in range(servers_total):
        owner, k = divmod(j, SERVERS_PER_PRODUCT)
        addresses = [f"10.200.{owner}.{k + 1}", f"fd00:200::{owner}:{k + 1}"]
        endpoints.append((f"srv{owner}-{k}", addresses, ZONES))
    zones = [
        {"name": f"z{z}", "site": "dc", "cidrs": [f"10.{z}.0.0/16", f"fd00:{z}::/64"]}
        for z in range(ZONES)
    ]
    zones.append({"name": "servers", "site": "dc", "cidrs": ["10.200.0.0/16", "fd00:200::/64"]})
    deployment = Deployment.model_validate(
        {
            "name": "bench",
            "sites": [{"name": "dc"}],
            "zones": zones,
            "hosts": [
                {"name": name, "zone": zones[zone]["name"], "addresses": addresses}
                for name, addresses, zone in endpoints
            ],
            "firewalls": [
                {"name": "core", "kind": "network", "platform": "nftables", "zones": ["servers"]}
            ],
            "products": [{"product": f"p{p}"} for p in range(products)],
        }
    )
    flows: list[ConcreteFlow] = []
    measured = ("", "", 0)
    for p in range(products):
        product = f"p{p}"

        def endpoint(index: int, role: str, product: str = product) -> Endpoint:
            name, addresses, zone = endpoints[index]
            return Endpoint(
                name,
                "host",
                f"{product}:{role}",
                tuple(ipaddress.ip_network(a) for a in addresses),
                zone=f"z{zone}",
            )

        servers = [endpoint(clients_total + p * SERVERS_PER_PRODUCT + k, "server") for k in (0, 1)]
        if p % 2 == 0:
            first = rng.randrange(ZONES - 5)
            pool = list(range(first * per_zone, min(clients_total, (first + 5) * per_zone)))
            members = pool[:CLIENTS_PER_PRODUCT]
        else:
            members = sorted(rng.sample(range(clients_total), CLIENTS_PER_PRODUCT))
        clients = [endpoint(i, "client") for i in members]
        port = 2000 + 7 * p
        inbound = (*parse_service(f"tcp/{port},{port + 1}"), *parse_service(f"udp/{port}"))
        if p % 5 == 0:
            inbound += parse_service(f"tcp/{40000 + 100 * p}-{40000 + 100 * p + 49}")
        callback: tuple[Service, ...] = parse_service(f"tcp/{30000 + p}")
        for client in clients:
            for server in servers:
                flows.append(_flow(product, "client-server", client, server, inbound))
                flows.append(_flow(product, "server-callback", server, client, callback))
        v4_client = next(c for c in clients if c.addresses[0].version == 4)
        measured = (
            str(v4_client.addresses[0].network_address),
            str(servers[0].addresses[0].network_address),
            port,
        )
    return Generated(deployment, Resolution("bench", tuple(flows)), measured)


def _flow(
    product: str,
    name: str,
    source: Endpoint,
    destination: Endpoint,
    services: tuple[Service, ...],
) -> ConcreteFlow:
    return ConcreteFlow(
        product=product,
        flow=name,
        source=source,
        destination=destination,
        services=services,
        purpose=name,
        path=(CORE,),
    )


def linear_ruleset(resolution: Resolution) -> tuple[str, int]:
    """One rule per flow, service and address pair: what a compiler without sets writes."""
    lines = [
        "table inet linear {",
        "\tchain forward {",
        "\t\ttype filter hook forward priority filter; policy drop;",
        "\t\tct state established,related accept",
        "\t\tct state invalid drop",
    ]
    count = 0
    for flow in resolution.flows:
        for service in flow.services:
            ports = ", ".join(
                str(r.low) if r.low == r.high else f"{r.low}-{r.high}" for r in service.ports
            )
            for source in flow.source.addresses:
                for destination in flow.destination.addresses:
                    if source.version != destination.version:
                        continue
                    ip = "ip" if source.version == 4 else "ip6"
                    lines.append(
                        f"\t\t{ip} saddr {source.network_address} "
                        f"{ip} daddr {destination.network_address} "
                        f"{service.protocol} dport {{ {ports} }} accept"
                    )
                    count += 1
    lines += ["\t}", "}"]
    return "\n".join(lines) + "\n", count


def subset(generated: Generated, products: int) -> Resolution:
    keep = {f"p{p}" for p in range(products)}
    flows = tuple(f for f in generated.resolution.flows if f.product in keep)
    return Resolution("bench", flows)


# --- aerleon -------------------------------------------------------------------------------


def aerleon_ruleset(generated: Generated, resolution: Resolution) -> tuple[str, float]:
    """Aerleon's nftables output for ``resolution`` (raises ImportError without it)."""
    from portplan.compile.aerleon import AerleonPlatformCompiler

    compiler = AerleonPlatformCompiler("nftables")
    artifacts, seconds = timed(lambda: compiler.compile(generated.deployment, resolution))
    return "\n".join(str(a.content) for a in artifacts), seconds


def statements(ruleset: str) -> int:
    """Rules in an nft file: the lines that end in a verdict."""
    verdicts = ("accept", "drop")
    return sum(
        1 for line in ruleset.splitlines() if line.strip().endswith(verdicts) or " jump " in line
    )


def aerleon_side(generated: Generated, budget: float) -> list[dict[str, Any]]:
    """Aerleon's nftables output for growing prefixes of the flows, within ``budget`` seconds;
    each is loaded into ``nft`` like ours."""
    rows: list[dict[str, Any]] = []
    spent = 0.0
    for products in (1, 5, 25, 50):
        resolution = subset(generated, products)
        if rows and spent * 3 > budget:
            rows.append({"flows": len(resolution.flows), "skipped": "over the time budget"})
            break
        try:
            text, seconds = aerleon_ruleset(generated, resolution)
        except ImportError as exc:
            return [{"error": f"portplan.compile.aerleon unavailable: {exc}"}]
        spent += seconds
        ours, our_seconds = timed(
            lambda r=resolution: NftablesCompiler().compile(generated.deployment, r)[0]  # type: ignore[misc]
        )
        row: dict[str, Any] = {
            "flows": len(resolution.flows),
            "seconds": seconds,
            "rules": statements(text),
            "bytes": len(text),
            "ours_seconds": our_seconds,
            "ours_rules": ours.rules,
            "ours_bytes": len(str(ours.content)),
        }
        if not missing_requirements(("ip", "nft")):
            with NetnsGroup(prefix="ppb") as group:
                row["load"] = load_timed(group.add("aerleon"), text)
                row["ours_load"] = load_timed(group.add("ours"), str(ours.content))
        rows.append(row)
    return rows


# --- data plane ----------------------------------------------------------------------------

SERVER = textwrap.dedent(
    """
    import socket, sys
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[1], int(sys.argv[2])))
    s.listen(4096)
    print("ready", flush=True)
    while True:
        c, _ = s.accept()
        c.close()
    """
)

CLIENT = textwrap.dedent(
    """
    import json, socket, struct, sys, time
    source, target, port, seconds, limit = sys.argv[1:6]
    linger = struct.pack("ii", 1, 0)  # close with RST: no TIME_WAIT, ports reusable at once
    done = failed = 0
    start = time.perf_counter()
    deadline = start + float(seconds)
    while done + failed < int(limit) and time.perf_counter() < deadline:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        s.settimeout(1.0)
        s.bind((source, 0))
        try:
            s.connect((target, int(port)))
            done += 1
        except OSError:
            failed += 1
        s.close()
    print(json.dumps({"done": done, "failed": failed, "seconds": time.perf_counter() - start}))
    """
)


# What any stateful firewall pays before its first rule: connection tracking.
CONNTRACK_ONLY = textwrap.dedent(
    """
    table inet conntrack {
        chain forward {
            type filter hook forward priority filter; policy accept;
            ct state established,related accept
            ct state invalid drop
        }
    }
    """
)


@dataclass
class Lab:
    client: Namespace
    router: Namespace
    server: Namespace
    source: str
    target: str
    port: int


def build_lab(group: NetnsGroup, source: str, target: str, port: int) -> Lab:
    client, router, server = group.add("bc"), group.add("br"), group.add("bs")
    group.veth(client, "eth0", router, "c0")
    group.veth(router, "s0", server, "eth0")
    client.run("ip", "addr", "add", "172.31.1.2/30", "dev", "eth0")
    client.run("ip", "addr", "add", f"{source}/32", "dev", "eth0")
    client.run("ip", "route", "add", "default", "via", "172.31.1.1", "src", source)
    router.run("ip", "addr", "add", "172.31.1.1/30", "dev", "c0")
    router.run("ip", "addr", "add", "172.31.2.1/30", "dev", "s0")
    router.run("ip", "route", "add", f"{source}/32", "via", "172.31.1.2")
    router.run("ip", "route", "add", f"{target}/32", "via", "172.31.2.2")
    router.run("sysctl", "-qw", "net.ipv4.ip_forward=1")
    server.run("ip", "addr", "add", "172.31.2.2/30", "dev", "eth0")
    server.run("ip", "addr", "add", f"{target}/32", "dev", "eth0")
    server.run("ip", "route", "add", "default", "via", "172.31.2.1", "src", target)
    # Client and listener run at a raised priority (nice -10): most of a connection's kernel
    # work, the router's forwarding included, runs in their context, so other load on the
    # machine disturbs the comparison less.
    listener = server.popen("nice", "-n", "-10", sys.executable, "-c", SERVER, target, str(port))
    assert listener.stdout is not None
    if listener.stdout.readline().strip() != b"ready":
        raise RuntimeError("the listener in the server namespace did not start")
    return Lab(client, router, server, source, target, port)


def connection_rate(lab: Lab, seconds: float) -> dict[str, float]:
    result = lab.client.run(
        "nice",
        "-n",
        "-10",
        sys.executable,
        "-c",
        CLIENT,
        lab.source,
        lab.target,
        str(lab.port),
        str(seconds),
        "10000000",
        timeout=seconds + 30,
    )
    data: dict[str, float] = json.loads(result.stdout)
    data["rate"] = data["done"] / data["seconds"]
    return data


def load_timed(namespace: Namespace, ruleset: str) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".nft") as handle:
        handle.write(ruleset)
        handle.flush()
        _, seconds = timed(lambda: namespace.run("nft", "-f", handle.name, timeout=600))
    return seconds


def dataplane(
    generated: Generated,
    compiled: str,
    linear: str,
    aerleon: str | None,
    seconds: float,
    rounds: int,
) -> dict[str, Any]:
    source, target, port = generated.measured
    out: dict[str, Any] = {}
    with NetnsGroup(prefix="ppb") as group:
        lab = build_lab(group, source, target, port)
        configurations = {
            "none": "",
            "conntrack": CONNTRACK_ONLY,
            "compiled": compiled,
            "linear": linear,
        }
        if aerleon:
            configurations["aerleon"] = aerleon
        rates: dict[str, list[float]] = {name: [] for name in configurations}
        loads: dict[str, float] = {}
        for round_number in range(rounds):
            for name, ruleset in configurations.items():
                if name == "linear" and round_number:
                    continue  # one round is plenty at 1-2 %, and it takes long to load
                lab.router.run("nft", "flush", "ruleset")
                if ruleset:
                    loads[name] = load_timed(lab.router, ruleset)
                # Rules with ct state pull conntrack in; the bare router must not pay for it.
                lab.router.run("conntrack", "-F", check=False)
                measured = connection_rate(lab, seconds)
                if measured["failed"]:
                    raise RuntimeError(f"{name}: {measured['failed']:.0f} connections failed")
                rates[name].append(measured["rate"])
        out["rates"] = {name: statistics.median(values) for name, values in rates.items()}
        out["all_rates"] = rates
        out["loads"] = loads
    return out


# --- main ----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=5000)
    parser.add_argument("--products", type=int, default=50)
    parser.add_argument("--router-products", type=int, default=25)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--aerleon-budget", type=float, default=120.0)
    parser.add_argument("--skip-dataplane", action="store_true")
    parser.add_argument("--skip-aerleon", action="store_true")
    parser.add_argument("--write", type=Path, help="write the results as Markdown to FILE")
    args = parser.parse_args()

    generated, generate_seconds = timed(lambda: generate(args.hosts, args.products))
    flows = generated.resolution.flows
    rss_before = peak_rss_mib()
    compiler = NftablesCompiler()
    cpu = time.process_time()
    artifacts, compile_seconds = timed(
        lambda: compiler.compile(generated.deployment, generated.resolution)
    )
    compile_cpu = time.process_time() - cpu
    rss_peak = peak_rss_mib()
    core = artifacts[0]
    ruleset = str(core.content)
    _, linear_count = linear_ruleset(generated.resolution)
    boxes = allow_boxes(flows, "nftables")
    results: dict[str, Any] = {
        "hosts": len(generated.deployment.hosts),
        "products": args.products,
        "flows": len(flows),
        "generate_seconds": generate_seconds,
        "compile_seconds": compile_seconds,
        "compile_cpu": compile_cpu,
        "load_average": os.getloadavg()[0],
        "rss_before_mib": rss_before,
        "rss_peak_mib": rss_peak,
        "linear_rules": linear_count,
        "rules": core.rules,
        "boxes": len(boxes),
        "elements": int(core.description.split(", ")[-1].split()[0]),
        "bytes": len(ruleset),
    }
    problems = missing_requirements(("ip", "nft", "conntrack"))
    if problems:
        results["kernel"] = f"skipped: needs {', '.join(problems)}"
    else:
        with NetnsGroup(prefix="ppb") as group:
            results["load_seconds"] = load_timed(group.add("load"), ruleset)
    if not args.skip_aerleon:
        results["aerleon"] = aerleon_side(generated, args.aerleon_budget)
    if not args.skip_dataplane and not problems:
        router_resolution = subset(generated, args.router_products)
        router_artifact = compiler.compile(generated.deployment, router_resolution)[0]
        compiled = str(router_artifact.content)
        results["router_rules"] = router_artifact.rules
        linear, linear_router_rules = linear_ruleset(router_resolution)
        results["router_flows"] = len(router_resolution.flows)
        results["router_linear_rules"] = linear_router_rules
        last = Generated(generated.deployment, router_resolution, measured_for(generated, args))
        aerleon: str | None = None
        if not args.skip_aerleon:
            try:
                aerleon, _ = aerleon_ruleset(generated, router_resolution)
                results["router_aerleon_rules"] = statements(aerleon)
            except ImportError:
                aerleon = None
        results["seconds"], results["rounds"] = args.seconds, args.rounds
        results["dataplane"] = dataplane(last, compiled, linear, aerleon, args.seconds, args.rounds)
    report = render(results)
    print(report)
    if args.write:
        args.write.write_text(report)
    return 0


def measured_for(generated: Generated, args: argparse.Namespace) -> tuple[str, str, int]:
    """The measured connection, from the last product inside the router's subset."""
    p = args.router_products - 1
    flow = next(
        f
        for f in reversed(generated.resolution.flows)
        if f.product == f"p{p}" and f.flow == "client-server" and f.source.addresses[0].version == 4
    )
    port = next(s.ports.ranges[0].low for s in flow.services if s.protocol == "tcp")
    return (
        str(flow.source.addresses[0].network_address),
        str(flow.destination.addresses[0].network_address),
        port,
    )


def render(r: dict[str, Any]) -> str:
    def row(what: str, value: str, goal: str = "", ok: bool | None = None) -> str:
        verdict = "" if ok is None else ("yes" if ok else "NO")
        return f"| {what} | {value} | {goal} | {verdict} |"

    lines = [
        "# Compile benchmark",
        "",
        f"Generated input: {r['hosts']:,} hosts, {r['products']} products, "
        f"{r['flows']:,} concrete flows (a `Resolution` built directly, see `bench/compile.py`). "
        f"Machine: {os.cpu_count()} CPUs, load average {r['load_average']:.1f} at the start.",
        "",
        "| Measure | Value | Goal | Met |",
        "|---|---|---|---|",
        row(
            "nftables compile time (wall; CPU)",
            f"{r['compile_seconds']:.2f} s; {r['compile_cpu']:.2f} s",
            "< 10 s",
            r["compile_seconds"] < 10,
        ),
        row(
            "peak memory (generation + compile, RSS)",
            f"{r['rss_peak_mib']:.0f} MiB (before compile {r['rss_before_mib']:.0f} MiB)",
            "< 1 GiB",
            r["rss_peak_mib"] < 1024,
        ),
    ]
    if "load_seconds" in r:
        lines.append(
            row("`nft -f` load time", f"{r['load_seconds']:.2f} s", "< 5 s", r["load_seconds"] < 5)
        )
    lines += [
        row("rules before compression (flow × service × address pair)", f"{r['linear_rules']:,}"),
        row(
            "after: rules / set elements",
            f"{r['rules']:,} rules, {r['elements']:,} set elements ({r['boxes']:,} boxes)",
        ),
        row("ruleset size", f"{r['bytes'] / 1e6:.1f} MB"),
    ]
    if "dataplane" in r:
        rates = r["dataplane"]["rates"]
        base = rates["none"]
        lines += [
            "",
            f"Data plane: client ns → router ns → server ns, {r['router_flows']:,} flows in the "
            "router's ruleset; new TCP connections per second, one connection at a time "
            f"(connect, close with RST), {r['seconds']:g} s per round, the configurations taking "
            f"turns for {r['rounds']} rounds (the linear ruleset one round): median and range. "
            "The connection belongs to the last product in the ruleset.",
            "",
            "| Router ruleset | Rules | Load time | Connections/s (range) | Of no firewall "
            "| Goal |",
            "|---|---|---|---|---|---|",
        ]
        spread = r["dataplane"]["all_rates"]
        loads = r["dataplane"]["loads"]
        for name, label, rules, goal in (
            ("none", "no ruleset", "0", ""),
            ("conntrack", "conntrack only, accept all", "2", ""),
            ("compiled", "portplan nftables", str(r["router_rules"]), "≥ 60 %"),
            ("linear", "one rule per flow", f"{r['router_linear_rules']:,}", ""),
            ("aerleon", "Aerleon's nftables output", f"{r.get('router_aerleon_rules', 0):,}", ""),
        ):
            if name not in rates:
                continue
            load = f"{loads[name]:.2f} s" if name in loads else "-"
            low, high = min(spread[name]), max(spread[name])
            lines.append(
                f"| {label} | {rules} | {load} | {rates[name]:,.0f} ({low:,.0f}–{high:,.0f}) | "
                f"{100 * rates[name] / base:.0f} % | {goal} |"
            )
    if "aerleon" in r:
        lines += [
            "",
            "Side by side with Aerleon's nftables generator (`aerleon:nftables`) on the first "
            "products' flows:",
            "",
            "| Flows | | Compile | Rules | Size | `nft -f` load |",
            "|---|---|---|---|---|---|",
        ]
        for a in r["aerleon"]:
            if "error" in a:
                lines.append(f"| {a['error']} | | | | | |")
                continue
            if "skipped" in a:
                lines.append(f"| {a['flows']:,} | {a['skipped']} | | | | |")
                continue
            for who, prefix in (("Aerleon", ""), ("portplan", "ours_")):
                load = a.get(f"{prefix}load")
                lines.append(
                    f"| {a['flows']:,} | {who} | {a[prefix + 'seconds']:.2f} s | "
                    f"{a[prefix + 'rules']:,} | {a[prefix + 'bytes'] / 1e6:.2f} MB | "
                    f"{'-' if load is None else f'{load:.2f} s'} |"
                )
    lines += ["", *NOTES.strip().splitlines()]
    return "\n".join(lines) + "\n"


NOTES = """
## Reading the numbers

- *Rules before compression* is what a linear compiler writes: one rule per flow, service and
  address pair. *After* counts every nftables rule portplan writes (the two `ct state` rules and
  the rules in per-service chains included) and every element of its sets and maps.
- Only the first packet of a connection meets the flow rules (`ct state established,related
  accept` takes the rest), so a ruleset's cost shows in new connections per second. The gap
  between *no ruleset* and *conntrack only* is connection tracking, which every stateful
  firewall pays; portplan's ruleset adds one verdict-map lookup on (protocol, port) and the few
  rules of that service. The linear ruleset walks almost all of its rules for the measured
  connection; Aerleon's output (one chain per term, entered in order) walks its terms.
- The machine is shared: rates move between rounds (the range column), so the configurations
  take turns and the median is reported. Compile time is given as wall and CPU time.
- Re-run: `.venv/bin/python bench/compile.py --write docs/compile-bench.md` (as root, for the
  namespaces; `--skip-dataplane` and `--skip-aerleon` shorten it).
"""


if __name__ == "__main__":
    sys.exit(main())

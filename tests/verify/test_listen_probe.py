"""listen and probe across two namespaces, as a network team would run them on two hosts.

The app server's namespace runs ``portplan listen``; the monitoring and client namespaces run
``portplan probe``. An nft ruleset on the app server then drops one port (FILTERED), and a
client probing with no listener running sees NOT LISTENING.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from xml.etree import ElementTree

from portplan.model.concrete import Resolution
from portplan.model.deployment import Deployment
from portplan.model.service import PortSet
from portplan.verify.netns import Namespace, NetnsGroup
from portplan.verify.targets import listen_ports, probe_targets, sample_ports

PORTPLAN = (sys.executable, "-m", "portplan")


def lan(netns: NetnsGroup) -> dict[str, Namespace]:
    """app1, mon1 and ws1 on one bridge-less link set: app1 is wired to both others."""
    app, mon, ws = netns.add("app"), netns.add("mon"), netns.add("ws")
    netns.veth(app, "m0", mon, "a0")
    netns.veth(app, "w0", ws, "a0")
    app.run("ip", "addr", "add", "10.10.2.5/32", "dev", "m0")
    app.run("ip", "addr", "add", "10.10.2.5/32", "dev", "w0")
    app.run("ip", "route", "add", "10.10.3.7/32", "dev", "m0")
    app.run("ip", "route", "add", "10.10.1.11/32", "dev", "w0")
    mon.run("ip", "addr", "add", "10.10.3.7/32", "dev", "a0")
    mon.run("ip", "route", "add", "10.10.2.5/32", "dev", "a0")
    ws.run("ip", "addr", "add", "10.10.1.11/32", "dev", "a0")
    ws.run("ip", "route", "add", "10.10.2.5/32", "dev", "a0")
    return {"app": app, "mon": mon, "ws": ws}


def portplan(shop: tuple[Path, Path], command: str, host: str, *extra: str) -> list[str]:
    """The command line a network team would type on ``host`` for the shop deployment."""
    deployment, catalog = shop
    return [*PORTPLAN, "--catalog", str(catalog), command, str(deployment), "--host", host, *extra]


def start_listen(app: Namespace, shop: tuple[Path, Path]) -> None:
    proc = app.popen(*portplan(shop, "listen", "app1", "--duration", "60"))
    assert proc.stdout is not None
    lines = [proc.stdout.readline().decode() for _ in range(3)]
    assert lines[0].startswith("listening: tcp/443,8443"), lines
    assert lines[1].startswith("listening: udp/161"), lines


def run_probe(ns: Namespace, shop: tuple[Path, Path], host: str, *extra: str) -> tuple[int, str]:
    result = ns.run(*portplan(shop, "probe", host, "--timeout", "0.5", *extra), check=False)
    return result.returncode, result.stdout + result.stderr


def probe_states(out: str) -> dict[tuple[str, int | None], str]:
    return {(r["protocol"], r["port"]): r["state"] for r in json.loads(out)}


def test_listen_then_probe_across_namespaces(netns: NetnsGroup, shop: tuple[Path, Path]) -> None:
    hosts = lan(netns)
    # Closed: nothing listens yet, so the client's probes are refused.
    code, out = run_probe(hosts["ws"], shop, "ws1")
    assert code == 1 and out.count("NOT LISTENING") == 2, out
    code, out = run_probe(hosts["ws"], shop, "ws1", "--accept-closed")
    assert code == 0, out

    start_listen(hosts["app"], shop)
    code, out = run_probe(hosts["ws"], shop, "ws1", "--format", "json")
    assert code == 0, out
    assert probe_states(out) == {("tcp", 443): "LISTENING", ("tcp", 8443): "LISTENING"}
    code, out = run_probe(hosts["mon"], shop, "mon1", "--format", "json")
    assert probe_states(out) == {("udp", 161): "LISTENING", ("icmp", None): "LISTENING"}, out
    assert code == 0

    # A firewall on the app server drops SNMP: the UDP probe goes unanswered.
    hosts["app"].load_nft(
        "table inet t { chain input { type filter hook input priority 0; udp dport 161 drop; }; }"
    )
    code, out = run_probe(hosts["mon"], shop, "mon1", "--format", "junit", "--retries", "0")
    assert code == 1
    xml = out[: out.index("</testsuites>") + len("</testsuites>")]
    suite = ElementTree.fromstring(xml).find("testsuite")
    assert suite is not None and suite.get("tests") == "2" and suite.get("failures") == "1"
    failure = suite.find("testcase/failure")
    assert failure is not None and "FILTERED" in str(failure.get("message"))
    assert "1 probe(s) of 1 required flow(s) failed: shop/snmp/mon1->app1" in out


def test_port_in_use_is_a_finding(netns: NetnsGroup, shop: tuple[Path, Path]) -> None:
    app = netns.add("app")
    app.run("ip", "addr", "add", "10.10.2.5/32", "dev", "lo")
    holder = app.popen(
        sys.executable,
        "-c",
        "import socket,time\ns=socket.create_server(('0.0.0.0',8443))\nprint('held',flush=True)\n"
        "time.sleep(60)",
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
    proc = app.popen(*portplan(shop, "listen", "app1", "--duration", "1"))
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    text = out.decode()
    assert "listening: tcp/443\n" in text
    assert "tcp/8443 on 0.0.0.0  in use by another program" in text


def test_large_ranges_are_sampled_alike_on_both_sides(
    shop_plan: tuple[Deployment, Resolution],
) -> None:
    ports, sampled = sample_ports(PortSet.parse("49152-57500"), 32)
    assert sampled and len(ports) == 32 and ports[0] == 49152 and ports[-1] == 57500
    assert sample_ports(PortSet.parse("161-162"), 32) == ([161, 162], False)
    _, resolution = shop_plan
    listening, _ = listen_ports(resolution, "app1")
    targets, _ = probe_targets(resolution, "ws1")
    assert {(t.protocol, t.port) for t in targets} <= {(p.protocol, p.port) for p in listening}


SERVICES = """
import socket, select
socks = {}
for port in (53, 123, 161):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    socks[s.fileno()] = (port, s)
print("ready", flush=True)
while True:
    ready, _, _ = select.select([s for _, s in socks.values()], [], [])
    for s in ready:
        port = s.getsockname()[1]
        data, peer = s.recvfrom(2048)
        # Each answers only its own protocol, never portplan's challenge.
        if port == 123 and len(data) == 48 and data[0] == 0x1B:
            s.sendto(b"\\x1c" + bytes(47), peer)
        elif port == 161 and data[:1] == b"\\x30" and b"public" in data:
            s.sendto(b"\\x30\\x03\\x02\\x01\\x01", peer)
        elif port == 53 and len(data) >= 12 and data[2] == 0x01:
            s.sendto(data[:2] + b"\\x81\\x80" + data[4:], peer)
"""


def test_real_udp_services_answer_protocol_probes(netns: NetnsGroup) -> None:
    """SNMP, NTP and DNS servers ignore the challenge but answer their own requests."""
    host = netns.add("svc")
    server = host.popen(sys.executable, "-c", SERVICES)
    assert server.stdout is not None and server.stdout.readline().strip() == b"ready"
    targets = [
        {"flow": "x", "address": "127.0.0.1", "protocol": "udp", "port": port}
        for port in (53, 123, 161, 162)
    ]
    result = host.run(
        sys.executable,
        "-m",
        "portplan.verify.agent",
        "probe",
        "--timeout",
        "0.5",
        input=json.dumps(targets),
    )
    states = {r["target"]["port"]: (r["state"], r["detail"]) for r in json.loads(result.stdout)}
    for port in (53, 123, 161):
        assert states[port][0] == "LISTENING" and "a service answered" in states[port][1]
    assert states[162] == ("NOT LISTENING", "ICMP port unreachable")

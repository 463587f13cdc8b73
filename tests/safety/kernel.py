"""Small real networks for the safety tests: namespaces, a listener, probes (all via the
agent portplan itself starts in the lab)."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

from portplan.verify.agent import probe_command
from portplan.verify.netns import Namespace, NetnsGroup


def address(namespace: Namespace, interface: str, *cidrs: str) -> None:
    for cidr in cidrs:
        namespace.run("ip", "address", "add", cidr, "dev", interface)


def router(
    group: NetnsGroup, left: tuple[str, str], right: tuple[str, str]
) -> dict[str, Namespace]:
    """client — router — server: ``left``/``right`` are (client address, network) pairs, the
    router owning the first address of each network."""
    client, middle, server = group.add("cli"), group.add("rtr"), group.add("srv")
    group.veth(client, "eth0", middle, "l0")
    group.veth(middle, "l1", server, "eth0")
    middle.run("sysctl", "-qw", "net.ipv4.ip_forward=1")
    for host, interface, (host_address, network), router_if in (
        (client, "eth0", left, "l0"),
        (server, "eth0", right, "l1"),
    ):
        gateway = network.replace("0/24", "1")
        address(middle, router_if, f"{gateway}/24")
        address(host, interface, f"{host_address}/24")
        host.run("ip", "route", "add", "default", "via", gateway)
    return {"client": client, "router": middle, "server": server}


def listen(namespace: Namespace, spec: str) -> None:
    """Listeners on ``spec`` (``tcp=22,443``) in ``namespace``, ready when this returns."""
    process = namespace.popen(
        sys.executable, "-m", "portplan.verify.agent", "listen", spec, "0.0.0.0"
    )
    assert process.stdout is not None
    assert process.stdout.readline(), "the listener did not start"


def probe(
    namespace: Namespace, target: str, ports: Sequence[int], source: str | None = None
) -> dict[int, str]:
    """TCP probes from ``namespace``: port → LISTENING, NOT LISTENING or FILTERED."""
    targets = [
        {"flow": f"p{port}", "address": target, "protocol": "tcp", "port": port, "source": source}
        for port in ports
    ]
    result = namespace.run(
        *probe_command(timeout=1.0, retries=1, concurrency=16), input=json.dumps(targets)
    )
    return {item["target"]["port"]: item["state"] for item in json.loads(result.stdout)}

"""Differential: portplan's own nftables output and Aerleon's nftables rendering of the same
resolution are loaded into the kernel (one network namespace each), listed back as JSON, and
must give the same verdict for every packet of a grid of sources, destinations, protocols and
ports — around every allowed port range and beyond it, for IPv4 and IPv6, through the network
firewall (forward) and on each host firewall (input and output)."""

from __future__ import annotations

import ipaddress
import json
import subprocess
from collections.abc import Iterator

from portplan.compile.registry import get_compiler
from portplan.model.concrete import Resolution
from portplan.verify.evaluate import Packet, Ruleset, load_ruleset
from portplan.verify.netns import NetnsGroup
from tests.compile.nonnative_sample import sample
from tests.conftest import require_kernel

OUTSIDERS = ("10.0.9.9", "2001:db8:9::9", "192.0.2.77", "198.51.100.1")


def kernel_ruleset(netns: NetnsGroup, label: str, text: str) -> Ruleset:
    namespace = netns.add(label)
    namespace.load_nft(text)
    listed = namespace.run("nft", "-j", "list", "ruleset").stdout
    return load_ruleset(json.loads(listed))


def addresses(resolution: Resolution) -> list[str]:
    """Every endpoint address (a network's first and last host), plus outsiders."""
    found: set[str] = set(OUTSIDERS)
    for flow in resolution.flows:
        for endpoint in (flow.source, flow.destination):
            for network in endpoint.addresses:
                found.add(str(network.network_address))
                found.add(str(network[-1]))
    return sorted(found, key=lambda a: (ipaddress.ip_address(a).version, a))


def ports(resolution: Resolution) -> list[int]:
    found = {22, 80, 443, 1024, 65535}
    for flow in resolution.flows:
        for service in flow.services:
            for r in service.ports:
                found |= {max(1, r.low - 1), r.low, r.high, min(65535, r.high + 1)}
    return sorted(found)


def grid(resolution: Resolution, hook: str) -> Iterator[Packet]:
    hosts = addresses(resolution)
    for saddr in hosts:
        for daddr in hosts:
            version = ipaddress.ip_address(saddr).version
            if saddr == daddr or version != ipaddress.ip_address(daddr).version:
                continue
            family = "ip" if version == 4 else "ip6"
            for protocol in ("tcp", "udp"):
                for port in ports(resolution):
                    yield Packet(hook, family, saddr, daddr, protocol, dport=port, sport=40000)
            icmp = "icmp" if version == 4 else "icmpv6"
            yield Packet(hook, family, saddr, daddr, icmp, icmp_type="echo-request")


def compare(native: Ruleset, aerleon: Ruleset, packets: Iterator[Packet]) -> tuple[int, int]:
    """(packets tried, packets allowed); fails on the first disagreement."""
    tried = allowed = 0
    for packet in packets:
        ours, theirs = native.verdict(packet), aerleon.verdict(packet)
        assert ours.allowed == theirs.allowed, (packet, ours, theirs)
        tried += 1
        allowed += ours.allowed
    return tried, allowed


def test_native_and_aerleon_nftables_allow_the_same_packets(netns: NetnsGroup) -> None:
    # Plain ICMP: Aerleon's nftables generator cannot render ICMP types (a known refusal that
    # the aerleon tests check is reported by flow).
    deployment, resolution = sample(icmp_types=False)
    native = {
        a.path: str(a.content) for a in get_compiler("nftables").compile(deployment, resolution)
    }
    theirs = {
        a.path: str(a.content)
        for a in get_compiler("aerleon:nftables").compile(deployment, resolution)
    }
    cases = [
        ("core.nft", "nftables/core.nft", "forward"),
        ("hostfw-srv1.nft", "nftables/hostfw-srv1.nft", "input"),
        ("hostfw-srv1.nft", "nftables/hostfw-srv1.nft", "output"),
        ("hostfw-ws1.nft", "nftables/hostfw-ws1.nft", "input"),
        ("hostfw-ws1.nft", "nftables/hostfw-ws1.nft", "output"),
    ]
    total = allowed_total = 0
    loaded: dict[str, Ruleset] = {}
    for native_path, aerleon_path, hook in cases:
        if native_path not in loaded:
            loaded[native_path] = kernel_ruleset(netns, "native", native[native_path])
            loaded[aerleon_path] = kernel_ruleset(netns, "aerleon", theirs[aerleon_path])
        tried, allowed = compare(loaded[native_path], loaded[aerleon_path], grid(resolution, hook))
        total += tried
        allowed_total += allowed
    # The grid must exercise both verdicts, or agreement would prove nothing.
    assert total > 5000
    assert 50 < allowed_total < total / 10

    # And the comparison catches a difference: Aerleon's forward rules without partner-api.
    tampered = "\n".join(
        line for line in theirs["nftables/core.nft"].splitlines() if "dport 443" not in line
    )
    broken = kernel_ruleset(netns, "tampered", tampered)
    try:
        compare(loaded["core.nft"], broken, grid(resolution, "forward"))
    except AssertionError as error:
        assert "192.0.2" in str(error) and "443" in str(error)
    else:
        raise AssertionError("a ruleset missing the partner-api rules compared equal")


def translated_ruleset(netns: NetnsGroup, label: str, text: str, version: int) -> Ruleset:
    """An iptables-restore file, checked by the real iptables-restore in a namespace, then
    translated by iptables-restore-translate and loaded into nft so the evaluator can read it
    (the xt matches iptables-nft stores otherwise are opaque to it)."""
    tool = "iptables" if version == 4 else "ip6tables"
    namespace = netns.add(label)
    namespace.run(f"{tool}-restore", "--test", input=text)
    translated = subprocess.run(
        [f"{tool}-restore-translate", "-f", "/dev/stdin"],
        input=text,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    target = netns.add(label + "nft")
    target.load_nft(translated)
    return load_ruleset(json.loads(target.run("nft", "-j", "list", "ruleset").stdout))


def test_native_iptables_and_aerleon_speedway_allow_the_same_packets(netns: NetnsGroup) -> None:
    require_kernel(("ip", "nft", "iptables-restore", "iptables-restore-translate"))
    deployment, resolution = sample(icmp_types=False)
    native = {
        a.path: str(a.content) for a in get_compiler("iptables").compile(deployment, resolution)
    }
    assert not any(path.endswith(".ipset") for path in native)  # translation has no ipsets
    theirs = {
        a.path: str(a.content)
        for a in get_compiler("aerleon:speedway").compile(deployment, resolution)
    }
    total = allowed = 0
    for stem, hooks in (("core", ("forward",)), ("hostfw-srv1", ("input", "output"))):
        for version, suffix in ((4, ""), (6, "-v6")):
            ours = translated_ruleset(netns, "native", native[f"{stem}.rules.v{version}"], version)
            aerleon = translated_ruleset(
                netns, "speedway", theirs[f"speedway/{stem}{suffix}.ipt"], version
            )
            for hook in hooks:
                packets = (
                    p for p in grid(resolution, hook) if (p.family == "ip") == (version == 4)
                )
                tried, accepted = compare(ours, aerleon, packets)
                total += tried
                allowed += accepted
    assert total > 3000
    assert 20 < allowed < total / 10

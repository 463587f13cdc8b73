"""Probe and listen for the kernel differential test, run inside network namespaces.

``python kernel_probe.py probe`` reads a JSON list of probes on stdin — ``{"id", "family",
"proto", "saddr", "daddr", "dport", "sport"}`` — sends them all at once from the given source
address and port, and prints what happened to each: ``accept`` (connected, answered, echo
reply), ``reject`` (refused, or an ICMP error came back) or ``drop`` (nothing within the
timeout). ``python kernel_probe.py listen PORT,PORT... ADDRESS...`` accepts TCP connections on every
address and echoes UDP datagrams on the given ones, prints ``ready`` and serves until killed.

Standalone on purpose (no portplan imports): it starts fast in every namespace.
"""

from __future__ import annotations

import errno
import json
import os
import resource
import selectors
import socket
import struct
import sys
import time
from typing import Any

TIMEOUT = 2.5
ICMP_ERRORS = {4: {3, 11, 12, 5}, 6: {1, 2, 3, 4}}


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def _open(probe: dict[str, Any]) -> socket.socket:
    family = socket.AF_INET if probe["family"] == 4 else socket.AF_INET6
    if probe["proto"] in ("icmp", "icmpv6"):
        proto = socket.IPPROTO_ICMP if family == socket.AF_INET else socket.IPPROTO_ICMPV6
        sock = socket.socket(family, socket.SOCK_RAW, proto)
        sock.bind((probe["saddr"], 0))
        request = 8 if family == socket.AF_INET else 128
        ident = probe["id"] & 0xFFFF
        header = struct.pack("!BBHHH", request, 0, 0, ident, 1)
        payload = b"portplan-kernel-probe"
        checksum = _checksum(header + payload) if family == socket.AF_INET else 0
        packet = struct.pack("!BBHHH", request, 0, checksum, ident, 1) + payload
        sock.setblocking(False)
        sock.sendto(packet, (probe["daddr"], 0))
        return sock
    kind = socket.SOCK_STREAM if probe["proto"] == "tcp" else socket.SOCK_DGRAM
    sock = socket.socket(family, kind)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((probe["saddr"], probe["sport"]))
    sock.setblocking(False)
    if kind == socket.SOCK_STREAM:
        sock.connect_ex((probe["daddr"], probe["dport"]))
    else:
        sock.connect((probe["daddr"], probe["dport"]))
        sock.send(b"portplan-kernel-probe")
    return sock


def _icmp_answer(data: bytes, probe: dict[str, Any]) -> str | None:
    """An echo reply to this probe, an ICMP error about it, or something else (None)."""
    v4 = probe["family"] == 4
    if v4:
        data = data[(data[0] & 0x0F) * 4 :]  # raw IPv4 sockets include the IP header
    if len(data) < 8:
        return None
    kind, ident = data[0], probe["id"] & 0xFFFF
    if kind == (0 if v4 else 129) and struct.unpack("!H", data[4:6])[0] == ident:
        return "accept"
    if kind in ICMP_ERRORS[4 if v4 else 6]:
        inner = data[8:]
        if len(inner) < 40 or inner[9 if v4 else 6] != (1 if v4 else 58):
            return None  # an error about some other protocol's packet
        offset = (inner[0] & 0x0F) * 4 if v4 else 40
        echo = inner[offset : offset + 8]
        if len(echo) >= 6 and struct.unpack("!H", echo[4:6])[0] == ident:
            return "reject"
    return None


def probe(probes: list[dict[str, Any]]) -> dict[int, str]:
    selector = selectors.DefaultSelector()
    observed: dict[int, str] = {}
    for item in probes:
        try:
            sock = _open(item)
        except OSError as exc:
            observed[item["id"]] = f"error {exc.errno}"
            continue
        events = selectors.EVENT_WRITE if item["proto"] == "tcp" else selectors.EVENT_READ
        selector.register(sock, events, item)
    deadline = time.monotonic() + TIMEOUT
    while selector.get_map() and (left := deadline - time.monotonic()) > 0:
        for key, _ in selector.select(left):
            item, sock = key.data, key.fileobj
            assert isinstance(sock, socket.socket)
            result = _settle(item, sock)
            if result is not None:
                observed[item["id"]] = result
                selector.unregister(sock)
                sock.close()
    for key in list(selector.get_map().values()):
        observed[key.data["id"]] = "drop"
        key.fileobj.close()  # type: ignore[union-attr]
    return observed


def _settle(item: dict[str, Any], sock: socket.socket) -> str | None:
    if item["proto"] == "tcp":
        code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        return "accept" if code == 0 else "reject"
    try:
        data = sock.recv(4096)
    except OSError as exc:
        return "reject" if exc.errno != errno.EAGAIN else None
    if item["proto"] == "udp":
        return "accept"
    return _icmp_answer(data, item)


def listen(ports: list[int], addresses: list[str]) -> None:
    """TCP on every address (a dual-stack wildcard); UDP per address, so each answer comes
    from the address the probe was sent to."""
    selector = selectors.DefaultSelector()
    for port in ports:
        sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("::", port))
        sock.listen(128)
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ, socket.SOCK_STREAM)
        for address in addresses:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_DGRAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((address, port))
            except OSError as exc:  # said, not fatal: that probe then sees no answer
                print(f"cannot listen on {address} udp/{port}: {exc}", file=sys.stderr)
                sock.close()
                continue
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ, socket.SOCK_DGRAM)
    print("ready", flush=True)
    while True:
        for key, _ in selector.select():
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            try:
                if key.data == socket.SOCK_STREAM:
                    sock.accept()[0].close()
                else:
                    data, address = sock.recvfrom(4096)
                    sock.sendto(data, address)
            except OSError:
                continue


def main() -> int:
    if sys.argv[1] == "listen":
        resource.setrlimit(resource.RLIMIT_NOFILE, (8192, 8192))
        listen([int(p) for p in sys.argv[2].split(",") if p], sys.argv[3:])
        return 0
    probes = json.load(sys.stdin)
    json.dump(probe(probes), sys.stdout)
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())

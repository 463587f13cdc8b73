"""Listeners for the ports a host must receive: the other half of :mod:`portplan.verify.probe`.

TCP: accept and close (a completed handshake is the proof). UDP: answer the challenge
``PORTPLAN?<nonce>`` with ``PORTPLAN!<nonce>`` and ignore anything else. SCTP: accept and close
where the kernel has SCTP. A port that cannot be opened (in use, privileged, address not
here) is a finding in the result, not a crash.

With ``watch``, the listener also records every probe datagram that *arrived* — on any UDP
port, listened on or not — through a raw socket (:class:`ArrivalWatch`). The kernel hands a raw
socket its copy after the input firewall hook, so what it sees passed this host's firewall.
That lets a UDP verdict come from the far end instead of from ICMP errors, which Linux
rate-limits (one per second per peer after a burst): see :func:`portplan.verify.probe.far_end`.

This module and :mod:`portplan.verify.probe` run on the hosts under test inside the fleet
agent (Python 3.9 or later, standard library only).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import socket
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import cast

from portplan.verify.probe import ANSWER, CHALLENGE, raise_file_limit


@dataclass(frozen=True)
class ListenFinding:
    protocol: str
    port: int
    address: str
    problem: str


@dataclass
class Listening:
    """What is open, and what could not be opened."""

    opened: list[tuple[str, int, str]] = field(default_factory=list)
    findings: list[ListenFinding] = field(default_factory=list)
    watch: ArrivalWatch | None = None  # what arrived, when the listener watches


@dataclass(frozen=True)
class Arrival:
    """A probe datagram that reached this host (passed its firewall), and what held the port:
    ``listener`` (this listener, which answered), ``bound`` (another program) or ``closed``."""

    source: str
    destination: str
    port: int
    holder: str


class ArrivalWatch:
    """Raw UDP sockets (root or CAP_NET_RAW) that note every ``PORTPLAN?`` challenge arriving
    at this host, whichever port it was sent to."""

    BUFFER = 8 << 20  # a burst of thousands of probes must not overflow the socket

    def __init__(self, families: Sequence[int]) -> None:
        self.sockets: list[socket.socket] = []
        self.seen: set[tuple[str, str, int]] = set()
        self.problem = ""
        for family in families:
            try:
                sock = socket.socket(family, socket.SOCK_RAW, socket.IPPROTO_UDP)
            except OSError as exc:
                self.problem = f"cannot watch arrivals: {exc.strerror} (needs root or CAP_NET_RAW)"
                continue
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.BUFFER)
            if family == socket.AF_INET6:
                # IPv6 raw sockets carry no IP header: the destination comes as ancillary data.
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
            sock.setblocking(False)
            self.sockets.append(sock)

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        for sock in self.sockets:
            loop.add_reader(sock.fileno(), self._drain, sock)

    def _drain(self, sock: socket.socket) -> None:
        while True:
            try:
                data, ancillary, _, address = sock.recvmsg(65535, 64)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            if sock.family == socket.AF_INET:
                header = (data[0] & 0x0F) * 4
                source = socket.inet_ntop(socket.AF_INET, data[12:16])
                destination = socket.inet_ntop(socket.AF_INET, data[16:20])
                data = data[header:]
            else:
                source = str(address[0]).split("%")[0]
                destination = _pktinfo_address(ancillary)
            if len(data) >= 8 and data[8:].startswith(CHALLENGE):
                port = struct.unpack("!H", data[2:4])[0]
                self.seen.add((source, destination, port))

    def arrivals(self, listened: set[tuple[int, str]]) -> list[Arrival]:
        """Everything seen; ``listened``: (port, family tag "4"/"6") this listener answers on."""
        bound = _bound_udp_ports()
        out = []
        for source, destination, port in sorted(self.seen):
            family = "6" if ":" in destination else "4"
            if (port, family) in listened:
                holder = "listener"
            elif (port, family) in bound:
                holder = "bound"
            else:
                holder = "closed"
            out.append(Arrival(source, destination, port, holder))
        return out

    def close(self) -> None:
        for sock in self.sockets:
            sock.close()
        self.sockets.clear()


def _pktinfo_address(ancillary: list[tuple[int, int, bytes]]) -> str:
    for level, kind, value in ancillary:
        if level == socket.IPPROTO_IPV6 and kind == socket.IPV6_PKTINFO and len(value) >= 16:
            return socket.inet_ntop(socket.AF_INET6, value[:16])
    return ""


def _bound_udp_ports() -> set[tuple[int, str]]:
    """(port, "4"/"6") of every UDP socket bound on this host (/proc/net/udp, udp6)."""
    bound: set[tuple[int, str]] = set()
    for name, family in (("/proc/net/udp", "4"), ("/proc/net/udp6", "6")):
        try:
            with open(name) as table:
                next(table, None)
                for line in table:
                    local = line.split()[1]
                    bound.add((int(local.rsplit(":", 1)[1], 16), family))
        except OSError:
            continue
    return bound


class _Responder(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.answered = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # The selector loop's datagram transport is not a DatagramTransport subclass.
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        if data.startswith(CHALLENGE) and self.transport is not None:
            nonce = data[len(CHALLENGE) : len(CHALLENGE) + 64]
            self.transport.sendto(ANSWER + nonce, addr)
            self.answered += 1


def _problem(exc: OSError, address: str, port: int) -> str:
    if exc.errno == errno.EADDRINUSE:
        return "in use by another program (the real service?)"
    if exc.errno == errno.EACCES:
        return f"port {port} is privileged — run as root"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"address {address} is not on this machine — use --bind"
    return os.strerror(exc.errno or 0) if exc.errno else str(exc)


def _socket(protocol: str, address: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    kind, proto = {
        "tcp": (socket.SOCK_STREAM, 0),
        "udp": (socket.SOCK_DGRAM, 0),
        "sctp": (socket.SOCK_STREAM, socket.IPPROTO_SCTP),
    }[protocol]
    sock = socket.socket(family, kind, proto)
    try:
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        if kind == socket.SOCK_STREAM:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
        if kind == socket.SOCK_STREAM:
            sock.listen(128)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


async def _accept_loop(sock: socket.socket) -> None:
    loop = asyncio.get_running_loop()
    while True:
        try:
            connection, _ = await loop.sock_accept(sock)
        except OSError:
            await asyncio.sleep(0.01)
            continue
        connection.close()


async def open_listeners(
    ports: Sequence[tuple[str, int]], addresses: Sequence[str]
) -> tuple[Listening, list[asyncio.BaseTransport], list[asyncio.Task[None]], list[socket.socket]]:
    raise_file_limit(len(ports) * len(addresses) + 64)
    loop = asyncio.get_running_loop()
    result = Listening()
    transports: list[asyncio.BaseTransport] = []
    tasks: list[asyncio.Task[None]] = []
    sockets: list[socket.socket] = []
    for protocol, port in ports:
        for address in addresses:
            try:
                sock = _socket(protocol, address, port)
            except OSError as exc:
                if protocol == "sctp" and exc.errno in (
                    errno.EPROTONOSUPPORT,
                    errno.ESOCKTNOSUPPORT,
                ):
                    problem = "this kernel has no SCTP sockets (load the sctp module)"
                else:
                    problem = _problem(exc, address, port)
                result.findings.append(ListenFinding(protocol, port, address, problem))
                continue
            if protocol == "udp":
                transport, _ = await loop.create_datagram_endpoint(_Responder, sock=sock)
                transports.append(transport)
            else:
                sockets.append(sock)
                tasks.append(asyncio.create_task(_accept_loop(sock)))
            result.opened.append((protocol, port, address))
    return result, transports, tasks, sockets


async def listen(
    ports: Sequence[tuple[str, int]],
    addresses: Sequence[str],
    duration: float,
    on_ready: Callable[[Listening], None] | None = None,
    *,
    watch: bool = False,
    stop: asyncio.Event | None = None,
) -> Listening:
    """Open every port, report readiness, serve for ``duration`` seconds (or until ``stop``
    is set), close everything. ``watch`` also records what arrives (:class:`ArrivalWatch`)."""
    result, transports, tasks, sockets = await open_listeners(ports, addresses)
    if watch:
        families = {socket.AF_INET6 if ":" in a else socket.AF_INET for a in addresses}
        result.watch = ArrivalWatch(sorted(families))
        result.watch.attach(asyncio.get_running_loop())
    if on_ready is not None:
        on_ready(result)
    try:
        if stop is None:
            await asyncio.sleep(duration)
        else:
            with contextlib.suppress(asyncio.TimeoutError, TimeoutError):
                await asyncio.wait_for(stop.wait(), duration)
    finally:
        if result.watch is not None:
            loop = asyncio.get_running_loop()
            for sock in result.watch.sockets:
                loop.remove_reader(sock.fileno())
                result.watch._drain(sock)  # what is still queued arrived too
            result.watch.close()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for transport in transports:
            transport.close()
        for sock in sockets:
            sock.close()
    return result

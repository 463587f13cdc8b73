"""Listeners for the ports a host must receive: the other half of :mod:`portplan.verify.probe`.

TCP: accept and close (a completed handshake is the proof). UDP: answer the challenge
``PORTPLAN?<nonce>`` with ``PORTPLAN!<nonce>`` and ignore anything else. SCTP: accept and close
where the kernel has SCTP. A port that cannot be opened (in use, privileged, address not
here) is a finding in the result, not a crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import socket
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
) -> Listening:
    """Open every port, report readiness, serve for ``duration`` seconds, close everything."""
    result, transports, tasks, sockets = await open_listeners(ports, addresses)
    if on_ready is not None:
        on_ready(result)
    try:
        await asyncio.sleep(duration)
    finally:
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

"""Probes: try a port and name the result the way network engineers do.

- TCP: a connect. Connected → LISTENING; refused (RST) → NOT LISTENING; timeout or ICMP
  unreachable → FILTERED.
- UDP: a challenge ``PORTPLAN?<nonce>`` that ``portplan listen`` answers with
  ``PORTPLAN!<nonce>``, sent together with a real request where a well-known service may run
  instead (SNMP GetRequest v2c for sysDescr, RFC 3416; an NTP client request, RFC 5905; a DNS
  query, RFC 1035). An answer → LISTENING; ICMP port unreachable → NOT LISTENING; silence →
  FILTERED. This makes a UDP result real, not nmap's "open|filtered".
- ICMP echo where a flow asks for it (a reply → LISTENING, i.e. answered), over a ping socket
  or a raw socket (root).

All probes run in one asyncio loop with bounded concurrency; retries repeat only the probes
that came back FILTERED (a lost packet looks like a filter).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import heapq
import os
import resource
import secrets
import select
import socket
import struct
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

State = Literal["LISTENING", "NOT LISTENING", "FILTERED", "SKIPPED"]
# asyncio.wait_for raises asyncio.TimeoutError, an alias of TimeoutError only from Python 3.11;
# the fleet agent runs these probes on hosts with Python 3.9 and 3.10 too.
TIMEOUTS = (TimeoutError, asyncio.TimeoutError)
CHALLENGE = b"PORTPLAN?"
ANSWER = b"PORTPLAN!"

# SNMPv2c GetRequest, community "public", one varbind sysDescr.0 (1.3.6.1.2.1.1.1.0), RFC 3416;
# {reqid} is a random 4-byte request id.
SNMP_GET = "302902010104067075626c6963a01c0204{reqid}020100020100300e300c06082b060102010101000500"
# NTP v3 client request: LI 0, version 3, mode 3, the rest zero (RFC 5905 figure 8).
NTP_REQUEST = b"\x1b" + bytes(47)
# DNS query: id, RD set, one question "." NS IN (RFC 1035 4.1).
DNS_QUERY = bytes.fromhex("504f010000010000000000000000020001")


def service_payloads(port: int) -> list[bytes]:
    """Requests a real service on a well-known UDP port answers."""
    if port == 161:
        return [bytes.fromhex(SNMP_GET.format(reqid=secrets.token_hex(4)))]
    if port == 123:
        return [NTP_REQUEST]
    if port == 53:
        return [DNS_QUERY]
    return []


@dataclass(frozen=True)
class ProbeTarget:
    """One thing to try: a protocol to an address (and port, or ICMP type)."""

    flow: str  # ConcreteFlow.id, or a label for a negative test
    address: str
    protocol: str  # tcp, udp, sctp, icmp, icmpv6
    port: int | None = None
    icmp_type: int | None = None
    required: bool = True
    source: str | None = None  # the source address to bind (None: the kernel chooses)

    @property
    def label(self) -> str:
        where = f"[{self.address}]" if ":" in self.address else self.address
        if self.port is not None:
            return f"{self.protocol}/{self.port} → {where}"
        return f"{self.protocol} → {where}"


@dataclass(frozen=True)
class ProbeResult:
    target: ProbeTarget
    state: State
    detail: str
    seconds: float
    attempts: int

    def passed(self, accept_closed: bool = False) -> bool:
        if self.state == "LISTENING":
            return True
        return accept_closed and self.state == "NOT LISTENING"


def far_end(
    result: ProbeResult, arrived: set[tuple[str, int]] | None, holders: dict[tuple[str, int], str]
) -> ProbeResult:
    """A UDP result decided by what the far end saw (its listener's
    :class:`~portplan.verify.listen.ArrivalWatch`), not by ICMP errors, which Linux rate-limits.

    ``arrived``: (destination address, port) of the challenges from this prober that reached
    the destination host — None when the far end had no watch (then the prober's own reading
    stands). ``holders``: what held each port there (``listener``, ``bound``, ``closed``).
    An answer is proof by itself; otherwise: arrived at a port nobody holds → NOT LISTENING,
    arrived where another program listens → LISTENING (it just did not answer the challenge),
    arrived where the listener answered but no answer came back → FILTERED on the way back,
    never arrived → FILTERED, whatever ICMP said (a firewall's reject looks like a closed port).
    """
    target = result.target
    if target.protocol != "udp" or arrived is None or result.state == "LISTENING":
        return result
    key = (target.address, target.port or 0)
    if key not in arrived:
        state: State = "FILTERED"
        detail = "never arrived at the far end"
        if result.state == "NOT LISTENING":
            detail += " (an ICMP error came back from the way: a firewall rejects it)"
    else:
        holder = holders.get(key, "closed")
        if holder == "bound":
            state, detail = "LISTENING", "arrived; another program holds the port (no answer)"
        elif holder == "listener":
            state, detail = "FILTERED", "arrived and answered, but the answer never came back"
        else:
            state, detail = "NOT LISTENING", "arrived; nothing listens (seen by the far end)"
    return ProbeResult(target, state, detail, result.seconds, result.attempts)


def raise_file_limit(wanted: int) -> int:
    """Raise the open-files limit toward ``wanted`` (each probe holds a socket)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(hard, max(soft, wanted))
    if target > soft:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
    return soft


def _family(address: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in address else socket.AF_INET


def _no_answer(seconds: float) -> tuple[State, str]:
    return "FILTERED", f"no answer in {seconds:g} s"


async def _connect(
    sock: socket.socket, target: ProbeTarget, timeout: float, connected: str, refused: str
) -> tuple[State, str]:
    """A stream connect (TCP or SCTP) named by how it ended; closes ``sock``."""
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    try:
        if target.source:
            sock.bind((target.source, 0))
        await asyncio.wait_for(loop.sock_connect(sock, (target.address, target.port)), timeout)
        return "LISTENING", connected
    except ConnectionRefusedError:
        return "NOT LISTENING", refused
    except TIMEOUTS:
        return _no_answer(timeout)
    except OSError as exc:
        return _os_error_state(exc)
    finally:
        sock.close()


async def probe_tcp(target: ProbeTarget, timeout: float) -> tuple[State, str]:
    sock = socket.socket(_family(target.address), socket.SOCK_STREAM)
    # No lingering: a closed probe socket goes away at once instead of sitting in TIME_WAIT.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    return await _connect(sock, target, timeout, "connected", "refused (TCP reset)")


def _os_error_state(exc: OSError) -> tuple[State, str]:
    if exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EACCES, errno.EPERM):
        return "FILTERED", f"unreachable: {os.strerror(exc.errno or 0)} (no route, or ICMP)"
    if exc.errno == errno.ECONNREFUSED:
        return "NOT LISTENING", "refused (ICMP port unreachable)"
    return "FILTERED", str(exc)


class _UdpProbe(asyncio.DatagramProtocol):
    def __init__(self, nonce: bytes) -> None:
        self.nonce = nonce
        self.done: asyncio.Future[tuple[State, str]] = asyncio.get_running_loop().create_future()

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        if self.done.done():
            return
        if data == ANSWER + self.nonce:
            self.done.set_result(("LISTENING", "portplan listen answered"))
        elif not data.startswith(ANSWER):
            self.done.set_result(("LISTENING", f"a service answered ({len(data)} bytes)"))

    def error_received(self, exc: Exception) -> None:
        if self.done.done():
            return
        if isinstance(exc, ConnectionRefusedError):
            self.done.set_result(("NOT LISTENING", "ICMP port unreachable"))
        elif isinstance(exc, OSError):
            self.done.set_result(_os_error_state(exc))


async def probe_udp(target: ProbeTarget, timeout: float) -> tuple[State, str]:
    loop = asyncio.get_running_loop()
    nonce = secrets.token_hex(8).encode()
    port = target.port or 0
    try:
        transport, protocol = await loop.create_datagram_endpoint(
            lambda: _UdpProbe(nonce),
            local_addr=(target.source, 0) if target.source else None,
            remote_addr=(target.address, port),
            family=_family(target.address),
        )
    except OSError as exc:
        return _os_error_state(exc)
    try:
        transport.sendto(CHALLENGE + nonce)
        for payload in service_payloads(port):
            transport.sendto(payload)
        try:
            return await asyncio.wait_for(asyncio.shield(protocol.done), timeout)
        except TIMEOUTS:
            return _no_answer(timeout)
    finally:
        transport.close()


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(int(word) for word in struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


async def probe_icmp(target: ProbeTarget, timeout: float) -> tuple[State, str]:
    """ICMP echo over a ping socket (unprivileged when allowed) or a raw socket (root)."""
    v6 = target.protocol == "icmpv6" or ":" in target.address
    family = socket.AF_INET6 if v6 else socket.AF_INET
    proto = socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP
    sock = None
    for kind in (socket.SOCK_DGRAM, socket.SOCK_RAW):
        try:
            sock = socket.socket(family, kind, proto)
            break
        except OSError:
            continue
    if sock is None:
        return "SKIPPED", "ICMP echo needs root (or net.ipv4.ping_group_range)"
    sock.setblocking(False)
    if target.source:
        sock.bind((target.source, 0))
    ident, sequence = secrets.randbelow(0xFFFF), 1
    request_type, reply_type = (128, 129) if v6 else (8, 0)
    payload = b"portplan" + secrets.token_bytes(8)
    header = struct.pack("!BBHHH", request_type, 0, 0, ident, sequence)
    checksum = 0 if v6 else _checksum(header + payload)  # the kernel fills ICMPv6 checksums
    packet = struct.pack("!BBHHH", request_type, 0, checksum, ident, sequence) + payload
    loop = asyncio.get_running_loop()
    try:
        await loop.sock_sendto(sock, packet, (target.address, 0))
        deadline = loop.time() + timeout
        while (left := deadline - loop.time()) > 0:
            data = await asyncio.wait_for(loop.sock_recv(sock, 2048), left)
            if sock.type == socket.SOCK_RAW and not v6:
                data = data[(data[0] & 0x0F) * 4 :]  # raw IPv4 sockets include the IP header
            if len(data) >= 8 and data[0] == reply_type and data[8:] == payload:
                return "LISTENING", "echo reply"
        return "FILTERED", f"no echo reply in {timeout:g} s"
    except TIMEOUTS:
        return "FILTERED", f"no echo reply in {timeout:g} s"
    except OSError as exc:
        return _os_error_state(exc)
    finally:
        sock.close()


async def probe_one(target: ProbeTarget, timeout: float) -> tuple[State, str]:
    if target.protocol == "tcp":
        return await probe_tcp(target, timeout)
    if target.protocol == "udp":
        return await probe_udp(target, timeout)
    if target.protocol in ("icmp", "icmpv6"):
        return await probe_icmp(target, timeout)
    if target.protocol == "sctp":
        return await probe_sctp(target, timeout)
    return "SKIPPED", f"protocol {target.protocol} cannot be probed"


async def probe_sctp(target: ProbeTarget, timeout: float) -> tuple[State, str]:
    try:
        sock = socket.socket(_family(target.address), socket.SOCK_STREAM, socket.IPPROTO_SCTP)
    except OSError:
        return "SKIPPED", "this kernel has no SCTP sockets (load the sctp module)"
    return await _connect(sock, target, timeout, "SCTP association set up", "refused (SCTP ABORT)")


def scan_tcp(
    targets: Sequence[ProbeTarget],
    *,
    concurrency: int = 256,
    timeout: float = 1.0,
    retries: int = 1,
    progress: Callable[[int], None] | None = None,
) -> list[ProbeResult]:
    """TCP connects driven straight from epoll: non-blocking connect, wait for writability,
    read SO_ERROR. Far cheaper per port than a coroutine with a timeout task, which is what
    lets a Python scanner keep pace with nmap on thousands of ports.

    The wait for an answer adapts like TCP's own retransmission timer (RFC 6298), per
    destination host: the smoothed round-trip time of that host's answers so far plus four
    deviations, at least ``MIN_TIMEOUT``, at most ``timeout`` (``timeout`` until the host has
    answered once). On a LAN a silently dropped port is declared
    FILTERED in a tenth of a second instead of a full second; on a slow WAN the timer grows."""
    count = len(targets)
    attempts = [0] * count
    started = [0.0] * count
    results: list[ProbeResult | None] = [None] * count
    pending = deque(range(count))
    inflight: dict[int, tuple[int, int, socket.socket]] = {}  # fd → (index, attempt, socket)
    deadlines: list[tuple[float, int, int, int]] = []  # (deadline, fd, index, attempt)
    poller = select.epoll()
    linger = struct.pack("ii", 1, 0)
    timers: dict[str, _RoundTrip] = {}  # per destination address, as nmap keeps per host
    sent: dict[int, float] = {}  # fd → when its connect went out

    def finish(index: int, state: State, detail: str) -> None:
        if state == "FILTERED" and attempts[index] <= retries:
            pending.append(index)
            return
        results[index] = ProbeResult(
            targets[index], state, detail, time.monotonic() - started[index], attempts[index]
        )
        if progress is not None:
            progress(1)

    try:
        while pending or inflight:
            while pending and len(inflight) < concurrency:
                index = pending.popleft()
                target = targets[index]
                sock = socket.socket(_family(target.address), socket.SOCK_STREAM)
                sock.setblocking(False)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                started[index] = started[index] or time.monotonic()
                attempts[index] += 1
                try:
                    if target.source:
                        sock.bind((target.source, 0))
                    code = sock.connect_ex((target.address, target.port or 0))
                except OSError as exc:
                    sock.close()
                    finish(index, *_os_error_state(exc))
                    continue
                if code == errno.EINPROGRESS:
                    fd = sock.fileno()
                    poller.register(fd, select.EPOLLOUT | select.EPOLLERR | select.EPOLLHUP)
                    inflight[fd] = (index, attempts[index], sock)
                    sent[fd] = time.monotonic()
                    heapq.heappush(deadlines, (sent[fd] + MIN_TIMEOUT, fd, index, attempts[index]))
                    continue
                sock.close()
                finish(index, *_connect_state(code, timeout))
            wait = max(0.0, deadlines[0][0] - time.monotonic()) if deadlines else 0.0
            for fd, _ in poller.poll(wait):
                index, _, sock = inflight.pop(fd)
                poller.unregister(fd)
                code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                sock.close()
                if code in (0, errno.ECONNREFUSED):
                    address = targets[index].address
                    timer = timers.setdefault(address, _RoundTrip(timeout))
                    timer.add(time.monotonic() - sent[fd])
                finish(index, *_connect_state(code, timeout))
            now = time.monotonic()
            while deadlines and deadlines[0][0] <= now:
                _, fd, index, attempt = heapq.heappop(deadlines)
                entry = inflight.get(fd)
                if entry is None or entry[:2] != (index, attempt):
                    continue  # answered already (the descriptor may be reused since)
                waited = now - sent[fd]
                known = timers.get(targets[index].address)
                wait_for = known.timeout if known is not None else timeout
                if waited < wait_for:
                    # No answer yet, but this host's timer allows more: wait the rest.
                    heapq.heappush(deadlines, (sent[fd] + wait_for, fd, index, attempt))
                    continue
                del inflight[fd]
                poller.unregister(fd)
                sock = entry[2]
                outcome = _settled(sock)
                sock.close()
                if outcome is not None:
                    # Answered between the poll and this check: not a timeout after all.
                    finish(index, *_connect_state(outcome, timeout))
                    continue
                finish(index, "FILTERED", f"no answer in {waited:.2g} s")
    finally:
        for _, _, sock in inflight.values():
            sock.close()
        poller.close()
    return [r for r in results if r is not None]


def _settled(sock: socket.socket) -> int | None:
    """The connect's outcome if it has one (0 connected, or an errno), None if pending."""
    code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if code:
        return code
    try:
        sock.getpeername()
    except OSError:
        return None
    return 0


MIN_TIMEOUT = 0.1  # nmap -T4's --min-rtt-timeout


class _RoundTrip:
    """RFC 6298 retransmission timer: srtt + 4 × rttvar, clamped to [MIN_TIMEOUT, ceiling]."""

    def __init__(self, ceiling: float) -> None:
        self.ceiling = max(ceiling, MIN_TIMEOUT)
        self.srtt: float | None = None
        self.rttvar = 0.0

    def add(self, sample: float) -> None:
        if self.srtt is None:
            self.srtt, self.rttvar = sample, sample / 2
        else:
            self.rttvar = 0.75 * self.rttvar + 0.25 * abs(self.srtt - sample)
            self.srtt = 0.875 * self.srtt + 0.125 * sample

    @property
    def timeout(self) -> float:
        if self.srtt is None:
            return self.ceiling
        return min(self.ceiling, max(MIN_TIMEOUT, self.srtt + 4 * self.rttvar))


def _connect_state(code: int, timeout: float) -> tuple[State, str]:
    if code == 0:
        return "LISTENING", "connected"
    if code == errno.ECONNREFUSED:
        return "NOT LISTENING", "refused (TCP reset)"
    if code == errno.ETIMEDOUT:
        return _no_answer(timeout)
    return _os_error_state(OSError(code, os.strerror(code)))


async def run_probes(
    targets: Sequence[ProbeTarget],
    *,
    concurrency: int = 256,
    timeout: float = 1.0,
    retries: int = 1,
    progress: Callable[[int], None] | None = None,
) -> list[ProbeResult]:
    """Probe every target; results come back in the order of ``targets``. TCP runs in the
    epoll scanner (a thread), everything else as coroutines, both at once."""
    raise_file_limit(2 * concurrency + 64)
    gate = asyncio.Semaphore(concurrency)

    async def one(target: ProbeTarget) -> ProbeResult:
        started = time.monotonic()
        attempts = 0
        state: State = "FILTERED"
        detail = ""
        while attempts <= retries:
            attempts += 1
            async with gate:
                state, detail = await probe_one(target, timeout)
            if state != "FILTERED":
                break
        if progress is not None:
            progress(1)
        return ProbeResult(target, state, detail, time.monotonic() - started, attempts)

    tcp = [t for t in targets if t.protocol == "tcp"]
    other = [t for t in targets if t.protocol != "tcp"]
    scanned, rest = await asyncio.gather(
        asyncio.to_thread(
            scan_tcp,
            tcp,
            concurrency=concurrency,
            timeout=timeout,
            retries=retries,
            progress=progress,
        ),
        asyncio.gather(*(one(t) for t in other)),
    )
    by_target = {id(r.target): r for r in [*scanned, *rest]}
    return [by_target[id(t)] for t in targets]


def probe(
    targets: Sequence[ProbeTarget],
    *,
    concurrency: int = 256,
    timeout: float = 1.0,
    retries: int = 1,
    progress: Callable[[int], None] | None = None,
) -> list[ProbeResult]:
    """Synchronous wrapper around :func:`run_probes`."""
    return asyncio.run(
        run_probes(
            targets, concurrency=concurrency, timeout=timeout, retries=retries, progress=progress
        )
    )

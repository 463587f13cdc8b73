"""Services in the compact syntax: ``tcp/443``, ``udp/161-162``, ``tcp+udp/5060-5061``,
``tcp/1196,1197,1198,1199``, ``icmp``, ``icmp/echo-request``.

A :class:`Service` is one transport protocol with a canonical (sorted, merged) set of
destination port ranges, or an ICMP protocol with an optional message type. Parsing accepts any
order and overlap; printing is canonical, so ``format_services(parse_services(s))`` is stable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from portplan.errors import ServiceSyntaxError, excerpt
from portplan.model.intervals import (
    Interval,
    covers_intervals,
    intersect_intervals,
    merge_intervals,
    subtract_intervals,
)

PORTED_PROTOCOLS = ("tcp", "udp", "sctp")
ICMP_PROTOCOLS = ("icmp", "icmpv6")
PROTOCOLS = PORTED_PROTOCOLS + ICMP_PROTOCOLS
MIN_PORT, MAX_PORT = 1, 65535
# Digits of any script are the number they write ("４４３" is 443), as in extracted documents;
# more significant digits than a port has are refused before conversion (Python will not even
# convert a decimal of over 4,300 digits).
_PORT = re.compile(r"(\d+)(?:\s*-\s*(\d+))?")
_PORT_DIGITS = 5

# ICMP message types by name (RFC 792 for ICMP, RFC 4443 for ICMPv6); nft uses the same names.
ICMP_TYPES: dict[str, dict[str, int]] = {
    "icmp": {
        "echo-reply": 0,
        "destination-unreachable": 3,
        "source-quench": 4,
        "redirect": 5,
        "echo-request": 8,
        "router-advertisement": 9,
        "router-solicitation": 10,
        "time-exceeded": 11,
        "parameter-problem": 12,
        "timestamp-request": 13,
        "timestamp-reply": 14,
    },
    "icmpv6": {
        "destination-unreachable": 1,
        "packet-too-big": 2,
        "time-exceeded": 3,
        "parameter-problem": 4,
        "echo-request": 128,
        "echo-reply": 129,
        "nd-router-solicit": 133,
        "nd-router-advert": 134,
        "nd-neighbor-solicit": 135,
        "nd-neighbor-advert": 136,
    },
}


@dataclass(frozen=True, order=True)
class PortRange:
    """An inclusive range of ports, ``low <= high``, both within 1–65535."""

    low: int
    high: int

    def __post_init__(self) -> None:
        for port in (self.low, self.high):
            if not MIN_PORT <= port <= MAX_PORT:
                raise ServiceSyntaxError(
                    f"port {port} is outside 1–65535 — use a port between 1 and 65535."
                )
        if self.low > self.high:
            raise ServiceSyntaxError(
                f"port range {self.low}-{self.high} is reversed — write it as "
                f"{self.high}-{self.low}."
            )

    @property
    def size(self) -> int:
        return self.high - self.low + 1

    def __contains__(self, port: object) -> bool:
        return isinstance(port, int) and self.low <= port <= self.high

    def __str__(self) -> str:
        return str(self.low) if self.low == self.high else f"{self.low}-{self.high}"


@dataclass(frozen=True)
class PortSet:
    """A canonical set of ports: ranges sorted and merged (adjacent ranges join).

    The one port algebra of portplan: union, intersection, difference, complement (within
    1–65535) and containment, over :mod:`portplan.model.intervals`.
    """

    ranges: tuple[PortRange, ...] = ()

    @classmethod
    def of(cls, ranges: Iterable[PortRange | int | tuple[int, int]]) -> PortSet:
        spans: list[Interval] = []
        for item in ranges:
            if isinstance(item, PortRange):
                spans.append((item.low, item.high))
            elif isinstance(item, int):
                spans.append((PortRange(item, item).low, item))
            else:
                checked = PortRange(item[0], item[1])
                spans.append((checked.low, checked.high))
        return cls._canonical(merge_intervals(spans))

    @classmethod
    def _canonical(cls, spans: Iterable[Interval]) -> PortSet:
        """From intervals already canonical and within 1–65535."""
        return cls(tuple(PortRange(low, high) for low, high in spans))

    @classmethod
    def everything(cls) -> PortSet:
        return cls((PortRange(MIN_PORT, MAX_PORT),))

    @property
    def spans(self) -> tuple[Interval, ...]:
        return tuple((r.low, r.high) for r in self.ranges)

    @classmethod
    def parse(cls, text: str) -> PortSet:
        """Parse ``443``, ``161-162`` or a comma list of those."""
        parts = [part.strip() for part in text.split(",")]
        if not text.strip() or any(not part for part in parts):
            raise ServiceSyntaxError(
                f"'{excerpt(text)}' is not a port list — write e.g. 443 or 80,443."
            )
        ranges: list[PortRange] = []
        for part in parts:
            match = _PORT.fullmatch(part)
            if not match:
                raise ServiceSyntaxError(
                    f"'{excerpt(part)}' is not a port or port range — write e.g. 443 or "
                    "49152-65535."
                )
            low = _port_number(match.group(1))
            high = _port_number(match.group(2)) if match.group(2) else low
            ranges.append(PortRange(low, high))
        return cls.of(ranges)

    def __bool__(self) -> bool:
        return bool(self.ranges)

    def __iter__(self) -> Iterator[PortRange]:
        return iter(self.ranges)

    def __contains__(self, port: object) -> bool:
        return any(port in r for r in self.ranges)

    @property
    def size(self) -> int:
        return sum(r.size for r in self.ranges)

    def ports(self) -> Iterator[int]:
        for r in self.ranges:
            yield from range(r.low, r.high + 1)

    def union(self, other: PortSet) -> PortSet:
        return PortSet.of([*self.ranges, *other.ranges])

    def intersect(self, other: PortSet) -> PortSet:
        """The ports in both sets."""
        return PortSet._canonical(intersect_intervals(self.spans, other.spans))

    def subtract(self, other: PortSet) -> PortSet:
        """The ports of this set that are not in ``other``."""
        return PortSet._canonical(subtract_intervals(self.spans, other.spans))

    def complement(self) -> PortSet:
        """Every port from 1 to 65535 that is not in this set."""
        return PortSet.everything().subtract(self)

    def contains(self, other: PortSet | int) -> bool:
        """Whether every port of ``other`` (a set, or one port) is in this set."""
        if isinstance(other, int):
            return other in self
        return covers_intervals(self.spans, other.spans)

    def shifted(self, offset: int) -> PortSet:
        """The same ports moved by ``offset`` (e.g. a second instance at +2000)."""
        return PortSet.of(PortRange(r.low + offset, r.high + offset) for r in self.ranges)

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.ranges)


def _port_number(digits: str) -> int:
    significant = digits.lstrip("0") or "0"
    if len(significant) > _PORT_DIGITS:
        raise ServiceSyntaxError(
            f"port {excerpt(digits, 20)} is outside 1–65535 — use a port between 1 and 65535."
        )
    return int(significant)


@dataclass(frozen=True, order=True)
class Service:
    """One protocol and its destination ports (or ICMP message type)."""

    protocol: str
    ports: PortSet = PortSet()
    icmp_type: str | None = None

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise ServiceSyntaxError(
                f"unknown protocol '{excerpt(self.protocol, 20)}' — use one of "
                f"{', '.join(PROTOCOLS)}."
            )
        if self.protocol in PORTED_PROTOCOLS and not self.ports:
            raise ServiceSyntaxError(
                f"'{self.protocol}' needs destination ports — write e.g. {self.protocol}/443."
            )
        if self.protocol in ICMP_PROTOCOLS and self.ports:
            raise ServiceSyntaxError(
                f"'{self.protocol}' has no ports — write just {self.protocol}."
            )
        if self.icmp_type is not None:
            if self.protocol not in ICMP_PROTOCOLS:
                raise ServiceSyntaxError(f"'{self.protocol}' has no ICMP message types.")
            known = ICMP_TYPES[self.protocol]
            if self.icmp_type not in known:
                raise ServiceSyntaxError(
                    f"unknown {self.protocol} type '{excerpt(self.icmp_type, 30)}' — use one of "
                    f"{', '.join(known)}."
                )

    @property
    def icmp_type_number(self) -> int | None:
        if self.icmp_type is None:
            return None
        return ICMP_TYPES[self.protocol][self.icmp_type]

    def __str__(self) -> str:
        if self.protocol in ICMP_PROTOCOLS:
            return self.protocol if self.icmp_type is None else f"{self.protocol}/{self.icmp_type}"
        return f"{self.protocol}/{self.ports}"


def parse_service(text: str) -> tuple[Service, ...]:
    """Parse one compact service string into one :class:`Service` per protocol."""
    raw = text.strip()
    head, slash, tail = raw.partition("/")
    protocols = [p.strip().lower() for p in head.split("+")]
    if not head or any(not p for p in protocols):
        raise ServiceSyntaxError(
            f"'{excerpt(text)}' is not a service — write e.g. tcp/443 or udp/161-162."
        )
    for protocol in protocols:
        if protocol not in PROTOCOLS:
            raise ServiceSyntaxError(
                f"'{excerpt(text)}': unknown protocol '{excerpt(protocol, 20)}' — use one of "
                f"{', '.join(PROTOCOLS)}."
            )
    try:
        services: list[Service] = []
        for protocol in dict.fromkeys(protocols):
            if protocol in ICMP_PROTOCOLS:
                icmp_type = tail.strip().lower() if slash else None
                services.append(Service(protocol, icmp_type=icmp_type or None))
            elif not slash:
                raise ServiceSyntaxError(f"'{protocol}' needs destination ports")
            else:
                services.append(Service(protocol, PortSet.parse(tail)))
    except ServiceSyntaxError as exc:
        raise ServiceSyntaxError(f"'{excerpt(text)}': {exc.message}") from None
    return tuple(services)


def parse_services(texts: Iterable[str]) -> tuple[Service, ...]:
    """Parse several compact strings and merge them per protocol (canonical form)."""
    return canonical_services(s for text in texts for s in parse_service(text))


def split_services(
    services: Iterable[Service],
) -> tuple[dict[str, PortSet], set[tuple[str, str | None]]]:
    """The ports per protocol (merged), and the (ICMP protocol, type) pairs."""
    ports: dict[str, PortSet] = {}
    icmp: set[tuple[str, str | None]] = set()
    for service in services:
        if service.protocol in ICMP_PROTOCOLS:
            icmp.add((service.protocol, service.icmp_type))
        else:
            ports[service.protocol] = ports.get(service.protocol, PortSet()).union(service.ports)
    return ports, icmp


def canonical_services(services: Iterable[Service]) -> tuple[Service, ...]:
    """Merge ports of the same protocol; keep ICMP types distinct; sort."""
    ports, icmp = split_services(services)
    # An untyped ICMP entry already allows every type of that protocol.
    icmp = {(p, t) for p, t in icmp if t is None or (p, None) not in icmp}
    out = [Service(p, s) for p, s in ports.items()]
    out += [Service(p, icmp_type=t) for p, t in icmp]
    return tuple(sorted(out, key=lambda s: (PROTOCOLS.index(s.protocol), str(s))))


def format_services(services: Iterable[Service]) -> list[str]:
    """Canonical compact strings; protocols sharing the same ports are joined with ``+``."""
    merged = canonical_services(services)
    by_ports: dict[str, list[str]] = {}
    out: list[str] = []
    for service in merged:
        if service.protocol in ICMP_PROTOCOLS:
            out.append(str(service))
        else:
            by_ports.setdefault(str(service.ports), []).append(service.protocol)
    ported = [f"{'+'.join(protocols)}/{ports}" for ports, protocols in by_ports.items()]
    return ported + out

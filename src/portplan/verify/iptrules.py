"""One iptables rule (its tokens after ``-A CHAIN``) → the evaluator's steps and verdict.

Options belong to the match module loaded before them (``-m tcp --dport 22``); the protocol's
own module is implicit after ``-p``. Modules this reader models become exact tests; any other
is a condition (``-m limit --limit 10/s``, ``-m recent --update``, ``-m mac``) — a match has
no effect on the packet, so following both answers is always right. Targets are modelled or
refused by name.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from portplan.errors import InputError, UnsupportedError
from portplan.model.intervals import Interval
from portplan.verify.matches import UNKNOWN, Constant, Field, Match, PacketState, Undecided, Unknown
from portplan.verify.netfilter import (
    ADDRESS_TYPES,
    CT_STATES,
    CT_STATUS,
    IP_PROTOCOLS,
    PKTTYPES,
    TCP_FLAGS,
    ascii_number,
    icmp_type_number,
)
from portplan.verify.rules import (
    Chain,
    Compute,
    Miss,
    Nat,
    Notrack,
    Rule,
    SetMark,
    Statement,
    Step,
    constant,
    read_mark,
    unknown,
)

# Where each table's built-in chains run: (hook, priority, chain type).
TABLES: dict[str, dict[str, tuple[str, int, str]]] = {
    "raw": {"PREROUTING": ("prerouting", -300, "filter"), "OUTPUT": ("output", -300, "filter")},
    "mangle": {
        name: (name.lower(), -150, "filter")
        for name in ("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING")
    },
    "nat": {
        "PREROUTING": ("prerouting", -100, "nat"),
        "INPUT": ("input", 100, "nat"),
        "OUTPUT": ("output", -100, "nat"),
        "POSTROUTING": ("postrouting", 100, "nat"),
    },
    "filter": {name: (name.lower(), 0, "filter") for name in ("INPUT", "FORWARD", "OUTPUT")},
    "security": {name: (name.lower(), 50, "filter") for name in ("INPUT", "FORWARD", "OUTPUT")},
}
VERDICT_TARGETS = {"ACCEPT": "accept", "DROP": "drop", "REJECT": "reject", "RETURN": "return"}
# Targets that change nothing a verdict depends on.
HARMLESS_TARGETS = {
    "LOG",
    "NFLOG",
    "ULOG",
    "TRACE",
    "AUDIT",
    "CHECKSUM",
    "TCPMSS",
    "TOS",
    "DSCP",
    "TTL",
    "HL",
    "CLASSIFY",
    "SECMARK",
    "CONNSECMARK",
    "IDLETIMER",
    "LED",
    "RATEEST",
    "TEE",
    "SET",
    "ECN",
    "TCPOPTSTRIP",
}
REFUSED_TARGETS = {
    "NFQUEUE": "hands the packet to a userspace program, which decides it",
    "QUEUE": "hands the packet to a userspace program, which decides it",
    "TPROXY": "diverts the packet to a local socket (transparent proxy)",
    "SYNPROXY": "answers SYNs itself (synproxy)",
}
# Match modules this reader understands; any other module is a condition.
MODULES = {
    "tcp",
    "udp",
    "sctp",
    "udplite",
    "dccp",
    "icmp",
    "icmp6",
    "icmpv6",
    "multiport",
    "conntrack",
    "state",
    "comment",
    "iprange",
    "set",
    "addrtype",
    "pkttype",
    "mark",
    "connmark",
    "recent",
}
# How many values an option takes where it is not one (flags take none).
ARITY = {
    "--tcp-flags": 2,
    "--match-set": 2,
    "--add-set": 2,
    "--del-set": 2,
    "--syn": 0,
    "--set": 0,
    "--rcheck": 0,
    "--update": 0,
    "--remove": 0,
    "--rsource": 0,
    "--rdest": 0,
    "--reap": 0,
    "--rttl": 0,
    "--notrack": 0,
    "--save-mark": 0,
    "--restore-mark": 0,
    "--clamp-mss-to-pmtu": 0,
    "--checksum-fill": 0,
    "--log-ip-options": 0,
    "--log-tcp-options": 0,
    "--log-tcp-sequence": 0,
    "--log-uid": 0,
    "--log-macdecode": 0,
    "--random": 0,
    "--random-fully": 0,
    "--persistent": 0,
    "--return-nomatch": 0,
    "--kerneltz": 0,
    "--physdev-is-in": 0,
    "--physdev-is-out": 0,
    "--physdev-is-bridged": 0,
    "--strict": 0,
    "--loose": 0,
    "--invert": 0,
    "--validmark": 0,
    "--accept-local": 0,
    "--exist": 0,
}
_OPTION = re.compile(r"^--?[A-Za-z0-9]")


@dataclass(frozen=True)
class IpSet:
    """An ipset of addresses or networks (hash:ip, hash:net): its family and intervals."""

    family: str  # "ip" or "ip6"
    intervals: tuple[tuple[int, int], ...]


@dataclass
class RuleLine:
    """A rule line of an iptables-save file: where it is and its tokens after the chain."""

    number: int
    table: str
    chain: str
    tokens: list[str]
    insert_at: int | None  # -I CHAIN [n]: the position; None for -A
    family: str | None  # -4 / -6 on the rule


@dataclass
class RuleReader:
    line: RuleLine
    family: str
    chains: Mapping[tuple[str, str, str], Chain]
    ipsets: Mapping[str, IpSet]
    steps: list[Step] = field(default_factory=list)
    verdict: Statement | None = None
    comment: str | None = None
    protocol: str | None = None
    position: int = 0

    def fail(self, message: str) -> UnsupportedError:
        return UnsupportedError(
            f"line {self.line.number}: {message} — portplan cannot evaluate it; audit this rule "
            "by hand or remove it."
        )

    def bad(self, message: str) -> InputError:
        return InputError(f"line {self.line.number}: {message}.")

    @property
    def addr_kind(self) -> str:
        return "addr4" if self.family == "ip" else "addr6"

    def read(self) -> Rule:
        tokens = self.line.tokens
        module: str | None = None
        module_options: list[str] = []
        negate = False
        while self.position < len(tokens):
            token = tokens[self.position]
            self.position += 1
            if token == "!":
                negate = True
                continue
            if token in ("-m", "--match"):
                self._end_module(module, module_options)
                module, module_options = self._value(token).lower(), []
                continue
            if token in ("-j", "--jump", "-g", "--goto"):
                self._end_module(module, module_options)
                module = None
                self._target(token, self._value(token))
                break
            if token in GENERAL:
                self._end_module(module, module_options)
                module = None
                value = self._value(token) if token not in ("-f", "--fragment") else ""
                if value == "!":  # old style, as iptables 1.4 saved it: -d ! 10.0.0.0/8
                    negate, value = True, self._value(token)
                GENERAL[token](self, token, value, negate)
            elif token.startswith("-"):
                values = self._values(token)
                if negate and values and values[0] == "!":
                    values = values[1:]
                elif values and values[0] == "!":  # old style: --dport ! 22
                    negate, values = True, values[1:]
                self._option(module, token, values, negate, module_options)
            else:
                raise self.bad(f"unexpected '{token[:30]}'")
            negate = False
        self._end_module(module, module_options)
        return Rule(
            family=self.family,
            table=self.line.table,
            chain=self.line.chain,
            handle=self.line.number,
            comment=self.comment or f"line {self.line.number}",
            steps=tuple(self.steps),
            verdict=self.verdict,
        )

    def _value(self, option: str) -> str:
        if self.position >= len(self.line.tokens):
            raise self.bad(f"'{option}' needs a value")
        value = self.line.tokens[self.position]
        self.position += 1
        return value

    def _values(self, option: str) -> list[str]:
        tokens = self.line.tokens
        count = ARITY.get(option)
        if count is None:  # one value unless the next token is another option
            following = tokens[self.position] if self.position < len(tokens) else ""
            count = 0 if not following or _OPTION.match(following) else 1
            if following == "!":
                count = 2
        values = tokens[self.position : self.position + count]
        if len(values) < count:
            raise self.bad(f"'{option}' needs {count} value(s)")
        self.position += count
        return values

    # --- general options --------------------------------------------------------------------
    def _address(self, token: str, value: str, negate: bool) -> None:
        which = "saddr" if token in ("-s", "--source") else "daddr"
        elements = tuple((_network(part, self.family, self),) for part in value.split(","))
        field_ = Field(f"{self.family} {which}", self.addr_kind, self.family)
        text = f"{'! ' if negate else ''}{token} {value}"
        self.steps.append(Match((field_,), _op(negate), elements, text=text))

    def _protocol(self, token: str, value: str, negate: bool) -> None:
        protocol = value.lower()
        if protocol in ("all", "0"):
            return
        number = IP_PROTOCOLS.get(protocol)
        if number is None:
            number = ascii_number(protocol, 255)
        if number is None:
            raise self.fail(f"protocol '{value[:20]}'")
        if not negate:
            self.protocol = {v: k for k, v in IP_PROTOCOLS.items()}.get(number, protocol)
        proto = Field("meta l4proto", "proto")
        text = f"{'! ' if negate else ''}-p {value}"
        self.steps.append(Match((proto,), _op(negate), (((number, number),),), text=text))

    def _interface(self, token: str, value: str, negate: bool) -> None:
        name = "meta iifname" if token in ("-i", "--in-interface") else "meta oifname"
        pattern = value[:-1] + "*" if value.endswith("+") else value
        text = f"{'! ' if negate else ''}{token} {value}"
        self.steps.append(Match((Field(name, "ifname"),), _op(negate), ((pattern,),), text=text))

    def _fragment(self, token: str, value: str, negate: bool) -> None:
        # -f: a second or later fragment; a first packet never is one.
        self.steps.append(Constant(negate, "! -f" if negate else "-f"))

    # --- match modules ----------------------------------------------------------------------
    def _option(
        self, module: str | None, option: str, values: list[str], negate: bool, options: list[str]
    ) -> None:
        options.extend((["!"] if negate else []) + [option, *values])
        handler = MODULE_OPTIONS.get(option)
        if module == "connmark" and option == "--mark":
            self._mark(option, values, negate, target="ct")
        elif module in MODULES and handler is not None:
            handler(self, option, values, negate)
        elif module in MODULES:
            raise self.fail(f"the option '{option}' of '-m {module}'")
        elif module is None and handler is not None and option in IMPLICIT_OPTIONS:
            handler(self, option, values, negate)  # -p tcp --dport 22 (implicit -m tcp)
        elif module is None:
            raise self.fail(f"the option '{option}'")

    def _end_module(self, module: str | None, options: list[str]) -> None:
        if module is None:
            return
        text = f"-m {module} {' '.join(options)}".strip()
        if module == "recent" and not set(options) & {"--rcheck", "--update", "--remove"}:
            return  # -m recent --set always matches (it only records the source)
        if module not in MODULES or module == "recent":
            self.steps.append(Undecided(text))

    def _ports(self, option: str, values: list[str], negate: bool) -> None:
        if self.protocol not in ("tcp", "udp", "sctp", "udplite", "dccp"):
            raise self.fail(f"'{option}' without -p tcp, udp or sctp")
        proto = frozenset({IP_PROTOCOLS[self.protocol]})
        text = f"{'! ' if negate else ''}{option} {values[0]}"
        spans = [_port_range(part, self) for part in values[0].split(",")]
        # A range saved backwards (60000:29) matches no port, as the kernel compares it.
        elements = tuple((span,) for span in spans if span[0] <= span[1])
        if not elements:
            self.steps.append(Constant(negate, text))
            return
        if option == "--ports":  # multiport --ports: the source or the destination port
            fields = [
                Field(f"{self.protocol} {d}", "port", protocols=proto) for d in ("dport", "sport")
            ]
            if negate:  # neither port in the list
                for f in fields:
                    self.steps.append(Match((f,), "!=", elements, text=text))
                return
            # either port in the list: a concatenation of both, one element per way
            both = tuple(
                element
                for span in elements
                for element in ((span[0], (0, 65535)), ((0, 65535), span[0]))
            )
            self.steps.append(Match(tuple(fields), "==", both, text=text))
            return
        direction = "dport" if option.startswith(("--d", "--destination")) else "sport"
        port = Field(f"{self.protocol} {direction}", "port", protocols=proto)
        self.steps.append(Match((port,), _op(negate), elements, text=text))

    def _tcp_flags(self, option: str, values: list[str], negate: bool) -> None:
        mask, compare = (_flags(v, self) for v in values) if values else (0, 0)
        text = f"{'! ' if negate else ''}--tcp-flags {' '.join(values)}"
        flags = Field("tcp flags", "tcpflags", protocols=frozenset({6}))
        self.steps.append(
            Match((flags,), _op(negate), (((compare, compare),),), mask=mask, text=text)
        )

    def _syn(self, option: str, values: list[str], negate: bool) -> None:
        # SYN set, ACK/RST/FIN clear: a new connection's first packet.
        syn = TCP_FLAGS["syn"]
        mask = syn | TCP_FLAGS["ack"] | TCP_FLAGS["rst"] | TCP_FLAGS["fin"]
        flags = Field("tcp flags", "tcpflags", protocols=frozenset({6}))
        text = "! --syn" if negate else "--syn"
        self.steps.append(Match((flags,), _op(negate), (((syn, syn),),), mask=mask, text=text))

    def _icmp(self, option: str, values: list[str], negate: bool) -> None:
        kind = "icmp" if option == "--icmp-type" else "icmpv6"
        family = "ip" if kind == "icmp" else "ip6"
        type_text, _, code = values[0].partition("/")
        field_ = Field(f"{kind} type", kind, family, frozenset({1 if kind == "icmp" else 58}))
        text = f"{'! ' if negate else ''}{option} {values[0]}"
        if type_text == "any":
            self.steps.append(Match((field_,), _op(negate), (((0, 255),),), text=text))
            return
        try:
            number = icmp_type_number(kind, type_text)
        except InputError:
            raise self.bad(f"'{values[0][:30]}' is not an {kind} type") from None
        if number > 255:
            raise self.bad(f"'{values[0][:30]}' is not an {kind} type")
        if code:
            self.steps.append(Undecided(text))  # the code is not part of a flow
            return
        self.steps.append(Match((field_,), _op(negate), (((number, number),),), text=text))

    def _state(self, option: str, values: list[str], negate: bool) -> None:
        names = [s.lower() for s in values[0].split(",")]
        text = f"{'! ' if negate else ''}{option} {values[0]}"
        nat = [n for n in names if n in ("snat", "dnat")]
        if nat and len(nat) != len(names):
            self.steps.append(Undecided(text))
            return
        if nat:
            bits = sum(CT_STATUS[n] for n in nat)
            field_ = Field("ct status", "ctstatus")
        else:
            unknown = [n for n in names if n not in CT_STATES]
            if unknown:
                raise self.bad(f"'{unknown[0][:20]}' is not a conntrack state")
            bits = sum(1 << CT_STATES.index(n) for n in names)
            field_ = Field("ct state", "ctstate")
        self.steps.append(Match((field_,), _op(negate), (((bits, bits),),), True, text=text))

    def _ct_status(self, option: str, values: list[str], negate: bool) -> None:
        names = [s.lower().replace("_", "-") for s in values[0].split(",")]
        text = f"{'! ' if negate else ''}--ctstatus {values[0]}"
        if names == ["none"]:
            self.steps.append(Undecided(text))
            return
        if any(n not in CT_STATUS for n in names):
            raise self.bad(f"'{values[0][:30]}' is not a conntrack status")
        bits = sum(CT_STATUS[n] for n in names)
        field_ = Field("ct status", "ctstatus")
        self.steps.append(Match((field_,), _op(negate), (((bits, bits),),), True, text=text))

    def _ct_proto(self, option: str, values: list[str], negate: bool) -> None:
        number = IP_PROTOCOLS.get(values[0].lower())
        if number is None:
            number = ascii_number(values[0], 255)
        if number is None:
            raise self.bad(f"'{values[0][:20]}' is not a protocol")
        # The connection's protocol is the packet's, except for ICMP errors related to it.
        field_ = Field("ct protocol", "proto")
        text = f"{'! ' if negate else ''}--ctproto {values[0]}"
        self.steps.append(Match((field_,), _op(negate), (((number, number),),), text=text))

    def _undecided(self, option: str, values: list[str], negate: bool) -> None:
        self.steps.append(Undecided(f"{'! ' if negate else ''}{option} {' '.join(values)}"))

    def _range(self, option: str, values: list[str], negate: bool) -> None:
        low, _, high = values[0].partition("-")
        first = _network(low, self.family, self)[0]
        last = _network(high or low, self.family, self)[1]
        name = f"{self.family} {'saddr' if option == '--src-range' else 'daddr'}"
        text = f"{'! ' if negate else ''}{option} {values[0]}"
        field_ = Field(name, self.addr_kind, self.family)
        self.steps.append(Match((field_,), _op(negate), (((first, last),),), text=text))

    def _match_set(self, option: str, values: list[str], negate: bool) -> None:
        name, flags = values
        text = f"{'! ' if negate else ''}--match-set {name} {flags}"
        ipset = self.ipsets.get(name)
        direction = flags.split(",")
        if ipset is None or len(direction) != 1 or direction[0] not in ("src", "dst"):
            self.steps.append(Undecided(f"{text} (its members are not given: pass --ipset)"))
            return
        if ipset.family != self.family:
            raise self.fail(f"the ipset '{name}' of the other IP version")
        which = "saddr" if direction[0] == "src" else "daddr"
        field_ = Field(f"{self.family} {which}", self.addr_kind, self.family)
        elements = tuple((span,) for span in ipset.intervals)
        self.steps.append(Match((field_,), _op(negate), elements, text=text))

    def _addrtype(self, option: str, values: list[str], negate: bool) -> None:
        which = "saddr" if option == "--src-type" else "daddr"
        types = [t.lower() for t in values[0].split(",")]
        text = f"{'! ' if negate else ''}{option} {values[0]}"
        if any(t not in ADDRESS_TYPES for t in types):
            self.steps.append(Undecided(text))  # THROW, NAT, XRESOLVE: rare route types
            return
        elements = tuple(((ADDRESS_TYPES[t], ADDRESS_TYPES[t]),) for t in types)
        self.steps.append(
            Match((Field(f"fib {which} type", "addrtype"),), _op(negate), elements, text=text)
        )

    def _pkttype(self, option: str, values: list[str], negate: bool) -> None:
        kind = values[0].lower()
        if kind not in PKTTYPES:
            raise self.bad(f"'{values[0][:20]}' is not a packet type")
        text = f"{'! ' if negate else ''}--pkt-type {values[0]}"
        value = PKTTYPES[kind]
        self.steps.append(
            Match((Field("meta pkttype", "pkttype"),), _op(negate), (((value, value),),), text=text)
        )

    def _mark(self, option: str, values: list[str], negate: bool, target: str = "meta") -> None:
        value, mask = _mark_value(values[0], self)
        text = f"{'! ' if negate else ''}--mark {values[0]}"
        field_ = Field(f"{target} mark", "mark")
        self.steps.append(Match((field_,), _op(negate), (((value, value),),), mask=mask, text=text))

    def _comment(self, option: str, values: list[str], negate: bool) -> None:
        self.comment = values[0]

    def _recent(self, option: str, values: list[str], negate: bool) -> None:
        """recent's options are read whole when the module ends."""

    # --- targets ----------------------------------------------------------------------------
    def _target(self, token: str, target: str) -> None:
        options: dict[str, list[str]] = {}
        while self.position < len(self.line.tokens):
            option = self.line.tokens[self.position]
            self.position += 1
            if option == "!":
                raise self.bad("a target option cannot be negated")
            options[option] = self._values(option)
        goto = token in ("-g", "--goto")
        if (self.family, self.line.table, target) in self.chains:
            if TABLES[self.line.table].get(target) is not None:
                raise self.bad(f"'{token} {target}' jumps to a built-in chain")
            self.verdict = Statement("goto" if goto else "jump", target)
        elif target in VERDICT_TARGETS:
            self.verdict = Statement(VERDICT_TARGETS[target])
            if target == "REJECT":
                self._reject_dependency(options.get("--reject-with", [""])[0])
        elif target in HARMLESS_TARGETS:
            return
        elif target in REFUSED_TARGETS:
            raise self.fail(f"the target '{target}': it {REFUSED_TARGETS[target]}")
        elif target in ("NOTRACK", "CT"):
            if target == "NOTRACK" or "--notrack" in options:
                self.steps.append(Notrack())
        elif target in ("MARK", "CONNMARK"):
            self.steps.append(self._set_mark(target, options))
        elif target in ("DNAT", "SNAT", "MASQUERADE", "REDIRECT", "NETMAP"):
            self.steps.append(self._nat(target, options))
            self.verdict = Statement("accept")  # NAT targets end the chain
        else:
            raise self.fail(f"the target '{target[:30]}'")

    def _reject_dependency(self, kind: str) -> None:
        if kind in ("tcp-reset", "tcp-rst"):
            self.steps.append(
                Match((Field("meta l4proto", "proto"),), "==", (((6, 6),),), text="-p tcp")
            )

    def _set_mark(self, target: str, options: Mapping[str, list[str]]) -> SetMark:
        text = f"-j {target} {' '.join(k + ' ' + ' '.join(v) for k, v in options.items())}"
        where = "ct" if target == "CONNMARK" else "meta"
        if "--restore-mark" in options:
            return SetMark("meta", read_mark("ct"), text)
        if "--save-mark" in options:
            return SetMark("ct", read_mark("meta"), text)
        for option in ("--set-xmark", "--set-mark", "--and-mark", "--or-mark", "--xor-mark"):
            if option in options:
                value, mask = _mark_value(options[option][0], self)
                return SetMark(where, _mark_update(where, option, value, mask), text)
        raise self.fail(f"'{text.strip()}'")

    def _nat(self, target: str, options: Mapping[str, list[str]]) -> Nat:
        kind = {"DNAT": "dnat", "SNAT": "snat", "MASQUERADE": "masquerade"}.get(target, "redirect")
        text = f"-j {target} {' '.join(k + ' ' + ' '.join(v) for k, v in options.items())}".strip()
        if target == "NETMAP":
            kind = "dnat" if self.line.chain in ("PREROUTING", "OUTPUT") else "snat"
            return Nat(kind, unknown, None, text)
        spec = (options.get("--to-destination") or options.get("--to-source") or [""])[0]
        ports = (options.get("--to-ports") or [""])[0]
        address: Compute | None = None
        port: Compute | None = None
        if spec:
            address, port = _nat_spec(spec, self)
        if ports:
            port = _port_compute(ports, self)
        if kind == "masquerade" and ports:
            port = unknown
        return Nat(kind, address, port, text)


def _op(negate: bool) -> str:
    return "!=" if negate else "=="


def _mark_update(where: str, option: str, value: int, mask: int) -> Compute:
    """MARK/CONNMARK --set-xmark, --set-mark, --and-mark, --or-mark, --xor-mark."""
    current = read_mark(where)

    def compute(state: PacketState) -> int | Unknown | Miss | None:
        old = current(state)
        if isinstance(old, Miss):
            return old
        if option in ("--set-mark", "--set-xmark") and mask == 0xFFFFFFFF:
            return value
        if not isinstance(old, int):
            return UNKNOWN
        if option in ("--set-xmark",):
            return (old & ~mask) ^ value
        if option == "--set-mark":
            return (old & ~mask) | value
        if option == "--and-mark":
            return old & value
        if option == "--or-mark":
            return old | value
        return old ^ value

    return compute


def _mark_value(text: str, reader: RuleReader) -> tuple[int, int]:
    value_text, _, mask_text = text.partition("/")
    value = ascii_number(value_text, 2**32 - 1)
    mask = ascii_number(mask_text, 2**32 - 1) if mask_text else 0xFFFFFFFF
    if value is None or mask is None:
        raise reader.bad(f"'{text[:30]}' is not a mark (value[/mask], up to 32 bits)")
    return value, mask


def _network(text: str, family: str, reader: RuleReader) -> Interval:
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise reader.bad(f"'{text[:45]}' is not an address or network") from None
    if (network.version == 4) != (family == "ip"):
        raise reader.bad(f"'{text[:45]}' is an address of the other IP version")
    return int(network.network_address), int(network.broadcast_address)


def _port(text: str, reader: RuleReader) -> int:
    value = ascii_number(text, 65535)
    if value is None and text.isascii() and text.replace("-", "").isalnum() and len(text) < 40:
        try:
            value = socket.getservbyname(text)
        except OSError:
            value = None
    if value is None:
        raise reader.bad(f"port '{text[:20]}' is not a number from 0 to 65535")
    return value


def _port_range(text: str, reader: RuleReader) -> Interval:
    low, colon, high = text.partition(":")
    first = _port(low, reader) if low else 0
    last = (_port(high, reader) if high else 65535) if colon else first
    return first, last


def _port_compute(text: str, reader: RuleReader) -> Compute:
    first, last = _port_range(text.replace("-", ":"), reader)
    if first > last:
        raise reader.bad(f"port range '{text[:20]}' runs backwards")
    return constant(first) if first == last else unknown


def _nat_spec(spec: str, reader: RuleReader) -> tuple[Compute | None, Compute | None]:
    """``10.0.0.5``, ``10.0.0.5:8080``, ``[2001:db8::5]:8080``, ``10.0.0.5-10.0.0.9``."""
    if spec.startswith("["):
        address, _, rest = spec[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif reader.family == "ip6" and spec.count(":") > 1:
        address, port = spec, ""
    else:
        address, _, port = spec.partition(":")
    address_compute: Compute | None = None
    if address:
        low, _, high = address.partition("-")
        first = _network(low, reader.family, reader)[0]
        last = _network(high, reader.family, reader)[0] if high else first
        address_compute = constant(first) if first == last else unknown
    return address_compute, _port_compute(port, reader) if port else None


def _flags(text: str, reader: RuleReader) -> int:
    if text.upper() == "ALL":
        return 0x3F
    if text.upper() == "NONE":
        return 0
    bits = 0
    for name in text.lower().split(","):
        if name not in TCP_FLAGS:
            raise reader.bad(f"'{name[:10]}' is not a TCP flag")
        bits |= TCP_FLAGS[name]
    return bits


GENERAL: dict[str, Callable[[RuleReader, str, str, bool], None]] = {
    "-s": RuleReader._address,
    "--source": RuleReader._address,
    "-d": RuleReader._address,
    "--destination": RuleReader._address,
    "-p": RuleReader._protocol,
    "--protocol": RuleReader._protocol,
    "-i": RuleReader._interface,
    "--in-interface": RuleReader._interface,
    "-o": RuleReader._interface,
    "--out-interface": RuleReader._interface,
    "-f": RuleReader._fragment,
    "--fragment": RuleReader._fragment,
}
MODULE_OPTIONS: dict[str, Callable[[RuleReader, str, list[str], bool], None]] = {
    "--dport": RuleReader._ports,
    "--destination-port": RuleReader._ports,
    "--sport": RuleReader._ports,
    "--source-port": RuleReader._ports,
    "--dports": RuleReader._ports,
    "--destination-ports": RuleReader._ports,
    "--sports": RuleReader._ports,
    "--source-ports": RuleReader._ports,
    "--ports": RuleReader._ports,
    "--tcp-flags": RuleReader._tcp_flags,
    "--syn": RuleReader._syn,
    "--tcp-option": RuleReader._undecided,
    "--icmp-type": RuleReader._icmp,
    "--icmpv6-type": RuleReader._icmp,
    "--state": RuleReader._state,
    "--ctstate": RuleReader._state,
    "--ctstatus": RuleReader._ct_status,
    "--ctproto": RuleReader._ct_proto,
    "--ctorigsrc": RuleReader._undecided,
    "--ctorigdst": RuleReader._undecided,
    "--ctreplsrc": RuleReader._undecided,
    "--ctrepldst": RuleReader._undecided,
    "--ctorigsrcport": RuleReader._undecided,
    "--ctorigdstport": RuleReader._undecided,
    "--ctreplsrcport": RuleReader._undecided,
    "--ctrepldstport": RuleReader._undecided,
    "--ctexpire": RuleReader._undecided,
    "--ctdir": RuleReader._undecided,
    "--comment": RuleReader._comment,
    "--src-range": RuleReader._range,
    "--dst-range": RuleReader._range,
    "--match-set": RuleReader._match_set,
    "--src-type": RuleReader._addrtype,
    "--dst-type": RuleReader._addrtype,
    "--limit-iface-in": RuleReader._undecided,
    "--limit-iface-out": RuleReader._undecided,
    "--pkt-type": RuleReader._pkttype,
    "--mark": RuleReader._mark,
}
for _name in ("--set", "--rcheck", "--update", "--remove", "--seconds", "--hitcount", "--name"):
    MODULE_OPTIONS[_name] = RuleReader._recent
for _name in ("--rsource", "--rdest", "--rttl", "--reap", "--mask"):
    MODULE_OPTIONS[_name] = RuleReader._recent
# Options of the protocol match that -p loads implicitly (iptables-save writes -m tcp, but
# hand-written files often do not).
IMPLICIT_OPTIONS = {
    "--dport",
    "--destination-port",
    "--sport",
    "--source-port",
    "--tcp-flags",
    "--syn",
    "--icmp-type",
    "--icmpv6-type",
}

"""Reading existing rulesets into the evaluator's model.

Three formats: the JSON of ``nft -j list ruleset``; nft text (loaded into a throwaway network
namespace by the real ``nft`` and dumped as JSON, so the kernel's parser decides what it means);
and ``iptables-save`` output, whose filter table is translated rule by rule into the same
:class:`~portplan.verify.evaluate.Ruleset` (iptables and nftables share netfilter's hooks,
conntrack states and first-match semantics).
"""

from __future__ import annotations

import ipaddress
import itertools
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from portplan.errors import InputError, UnsupportedError
from portplan.verify.evaluate import (
    IP_PROTOCOLS,
    Chain,
    Element,
    Field,
    Match,
    Rule,
    Ruleset,
    Statement,
    icmp_type_number,
    load_ruleset,
)
from portplan.verify.netns import NetnsGroup, missing_requirements

FORMATS = ("nft-json", "nft", "iptables-save")


def read_rulesets(
    paths: Sequence[Path], fmt: str | None = None, ipset: Path | None = None
) -> Ruleset:
    """Read one or more ruleset files into one Ruleset (e.g. ``rules.v4`` and ``rules.v6``).
    ``ipset``: ``ipset save`` output for iptables rules that match ``-m set``."""
    sets = parse_ipsets(_read(ipset)) if ipset is not None else {}
    chains: dict[tuple[str, str, str], Chain] = {}
    for path in paths:
        ruleset = read_ruleset(path, fmt, sets)
        for key, chain in ruleset.chains.items():
            if key in chains:
                raise InputError(
                    f"chain {' '.join(key)} is in two of the rulesets — pass each table once.",
                    file=str(path),
                )
            chains[key] = chain
    return Ruleset(chains)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"cannot read the ruleset: {exc.strerror} — check the path.", file=str(path)
        ) from None


def read_ruleset(
    path: Path, fmt: str | None = None, ipsets: Mapping[str, IpSet] | None = None
) -> Ruleset:
    """Read ``path`` in ``fmt`` (guessed from the content when None)."""
    text = _read(path)
    fmt = fmt or guess_format(text)
    try:
        if fmt == "nft-json":
            return load_ruleset(text)
        if fmt == "nft":
            return load_ruleset(nft_text_to_json(text))
        if fmt == "iptables-save":
            return parse_iptables_save(text, ipsets)
    except (InputError, UnsupportedError) as exc:
        if exc.file is None:
            exc.file = str(path)
        raise
    raise InputError(f"unknown ruleset format '{fmt}' — use one of {', '.join(FORMATS)}.")


@dataclass(frozen=True)
class IpSet:
    """An ipset of addresses or networks (hash:ip, hash:net): its family and intervals."""

    family: str  # "ip" or "ip6"
    intervals: tuple[tuple[int, int], ...]


def parse_ipsets(text: str) -> dict[str, IpSet]:
    """``ipset save`` output: ``create NAME hash:net family inet`` and ``add NAME CIDR``."""
    kinds: dict[str, tuple[str, str]] = {}
    members: dict[str, list[tuple[int, int]]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        words = raw.split()
        if not words or words[0].startswith("#") or words[0] == "flush":
            continue
        if words[0] == "create" and len(words) >= 3:
            family = "ip6" if "inet6" in words else "ip"
            kinds[words[1]] = (words[2], family)
            members.setdefault(words[1], [])
        elif words[0] == "add" and len(words) >= 3 and words[1] in kinds:
            kind, family = kinds[words[1]]
            if kind not in ("hash:ip", "hash:net"):
                raise UnsupportedError(
                    f"ipset line {number}: set '{words[1]}' is {kind}; portplan reads hash:ip "
                    "and hash:net sets."
                )
            try:
                network = ipaddress.ip_network(words[2], strict=False)
            except ValueError:
                raise InputError(f"ipset line {number}: '{words[2]}' is not an address.") from None
            members[words[1]].append((int(network.network_address), int(network.broadcast_address)))
        else:
            raise InputError(f"ipset line {number}: '{raw.strip()[:40]}' is not ipset save output.")
    return {name: IpSet(kinds[name][1], tuple(spans)) for name, spans in members.items()}


def guess_format(text: str) -> str:
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return "nft-json"
    if any(line.startswith(("*filter", ":INPUT", "-A ")) for line in text.splitlines()):
        return "iptables-save"
    return "nft"


def nft_text_to_json(text: str) -> str:
    """Let the real nft parse ``text`` in a throwaway namespace and return its JSON dump."""
    problems = missing_requirements()
    if problems:
        raise UnsupportedError(
            f"reading nft text needs {' and '.join(problems)} (the kernel's own parser "
            "reads it) — run as root, or pass 'nft -j list ruleset' output with --format nft-json."
        )
    with NetnsGroup(prefix="ppa") as group:
        namespace = group.add("audit")
        result = namespace.run("nft", "-f", "-", input=text, check=False)
        if result.returncode != 0:
            first = (result.stderr.strip().splitlines() or ["nft rejected it"])[0]
            raise InputError(f"nft cannot load this ruleset: {first.replace('/dev/stdin', 'line')}")
        return namespace.run("nft", "-j", "list", "ruleset").stdout


# --- iptables-save ----------------------------------------------------------------------------

_HOOKS = {"INPUT": "input", "FORWARD": "forward", "OUTPUT": "output"}
_TARGETS = {"ACCEPT": "accept", "DROP": "drop", "REJECT": "reject", "RETURN": "return"}


def parse_iptables_save(text: str, ipsets: Mapping[str, IpSet] | None = None) -> Ruleset:
    """The filter table of ``iptables-save`` (or ``ip6tables-save``) output as a Ruleset."""
    family = "ip6" if _looks_ipv6(text) else "ip"
    chains: dict[tuple[str, str, str], Chain] = {}
    table: str | None = None
    rules: list[tuple[int, list[str]]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("*"):
            table = line[1:]
        elif line == "COMMIT":
            table = None
        elif table != "filter":
            continue  # nat, mangle and raw tables do not filter (and are not modelled)
        elif line.startswith(":"):
            name, policy = line[1:].split()[:2]
            hook = _HOOKS.get(name)
            chains[(family, "filter", name)] = Chain(
                family=family,
                table="filter",
                name=name,
                hook=hook,
                priority=0,
                policy="drop" if policy == "DROP" else "accept",
                type="filter",
            )
        elif line.startswith(("-A ", "--append ")):
            try:
                rules.append((number, shlex.split(line)))
            except ValueError as exc:
                raise InputError(f"line {number}: {exc} — check the quoting.") from None
        else:
            raise InputError(f"line {number}: '{line[:40]}' is not iptables-save output.")
    if not chains:
        raise InputError("no filter table (*filter) in this iptables-save output.")
    for index, (number, tokens) in enumerate(rules, start=1):
        rule = _iptables_rule(tokens, family, number, index, chains, ipsets or {})
        chains[(family, "filter", rule.chain)].rules.append(rule)
    return Ruleset(chains)


def _looks_ipv6(text: str) -> bool:
    for line in text.splitlines():
        tokens = line.split()
        for flag, value in itertools.pairwise(tokens):
            if flag in ("-s", "-d", "--source", "--destination") and ":" in value:
                return True
    return False


def _iptables_rule(
    tokens: list[str],
    family: str,
    number: int,
    index: int,
    chains: dict[tuple[str, str, str], Chain],
    ipsets: Mapping[str, IpSet],
) -> Rule:
    def fail(message: str) -> UnsupportedError:
        return UnsupportedError(
            f"line {number}: {message} — portplan cannot evaluate it; audit this rule by hand "
            "or remove it."
        )

    chain = tokens[1]
    if (family, "filter", chain) not in chains:
        raise InputError(f"line {number}: chain '{chain}' is not declared (':{chain} ...').")
    matches: list[Match] = []
    verdict: Statement | None = None
    comment: str | None = None
    protocol: str | None = None
    pending_ports: list[tuple[str, str, bool]] = []
    addr_kind = "addr4" if family == "ip" else "addr6"
    position, negate = 2, False
    while position < len(tokens):
        token = tokens[position]
        value = tokens[position + 1] if position + 1 < len(tokens) else ""
        position += 2
        if token == "!":
            negate, position = True, position - 1
            continue
        op = "!=" if negate else "=="
        negate = False
        if token in ("-s", "--source", "-d", "--destination"):
            name = f"{family} {'saddr' if token in ('-s', '--source') else 'daddr'}"
            elements = [(_address(value, family, fail),) for value in value.split(",")]
            matches.append(Match((Field(name, addr_kind, family),), op, tuple(elements)))
        elif token in ("-p", "--protocol"):
            protocol = value.lower()
            if protocol in ("all", "0"):
                continue
            number_ = IP_PROTOCOLS.get(protocol) or (int(protocol) if protocol.isdigit() else None)
            if number_ is None:
                raise fail(f"protocol '{value}'")
            matches.append(Match((Field("meta l4proto", "proto"),), op, (((number_, number_),),)))
        elif token in ("-i", "--in-interface", "-o", "--out-interface"):
            name = "meta iifname" if token in ("-i", "--in-interface") else "meta oifname"
            pattern = value[:-1] + "*" if value.endswith("+") else value
            matches.append(Match((Field(name, "ifname"),), op, ((pattern,),)))
        elif token == "--match-set":
            flags = tokens[position] if position < len(tokens) else ""
            position += 1
            matches.append(_set_match(value, flags, op, family, ipsets, fail))
        elif token in ("-m", "--match"):
            if value not in (
                "set",
                "tcp",
                "udp",
                "sctp",
                "multiport",
                "conntrack",
                "state",
                "comment",
                "icmp",
                "icmp6",
                "icmpv6",
                "iprange",
            ):
                raise fail(f"the match module '-m {value}'")
        elif token in (
            "--dport",
            "--destination-port",
            "--sport",
            "--source-port",
            "--dports",
            "--destination-ports",
            "--sports",
            "--source-ports",
        ):
            pending_ports.append(("dport" if "d" in token[2:4] else "sport", value, op == "!="))
        elif token == "--syn":
            # A SYN without ACK, RST or FIN: the first packet of a TCP connection, which is
            # what a packet in state NEW is here (the evaluator models first packets).
            position -= 1  # --syn takes no value
            new = 1 << _ct_bit("new", fail)
            matches.append(
                Match((Field("ct state", "ctstate"),), op, (((new, new),),), flag_test=True)
            )
        elif token in ("--src-range", "--dst-range"):
            low, _, high = value.partition("-")
            try:
                first, last = ipaddress.ip_address(low), ipaddress.ip_address(high or low)
            except ValueError:
                raise fail(f"the address range '{value}'") from None
            name = f"{family} {'saddr' if token == '--src-range' else 'daddr'}"
            matches.append(
                Match((Field(name, addr_kind, family),), op, (((int(first), int(last)),),))
            )
        elif token in ("--ctstate", "--state"):
            states = tuple(
                ((1 << _ct_bit(s, fail), 1 << _ct_bit(s, fail)),) for s in value.lower().split(",")
            )
            matches.append(Match((Field("ct state", "ctstate"),), op, states, flag_test=True))
        elif token in ("--icmp-type", "--icmpv6-type"):
            kind = "icmp" if token == "--icmp-type" else "icmpv6"
            matches.append(_icmp_match(kind, value, op, fail))
        elif token == "--comment":
            comment = value
        elif token in ("-j", "--jump", "-g", "--goto"):
            target = _TARGETS.get(value)
            if target is not None:
                verdict = Statement(target)
            elif (family, "filter", value) in chains:
                verdict = Statement("goto" if token in ("-g", "--goto") else "jump", value)
            elif value in ("LOG", "NFLOG"):
                verdict = None
            else:
                raise fail(f"the target '{value}'")
            while position < len(tokens) and tokens[position].startswith("--"):
                position += 2  # target options such as --reject-with or --log-prefix
        elif token in ("-A", "--append"):
            continue
        else:
            raise fail(f"the option '{token}'")
    for direction, ports, negated in pending_ports:
        if protocol not in ("tcp", "udp", "sctp"):
            raise fail(f"--{direction} without -p tcp, udp or sctp")
        field_ = Field(
            f"{protocol} {direction}", "port", protocols=frozenset({IP_PROTOCOLS[protocol]})
        )
        port_elements: list[Element] = []
        for part in ports.split(","):
            low, _, high = part.partition(":")
            if not low.isdigit() or (high and not high.isdigit()):
                raise fail(f"the port '{part}'")
            port_elements.append(((int(low), int(high or low)),))
        matches.append(Match((field_,), "!=" if negated else "==", tuple(port_elements)))
    return Rule(
        family=family,
        table="filter",
        chain=chain,
        handle=index,
        comment=comment or f"line {number}",
        matches=tuple(matches),
        verdict=verdict,
    )


def _set_match(
    name: str,
    flags: str,
    op: str,
    family: str,
    ipsets: Mapping[str, IpSet],
    fail: Callable[[str], UnsupportedError],
) -> Match:
    if name not in ipsets:
        raise fail(f"the ipset '{name}' (pass its 'ipset save' output with --ipset)")
    ipset = ipsets[name]
    if flags not in ("src", "dst"):
        raise fail(f"the ipset direction '{flags}' (one address dimension: src or dst)")
    if ipset.family != family:
        raise fail(f"the ipset '{name}' of the other IP version")
    kind = "addr4" if family == "ip" else "addr6"
    field_ = Field(f"{family} {'saddr' if flags == 'src' else 'daddr'}", kind, family)
    return Match((field_,), op, tuple((span,) for span in ipset.intervals))


def _address(text: str, family: str, fail: Callable[[str], UnsupportedError]) -> tuple[int, int]:
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise fail(f"the address '{text}'") from None
    if (network.version == 4) != (family == "ip"):
        raise fail(f"the address '{text}' of the other family")
    return int(network.network_address), int(network.broadcast_address)


def _ct_bit(state: str, fail: Callable[[str], UnsupportedError]) -> int:
    names = ("invalid", "established", "related", "new", "untracked")
    if state not in names:
        raise fail(f"the conntrack state '{state}'")
    return names.index(state)


def _icmp_match(kind: str, value: str, op: str, fail: Callable[[str], UnsupportedError]) -> Match:
    type_text, _, code = value.partition("/")
    if code:
        raise fail(f"the ICMP code in '{value}'")
    if type_text == "any":
        return Match(
            (
                Field(
                    f"{kind} type",
                    kind,
                    "ip" if kind == "icmp" else "ip6",
                    frozenset({1 if kind == "icmp" else 58}),
                ),
            ),
            op,
            (((0, 255),),),
        )
    try:
        number = icmp_type_number(kind, type_text)
    except InputError:
        raise fail(f"the ICMP type '{value}'") from None
    family = "ip" if kind == "icmp" else "ip6"
    protocols = frozenset({1 if kind == "icmp" else 58})
    return Match((Field(f"{kind} type", kind, family, protocols),), op, (((number, number),),))

"""``iptables-save`` / ``ip6tables-save`` output → the evaluator's rules.

iptables and nftables share netfilter's hooks, conntrack states and first-match semantics, so
every table becomes base chains at the priorities iptables registers them (raw -300, mangle
-150, nat -100/100, filter 0, security 50) and every rule the same steps an nft rule would
have. Match modules a flow alone never decides (``limit``, ``recent``, ``hashlimit``, ``mac``,
``time`` …) are conditions; targets must be modelled (ACCEPT, DROP, REJECT, RETURN, chains,
MARK, CONNMARK, CT --notrack, DNAT, SNAT, MASQUERADE, REDIRECT) or harmless (LOG, TCPMSS …).

The file's IP version comes from the file itself: the ``ip6tables-save`` header, IPv6-only
options and addresses, or — failing those — its name (``rules.v6``).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping

from portplan.errors import InputError, UnsupportedError
from portplan.verify.evaluate import Ruleset
from portplan.verify.iptrules import TABLES, IpSet, RuleLine, RuleReader
from portplan.verify.netfilter import ascii_number
from portplan.verify.rules import Chain

__all__ = ["IpSet", "detect_family", "parse_ipsets", "parse_iptables_save", "tokenize"]

V6_MARKERS = {"--icmpv6-type", "icmp6", "icmpv6", "ipv6-icmp", "hl", "--hl-eq", "rt", "mh"}
V6_MARKERS |= {"ipv6header", "frag", "hbh", "dst"}
_COUNTERS = re.compile(r"^\[\d+:\d+\]\s*")


def parse_iptables_save(
    text: str, ipsets: Mapping[str, IpSet] | None = None, *, name: str | None = None
) -> Ruleset:
    """Every table of ``iptables-save`` (or ``ip6tables-save``) output as a Ruleset;
    ``name`` (the file name) breaks the tie when nothing inside says which IP version."""
    family, note = detect_family(text, name)
    chains, lines = _tables(text, family)
    for line in lines:
        if line.family is not None and line.family != family:
            continue  # a rule marked -4 (or -6) that the other IP version's restore skips
        reader = RuleReader(line, family, chains, ipsets or {})
        rule = reader.read()
        chain = chains[(family, line.table, line.chain)]
        if line.insert_at is None:
            chain.rules.append(rule)
        else:
            chain.rules.insert(min(line.insert_at - 1, len(chain.rules)), rule)
    return Ruleset(chains, (note,) if note else ())


def detect_family(text: str, name: str | None = None) -> tuple[str, str | None]:
    """``ip`` or ``ip6`` from the file's own markers (and a note when only its name, or
    nothing, said so)."""
    head = text[:300]
    if "ip6tables-save" in head or "ip6tables-restore" in head:
        return "ip6", None
    v6 = v4 = None
    flagged: set[str] = set()  # rules marked for one IP version only (-4, -6)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _COUNTERS.sub("", raw.strip())
        if not line.startswith(("-A ", "-I ", "--append ", "--insert ")):
            continue
        words = line.split()
        marks = {"-4": "ip", "--ipv4": "ip", "-6": "ip6", "--ipv6": "ip6"}
        flagged |= {marks[w] for w in words if w in marks}
        if any(w in marks for w in words):
            continue
        if v6 is None and _looks_ipv6(words):
            v6 = number
        if v4 is None and _looks_ipv4(words):
            v4 = number
    if v6 is not None and v4 is not None:
        raise InputError(
            f"line {v4} is IPv4 and line {v6} IPv6 — iptables-save and ip6tables-save write "
            "separate files; pass each as its own --ruleset."
        )
    if v6 is not None:
        return "ip6", None
    if v4 is not None or "iptables-save" in head:
        return "ip", None
    if len(flagged) == 1:  # only -6 rules (or only -4): written for that version's restore
        return flagged.pop(), None
    lowered = (name or "").lower()
    if lowered.endswith(".v6") or "ip6" in lowered or "ipv6" in lowered:
        return "ip6", "read as IPv6 (its name says so; nothing inside does)."
    if lowered.endswith(".v4"):
        return "ip", None
    return "ip", "read as IPv4: nothing in the file says IPv6 (ip6tables-save marks its output)."


def _looks_ipv6(words: list[str]) -> bool:
    for index, word in enumerate(words):
        previous = words[index - 1] if index else ""
        if word in V6_MARKERS and previous in ("-p", "--protocol", "-m", "--match"):
            return True
        if word == "--icmpv6-type" or word.startswith("icmp6-"):
            return True
        if previous in ("-s", "-d", "--source", "--destination") and ":" in word:
            return True
    return False


def _looks_ipv4(words: list[str]) -> bool:
    for index, word in enumerate(words):
        previous = words[index - 1] if index else ""
        if word in ("icmp", "1") and previous in ("-p", "--protocol"):
            return True
        if word == "--icmp-type" or (word.startswith("icmp-") and previous == "--reject-with"):
            return True
        if previous in ("-s", "-d", "--source", "--destination") and re.match(
            r"^\d+\.\d+\.\d+\.\d+", word
        ):
            return True
    return False


def _tables(text: str, family: str) -> tuple[dict[tuple[str, str, str], Chain], list[RuleLine]]:
    """The tables' chains (built-in ones even when their ':' line is missing, as
    iptables-restore keeps them) and the rule lines in order."""
    chains: dict[tuple[str, str, str], Chain] = {}
    lines: list[RuleLine] = []
    table: str | None = None
    seen_table = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _COUNTERS.sub("", raw.strip())
        if not line or line.startswith("#"):
            continue
        if line.startswith("*"):
            table = line[1:].strip()
            if table not in TABLES:
                raise InputError(f"line {number}: unknown table '{table[:20]}'.")
            seen_table = True
            for name, (hook, priority, kind) in TABLES[table].items():
                chains.setdefault(
                    (family, table, name),
                    Chain(family, table, name, hook, priority, "accept", kind),
                )
        elif line == "COMMIT":
            table = None
        elif table is None:
            raise InputError(
                f"line {number}: '{line[:40]}' is outside a table ('*filter' … 'COMMIT') — "
                "is this iptables-save output?"
            )
        elif line.startswith(":"):
            _declare(line, number, family, table, chains)
        elif line.startswith(("-A ", "--append ", "-I ", "--insert ")):
            lines.append(_rule_line(line, number, table, family, chains))
        else:
            raise InputError(f"line {number}: '{line[:40]}' is not iptables-save output.")
    if not seen_table:
        raise InputError(
            "no table ('*filter' … 'COMMIT') in this file — is it iptables-save output?"
        )
    return chains, lines


def _declare(
    line: str, number: int, family: str, table: str, chains: dict[tuple[str, str, str], Chain]
) -> None:
    words = line[1:].split()
    if len(words) < 2:
        raise InputError(
            f"line {number}: '{line[:40]}' has no policy — write ':{words[0] if words else 'NAME'}"
            " ACCEPT [0:0]' (or '-' for a chain of your own)."
        )
    name, policy = words[0], words[1]
    if policy not in ("ACCEPT", "DROP", "-"):
        raise InputError(f"line {number}: policy '{policy[:20]}' is not ACCEPT, DROP or '-'.")
    key = (family, table, name)
    builtin = TABLES[table].get(name)
    if builtin is None:
        if policy != "-":
            raise InputError(f"line {number}: '{name}' is not a built-in chain of *{table}.")
        chains[key] = Chain(family, table, name, None, 0, "accept", "filter")
        return
    hook, priority, kind = builtin
    chains[key] = Chain(
        family, table, name, hook, priority, "drop" if policy == "DROP" else "accept", kind
    )


def _rule_line(
    line: str, number: int, table: str, family: str, chains: dict[tuple[str, str, str], Chain]
) -> RuleLine:
    tokens = tokenize(line, number)
    if len(tokens) < 2:
        raise InputError(f"line {number}: '{line[:40]}' names no chain.")
    insert = tokens[0] in ("-I", "--insert")
    chain = tokens[1]
    rest = tokens[2:]
    insert_at: int | None = None
    if insert:
        insert_at = 1
        if rest and rest[0].isascii() and rest[0].isdigit():
            insert_at = ascii_number(rest[0], 10**6) or 1
            rest = rest[1:]
    if (family, table, chain) not in chains:
        raise InputError(
            f"line {number}: chain '{chain[:30]}' is not declared in *{table} (':{chain[:30]} - "
            "[0:0]')."
        )
    rule_family: str | None = None
    for flag, version in (("-4", "ip"), ("--ipv4", "ip"), ("-6", "ip6"), ("--ipv6", "ip6")):
        if flag in rest:
            rest.remove(flag)
            rule_family = version
    return RuleLine(number, table, chain, rest, insert_at, rule_family)


def tokenize(line: str, number: int) -> list[str]:
    """Split a rule line as iptables-restore does: whitespace, double quotes, backslash."""
    tokens: list[str] = []
    current: list[str] = []
    quoted = escaped = started = False
    for char in line:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = started = True
        elif char == '"':
            quoted, started = not quoted, True
        elif char.isspace() and not quoted:
            if started:
                tokens.append("".join(current))
            current, started = [], False
        else:
            current.append(char)
            started = True
    if quoted:
        raise InputError(f"line {number}: a quote is never closed — check the quoting.")
    if started:
        tokens.append("".join(current))
    return tokens


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
                raise InputError(
                    f"ipset line {number}: '{words[2][:45]}' is not an address."
                ) from None
            members[words[1]].append((int(network.network_address), int(network.broadcast_address)))
        else:
            raise InputError(f"ipset line {number}: '{raw.strip()[:40]}' is not ipset save output.")
    return {name: IpSet(kinds[name][1], tuple(spans)) for name, spans in members.items()}

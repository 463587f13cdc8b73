"""Firewall commands in code blocks (and on lines of their own) read as flows.

    firewall-cmd --zone=public --add-port=9404/tcp --permanent
    firewall-cmd --add-service=https
    ufw allow 51821/udp          ufw allow proto tcp from 10.0.0.0/8 to any port 443
    iptables -A INPUT -p tcp --dport 22 -s 10.0.0.0/8 -j ACCEPT
    nft add rule inet filter input tcp dport { 80, 443 } accept
    netsh advfirewall firewall add rule name="X" dir=in action=allow protocol=TCP localport=443
    New-NetFirewallRule -DisplayName "X" -Direction Inbound -Protocol TCP -LocalPort 443

A command opens a port on the machine it runs on: the flow's destination is the system the
context names (the section "Indexer ports"), its source the command's source address or zone
when it states one. Outbound rules (iptables OUTPUT, ``dir=out``, ``-Direction Outbound``) make
that system the source instead.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass

from portplan.extract.mentions import End, Mention
from portplan.extract.ports import PortGroup, parse_ports, parse_protocols
from portplan.extract.vocabulary import SERVICES, Direction


@dataclass(frozen=True)
class Rule:
    """What one command allows."""

    protocols: tuple[str, ...]
    ports: str  # as the command writes them ("9404", "51821-51830", "80,443")
    direction: Direction = Direction.IN
    source: str = ""
    service: str = ""


_PREFIX = re.compile(r"^\s*(?:\$|#|>|PS\s*[^>]*>)?\s*(?:sudo\s+)?")


def _words(line: str) -> list[str]:
    try:
        return shlex.split(line, comments=False, posix=True)
    except ValueError:
        return line.split()


def _options(words: list[str]) -> dict[str, str]:
    """``--key=value``, ``--key value``, ``-Key value`` and ``key=value`` options."""
    found: dict[str, str] = {}
    for i, word in enumerate(words):
        key, value = word, ""
        if "=" in word:
            key, _, value = word.partition("=")
        elif word.startswith("-") and i + 1 < len(words) and not words[i + 1].startswith("-"):
            value = words[i + 1]
        found.setdefault(key.lstrip("-").lower(), value)
    return found


def _service_rule(name: str) -> Rule | None:
    known = SERVICES.get(name.lower())
    if known is None or known.port is None:
        return None
    return Rule(known.transports, str(known.port), service=name)


def _firewall_cmd(words: list[str]) -> list[Rule]:
    rules: list[Rule] = []
    source = ""
    for word in words:
        if word.startswith("--add-source="):
            source = word.split("=", 1)[1]
    for word in words:
        if word.startswith(("--add-port=", "--add-forward-port=")):
            spec = word.split("=", 1)[1].split(":")[0]
            port, _, protocol = spec.partition("/")
            rules.append(Rule((protocol.lower(),) if protocol else (), port, source=source))
        elif word.startswith("--add-service="):
            found = _service_rule(word.split("=", 1)[1])
            if found is not None:
                rules.append(
                    Rule(found.protocols, found.ports, source=source, service=found.service)
                )
    return rules


def _ufw(words: list[str]) -> list[Rule]:
    if "allow" not in words:
        return []
    rest = words[words.index("allow") + 1 :]
    for i, word in enumerate(rest):
        if word.startswith(("(", "#")):
            rest = rest[:i]  # a note after the command
            break
    direction = Direction.OUT if rest[:1] == ["out"] else Direction.IN
    rest = [w for w in rest if w not in ("in", "out")]
    options = {
        rest[i]: rest[i + 1]
        for i in range(len(rest) - 1)
        if rest[i] in ("proto", "from", "to", "port")
    }
    if "port" in options:
        protocols = (options["proto"].lower(),) if "proto" in options else ("tcp", "udp")
        return [Rule(protocols, options["port"], direction, options.get("from", ""))]
    if not rest:
        return []
    port, _, protocol = rest[0].partition("/")
    if port.replace(":", "").replace(",", "").isdigit():
        protocols = (protocol.lower(),) if protocol else ("tcp", "udp")
        return [Rule(protocols, port.replace(":", "-"), direction)]
    found = _service_rule(port)
    return [found] if found is not None else []


def _iptables(words: list[str]) -> list[Rule]:
    options = _options(words)
    if options.get("j", "").upper() != "ACCEPT" and options.get("jump", "").upper() != "ACCEPT":
        return []
    chain = (
        options.get("a") or options.get("append") or options.get("i") or options.get("insert") or ""
    )
    direction = Direction.OUT if chain.upper() == "OUTPUT" else Direction.IN
    port = options.get("dport") or options.get("dports") or options.get("destination-port") or ""
    protocol = options.get("p") or options.get("protocol") or ""
    if not port:
        return []
    source = options.get("s") or options.get("source") or ""
    return [
        Rule((protocol.lower(),) if protocol else (), port.replace(":", "-"), direction, source)
    ]


def _nft(words: list[str]) -> list[Rule]:
    text = " ".join(words)
    match = re.search(r"\b(tcp|udp|sctp)\s+dport\s+(\{[^}]*\}|\S+)", text)
    if match is None or "accept" not in words:
        return []
    direction = Direction.OUT if re.search(r"\boutput\b", text) else Direction.IN
    source = re.search(r"\bip6?\s+saddr\s+(\S+)", text)
    ports = match.group(2).strip("{} ").replace(" ", "")
    return [Rule((match.group(1),), ports, direction, source.group(1) if source else "")]


def _netsh(words: list[str]) -> list[Rule]:
    options = _options(words)
    port = options.get("localport", "")
    if not port or options.get("action", "allow").lower() != "allow":
        return []
    direction = Direction.OUT if options.get("dir", "in").lower() == "out" else Direction.IN
    return [_allow_rule(options, port, direction, options.get("remoteip", ""))]


def _allow_rule(options: dict[str, str], port: str, direction: Direction, peer: str) -> Rule:
    """The rule of a Windows firewall command that allows ``port`` (netsh and PowerShell)."""
    protocol = options.get("protocol", "").lower()
    return Rule((protocol,) if protocol in ("tcp", "udp") else (), port, direction, peer)


def _powershell(words: list[str]) -> list[Rule]:
    options = _options(words)
    direction = (
        Direction.OUT if options.get("direction", "inbound").lower() == "outbound" else Direction.IN
    )
    port = (
        options.get("localport", "") if direction is Direction.IN else options.get("remoteport", "")
    )
    port = port or options.get("localport", "") or options.get("remoteport", "")
    if not port or options.get("action", "allow").lower() != "allow":
        return []
    return [_allow_rule(options, port, direction, options.get("remoteaddress", ""))]


_COMMANDS: dict[str, Callable[[list[str]], list[Rule]]] = {
    "firewall-cmd": _firewall_cmd,
    "ufw": _ufw,
    "iptables": _iptables,
    "ip6tables": _iptables,
    "nft": _nft,
    "netsh": _netsh,
    "new-netfirewallrule": _powershell,
}


def read_command(line: str) -> list[Rule]:
    """The rules a command line allows (empty when it is not a firewall command)."""
    words = _words(_PREFIX.sub("", line))
    if not words:
        return []
    handler = _COMMANDS.get(words[0].lower().rsplit("/", 1)[-1])
    return handler(words) if handler is not None else []


def looks_like_command(line: str) -> bool:
    words = _PREFIX.sub("", line).split()
    return bool(words) and words[0].lower().rsplit("/", 1)[-1] in _COMMANDS


def command_mention(rule: Rule, line: int, text: str, block: int) -> Mention:
    protocols, stated = parse_protocols("/".join(rule.protocols)) if rule.protocols else ((), False)
    spec = parse_ports(rule.ports.replace(",", ", "), default=protocols)
    groups = spec.groups or (PortGroup(protocols, ()),)
    source = End(rule.source, "command source") if rule.source else None
    purpose = f"{text.strip()}"
    if rule.direction is Direction.OUT:
        return Mention(
            groups,
            line,
            text,
            block,
            "command",
            purpose,
            dst=source,
            direction=Direction.OUT,
            protocol_stated=stated,
        )
    return Mention(
        groups,
        line,
        text,
        block,
        "command",
        purpose,
        src=source,
        direction=Direction.IN,
        protocol_stated=stated,
    )

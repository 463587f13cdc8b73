"""Netfilter's numbers and names, shared by the nftables and iptables readers and the evaluator.

Sources: the kernel's ``include/uapi/linux/netfilter*.h`` and ``nf_conntrack_common.h``, the
nftables wiki ("Netfilter hooks", "Configuring chains") and RFC 792 / RFC 4443 for ICMP.
"""

from __future__ import annotations

from typing import Literal

from portplan.errors import InputError
from portplan.model.service import ICMP_TYPES

Hook = Literal["input", "output", "forward"]
Action = Literal["accept", "drop", "reject"]

# The netfilter hooks a packet passes, in order, for each kind of traffic a host or router
# sees. Ingress runs on the device a packet arrives on, egress on the one it leaves by.
HOOK_PATH: dict[str, tuple[str, ...]] = {
    "input": ("ingress", "prerouting", "input"),
    "forward": ("ingress", "prerouting", "forward", "postrouting", "egress"),
    "output": ("output", "postrouting", "egress"),
}
# The packet paths each hook is part of.
PATHS_OF_HOOK: dict[str, tuple[str, ...]] = {
    "ingress": ("input", "forward"),
    "prerouting": ("input", "forward"),
    "input": ("input",),
    "forward": ("forward",),
    "output": ("output",),
    "postrouting": ("forward", "output"),
    "egress": ("forward", "output"),
}
DEVICE_HOOKS = ("ingress", "egress")
FAMILIES_SEEING = {"ip": ("ip", "inet"), "ip6": ("ip6", "inet")}
# Conntrack looks a packet up at priority -200 on prerouting and output (NF_IP_PRI_CONNTRACK):
# chains before it see no connection yet; ``notrack`` there makes the packet untracked.
CONNTRACK_PRIORITY = -200
CONNTRACK_HOOKS = ("prerouting", "output")
# NAT chains of a hook run together at the NAT hook's priority, ordered among themselves by
# their own (nf_nat_inet_fn): destination NAT before filter, source NAT after it.
NAT_PRIORITY = {"prerouting": -100, "output": -100, "input": 100, "postrouting": 100}
PRIORITY_NAMES = {
    "raw": -300,
    "mangle": -150,
    "dstnat": -100,
    "filter": 0,
    "security": 50,
    "srcnat": 100,
}

IP_PROTOCOLS = {
    "icmp": 1,
    "igmp": 2,
    "tcp": 6,
    "udp": 17,
    "gre": 47,
    "esp": 50,
    "ah": 51,
    "icmpv6": 58,
    "ipv6-icmp": 58,
    "sctp": 132,
    "udplite": 136,
    "dccp": 33,
    "ipip": 4,
    "ipv6": 41,
    "ospf": 89,
    "vrrp": 112,
    "pim": 103,
    "l2tp": 115,
    "comp": 108,
}
PORTED = frozenset({6, 17, 132, 136, 33})
NFPROTO = {"ipv4": 2, "ipv6": 10}
ETHERTYPES = {"ip": 0x0800, "ip6": 0x86DD, "arp": 0x0806, "vlan": 0x8100}
CT_STATES = ("invalid", "established", "related", "new", "untracked")
NEW_STATE = 1 << CT_STATES.index("new")
INVALID_STATE = 1 << CT_STATES.index("invalid")
RELATED_STATE = 1 << CT_STATES.index("related")
UNTRACKED_STATE = 1 << CT_STATES.index("untracked")
# Connection status bits (enum ip_conntrack_status).
CT_STATUS = {
    "expected": 1,
    "seen-reply": 2,
    "assured": 4,
    "confirmed": 8,
    "snat": 16,
    "dnat": 32,
    "dying": 512,
}
CT_DIRECTIONS = {"original": 0, "reply": 1}
# Link-layer packet types (PACKET_HOST ...) and route types (RTN_*), as nft names them.
PKTTYPES = {"host": 0, "unicast": 0, "broadcast": 1, "multicast": 2, "other": 3}
ADDRESS_TYPES = {
    "unspec": 0,
    "unicast": 1,
    "local": 2,
    "broadcast": 3,
    "anycast": 4,
    "multicast": 5,
    "blackhole": 6,
    "unreachable": 7,
    "prohibit": 8,
}
# TCP header flag bits (RFC 9293 3.1, RFC 3168 for ECE and CWR); nft's names.
TCP_FLAGS = {
    "fin": 0x01,
    "syn": 0x02,
    "rst": 0x04,
    "psh": 0x08,
    "ack": 0x10,
    "urg": 0x20,
    "ecn": 0x40,
    "cwr": 0x80,
}
# ICMP type names nft prints beyond the ones the service model knows (RFC 792, RFC 4443).
EXTRA_ICMP = {
    "icmp": {
        "info-request": 15,
        "info-reply": 16,
        "address-mask-request": 17,
        "address-mask-reply": 18,
        "router-advertisement": 9,
        "router-solicitation": 10,
    },
    "icmpv6": {
        "mld-listener-query": 130,
        "mld-listener-report": 131,
        "mld-listener-done": 132,
        "mld-listener-reduction": 132,
        "nd-redirect": 137,
        "router-renumbering": 138,
        "ind-neighbor-solicit": 141,
        "ind-neighbor-advert": 142,
        "mld2-listener-report": 143,
    },
}


def icmp_type_number(kind: str, name: str) -> int:
    """An ICMP (``kind`` icmp) or ICMPv6 type by nft's name or number."""
    table = {**ICMP_TYPES[kind], **EXTRA_ICMP[kind]}
    if name.isascii() and name.isdigit() and len(name) <= 3:
        return int(name)
    if name not in table:
        raise InputError(f"unknown {kind} type '{name[:40]}'.")
    return table[name]


def ascii_number(text: str, high: int) -> int | None:
    """``text`` as a decimal (or 0x hexadecimal) number up to ``high``, or None — bounded
    before conversion, ASCII digits only (Python's int() also reads '²' and '٤')."""
    digits, base = (text[2:], 16) if text[:2].lower() == "0x" else (text, 10)
    allowed = "0123456789abcdefABCDEF" if base == 16 else "0123456789"
    if not digits or len(digits) > 40 or any(c not in allowed for c in digits):
        return None
    value = int(digits, base)
    return value if value <= high else None

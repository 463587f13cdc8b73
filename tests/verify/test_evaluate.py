"""The nftables evaluator against rulesets the real ``nft`` loaded and dumped.

Each ruleset is loaded into a throwaway namespace with ``nft -f`` and read back with
``nft -j list ruleset``, so the JSON is exactly what the kernel holds. A cross-check then sends
real TCP connections through a ruleset and compares what happened with the evaluator's verdict.
"""

from __future__ import annotations

import json
import sys
import textwrap

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portplan.errors import InputError, UnsupportedError
from portplan.verify.evaluate import Field, Match, Packet, Ruleset, load_ruleset
from portplan.verify.netns import NetnsGroup


def dump(netns: NetnsGroup, text: str) -> Ruleset:
    namespace = netns.add("ev")
    namespace.load_nft(textwrap.dedent(text))
    return load_ruleset(json.loads(namespace.run("nft", "-j", "list", "ruleset").stdout))


def tcp(dport: int, saddr: str = "10.0.0.9", daddr: str = "10.0.0.1", **kw: object) -> Packet:
    return Packet("input", None, saddr, daddr, "tcp", dport, **kw)  # type: ignore[arg-type]


CONSTRUCTS = """
table inet f {
  set web { type ipv4_addr; flags interval; elements = { 10.0.0.0/24, 10.1.0.1-10.1.0.9 } }
  set svc { type ipv4_addr . inet_proto . inet_service; elements = { 10.2.0.5 . tcp . 443 } }
  set nets { type ipv4_addr . inet_service; flags interval;
             elements = { 10.3.0.0/16 . 1000-2000 } }
  map ports { type inet_service : verdict; elements = { 22 : accept, 23 : drop } }
  chain input {
    type filter hook input priority 0; policy drop;
    ct state established,related accept
    ct state invalid drop
    iifname "lo" accept
    iifname "wg*" tcp dport 7000 accept comment "tunnel"
    ip saddr @web tcp dport { 80, 443, 8000-8100 } counter accept comment "web"
    ip saddr . meta l4proto . th dport @svc accept
    ip saddr . tcp dport @nets accept
    ip6 saddr 2001:db8::/32 udp dport != 53 drop
    ip6 saddr 2001:db8::/32 udp dport 53 accept
    icmp type echo-request accept
    icmpv6 type { echo-request, nd-neighbor-solicit } accept
    ip protocol tcp tcp dport vmap @ports
    tcp dport vmap { 25 : jump sub, 26 : goto sub }
    meta nfproto ipv4 udp sport 123 log prefix "ntp " reject
    tcp dport 9000 reject with tcp reset
    sctp dport 3868 accept
    meta l4proto udp th dport 5000-5010 accept
    ip daddr != 10.0.0.1 udp dport 6000 accept
    tcp dport >= 60000 accept
  }
  chain sub {
    ip daddr 10.0.0.1 return
    accept comment "sub"
  }
}
table ip extra {
  chain early {
    type filter hook input priority -10; policy accept;
    ip saddr 10.66.0.0/16 drop comment "blocklist"
  }
}
"""

CASES = [
    # (packet, expected action, expected rule fragment or None)
    (tcp(443), "accept", '"web"'),
    (tcp(8050, saddr="10.1.0.5"), "accept", '"web"'),
    (tcp(8050, saddr="10.1.0.10"), "drop", None),
    (tcp(444), "drop", None),
    (tcp(443, saddr="10.2.0.5"), "accept", "handle"),
    (tcp(443, saddr="10.2.0.6"), "drop", None),
    (tcp(1500, saddr="10.3.9.9"), "accept", "handle"),
    (tcp(2001, saddr="10.3.9.9"), "drop", None),
    (tcp(22), "accept", "handle"),
    (tcp(23), "drop", "handle"),
    (tcp(25), "drop", None),  # jump sub → return → falls through to the policy
    (tcp(25, daddr="10.0.0.2"), "accept", '"sub"'),
    (tcp(26), "drop", None),  # goto sub → return ends the base chain → policy
    (tcp(26, daddr="10.0.0.2"), "accept", '"sub"'),
    (tcp(9000), "reject", "handle"),
    (tcp(9000, ct_state="established"), "accept", "handle"),
    (tcp(9000, ct_state="invalid"), "drop", "handle"),
    (tcp(9000, iifname="lo"), "accept", "handle"),
    (tcp(7000, iifname="wg0"), "accept", '"tunnel"'),
    (tcp(7000, iifname="eth0"), "drop", None),
    (tcp(7000), "drop", None),
    (tcp(443, saddr="10.66.0.1"), "drop", '"blocklist"'),
    (tcp(60001), "accept", "handle"),
    (tcp(59999), "drop", None),
    (Packet("input", None, "10.9.0.1", "10.0.0.1", "icmp"), "accept", "handle"),
    (
        Packet("input", None, "10.9.0.1", "10.0.0.1", "icmp", icmp_type="timestamp-request"),
        "drop",
        None,
    ),
    (Packet("input", None, "10.9.0.1", "10.0.0.1", "udp", 5, sport=123), "reject", "handle"),
    (Packet("input", None, "10.9.0.1", "10.0.0.1", "udp", 5005), "accept", "handle"),
    (Packet("input", None, "10.9.0.1", "10.0.0.1", "tcp", 5005), "drop", None),
    (Packet("input", None, "10.9.0.1", "10.0.0.1", "udp", 6000), "drop", None),
    (Packet("input", None, "10.9.0.1", "10.0.0.2", "udp", 6000), "accept", "handle"),
    (Packet("input", None, "10.9.0.1", "10.0.0.1", "sctp", 3868), "accept", "handle"),
    (Packet("input", "ip6", "2001:db8::1", "2001:db8::2", "udp", 54), "drop", "handle"),
    (Packet("input", "ip6", "2001:db8::1", "2001:db8::2", "udp", 53), "accept", "handle"),
    (Packet("input", "ip6", "2001:db9::1", "2001:db8::2", "icmpv6"), "accept", "handle"),
    # The ip table does not see IPv6, and ip matches never match IPv6 packets.
    (Packet("input", "ip6", "2001:db9::1", "2001:db8::2", "tcp", 443), "drop", None),
    # No base chain at the output hook: everything leaves.
    (Packet("output", None, "10.0.0.1", "10.9.9.9", "tcp", 1), "accept", None),
]


def test_every_construct_matches_the_kernel_semantics(netns: NetnsGroup) -> None:
    ruleset = dump(netns, CONSTRUCTS)
    for packet, action, fragment in CASES:
        verdict = ruleset.verdict(packet)
        assert verdict.action == action, packet
        if fragment is None:
            assert verdict.rule is None, (packet, verdict)
        else:
            assert verdict.rule is not None and fragment in verdict.rule, (packet, verdict)


def test_forward_path_runs_prerouting_forward_and_postrouting(netns: NetnsGroup) -> None:
    ruleset = dump(
        netns,
        """
        table inet r {
          chain pre { type filter hook prerouting priority -5; policy accept;
                      ip saddr 192.0.2.0/24 drop comment "bogon"; }
          chain routed { type filter hook forward priority 0; policy drop;
                      iifname "lan" oifname "dmz" tcp dport 443 accept comment "lan-dmz"; }
          chain post { type filter hook postrouting priority 10; policy accept;
                       oifname "dmz" tcp dport 443 ip daddr 10.5.0.66 drop comment "quarantine"; }
        }
        """,
    )

    def fwd(saddr: str, daddr: str, iif: str | None, oif: str | None) -> tuple[str, str | None]:
        packet = Packet("forward", None, saddr, daddr, "tcp", 443, iifname=iif, oifname=oif)
        verdict = ruleset.verdict(packet)
        return verdict.action, verdict.rule

    assert fwd("10.1.0.1", "10.5.0.1", "lan", "dmz")[0] == "accept"
    assert '"lan-dmz"' in str(fwd("10.1.0.1", "10.5.0.1", "lan", "dmz")[1])
    assert fwd("10.1.0.1", "10.5.0.1", "dmz", "lan")[0] == "drop"
    assert '"bogon"' in str(fwd("192.0.2.1", "10.5.0.1", "lan", "dmz")[1])
    assert '"quarantine"' in str(fwd("10.1.0.1", "10.5.0.66", "lan", "dmz")[1])
    # Input traffic never passes the forward chain.
    assert ruleset.verdict(Packet("input", None, "10.1.0.1", "10.5.0.1", "tcp", 443)).allowed


def test_nat_chains_only_see_new_connections(netns: NetnsGroup) -> None:
    ruleset = dump(
        netns,
        """
        table ip n {
          chain out { type nat hook output priority -100; policy accept;
                      tcp dport 25 drop; }
        }
        """,
    )
    assert ruleset.verdict(Packet("output", None, "10.0.0.1", "10.0.0.2", "tcp", 25)).action == (
        "drop"
    )
    established = Packet("output", None, "10.0.0.1", "10.0.0.2", "tcp", 25, ct_state="established")
    assert ruleset.verdict(established).allowed


def test_rules_lists_every_rule_with_a_label(netns: NetnsGroup) -> None:
    ruleset = dump(netns, CONSTRUCTS)
    labels = [rule.label for rule in ruleset.rules()]
    assert len(labels) == 22
    assert any('"web"' in label for label in labels)
    terminal = [rule for rule in ruleset.rules() if rule.terminal]
    assert all(rule.verdict is not None for rule in terminal)


def test_unsupported_expression_names_the_rule(netns: NetnsGroup) -> None:
    namespace = netns.add("ev")
    namespace.load_nft(
        "table ip t { chain c { type filter hook prerouting priority -150; "
        "meta l4proto tcp tproxy to 127.0.0.1:3128; }; }"
    )
    data = json.loads(namespace.run("nft", "-j", "list", "ruleset").stdout)
    with pytest.raises(UnsupportedError, match=r"ip t c handle \d+: .*'tproxy'.*local socket"):
        load_ruleset(data)


def test_unsupported_statement_without_kernel() -> None:
    data = {
        "nftables": [
            {"table": {"family": "ip", "name": "t", "handle": 1}},
            {
                "chain": {
                    "family": "ip",
                    "table": "t",
                    "name": "c",
                    "handle": 1,
                    "type": "filter",
                    "hook": "input",
                    "prio": 0,
                    "policy": "drop",
                }
            },
            {
                "rule": {
                    "family": "ip",
                    "table": "t",
                    "chain": "c",
                    "handle": 4,
                    "expr": [{"tproxy": {"port": 3128}}, {"accept": None}],
                }
            },
        ]
    }
    with pytest.raises(UnsupportedError, match=r"ip t c handle 4: .*'tproxy'"):
        load_ruleset(data)


def test_bad_input_is_one_line() -> None:
    with pytest.raises(InputError, match="no 'nftables' list"):
        load_ruleset({"rules": []})
    with pytest.raises(InputError, match="not nft JSON"):
        load_ruleset("{not json")
    ruleset = load_ruleset({"nftables": []})
    with pytest.raises(InputError, match="destination port"):
        ruleset.verdict(Packet("input", None, "10.0.0.1", "10.0.0.2", "tcp"))


CROSS_CHECK = """
table inet f {
  chain input {
    type filter hook input priority 0; policy drop;
    ct state established,related accept
    tcp dport { 7001, 7003-7005 } accept
    ip saddr 10.77.0.0/30 tcp dport 7006 accept
    tcp dport 7007 reject with tcp reset
    tcp dport 7008 jump more
  }
  chain more { ip saddr 10.77.0.1 accept; }
}
"""


def test_kernel_cross_check_with_real_connections(netns: NetnsGroup) -> None:
    """Connections between two namespaces behave as the evaluator says (every port listens,
    so connected = accept, refused = reject, silence = drop)."""
    client, server = netns.add("cl"), netns.add("sv")
    netns.veth(client, "c0", server, "s0")
    client.run("ip", "addr", "add", "10.77.0.1/24", "dev", "c0")
    server.run("ip", "addr", "add", "10.77.0.2/24", "dev", "s0")
    server.load_nft(CROSS_CHECK)
    ruleset = load_ruleset(json.loads(server.run("nft", "-j", "list", "ruleset").stdout))
    ports = list(range(7000, 7010))
    listener = server.popen(
        "python3",
        "-c",
        "import socket,time\n"
        f"socks=[socket.create_server(('10.77.0.2',p)) for p in {ports}]\n"
        "print('ready',flush=True)\ntime.sleep(60)",
    )
    assert listener.stdout is not None
    assert listener.stdout.readline().strip() == b"ready"
    probe = client.run(
        "python3",
        "-c",
        "import socket\n"
        f"for p in {ports}:\n"
        "  s=socket.socket(); s.settimeout(0.5)\n"
        "  try: s.connect(('10.77.0.2',p)); print(p,'accept')\n"
        "  except ConnectionRefusedError: print(p,'reject')\n"
        "  except OSError: print(p,'drop')\n"
        "  s.close()\n",
    )
    observed = dict(line.split() for line in probe.stdout.splitlines())
    for port in ports:
        packet = Packet("input", None, "10.77.0.1", "10.77.0.2", "tcp", port)
        assert ruleset.verdict(packet).action == observed[str(port)], port
    assert set(observed.values()) == {"accept", "reject", "drop"}


WIDE_CHECK = """
table inet t {
  set blocked { type ipv4_addr; elements = { 10.77.0.6 }; }
  set pairs { type ipv4_addr . inet_service; flags interval;
              elements = { 10.77.0.1-10.77.0.3 . 7010-7014, 10.77.0.4 . 7020 }; }
  map byport { type inet_service : verdict;
               elements = { 7030 : accept, 7031 : drop, 7032 : jump side }; }
  chain early {
    type filter hook input priority -10; policy accept;
    tcp dport 7025 ip saddr 10.77.0.3 drop
  }
  chain input {
    type filter hook input priority 0; policy drop;
    ct state established,related accept
    iifname "lo" accept
    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept
    ip saddr @blocked drop
    tcp dport 7000-7004 accept
    tcp dport { 7005, 7007 } ip saddr != 10.77.0.2 accept
    ip saddr . tcp dport @pairs accept
    tcp dport 7015 reject with tcp reset
    tcp dport 7020-7029 ip6 saddr fd77::1 accept
    tcp dport 7025 accept
    tcp dport vmap @byport
    tcp dport 7033-7036 jump side
    tcp dport 7037 goto side
    ip6 saddr fd77::2 tcp dport 7038 accept
    meta nfproto ipv6 tcp dport 7039 reject
  }
  chain side {
    ip saddr 10.77.0.5 return
    ip saddr 10.77.0.1 reject
    tcp dport 7036 drop
    accept
  }
}
table ip other {
  chain c { type filter hook input priority 10; policy accept; tcp dport 7001 drop; }
}
"""


def test_kernel_cross_check_every_source_and_port(netns: NetnsGroup) -> None:
    """360 real connections (6 IPv4 and 3 IPv6 sources × 40 ports) through a ruleset with two
    tables, sets, concatenated intervals, a verdict map, jump, goto and return: the kernel's
    answer and the evaluator's verdict agree on every one."""
    client, server = netns.add("cl"), netns.add("sv")
    netns.veth(client, "c0", server, "s0")
    sources4 = [f"10.77.0.{i}" for i in range(1, 7)]
    sources6 = [f"fd77::{i}" for i in range(1, 4)]
    for address in sources4:
        client.run("ip", "addr", "add", f"{address}/24", "dev", "c0")
    for address in sources6:
        client.run("ip", "addr", "add", f"{address}/64", "dev", "c0", "nodad")
    server.run("ip", "addr", "add", "10.77.0.100/24", "dev", "s0")
    server.run("ip", "addr", "add", "fd77::100/64", "dev", "s0", "nodad")
    server.load_nft(WIDE_CHECK)
    ruleset = load_ruleset(json.loads(server.run("nft", "-j", "list", "ruleset").stdout))
    ports = list(range(7000, 7040))
    listener = server.popen(
        sys.executable,
        "-m",
        "portplan.verify.agent",
        "listen",
        f"tcp={ports[0]}-{ports[-1]}",
        "10.77.0.100",
        "fd77::100",
    )
    assert listener.stdout is not None and b'"findings": []' in listener.stdout.readline()
    cases = [(s, "10.77.0.100", p) for s in sources4 for p in ports]
    cases += [(s, "fd77::100", p) for s in sources6 for p in ports]
    targets = [
        {"flow": "x", "address": d, "protocol": "tcp", "port": p, "source": s} for s, d, p in cases
    ]
    result = client.run(
        sys.executable,
        "-m",
        "portplan.verify.agent",
        "probe",
        "--timeout",
        "0.5",
        "--retries",
        "1",
        input=json.dumps(targets),
    )
    observed = [r["state"] for r in json.loads(result.stdout)]
    expected_state = {"accept": "LISTENING", "reject": "NOT LISTENING", "drop": "FILTERED"}
    disagreements = []
    for (source, target, port), state in zip(cases, observed, strict=True):
        verdict = ruleset.verdict(Packet("input", None, source, target, "tcp", port))
        expected = {expected_state[verdict.action]}
        if verdict.action == "reject" and ":" in source:
            # Linux's TCP/IPv6 reports an ICMPv6 port unreachable to connect() only after the
            # SYN is retransmitted (about 1 s): a sub-second probe sees silence.
            expected.add("FILTERED")
        if state not in expected:
            disagreements.append((source, port, verdict, state))
    assert disagreements == []
    assert set(observed) == {"LISTENING", "NOT LISTENING", "FILTERED"}


intervals = st.tuples(st.integers(0, 300), st.integers(0, 40)).map(lambda t: (t[0], t[0] + t[1]))
points = st.integers(0, 300).map(lambda n: (n, n))


@given(
    single=st.lists(intervals, min_size=1, max_size=30),
    pairs=st.lists(st.tuples(st.one_of(points, intervals), intervals), min_size=1, max_size=30),
    value=st.integers(0, 360),
    second=st.integers(0, 360),
)
def test_set_indexes_agree_with_a_linear_scan(
    single: list[tuple[int, int]],
    pairs: list[tuple[tuple[int, int], tuple[int, int]]],
    value: int,
    second: int,
) -> None:
    port = Field("tcp dport", "port")
    one = Match((port,), "==", tuple((i,) for i in single))
    assert one._lookup([value]) == any(a <= value <= b for a, b in single)
    both = Match((port, Field("tcp sport", "port")), "==", tuple(pairs))
    expected = any(a <= value <= b and c <= second <= d for (a, b), (c, d) in pairs)
    assert both._lookup([value, second]) == expected


def test_tcp_flags_of_first_and_later_packets(netns: NetnsGroup) -> None:
    """A new connection's packet carries SYN, a later one ACK; the usual hardening rule
    (drop a NEW packet that is not a plain SYN) lets real connections through."""
    ruleset = dump(
        netns,
        """
        table inet t {
          chain c {
            type filter hook input priority 0; policy drop;
            tcp flags & (fin|syn|rst|ack) != syn ct state new drop comment "not a syn"
            tcp flags syn tcp dport 1 accept comment "syn"
            tcp flags syn / syn,ack tcp dport 2 accept comment "syn only"
            tcp flags { ack } tcp dport 3 accept comment "ack"
            tcp flags == 0x10 tcp dport 4 accept comment "ack number"
          }
        }
        """,
    )

    def verdict(port: int, state: str) -> str | None:
        return ruleset.verdict(tcp(port, ct_state=state)).rule

    assert '"syn"' in str(verdict(1, "new"))
    assert '"syn only"' in str(verdict(2, "new"))
    assert verdict(3, "new") is None  # policy
    assert '"ack"' in str(verdict(3, "established"))
    assert '"ack number"' in str(verdict(4, "established"))
    assert verdict(1, "established") is None

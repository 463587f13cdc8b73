"""The features real rulesets use, each evaluated with the kernel's semantics.

nft rulesets are loaded by the real ``nft`` and read back as JSON (what ``portplan audit``
reads); iptables-save text is read by the iptables reader. Where a flow alone cannot decide a
match (a rate limit, a recent list, a mark set elsewhere), the verdict is conditional and
names the rule — never a guess, never an error.
"""

from __future__ import annotations

import json
import textwrap

import pytest

from portplan.errors import UnsupportedError
from portplan.verify.evaluate import ANY_INTERFACE, Packet, Ruleset, Verdict, load_ruleset
from portplan.verify.netns import NetnsGroup
from portplan.verify.rulesets import dump_ruleset, parse_iptables_save


def nft(netns: NetnsGroup, text: str) -> Ruleset:
    namespace = netns.add("ft")
    namespace.load_nft(textwrap.dedent(text))
    return load_ruleset(json.dumps(dump_ruleset(namespace)))


def tcp(port: int, hook: str = "input", **kw: object) -> Packet:
    saddr = str(kw.pop("saddr", "10.0.0.9"))
    daddr = str(kw.pop("daddr", "10.0.0.1"))
    return Packet(hook, None, saddr, daddr, "tcp", port, **kw)  # type: ignore[arg-type]


def conditional_on(verdict: Verdict, text: str) -> bool:
    return verdict.conditional and any(text in c for c in verdict.conditions)


def test_limit_is_a_condition_named_with_its_rule(netns: NetnsGroup) -> None:
    ruleset = nft(
        netns,
        """
        table inet f {
          chain input {
            type filter hook input priority 0; policy drop;
            tcp dport 22 ct state new limit rate 5/minute accept comment "ssh"
            tcp dport 80 limit rate over 100/second drop
            tcp dport { 80, 443 } accept
            icmp type echo-request limit rate 5/second counter accept
          }
        }
        """,
    )
    ssh = ruleset.verdict(tcp(22))
    assert conditional_on(ssh, "`limit rate 5/minute burst 5 packets` (inet f input handle")
    assert '"ssh"' in ssh.conditions[0]
    assert ssh.otherwise == "dropped by policy of inet f input"
    web = ruleset.verdict(tcp(80))
    assert conditional_on(web, "not `limit rate over 100/second")
    assert ruleset.verdict(tcp(443)).allowed  # no limit on its way
    assert ruleset.verdict(tcp(22, ct_state="established")).action == "drop"  # ct state fails
    ping = Packet("input", None, "10.0.0.9", "10.0.0.1", "icmp")
    assert conditional_on(ruleset.verdict(ping), "limit rate 5/second")


def test_dnat_and_redirect_are_followed(netns: NetnsGroup) -> None:
    ruleset = nft(
        netns,
        """
        table ip nat {
          chain pre {
            type nat hook prerouting priority dstnat; policy accept;
            iifname "wan" tcp dport 8080 dnat to 10.0.5.5:80
            iifname "lan" tcp dport 80 redirect to :3128
            ip daddr 192.0.2.7 tcp dport 25 dnat to 10.0.5.6
          }
        }
        table ip f {
          chain routed {
            type filter hook forward priority 0; policy drop;
            ct status dnat ip daddr 10.0.5.5 tcp dport 80 accept comment "published web"
          }
          chain input {
            type filter hook input priority 0; policy drop;
            tcp dport 3128 accept comment "proxy"
          }
        }
        """,
    )
    published = ruleset.verdict(tcp(8080, "forward", daddr="198.51.100.1", iifname="wan"))
    assert published.allowed and '"published web"' in str(published.rule)
    assert published.destination == ("10.0.5.5", 80)
    assert "dnat to 10.0.5.5:80" in published.rewrites[0]
    # The same address and port, not DNATed: ct status dnat does not hold.
    plain = ruleset.verdict(tcp(80, "forward", daddr="10.0.5.5", iifname="wan"))
    assert plain.action == "drop"
    proxied = ruleset.verdict(tcp(80, "forward", daddr="93.184.216.34", iifname="lan"))
    assert proxied.allowed and '"proxy"' in str(proxied.rule)
    # A packet to this host rewritten to another one goes on through forward.
    mail = ruleset.verdict(tcp(25, daddr="192.0.2.7"))
    assert mail.action == "drop" and mail.chain == "ip f routed"


def test_marks_set_here_are_followed_and_marks_set_elsewhere_are_conditions(
    netns: NetnsGroup,
) -> None:
    ruleset = nft(
        netns,
        """
        table inet m {
          chain pre {
            type filter hook prerouting priority mangle; policy accept;
            tcp dport 22 meta mark set 0x1
            tcp dport 23 ct mark set 0x2
            ct mark 0x2 meta mark set ct mark
          }
          chain input {
            type filter hook input priority 0; policy drop;
            meta mark 0x1 accept comment "marked ssh"
            meta mark 0x2 accept comment "restored"
          }
        }
        """,
    )
    assert '"marked ssh"' in str(ruleset.verdict(tcp(22)).rule)
    assert '"restored"' in str(ruleset.verdict(tcp(23)).rule)
    other = ruleset.verdict(tcp(24))
    assert conditional_on(other, "`meta mark 0x00000001`") or conditional_on(other, "meta mark 1")


def test_dynamic_sets_are_conditions_static_sets_are_exact(netns: NetnsGroup) -> None:
    ruleset = nft(
        netns,
        """
        table inet d {
          set blocklist { type ipv4_addr; flags dynamic, timeout; timeout 10m; }
          set friends { type ipv4_addr; elements = { 10.0.0.9 } }
          chain input {
            type filter hook input priority 0; policy accept;
            ip saddr @blocklist drop comment "blocked"
            ip saddr @friends accept
            tcp dport 22 ct state new add @blocklist { ip saddr limit rate over 10/minute } drop
            tcp dport 22 update @blocklist { ip saddr } accept
          }
        }
        """,
    )
    friend = ruleset.verdict(tcp(22))
    assert friend.conditional and "a set rules fill while traffic flows" in friend.conditions[0]
    assert "blocked" in str(friend.otherwise)
    stranger = ruleset.verdict(tcp(22, saddr="10.0.0.8"))
    assert any("add @blocklist" in c for c in stranger.conditions) or any(
        "limit rate over 10/minute" in c for c in stranger.conditions
    )


def test_hop_limit_fib_pkttype_and_fragments(netns: NetnsGroup) -> None:
    ruleset = nft(
        netns,
        """
        table inet h {
          chain input {
            type filter hook input priority 0; policy drop;
            ip frag-off & 0x1fff != 0 drop comment "fragments"
            fib daddr type != local drop comment "not for us"
            meta pkttype { broadcast, multicast } drop
            ip6 nexthdr icmpv6 icmpv6 type nd-neighbor-solicit ip6 hoplimit 255 accept comment "nd"
            tcp dport 443 accept comment "https"
          }
          chain forward {
            type filter hook forward priority 0; policy accept;
            fib daddr type local drop comment "to us"
            fib saddr . iif oif missing drop comment "spoofed"
          }
        }
        """,
    )
    https = ruleset.verdict(tcp(443))
    assert https.allowed and '"https"' in str(https.rule)  # a first packet is no fragment
    multicast = Packet("input", None, "10.0.0.9", "224.0.0.5", "udp", 5000)
    assert ruleset.verdict(multicast).action == "drop"
    nd = Packet("input", None, "fe80::1", "fe80::2", "icmpv6", icmp_type="nd-neighbor-solicit")
    assert conditional_on(ruleset.verdict(nd), "ip6 hoplimit 255")
    routed = ruleset.verdict(tcp(443, "forward", daddr="10.0.7.7"))
    assert conditional_on(routed, "not `fib saddr . iif oif missing`")


def iptables(text: str) -> Ruleset:
    """iptables-save text, written here with long rules continued on the next line."""
    return parse_iptables_save(textwrap.dedent(text).replace(" \\\n    ", " "))


def test_iptables_match_modules() -> None:
    ruleset = iptables(
        """\
            *filter
            :INPUT DROP [0:0]
            :FORWARD DROP [0:0]
            :OUTPUT ACCEPT [0:0]
            -A INPUT -p tcp -m tcp --dport 22 -m recent --set --name ssh --rsource
            -A INPUT -p tcp -m tcp --dport 22 -m recent --update --seconds 60 --hitcount 4 \
                --name ssh --rsource -j DROP
            -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
            -A INPUT -p icmp -m icmp --icmp-type 8 -m limit --limit 1/sec -j ACCEPT
            -A INPUT -p tcp -m tcp --dport 80 -m hashlimit --hashlimit-above 20/sec \
                --hashlimit-mode srcip --hashlimit-name http -j DROP
            -A INPUT -p tcp -m tcp --dport 80 -j ACCEPT
            -A INPUT -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -m tcp --dport 25 -j ACCEPT
            -A INPUT -m addrtype --dst-type LOCAL -p tcp -m tcp --dport 26 -j ACCEPT
            -A INPUT -p udp -m conntrack --ctstate NEW --ctproto udp -m udp --dport 53 -j ACCEPT
            -A INPUT -p tcp -m multiport --ports 1000,2000:2010 -j ACCEPT
            -A FORWARD -m addrtype --dst-type LOCAL -j ACCEPT
            COMMIT
            """
    )
    ssh = ruleset.verdict(tcp(22))
    assert conditional_on(ssh, "not `-m recent --update --seconds 60 --hitcount 4")
    ping = Packet("input", None, "10.0.0.9", "10.0.0.1", "icmp")
    assert conditional_on(ruleset.verdict(ping), "-m limit --limit 1/sec")
    assert conditional_on(ruleset.verdict(tcp(80)), "not `-m hashlimit --hashlimit-above 20/sec")
    assert ruleset.verdict(tcp(25)).allowed  # a first packet: SYN only
    assert ruleset.verdict(tcp(25, ct_state="established")).action == "drop"
    assert ruleset.verdict(tcp(26)).allowed  # the destination of an input packet is local
    assert not ruleset.verdict(tcp(26, "forward")).allowed
    dns = Packet("input", None, "10.0.0.9", "10.0.0.1", "udp", 53)
    assert ruleset.verdict(dns).allowed
    assert ruleset.verdict(tcp(2005)).allowed  # destination port in --ports
    assert ruleset.verdict(tcp(7, sport=1000)).allowed  # source port in --ports
    assert not ruleset.verdict(tcp(7)).allowed


def test_iptables_tables_and_targets() -> None:
    ruleset = iptables(
        """\
            *raw
            :PREROUTING ACCEPT [0:0]
            :OUTPUT ACCEPT [0:0]
            -A PREROUTING -p udp -m udp --dport 53 -j CT --notrack
            COMMIT
            *mangle
            :PREROUTING ACCEPT [0:0]
            -A PREROUTING -p tcp -m tcp --dport 2222 -j MARK --set-xmark 0x7/0xffffffff
            -A PREROUTING -s 192.0.2.0/24 -j DROP
            COMMIT
            *nat
            :PREROUTING ACCEPT [0:0]
            :POSTROUTING ACCEPT [0:0]
            -A PREROUTING -p tcp -m tcp --dport 8443 -j DNAT --to-destination 10.9.9.9:443
            -A POSTROUTING -o wan -j MASQUERADE
            COMMIT
            *filter
            :INPUT DROP [0:0]
            :FORWARD DROP [0:0]
            -A INPUT -m state --state UNTRACKED -j ACCEPT
            -A INPUT -m mark --mark 0x7 -j ACCEPT
            -A FORWARD -d 10.9.9.9/32 -p tcp -m tcp --dport 443 -m conntrack --ctstate DNAT \
                -j ACCEPT
            COMMIT
            """
    )
    dns = Packet("input", None, "10.0.0.9", "10.0.0.1", "udp", 53)
    assert ruleset.verdict(dns).allowed  # notracked in raw: ct state untracked in filter
    assert ruleset.verdict(tcp(2222)).allowed  # marked in mangle
    assert ruleset.verdict(tcp(2222, saddr="192.0.2.4")).action == "drop"  # mangle drops it
    web = ruleset.verdict(tcp(8443, "forward", daddr="198.51.100.1"))
    assert web.allowed and web.destination == ("10.9.9.9", 443)


def test_iptables_nft_rules_shown_as_xt_point_to_iptables_save(netns: NetnsGroup) -> None:
    """iptables-nft stores some matches as xt expressions, which 'nft -j' cannot show:
    the error says so and names the way out."""
    namespace = netns.add("xt")
    namespace.run(
        "iptables-restore",
        input="*filter\n:INPUT ACCEPT [0:0]\n"
        "-A INPUT -p tcp -m tcp --dport 22 -m recent --rcheck --name ssh -j DROP\nCOMMIT\n",
    )
    with pytest.raises(
        UnsupportedError, match=r"ip filter INPUT handle \d+: .*'xt'.*iptables-save"
    ):
        load_ruleset(json.dumps(dump_ruleset(namespace)))


def test_unknown_interfaces_make_interface_rules_conditional() -> None:
    ruleset = parse_iptables_save(
        "*filter\n:INPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\n"
        "-A INPUT -i eth0 -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n"
    )
    verdict = ruleset.verdict(tcp(22, iifname=ANY_INTERFACE))
    assert verdict.conditions == ("arriving on eth0",)
    assert ruleset.verdict(tcp(22, iifname="eth0")).allowed
    assert ruleset.verdict(tcp(22)).action == "drop"  # an interface no rule names
    local = Packet("input", None, "127.0.0.1", "127.0.0.1", "tcp", 9, iifname=ANY_INTERFACE)
    assert ruleset.verdict(local).conditions == ("arriving on lo",)

"""Hypothesis strategies that build inputs from each format's own pieces: services in the
compact syntax, port phrases as vendor documents write them, YAML documents, nft JSON and
iptables-save — mostly well-formed, with the hostile values fuzzing found mixed in."""

from __future__ import annotations

import html
import json
from functools import cache
from typing import Any

import yaml
from hypothesis import strategies as st

from tests.fuzz.mutate import HOSTILE_TOKENS

# A small document in the shape vendor documents have, for a checkout without ../shared.
SAMPLE_DOCUMENT = """Ports used by the server

| Port | Protocol | Source | Destination | Purpose |
|------|----------|--------|-------------|---------|
| 443 | TCP | Clients | Server | Web interface |
| 161-162 | UDP | Server | Printers | SNMP |

The agent connects to the server on TCP port 8443. Allow UDP 514 for syslog.
"""

SAMPLE_IPTABLES = """*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -p tcp -m tcp --dport 22 -s 10.0.0.0/8 -j ACCEPT
-A INPUT -p udp -m multiport --dports 161,162 -j ACCEPT
COMMIT
"""

HOSTILE = st.sampled_from(HOSTILE_TOKENS)
NUMBERS = st.one_of(
    st.integers(0, 70000).map(str),
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(["00443", "４４３", "٤٤٣", "²", "0x1bb", "9" * 4301, "443.0", "1e3"]),
)


def services() -> st.SearchStrategy[bytes]:
    protocol = st.sampled_from(["tcp", "udp", "sctp", "icmp", "icmpv6", "TCP", "esp", ""])
    port = st.one_of(NUMBERS, st.tuples(NUMBERS, NUMBERS).map(lambda r: f"{r[0]}-{r[1]}"))
    ports = st.lists(port, max_size=5).map(",".join)
    icmp = st.sampled_from(["echo-request", "nd-router-advert", "bogus", ""])
    built = st.tuples(
        st.lists(protocol, min_size=1, max_size=3).map("+".join),
        st.sampled_from(["/", "", " / ", "//"]),
        st.one_of(ports, icmp, HOSTILE),
    ).map("".join)
    return st.one_of(built, st.text(max_size=40)).map(lambda s: s.encode("utf-8", "surrogatepass"))


PORT_WORDS = (
    "TCP", "UDP", "tcp/udp", "SCTP", "port", "ports", "Port(s)", "range", "from", "to",
    "through", "and", "or", ",", "-", "–", "/", "+", "(", ")", "[1]", "inbound", "outbound",
    "HTTPS", "SNMP", "LDAP", "default", "except", "other than", "instead of", "v2024-03-18",
    "http://example.test/9/1/1", "1,024", "49'152", "10.0.0.1:8080", "TCP443", ":", ".",
)  # fmt: skip


def port_phrases() -> st.SearchStrategy[bytes]:
    word = st.one_of(st.sampled_from(PORT_WORDS), NUMBERS, HOSTILE)
    return st.lists(word, max_size=25).map(lambda ws: " ".join(ws).encode("utf-8", "surrogatepass"))


@cache
def port_lines() -> tuple[str, ...]:
    """Lines of real documents that name ports (the port grammar's usual input)."""
    from tests.fuzz.targets import documents

    found = [
        line
        for document in documents()
        for line in document.splitlines()
        if any(char.isdigit() for char in line) and len(line) < 400
    ]
    return tuple(found[:: max(1, len(found) // 3000)]) or (SAMPLE_DOCUMENT,)


def _scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**64), 2**64),
        st.floats(allow_nan=True),
        st.text(max_size=12),
        HOSTILE,
        st.sampled_from(["tcp/443", "udp/0", "10.0.0.0/8", "fd00::/64", "a:b", "lrs-vpsx:client"]),
    )


KEYS = st.sampled_from(
    [
        "name", "id", "sites", "zones", "hosts", "products", "roles", "flows", "from", "to",
        "services", "cidrs", "addresses", "site", "zone", "product", "variables", "features",
        "firewalls", "links", "platform", "kind", "default", "offset", "os", "labels", "x",
    ]
)  # fmt: skip


def yaml_documents() -> st.SearchStrategy[bytes]:
    """Mappings with portplan's keys and values of every type, as YAML (and now and then
    with raw hostile text appended)."""
    tree = st.recursive(
        _scalars(),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)
        ),
        max_leaves=30,
    )
    document = st.dictionaries(KEYS, tree, min_size=1, max_size=8).map(
        lambda d: yaml.safe_dump(d, allow_unicode=True)
    )
    return st.tuples(document, st.one_of(st.just(""), HOSTILE)).map(
        lambda pair: (pair[0] + pair[1]).encode("utf-8", "surrogatepass")
    )


NFT_LEFT = st.sampled_from(
    [
        {"payload": {"protocol": "tcp", "field": "dport"}},
        {"payload": {"protocol": "udp", "field": "sport"}},
        {"payload": {"protocol": "ip", "field": "saddr"}},
        {"payload": {"protocol": "ip6", "field": "daddr"}},
        {"meta": {"key": "l4proto"}},
        {"meta": {"key": "iifname"}},
        {"ct": {"key": "state"}},
        {"concat": [{"meta": {"key": "l4proto"}}, {"payload": {"protocol": "th", "field": "x"}}]},
    ]
)


def _nft_values() -> st.SearchStrategy[Any]:
    atom = st.one_of(
        st.integers(-5, 70000),
        st.sampled_from(["tcp", "udp", "established", "eth0", "10.0.0.1", "@s", "0x", "²"]),
        HOSTILE,
    )
    return st.recursive(
        atom,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3).map(lambda v: {"range": v}),
            st.tuples(inner, st.integers(-1, 200)).map(
                lambda p: {"prefix": {"addr": p[0], "len": p[1]}}
            ),
            st.lists(inner, max_size=4).map(lambda v: {"set": v}),
            st.lists(inner, max_size=3).map(lambda v: {"concat": v}),
            st.lists(inner, max_size=3),
        ),
        max_leaves=8,
    )


def nft_documents() -> st.SearchStrategy[bytes]:
    match = st.builds(
        lambda op, left, right: {"match": {"op": op, "left": left, "right": right}},
        st.sampled_from(["==", "!=", "in", "<", ">=", "bogus"]),
        NFT_LEFT,
        _nft_values(),
    )
    verdict = st.sampled_from(
        [
            {"accept": None},
            {"drop": None},
            {"reject": None},
            {"return": None},
            {"jump": {"target": "sub"}},
            {"goto": {"target": "nowhere"}},
            {"jump": {}},
            {"counter": {"packets": 0, "bytes": 0}},
            {"log": {"prefix": "x"}},
        ]
    )
    rule = st.lists(st.one_of(match, verdict), max_size=5).map(
        lambda expr: {"rule": {"family": "ip", "table": "t", "chain": "c", "expr": expr}}
    )
    chain = st.builds(
        lambda hook, policy, name: {
            "chain": {
                "family": "ip",
                "table": "t",
                "name": name,
                "type": "filter",
                "hook": hook,
                "prio": 0,
                "policy": policy,
            }
        },
        st.sampled_from(["input", "forward", "output", "prerouting", ["input"], None]),
        st.sampled_from(["accept", "drop", None, 3]),
        st.sampled_from(["c", "sub"]),
    )
    table = st.just({"table": {"family": "ip", "name": "t"}})
    objects = st.lists(st.one_of(table, chain, rule), max_size=8)
    return objects.map(lambda items: json.dumps({"nftables": items}).encode())


IPT_PARTS = (
    "-A INPUT", "-A FORWARD", "-I INPUT 1", "-N custom", "-A custom", "-p tcp", "-p udp",
    "-p 6", "-p all", "! -p icmp", "-s 10.0.0.0/8", "-d 192.0.2.1/32", "-s 10.0.0.0/40",
    "-i eth0", "-o lo+", "-m tcp", "-m udp", "--dport", "--sport", "--dports", "-m multiport",
    "-m conntrack --ctstate ESTABLISHED,RELATED", "-m state --state NEW", "-m set --match-set",
    "-m comment --comment", '"a b"', "'", "-j ACCEPT", "-j DROP", "-j REJECT", "-j RETURN",
    "-j custom", "-j LOG --log-prefix x", "-g custom", "-4", "-6", "22", "1:1024", "65536",
    ":", "!", "--",
)  # fmt: skip


def iptables_save() -> st.SearchStrategy[bytes]:
    rule = st.lists(st.one_of(st.sampled_from(IPT_PARTS), NUMBERS, HOSTILE), max_size=10).map(
        " ".join
    )
    header = st.sampled_from(
        [":INPUT DROP [0:0]", ":FORWARD ACCEPT [0:0]", ":custom - [0:0]", ":INPUT", ":X Y Z"]
    )
    table = st.sampled_from(["*filter", "*nat", "*mangle", "*raw", "*bogus", ""])
    body = st.lists(st.one_of(rule, header), max_size=12)
    return st.tuples(table, body, st.sampled_from(["COMMIT", "", "COMMIT\nCOMMIT"])).map(
        lambda p: "\n".join([p[0], *p[1], p[2], ""]).encode("utf-8", "surrogatepass")
    )


def as_html(text: str) -> str:
    """A document as an HTML page: runs of table-looking lines become tables (now and then
    with a span), other lines paragraphs."""
    parts: list[str] = []
    in_table = False
    for number, line in enumerate(text.splitlines()[:200]):
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) > 1:
            span = f' colspan="{number % 3 + 1}"' if number % 7 == 0 else ""
            parts.append("" if in_table else "<table>")
            parts.append("<tr>" + "".join(f"<td{span}>{html.escape(c)}</td>" for c in cells))
            in_table = True
            continue
        if in_table:
            parts.append("</table>")
            in_table = False
        parts.append(f"<p>{html.escape(line)}</p>")
    if in_table:
        parts.append("</table>")
    return "<html><body>\n" + "\n".join(parts) + "\n</body></html>\n"

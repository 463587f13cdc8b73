"""The nft JSON layer: malformed input is one line naming its JSON path, never a crash.

The hypothesis test mutates a real dump (the kernel's own JSON of a ruleset with sets, maps,
NAT, marks and limits) at random places — wrong types, missing keys, huge numbers, odd
strings — and requires a PortplanError or a Ruleset, nothing else.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portplan.errors import InputError, PortplanError
from portplan.verify.evaluate import Packet, load_ruleset
from portplan.verify.nftjson import MAX_DEPTH, decode


def table(*rules: list[dict[str, Any]], hook: str = "forward") -> dict[str, Any]:
    objects: list[dict[str, Any]] = [
        {"table": {"family": "ip", "name": "t", "handle": 1}},
        {
            "chain": {
                "family": "ip",
                "table": "t",
                "name": "c",
                "handle": 2,
                "type": "filter",
                "hook": hook,
                "prio": 0,
                "policy": "drop",
            }
        },
    ]
    for handle, expr in enumerate(rules, start=3):
        objects.append(
            {"rule": {"family": "ip", "table": "t", "chain": "c", "handle": handle, "expr": expr}}
        )
    return {"nftables": objects}


def dport(right: Any) -> dict[str, Any]:
    return {
        "match": {
            "op": "==",
            "left": {"payload": {"protocol": "tcp", "field": "dport"}},
            "right": right,
        }
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"nftables": [7]}, r"nftables\[0\]: an object expected, not a number"),
        ({"nftables": [{"chain": []}]}, r"nftables\[0\]\.chain: an object expected, not a list"),
        (
            {"nftables": [{"table": {}, "rule": {}}]},
            r'nftables\[0\]: an object with one key expected \(it has "table", "rule"\)',
        ),
        (
            table([{"match": {"left": {"meta": {"key": "l4proto"}}}}]),
            r'expr\[0\]\.match: no "right"',
        ),
        (table([dport("0x")]), r'expr\[0\]\.match\.right: "0x" is not a port'),
        (table([dport("²")]), r'"²" is not a port'),
        (table([dport("٤٤٣")]), r'"٤٤٣" is not a port'),
        (table([dport(70000)]), r"70000 is outside 0\.\.65535"),
        (table([dport({"range": [1]})]), r"range: a range has two bounds, not 1"),
        (table([{"jump": {}}]), r'expr\[0\]\.jump: no "target"'),
        (
            table([{"accept": None}], hook=["forward"]),
            r"chain\.hook: a string expected, not a list",
        ),  # type: ignore[arg-type]
    ],
)
def test_malformed_json_names_the_path(data: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_ruleset(data)


def test_numbers_and_nesting_are_bounded_before_conversion() -> None:
    with pytest.raises(InputError, match="a number of 5000 digits"):
        decode('{"nftables": [' + "9" * 5000 + "]}")
    with pytest.raises(InputError, match=f"at most {MAX_DEPTH} are read"):
        decode('{"nftables": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(InputError, match=r"not UTF-8 \(byte 0xe9 at offset 2\)"):
        decode(b'{"\xe9": 1}')
    with pytest.raises(InputError, match="not a JSON number"):
        decode('{"nftables": [NaN]}')


def test_a_decimal_port_in_a_string_is_read_like_nft() -> None:
    ruleset = load_ruleset(table([dport("443"), {"accept": None}]))
    assert ruleset.verdict(Packet("forward", None, "10.0.0.1", "10.0.0.2", "tcp", 443)).allowed


BASE = {
    "nftables": [
        {"metainfo": {"version": "1.0.6", "json_schema_version": 1}},
        {"table": {"family": "inet", "name": "f", "handle": 1}},
        {
            "set": {
                "family": "inet",
                "table": "f",
                "name": "web",
                "type": "ipv4_addr",
                "flags": ["interval"],
                "elem": [
                    {"prefix": {"addr": "10.0.0.0", "len": 24}},
                    {"range": ["10.1.0.1", "10.1.0.9"]},
                ],
            }
        },
        {
            "map": {
                "family": "inet",
                "table": "f",
                "name": "ports",
                "type": "inet_service",
                "map": "verdict",
                "elem": [[22, {"accept": None}], [23, {"drop": None}]],
            }
        },
        {
            "chain": {
                "family": "inet",
                "table": "f",
                "name": "input",
                "type": "filter",
                "hook": "input",
                "prio": 0,
                "policy": "drop",
            }
        },
        {"chain": {"family": "inet", "table": "f", "name": "sub"}},
        {
            "rule": {
                "family": "inet",
                "table": "f",
                "chain": "input",
                "handle": 5,
                "expr": [
                    {
                        "match": {
                            "op": "in",
                            "left": {"ct": {"key": "state"}},
                            "right": ["established", "related"],
                        }
                    },
                    {"accept": None},
                ],
            }
        },
        {
            "rule": {
                "family": "inet",
                "table": "f",
                "chain": "input",
                "handle": 6,
                "expr": [
                    {
                        "match": {
                            "op": "==",
                            "left": {"payload": {"protocol": "ip", "field": "saddr"}},
                            "right": "@web",
                        }
                    },
                    {
                        "match": {
                            "op": "==",
                            "left": {"payload": {"protocol": "tcp", "field": "dport"}},
                            "right": {"set": [80, {"range": [8000, 8100]}]},
                        }
                    },
                    {"limit": {"rate": 10, "per": "second"}},
                    {"counter": {"packets": 0, "bytes": 0}},
                    {"accept": None},
                ],
            }
        },
        {
            "rule": {
                "family": "inet",
                "table": "f",
                "chain": "input",
                "handle": 7,
                "expr": [
                    {"mangle": {"key": {"meta": {"key": "mark"}}, "value": 16}},
                    {
                        "vmap": {
                            "key": {"payload": {"protocol": "tcp", "field": "dport"}},
                            "data": "@ports",
                        }
                    },
                ],
            }
        },
        {
            "rule": {
                "family": "inet",
                "table": "f",
                "chain": "input",
                "handle": 8,
                "expr": [
                    {"match": {"op": "==", "left": {"meta": {"key": "mark"}}, "right": 16}},
                    {
                        "match": {
                            "op": "==",
                            "left": {
                                "concat": [
                                    {"payload": {"protocol": "ip", "field": "daddr"}},
                                    {"payload": {"protocol": "th", "field": "dport"}},
                                ]
                            },
                            "right": {"set": [{"concat": ["10.0.0.1", 9000]}]},
                        }
                    },
                    {"jump": {"target": "sub"}},
                ],
            }
        },
        {
            "rule": {
                "family": "inet",
                "table": "f",
                "chain": "sub",
                "handle": 9,
                "expr": [{"dnat": {"family": "ip", "addr": "10.0.0.5", "port": 8080}}],
            }
        },
    ]
}


def test_the_base_document_evaluates() -> None:
    ruleset = load_ruleset(copy.deepcopy(BASE))
    verdict = ruleset.verdict(Packet("input", None, "10.0.0.9", "10.0.0.1", "tcp", 80))
    assert verdict.conditional and "limit rate 10/second" in verdict.conditions[0]
    assert ruleset.verdict(Packet("input", None, "10.9.0.9", "10.0.0.1", "tcp", 22)).allowed
    assert not ruleset.verdict(Packet("input", None, "10.9.0.9", "10.0.0.1", "tcp", 23)).allowed


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


PATHS = _paths(BASE)[1:]
REPLACEMENTS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(max_size=8),
    st.sampled_from(["0x", "²", "@nope", "*", "10.0.0.0/33", "ip", "tcp", "jump"]),
    st.lists(st.integers(0, 70000), max_size=3),
    st.dictionaries(
        st.sampled_from(["range", "prefix", "set", "concat", "payload", "x"]),
        st.integers(0, 9),
        max_size=2,
    ),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.sampled_from(PATHS), REPLACEMENTS, st.booleans()), min_size=1, max_size=4)
)
def test_mutated_documents_load_or_fail_cleanly(
    mutations: list[tuple[tuple[Any, ...], Any, bool]],
) -> None:
    data = copy.deepcopy(BASE)
    for path, replacement, delete in mutations:
        parent: Any = data
        try:
            for key in path[:-1]:
                parent = parent[key]
            if delete and isinstance(parent, dict):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = replacement
        except (KeyError, IndexError, TypeError):
            continue
    try:
        ruleset = load_ruleset(json.dumps(data))
        for hook in ("input", "forward", "output"):
            ruleset.verdict(Packet(hook, None, "10.0.0.9", "10.0.0.1", "tcp", 80))  # type: ignore[arg-type]
    except PortplanError as exc:
        assert "\n" not in str(exc)

"""Interval algebra for the audit's rule findings, checked against brute force.

The set operations are compared with Python sets on small domains; the shadowing analysis is
checked for soundness on random rulesets: a rule it calls shadowed is never reached and
matched by any packet of a grid that covers every distinction the rules make.
"""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portplan.model.intervals import subtract_intervals
from portplan.verify.evaluate import Packet
from portplan.verify.findings import rule_findings
from portplan.verify.iptables import parse_iptables_save
from portplan.verify.regions import (
    box_subtract,
    intersect_sets,
    normalize,
)

spans = st.lists(
    st.tuples(st.integers(0, 40), st.integers(0, 8)).map(lambda t: (t[0], t[0] + t[1])),
    max_size=5,
)


def points(intervals: tuple[tuple[int, int], ...]) -> set[int]:
    return {v for a, b in intervals for v in range(a, b + 1)}


@given(spans, spans)
def test_interval_sets_agree_with_python_sets(
    a: list[tuple[int, int]], b: list[tuple[int, int]]
) -> None:
    x, y = normalize(a), normalize(b)
    assert points(x) == {v for s, e in a for v in range(s, e + 1)}
    assert points(intersect_sets(x, y)) == points(x) & points(y)
    assert points(subtract_intervals(x, y)) == points(x) - points(y)


boxes = st.tuples(spans.map(normalize), spans.map(normalize), spans.map(normalize))


@given(boxes, boxes)
def test_box_subtraction_is_exact_and_disjoint(a: tuple, b: tuple) -> None:  # type: ignore[type-arg]
    def cells(box: tuple) -> set[tuple[int, ...]]:  # type: ignore[type-arg]
        return set(itertools.product(*(sorted(points(dim)) for dim in box)))

    pieces = box_subtract(a, b)
    expected = cells(a) - cells(b)
    found: list[tuple[int, ...]] = [cell for piece in pieces for cell in cells(piece)]
    assert set(found) == expected
    assert len(found) == len(set(found))  # the pieces do not overlap


SOURCES = [f"10.0.0.{i}" for i in range(8)]
PORTS = list(range(1, 7))
RULE = st.tuples(
    st.sampled_from(["", "-s 10.0.0.0/30 ", "-s 10.0.0.4/31 ", "-s 10.0.0.5 ", "! -s 10.0.0.1 "]),
    st.sampled_from(["", "-p tcp ", "-p udp "]),
    st.sampled_from(["", "--dport 2 ", "--dport 3:5 ", "! --dport 4 "]),
    st.sampled_from(["", "-i a ", "-i b ", "! -i a "]),
    st.sampled_from(["", "-m state --state NEW ", "-m state --state ESTABLISHED "]),
    st.sampled_from(
        [
            "-j ACCEPT",
            "-j DROP",
            "-j RETURN",
            "-j side",
            "-g side",
            "-j LOG",
            "-m limit --limit 1/s -j DROP",
        ]
    ),
)


def rule_line(chain: str, parts: tuple[str, ...]) -> str:
    where, proto, port, interface, state, target = parts
    if port and not proto:
        port = ""
    if chain == "side" and target in ("-j side", "-g side"):
        target = "-j ACCEPT"
    return f"-A {chain} {where}{proto}{port}{interface}{state}{target}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(RULE, min_size=1, max_size=7), st.lists(RULE, max_size=3))
def test_shadowed_rules_are_never_reached(
    main: list[tuple[str, ...]], side: list[tuple[str, ...]]
) -> None:
    text = "*filter\n:INPUT DROP [0:0]\n:side - [0:0]\n"
    text += "".join(rule_line("INPUT", r) + "\n" for r in main)
    text += "".join(rule_line("side", r) + "\n" for r in side)
    ruleset = parse_iptables_save(text + "COMMIT\n")
    shadowed = {f.rule for f in rule_findings(ruleset, [], {}) if f.kind == "shadowed"}
    if not shadowed:
        return
    reached: set[str] = set()
    for saddr, proto, port, iif, state in itertools.product(
        SOURCES, ("tcp", "udp", "icmp"), PORTS, ("a", "b", None), ("new", "established")
    ):
        packet = Packet(
            "input",
            None,
            saddr,
            "10.9.9.9",
            proto,
            port if proto != "icmp" else None,
            ct_state=state,
            iifname=iif,
        )
        reached.update(rule.label for rule in ruleset.trace(packet).matched)
    assert not shadowed & reached

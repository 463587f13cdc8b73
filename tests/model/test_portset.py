"""The one port algebra: PortSet's set operations agree with Python sets of port numbers."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from portplan.model.intervals import merge_intervals, subtract_intervals
from portplan.model.service import MAX_PORT, MIN_PORT, PortRange, PortSet


@st.composite
def port_sets(draw: st.DrawFn) -> PortSet:
    """Sets of ranges near each other (so they overlap and touch) or at the edges of 1–65535."""
    edge = st.sampled_from([MIN_PORT, MIN_PORT + 1, 1000, MAX_PORT - 1, MAX_PORT])
    low = st.one_of(st.integers(1000, 1060), edge)
    spans = draw(st.lists(st.tuples(low, st.integers(0, 12)), max_size=6))
    return PortSet.of(PortRange(a, min(a + width, MAX_PORT)) for a, width in spans)


def ports(port_set: PortSet) -> set[int]:
    return set(port_set.ports())


def is_canonical(port_set: PortSet) -> bool:
    spans = port_set.spans
    return all(a[1] + 1 < b[0] for a, b in itertools.pairwise(spans))


@given(port_sets(), port_sets())
def test_intersect_subtract_union_are_the_set_operations(a: PortSet, b: PortSet) -> None:
    assert ports(a.intersect(b)) == ports(a) & ports(b)
    assert ports(a.subtract(b)) == ports(a) - ports(b)
    assert ports(a.union(b)) == ports(a) | ports(b)
    for result in (a.intersect(b), a.subtract(b), a.union(b)):
        assert is_canonical(result)


@given(port_sets())
def test_complement_is_every_other_port(a: PortSet) -> None:
    complement = a.complement()
    assert complement.size == (MAX_PORT - MIN_PORT + 1) - a.size
    assert not complement.intersect(a)
    assert complement.union(a) == PortSet.everything()
    assert complement.complement() == a


@given(port_sets(), port_sets())
def test_contains_is_subset_and_membership(a: PortSet, b: PortSet) -> None:
    assert a.contains(b) == (ports(b) <= ports(a))
    assert a.contains(a.intersect(b))
    assert a.union(b).contains(b)
    for port in (1000, 1005, MIN_PORT, MAX_PORT):
        assert a.contains(port) == (port in ports(a))


@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 5)), max_size=8))
def test_interval_subtraction_matches_sets(raw: list[tuple[int, int]]) -> None:
    half = len(raw) // 2
    a = merge_intervals((x, x + w) for x, w in raw[:half])
    b = merge_intervals((x, x + w) for x, w in raw[half:])

    def values(spans: tuple[tuple[int, int], ...]) -> set[int]:
        return {v for first, last in spans for v in range(first, last + 1)}

    assert values(subtract_intervals(a, b)) == values(a) - values(b)

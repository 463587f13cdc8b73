"""The algebra of inclusive integer intervals, the one place it is written.

Ports (:class:`~portplan.model.service.PortSet`), ICMP types and IP address ranges (the
compile stage's boxes) are all sets of integers written as inclusive ``(first, last)``
intervals. A *canonical* interval tuple is sorted, and no two of its intervals overlap or
touch; :func:`merge_intervals` makes one, and the other functions take and return canonical
tuples, each in one linear sweep.
"""

from __future__ import annotations

from collections.abc import Iterable

Interval = tuple[int, int]  # first and last value, inclusive


def merge_intervals(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    """Sorted, with touching and overlapping intervals joined (the canonical form)."""
    out: list[Interval] = []
    for first, last in sorted(intervals):
        if out and first <= out[-1][1] + 1:
            if last > out[-1][1]:
                out[-1] = (out[-1][0], last)
        else:
            out.append((first, last))
    return tuple(out)


def intersect_intervals(a: tuple[Interval, ...], b: tuple[Interval, ...]) -> tuple[Interval, ...]:
    """The values in both canonical ``a`` and ``b``."""
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        first, last = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if first <= last:
            out.append((first, last))
        # Step past whichever interval ends first; the other may still meet the next one.
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def subtract_intervals(a: tuple[Interval, ...], b: tuple[Interval, ...]) -> tuple[Interval, ...]:
    """The values of canonical ``a`` that are not in canonical ``b``."""
    out: list[Interval] = []
    j = 0
    for first, last in a:
        cursor = first
        while j < len(b) and b[j][1] < cursor:
            j += 1  # wholly before what is left of this interval
        k = j
        while k < len(b) and b[k][0] <= last:
            if b[k][0] > cursor:
                out.append((cursor, b[k][0] - 1))
            cursor = max(cursor, b[k][1] + 1)
            k += 1
        if cursor <= last:
            out.append((cursor, last))
    return tuple(out)


def covers_intervals(a: tuple[Interval, ...], b: tuple[Interval, ...]) -> bool:
    """Whether canonical ``a`` holds every value of canonical ``b``."""
    return not subtract_intervals(b, a)

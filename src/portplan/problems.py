"""Every problem of a file at once, and the name that was probably meant.

A first deployment is written by trial and error; reporting one mistake per run turns five
mistakes into five rounds. Checks therefore run inside :meth:`ProblemCollector.catch`, which
records a :class:`~portplan.errors.ValidationError` and lets the next check run;
:meth:`ProblemCollector.finish` raises them together (or hands them to the caller that is
gathering the problems of several phases, see :mod:`portplan.explain`).

:func:`closest` and :func:`choices` turn an unknown name into "did you mean …?" — from the
spelling (``adresses`` → ``addresses``) or from words people use for the same thing
(``type`` → ``kind``, ``subnet`` → ``cidrs``).
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager

from portplan.errors import PortplanError, ValidationError, ValidationErrors, raise_all

# Words people write for a key (or a value) portplan spells differently: wrong word → what it
# may mean; the first that exists where the word was written is suggested.
SYNONYMS: Mapping[str, tuple[str, ...]] = {
    "type": ("kind", "os"),
    "ip": ("addresses",),
    "ips": ("addresses",),
    "ip_address": ("addresses",),
    "ip_addresses": ("addresses",),
    "address": ("addresses",),
    "cidr": ("cidrs",),
    "subnet": ("cidrs",),
    "subnets": ("cidrs",),
    "network": ("cidrs",),
    "networks": ("cidrs",),
    "prefix": ("cidrs",),
    "prefixes": ("cidrs",),
    "hostname": ("name",),
    "id": ("name", "product"),
    "system": ("os",),
    "platforms": ("platform",),
    "target": ("platform",),
    "enabled": ("features",),
    "features_on": ("features",),
    "disabled": ("features_off",),
    "disabled_features": ("features_off",),
    "features_disabled": ("features_off",),
    "vars": ("variables",),
    "settings": ("variables",),
    "parameters": ("variables",),
    "src": ("from",),
    "source": ("from",),
    "dst": ("to",),
    "dest": ("to",),
    "destination": ("to",),
    "port": ("services",),
    "ports": ("services",),
    "protocol": ("services",),
    "service": ("services",),
    "role": ("roles",),
    "label": ("labels",),
    "tags": ("labels",),
    "desc": ("description",),
    "members": ("hosts",),
    "excludes": ("exclude",),
    "overrides": ("override",),
    # Values: what people call an OS or a device that portplan names otherwise.
    "printer": ("appliance",),
    "mfd": ("appliance",),
    "device": ("appliance",),
    "switch": ("appliance",),
    "router": ("appliance",),
    "ubuntu": ("linux",),
    "debian": ("linux",),
    "rhel": ("linux",),
    "centos": ("linux",),
    "unix": ("linux",),
    "win": ("windows",),
    "mac": ("macos",),
    "osx": ("macos",),
    "firewall": ("network",),
}


def closest(wrong: str, names: Collection[str], synonyms: bool = True) -> str | None:
    """The name in ``names`` that ``wrong`` most likely meant, or None."""
    if synonyms:
        for meant in SYNONYMS.get(wrong.lower(), ()):
            if meant in names:
                return meant
    close = difflib.get_close_matches(wrong, list(names), n=1, cutoff=0.6)
    if close:
        return close[0]
    lower = {name.lower(): name for name in names}
    return lower.get(wrong.lower())


def listing(names: Iterable[str], limit: int = 12) -> str:
    """``a, b, c, …`` — sorted, at most ``limit`` names."""
    ordered = sorted(names)
    return ", ".join(ordered[:limit]) + (", …" if len(ordered) > limit else "")


def choices(what: str, names: Collection[str], wrong: str) -> str:
    """``did you mean 'netx'? Its roles: …`` — the closest name first (the usual typo)."""
    if not names:
        return f"it has no {what}"
    meant = closest(wrong, names, synonyms=False)
    if meant:
        return f"did you mean '{meant}'? Its {what}: {listing(names)}"
    return f"its {what}: {listing(names)}"


class ProblemCollector:
    """Runs checks one after another and keeps every problem they raise.

    ``sink``: a list owned by a caller that gathers several phases (finish() then appends to
    it); without one, finish() raises the problems found.
    """

    def __init__(self, sink: list[PortplanError] | None = None) -> None:
        self.sink = sink
        self.problems: list[PortplanError] = []

    @contextmanager
    def catch(self) -> Iterator[None]:
        """Run the block; a validation problem it raises is recorded, not propagated."""
        try:
            yield
        except ValidationErrors as errors:
            self.problems.extend(errors.problems)
        except ValidationError as error:
            self.problems.append(error)

    def add(self, problem: PortplanError) -> None:
        self.problems.append(problem)

    def finish(self) -> None:
        if self.sink is not None:
            self.sink.extend(self.problems)
        else:
            raise_all(self.problems)


def in_file_order(problems: Iterable[PortplanError]) -> list[PortplanError]:
    """Problems sorted by line (those without a line last), each text once."""
    unique = {str(p): p for p in problems}
    return sorted(unique.values(), key=lambda p: (p.line is None, p.line or 0))

"""Every fuzz reproducer that goes through ``extract`` finishes, fast and small, without a crash.

The documents in ``../shared/eval/fuzz/`` once crashed or stalled extraction: a 4,301-digit
number in a port cell, in prose and in an HTML ``colspan``/``rowspan``; an 80 KB sentence; a
Word table whose merged cell repeats a long text over every position. Each runs through the real
CLI under a 2 GB address-space limit and must finish within 20 s with exit 0 or 2 — never
"internal error" (exit 3), a traceback or a memory error.

Digits of other scripts are a decision, not an accident: a document that writes a port in
full-width (``４４３``) or Arabic-Indic (``٤٤٣``) digits means port 443, and is read so.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from portplan.extract.ports import parse_ports
from tests.hostile import assert_ends_cleanly, run_limited
from tests.verify.shared import FUZZ, require_shared, shared_files

REPRODUCERS = shared_files(FUZZ, "extract-*") + shared_files(FUZZ, "html-*")


def test_the_reproducers_are_there() -> None:
    require_shared(FUZZ)
    assert len(REPRODUCERS) >= 7


@pytest.mark.parametrize("path", REPRODUCERS, ids=lambda p: p.name)
def test_reproducer_ends_cleanly(path: Path) -> None:
    result = run_limited(["extract", path, "--format", "json"])
    assert_ends_cleanly(result, path, allowed=(0, 2))


@pytest.mark.parametrize(
    "text",
    [
        "TCP " + "9" * 4301,  # more digits than Python converts
        "port 443." + "0" * 5000,
        "Use LUCS ports +" + "1" * 4400,
    ],
)
def test_numbers_too_long_to_be_ports_are_no_ports(text: str) -> None:
    assert [group.ports for group in parse_ports(text).groups] in ([], [((443, 443),)])


@pytest.mark.parametrize("written", ["TCP ４４３", "TCP ٤٤٣", "TCP 443"])
def test_digits_of_any_script_are_read_as_the_number_they_write(written: str) -> None:
    spec = parse_ports(written)
    assert [(g.protocols, g.ports) for g in spec.groups] == [(("tcp",), ((443, 443),))]

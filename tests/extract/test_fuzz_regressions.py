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

import resource
import subprocess
import sys
from pathlib import Path

import pytest

from portplan.extract.ports import parse_ports
from tests.verify.shared import FUZZ, require_shared, shared_files

REPRODUCERS = shared_files(FUZZ, "extract-*") + shared_files(FUZZ, "html-*")
ADDRESS_SPACE = 2_000_000 * 1024  # ulimit -v 2000000 (KiB)


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def test_the_reproducers_are_there() -> None:
    require_shared(FUZZ)
    assert len(REPRODUCERS) >= 7


@pytest.mark.parametrize("path", REPRODUCERS, ids=lambda p: p.name)
def test_reproducer_ends_cleanly(path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "portplan", "extract", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=20,
        preexec_fn=_limit_memory,
    )
    assert result.returncode in (0, 2), result.stderr[-2000:]
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    if result.returncode == 2:
        errors = [line for line in result.stderr.splitlines() if line.startswith("portplan:")]
        assert len(errors) == 1 and str(path) in errors[0], result.stderr


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

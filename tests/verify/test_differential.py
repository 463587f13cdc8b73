"""The evaluator against the real kernel on real rulesets (``../shared/eval/rulesets/``).

Each ruleset of a fixed sample — every reproducer, and real-world nftables and iptables files
of every kind the collection holds — is loaded into a router namespace, read back the way
``portplan audit`` reads it, and probed (input and forward, IPv4 and IPv6, TCP, UDP and ICMP)
from a client namespace (:mod:`tests.verify.kernel_diff`). Zero disagreements are allowed;
a ruleset the evaluator cannot take must say so in one line naming the rule. ``bench/audit.py
--kernel`` runs every file of the collection (counts in docs/verify.md).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.conftest import require_kernel
from tests.verify.kernel_diff import files, run_file
from tests.verify.shared import RULESETS, require_shared

# (directory, file name prefix, how many): a fixed, seeded sample of each kind
KINDS = (
    ("nft", "real__", 10),
    ("nft", "insights", 2),
    ("nft", "nfttest", 4),
    ("ipt", "diekmann__", 6),
    ("ipt", "real__", 2),
    ("ipt", "iptests__", 2),
    ("ipt", "insights__", 1),
)


def sample() -> list[Path]:
    if not RULESETS.is_dir():
        return []
    chosen = list(files(RULESETS / "repro"))
    rng = random.Random(11)
    for directory, prefix, count in KINDS:
        kind = [p for p in files(RULESETS / directory) if p.name.startswith(prefix)]
        chosen += sorted(rng.sample(kind, min(count, len(kind))))
    return chosen


SAMPLE = sample()


def test_the_sample_covers_every_kind() -> None:
    require_shared(RULESETS)
    assert len(SAMPLE) >= 35
    assert {p.parent.name for p in SAMPLE} == {"repro", "nft", "ipt"}


@pytest.mark.root
@pytest.mark.slow
@pytest.mark.parametrize("path", SAMPLE, ids=lambda p: f"{p.parent.name}/{p.name[:60]}")
def test_kernel_and_evaluator_agree(path: Path) -> None:
    require_kernel(("ip", "nft", "iptables-restore", "ip6tables-restore"))
    result = run_file(path, probes=24, seed=1)
    assert result.disagreements == []
    if result.status == "error":
        # Not evaluated: one line naming the rule (nft handle or iptables line) and why.
        assert "\n" not in result.message
        assert "handle" in result.message or "line " in result.message
    elif result.status == "loaded":
        assert result.probes >= 20
    if path.parent.name == "repro":
        assert result.status == "loaded"  # the reproducers load and evaluate, always

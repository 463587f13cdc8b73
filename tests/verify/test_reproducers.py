"""The six silent wrong verdicts found on real rulesets now match the kernel.

``../shared/eval/rulesets/repro/`` holds minimal rulesets on which a TCP probe through network
namespaces showed what the kernel does (``kernel-vs-evaluator.txt``: source, destination,
protocol, port, …, and the kernel's observation, open or filtered). The ingress rulesets were
loaded with their device replaced by the receiving interface; here that interface is the one
the file names.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from portplan.verify.evaluate import Packet, Ruleset
from portplan.verify.rulesets import read_ruleset, read_rulesets
from tests.conftest import require_kernel
from tests.verify.shared import RULESETS, require_shared

REPRO = RULESETS / "repro"
KERNEL = {"open": "accept", "filtered": "drop"}


def kernel_answers() -> dict[str, list[tuple[str, str, str, int, str]]]:
    """Per file: (source, destination, protocol, port, what the kernel did)."""
    answers: dict[str, list[tuple[str, str, str, int, str]]] = {}
    current = ""
    for line in (require_shared(REPRO) / "kernel-vs-evaluator.txt").read_text().splitlines():
        header = re.match(r"^== (\S+)", line)
        if header:
            current = header.group(1)
        elif line.startswith("("):
            row = ast.literal_eval(line)
            answers.setdefault(current, []).append((row[0], row[1], row[2], row[3], row[7]))
    return answers


def load(path: Path) -> Ruleset:
    if path.suffix == ".nft":
        require_kernel()  # nft text is read by the real nft
    return read_ruleset(path)


def test_every_reproducer_gives_the_kernels_verdict() -> None:
    answers = kernel_answers()
    assert len(answers) == 7
    checked = 0
    for name, rows in answers.items():
        path = REPRO / name
        ruleset = load(path)
        device = "lo" if "ingress" in name else None  # the device the file binds to
        for saddr, daddr, protocol, port, observed in rows:
            packet = Packet("input", None, saddr, daddr, protocol, port, iifname=device)
            verdict = ruleset.verdict(packet)
            assert not verdict.conditional, (name, packet, verdict)
            assert verdict.action == KERNEL[observed], (name, packet, verdict)
            checked += 1
    assert checked == 15


def test_ingress_on_an_unknown_interface_is_conditional_not_allowed(
    kernel: None, tmp_path: Path
) -> None:
    """Without the packet's interface, a drop in an ingress chain makes the verdict depend on
    it — never a plain ALLOWED. (The device, eth0, is made in the namespace nft reads the
    ruleset in, as on the machine it came from.)"""
    for name in ("netdev-ingress.nft", "inet-ingress.nft"):
        path = tmp_path / name
        path.write_text((REPRO / name).read_text().replace('device "lo"', 'device "eth0"'))
        ruleset = read_ruleset(path)
        packet = Packet("input", None, "10.10.2.21", "10.10.1.10", "tcp", 515, iifname=":any")
        verdict = ruleset.verdict(packet)
        assert verdict.conditional
        assert verdict.conditions == ("arriving on an interface the ruleset does not name",)
        assert "dropped by" in verdict.describe() and "ingress" in verdict.describe()
        on_eth0 = Packet("input", None, "10.10.2.21", "10.10.1.10", "tcp", 515, iifname="eth0")
        assert ruleset.verdict(on_eth0).action == "drop"


def test_ip6tables_file_without_addresses_is_ipv6_and_pairs_with_rules_v4() -> None:
    require_shared(REPRO)
    v6 = read_ruleset(REPRO / "ip6-no-addr.rules.v6")
    assert {key[0] for key in v6.chains} == {"ip6"}
    both = read_rulesets([REPRO / "ipt-counters.rules.v4", REPRO / "ip6-no-addr.rules.v6"])
    assert {key[0] for key in both.chains} == {"ip", "ip6"}
    v4 = Packet("input", None, "10.10.2.21", "10.10.1.10", "tcp", 515)
    v6_packet = Packet("input", None, "fd00:10:2::21", "fd00:10:1::10", "tcp", 515)
    assert both.verdict(v4).allowed
    assert both.verdict(v6_packet).action == "drop"


@pytest.mark.parametrize(
    "name", ["ipt-counters.rules.v4", "ipt-no-chain-decls.rules.v4", "v4-open.rules.v4"]
)
def test_standard_iptables_save_forms_are_read(name: str) -> None:
    ruleset = read_ruleset(require_shared(REPRO) / name)
    assert ("ip", "filter", "INPUT") in ruleset.chains
    packet = Packet("input", None, "10.10.2.21", "10.10.1.10", "tcp", 515)
    assert ruleset.verdict(packet).allowed

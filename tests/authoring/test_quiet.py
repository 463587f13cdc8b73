"""Quiet by default: a summary and what needs attention; --all for every row."""

from __future__ import annotations

from click.testing import CliRunner

from portplan import pipeline
from portplan.cli.lab import lab_summary
from portplan.cli.main import cli
from portplan.cli.probe import results_table
from portplan.verify.lab import LabCase, LabReport, LabResult
from portplan.verify.probe import ProbeResult, ProbeTarget
from tests.conftest import EXAMPLES


def case(flow: str, expected: str, kind: str = "required") -> LabCase:
    target = ProbeTarget(flow, "fd00:30:1::11", "tcp", 443)
    return LabCase(flow, "mel-pc01", "mel-pc01", target, expected, kind)  # type: ignore[arg-type]


def test_the_lab_says_what_was_proven_and_lists_only_mismatches() -> None:
    report = LabReport(
        "site",
        results=[
            LabResult(case("a/x/h1->h2", "pass"), "LISTENING", ""),
            LabResult(case("a/y/h1->h2", "pass"), "LISTENING", ""),
            LabResult(
                case("a/y/h1->h2 (other port tcp/444)", "blocked", "negative"), "FILTERED", ""
            ),
            LabResult(case("a/z/h2->h1", "pass"), "FILTERED", "no answer"),
        ],
        timings={"build": 1.0, "test": 2.0},
        namespaces=5,
    )
    text = lab_summary(report)
    lines = text.splitlines()
    assert lines[0] == "Lab site: 4 probes from 5 namespaces — 1 MISMATCHES."
    assert "2 of 3 probes of 3 planned flows got through" in lines[1]
    assert "1 of 1 probes nobody asked for" in lines[2]
    assert [line for line in lines if line.startswith("MISMATCH")] == [
        "MISMATCH a/z/h2->h1: mel-pc01 tcp/443 → [fd00:30:1::11] expected pass, observed "
        "FILTERED (no answer)"
    ]
    assert "a/x/h1->h2" not in text  # a flow that behaved is counted, not listed
    assert len(lines) == 5


def test_probe_shows_failures_unless_asked_for_every_probe() -> None:
    good = ProbeResult(ProbeTarget("f/a", "10.0.0.5", "tcp", 443), "LISTENING", "", 0.01, 1)
    bad = ProbeResult(
        ProbeTarget("f/b", "2001:db8:100::1234:5678", "tcp", 8443), "FILTERED", "no answer", 1.0, 2
    )
    quiet = results_table("ws1", [good, bad], accept_closed=False, show_all=False)
    assert quiet.splitlines()[0].startswith("Probes from ws1: 2 — 1 passed, 1 failed")
    assert "f/b" in quiet and "f/a" not in quiet
    assert "[2001:db8:100::1234:5678]" in quiet  # the address on one line
    everything = results_table("ws1", [good, bad], accept_closed=False)
    assert "f/a" in everything and "f/b" in everything
    assert results_table("ws1", [good], False, False) == (
        "Probes from ws1: 1 — 1 passed, 0 failed (--all: every probe).\n"
    )


def test_conflicts_start_with_a_summary_line() -> None:
    result = CliRunner(env={"COLUMNS": "120"}).invoke(
        cli, ["conflicts", str(EXAMPLES / "luware-lucs" / "deployment.yaml"), "--all"]
    )
    assert result.exit_code == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith("luware-lucs-contact-centre: 8 port conflict(s) on 4 host(s) —")
    assert "luware-lucs/" in result.stdout  # --all: the flows whose listeners collide


def test_every_quiet_command_prints_one_notes_line() -> None:
    path = EXAMPLES / "papercut-hive" / "mesh.yaml"
    _, resolution = pipeline.plan(path)
    assert len(resolution.notices) > 1
    for args in (["plan", str(path)], ["report", str(path), "--format", "csv"]):
        result = CliRunner().invoke(cli, args)
        notes = [line for line in result.stderr.splitlines() if "note" in line]
        assert notes == [
            f"portplan: {len(resolution.notices)} note(s) (flows not in use, pairs left out) "
            "— add -v to see them."
        ], args

"""Audit at scale: large real rulesets, and every real ruleset against the kernel.

    .venv/bin/python bench/audit.py [--rounds 3] [--kernel] [--probes 24]
                                    [--write docs/verify-bench.md]

Speed: ``portplan audit`` (read the file, plan the deployment, check every flow, find
too-wide and shadowed rules) of the largest real-world rulesets in ``../shared/eval/rulesets``
— iptables-save files of 600 to 4,800 rules from a university and a company network — against
``examples/lrs-vpsx/deployment.yaml`` as a router every flow passes. The best of ``--rounds``
runs in this process.

``--kernel``: the differential pass of ``tests/verify/test_differential.py`` over every file
of the collection (the test runs a sample): load it into a router namespace, probe it from a
client namespace (input and forward, IPv4 and IPv6, TCP, UDP, ICMP), compare with the
evaluator's verdicts. Counts per kind of file: loaded by the kernel, evaluated, refused with a
one-line error naming the rule, disagreements.

Writes its section of docs/verify-bench.md (between the audit markers, the rest of the file
kept) and exits 0: a measurement, not a test. Needs root for --kernel.
"""

from __future__ import annotations

import argparse
import collections
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from portplan import pipeline  # noqa: E402
from portplan.io import write_atomic  # noqa: E402
from portplan.verify.rulesets import read_ruleset  # noqa: E402

RULESETS = ROOT.parent / "shared" / "eval" / "rulesets"
DEPLOYMENT = ROOT / "examples" / "lrs-vpsx" / "deployment.yaml"
LARGE = (
    "ipt/diekmann__medium-sized-company_iptables-save",
    "ipt/diekmann__TUM_Net_Firewall_iptables_20.11.2013_cheating",
    "ipt/diekmann__IPPartEval_TUM_Net_iptables_25.07.2014",
    "ipt/diekmann__TUM_Net_Firewall_iptables-save-2015-05-15_15-23-41_cheating",
)
START, END = "<!-- audit-bench:start -->", "<!-- audit-bench:end -->"


def speed(rounds: int) -> list[str]:
    lines = [
        f"| Ruleset | Rules | Flow checks | Findings | Audit (best of {rounds}) |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in LARGE:
        path = RULESETS / name
        rules = sum(1 for _ in read_ruleset(path).rules())
        best = float("inf")
        for _ in range(rounds):
            began = time.perf_counter()
            report = pipeline.audit(DEPLOYMENT, path)
            best = min(best, time.perf_counter() - began)
        lines.append(
            f"| {path.name} | {rules:,} | {len(report.checks)} | {len(report.findings):,} | "
            f"{best:.2f} s |"
        )
        print(lines[-1], flush=True)
    return lines


def kind(name: str) -> str:
    if name.startswith("repro/"):
        return "reproducers"
    if name.startswith("nft/nfttest"):
        return "nft test-suite dumps"
    if name.startswith("nft/"):
        return "nft, real-world"
    if "iptests__" in name:
        return "iptables test-suite dumps"
    return "iptables, real-world"


def kernel(probes: int) -> list[str]:
    from tests.verify.kernel_diff import files, run_file

    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    refused: list[str] = []
    disagreements: list[str] = []
    began = time.perf_counter()
    for path in files(RULESETS):
        name = str(path.relative_to(RULESETS))
        result = run_file(path, probes=probes, seed=1)
        tally = counts[kind(name)]
        tally["files"] += 1
        tally[result.status] += 1
        tally["probes"] += result.probes
        tally["disagreements"] += len(result.disagreements)
        disagreements += result.disagreements
        if result.status == "error":
            refused.append(f"- `{name}`: {result.message}")
        print(name, result.status, len(result.disagreements), flush=True)
    seconds = time.perf_counter() - began
    lines = [
        "| Files | In the collection | Loaded by the kernel | Evaluated | Clean errors | "
        "Probes | Disagreements |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    total: collections.Counter[str] = collections.Counter()
    for label, tally in sorted(counts.items()):
        total.update(tally)
        lines.append(_row(label, tally))
    lines.append(_row("**all**", total))
    lines += [
        "",
        f"{seconds / 60:.0f} minutes for the whole pass. Files refused, each in one line:",
    ]
    lines += refused or ["- none"]
    if disagreements:
        lines += ["", "Disagreements:", *(f"- {d}" for d in disagreements)]
    return lines


def _row(label: str, tally: collections.Counter[str]) -> str:
    loaded = tally["loaded"] + tally["error"]
    return (
        f"| {label} | {tally['files']} | {loaded} | {tally['loaded']} | {tally['error']} | "
        f"{tally['probes']:,} | {tally['disagreements']} |"
    )


def write_section(path: Path, body: str) -> None:
    """Replace the audit section of the file (or add it at the end), keeping the rest."""
    text = path.read_text() if path.exists() else ""
    section = f"{START}\n{body}\n{END}\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + section + rest.split(END, 1)[1].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    write_atomic(path, text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--kernel", action="store_true")
    parser.add_argument("--probes", type=int, default=24)
    parser.add_argument("--write", default=str(ROOT / "docs" / "verify-bench.md"))
    args = parser.parse_args()
    if not RULESETS.is_dir():
        print(f"{RULESETS} is missing: the real rulesets are read from there", file=sys.stderr)
        return 2
    machine = f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    cpus = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    body = [
        "## Audit",
        "",
        f"`bench/audit.py` on {machine}, {cpus} CPUs (shared). `portplan audit` of the "
        "largest real-world rulesets of `../shared/eval/rulesets` (iptables-save files of a "
        "company and a university network) against `examples/lrs-vpsx/deployment.yaml` as a "
        "router every flow passes: reading the file, planning, every flow check, and the "
        "too-wide and shadowed analysis (most of the findings: these rulesets were not written "
        "for this deployment).",
        "",
        *speed(args.rounds),
    ]
    if args.kernel:
        body += [
            "",
            "### The evaluator against the kernel",
            "",
            f"Every file of the collection loaded into a router namespace and probed "
            f"({args.probes} probes each: input and forward, IPv4 and IPv6, TCP, UDP, ICMP; "
            "`tests/verify/kernel_diff.py`), the kernel's answers compared with the verdicts. "
            "Clean errors are files the kernel loads but the evaluator refuses, in one line "
            "naming the rule.",
            "",
            *kernel(args.probes),
        ]
    write_section(Path(args.write), "\n".join(body))
    print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

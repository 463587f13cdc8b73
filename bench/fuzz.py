"""The long fuzz run: every parser given at least 100,000 hostile inputs, failures saved.

    .venv/bin/python bench/fuzz.py [--cases 100000] [--targets service,ports,...] [--jobs 2]
                                   [--out fuzz-failures] [--seed 0]

The targets, seeds and mutations are those of the hypothesis suite (tests/fuzz/targets.py):
real documents, products, deployments and rulesets mutated as text and as data, plus inputs the
suite's grammars build (drawn once per worker with hypothesis, then mutated further). Each case
is a direct call in this process's workers, under a 2 GB address-space limit, with a time limit
per case. A case that raises anything but a one-line PortplanError, breaks an invariant, or
runs past the time limit is saved as ``OUT/<target>/<hash><suffix>`` with the reason beside it
(``.why``); a few per distinct reason. Copy a saved input under tests/fuzz/regressions/<target>/
once it is fixed, and the test suite replays it from then on.

Prints cases, seconds and cases per second per parser, and the failures; exits 1 when any case
failed (a finding), 0 otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import random
import resource
import signal
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402

from tests.fuzz.targets import TARGETS, Target, check  # noqa: E402

ADDRESS_SPACE = 2_000_000 * 1024  # as the reproducers run: ulimit -v 2000000
KEEP_PER_REASON = 3


class CaseTooSlow(Exception):
    """Raised by the alarm inside a case that runs past the time limit."""


@dataclass
class Outcome:
    target: str
    cases: int = 0
    seconds: float = 0.0
    slowest: float = 0.0
    failures: dict[str, list[str]] = field(default_factory=dict)  # reason → saved files


def grammar_inputs(target: Target, count: int, seed_value: int) -> list[str]:
    """``count`` inputs built by the target's hypothesis grammar (more seeds to mutate)."""
    if target.grammar is None or count == 0:
        return []
    drawn: list[str] = []

    @seed(seed_value)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(target.grammar())
    def draw(data: bytes) -> None:
        drawn.append(data.decode("utf-8", errors="replace"))

    draw()
    return drawn


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise CaseTooSlow


def _reason(failure: str) -> str:
    """What identifies a failure: its last line (exception type and message), cut short."""
    lines = [line for line in failure.strip().splitlines() if line.strip()]
    return lines[-1][:160] if lines else "?"


def run_worker(job: tuple[str, int, int, int, Path, float, int]) -> Outcome:
    name, index, cases, seed, out, time_limit, grammar_count = job
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    signal.signal(signal.SIGALRM, _alarm)
    warnings.simplefilter("ignore")  # a reader's warnings about odd bytes are not findings
    target = TARGETS[name]
    rng = random.Random(f"{seed}-{name}-{index}")
    extra = grammar_inputs(target, grammar_count, seed * 1000 + index)
    outcome = Outcome(name)
    started = time.perf_counter()
    for _ in range(cases):
        data = target.generate(rng, extra)
        begun = time.perf_counter()
        signal.setitimer(signal.ITIMER_REAL, time_limit)
        try:
            failure = check(target, data)
        except CaseTooSlow:
            failure = f"CaseTooSlow: more than {time_limit:g} s"
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        took = time.perf_counter() - begun
        if failure is not None and "CaseTooSlow" in failure:
            failure = f"CaseTooSlow: more than {time_limit:g} s"
        outcome.slowest = max(outcome.slowest, took)
        outcome.cases += 1
        if failure is not None:
            saved = outcome.failures.setdefault(_reason(failure), [])
            if len(saved) < KEEP_PER_REASON:
                saved.append(str(save(out, target, data, failure)))
    outcome.seconds = time.perf_counter() - started
    return outcome


def save(out: Path, target: Target, data: bytes, failure: str) -> Path:
    directory = out / target.name
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / (hashlib.sha1(data).hexdigest()[:16] + target.suffix)
    path.write_bytes(data)
    path.with_name(path.name + ".why").write_text(failure)
    return path


def merge(outcomes: list[Outcome], name: str) -> Outcome:
    total = Outcome(name)
    for outcome in outcomes:
        total.cases += outcome.cases
        total.seconds = max(total.seconds, outcome.seconds)  # workers run side by side
        total.slowest = max(total.slowest, outcome.slowest)
        for reason, files in outcome.failures.items():
            total.failures.setdefault(reason, []).extend(files)
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="cases per parser")
    parser.add_argument("--targets", default=",".join(TARGETS), help="comma-separated")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    parser.add_argument("--out", type=Path, default=ROOT / "fuzz-failures")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=20.0, help="seconds per case")
    parser.add_argument("--grammar", type=int, default=300, help="grammar inputs per worker")
    args = parser.parse_args()
    names = [n.strip() for n in args.targets.split(",") if n.strip()]
    unknown = sorted(set(names) - set(TARGETS))
    if unknown:
        parser.error(f"unknown targets {unknown}; known: {', '.join(TARGETS)}")

    print(f"{'parser':<16} {'cases':>9} {'seconds':>8} {'cases/s':>8} {'slowest':>8} failures")
    found = 0
    context = multiprocessing.get_context("fork")
    with context.Pool(args.jobs, maxtasksperchild=1) as pool:
        for name in names:
            share = [
                args.cases // args.jobs + (i < args.cases % args.jobs) for i in range(args.jobs)
            ]
            jobs = [
                (name, i, share[i], args.seed, args.out, args.time_limit, args.grammar)
                for i in range(args.jobs)
            ]
            total = merge(pool.map(run_worker, jobs), name)
            rate = total.cases / total.seconds if total.seconds else 0.0
            print(
                f"{name:<16} {total.cases:>9,} {total.seconds:>8.1f} {rate:>8.0f} "
                f"{total.slowest:>7.2f}s {len(total.failures)}",
                flush=True,
            )
            for reason, files in sorted(total.failures.items()):
                print(f"    {reason}\n      e.g. {files[0]}")
            found += len(total.failures)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

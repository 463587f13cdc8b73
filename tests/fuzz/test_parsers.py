"""Every parser survives hostile input: it succeeds, or raises a one-line PortplanError.

Each target (tests/fuzz/targets.py) is given inputs its grammar builds and real inputs mutated
— documents from ../shared/seeds and ../shared/eval/corpus through the extractor, the examples'
deployments and the bundled products through the loaders and the plan, rulesets through the
readers and the audit. Any other exception, or a broken invariant (a port outside 1–65535, a
service that does not print back to itself), fails the test.

The runs are derandomized and keep no example database, so CI sees the same inputs every time;
bench/fuzz.py runs the same targets a hundred thousand times each. Inputs it found are kept
under regressions/<target>/ and replayed here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from portplan.errors import ValidationErrors
from tests.fuzz.targets import REGRESSIONS, TARGETS, check, run_deployment

# Examples per target: about a minute for the whole suite on two busy CPUs.
EXAMPLES = {
    "service": 1000,
    "ports": 1000,
    "product-yaml": 300,
    "deployment-yaml": 300,
    "nft-json": 600,
    "iptables-save": 600,
    "extract-text": 300,
    "extract-html": 250,
}
SAVED = sorted(path for path in REGRESSIONS.glob("*/*") if path.is_file())


def test_every_target_has_a_budget() -> None:
    assert set(EXAMPLES) == set(TARGETS)


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_hostile_inputs_end_in_success_or_one_clean_line(name: str) -> None:
    target = TARGETS[name]

    @settings(
        max_examples=EXAMPLES[name],
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )
    @given(target.inputs())
    def survives(data: bytes) -> None:
        failure = check(target, data)
        assert failure is None, failure

    survives()


@pytest.mark.parametrize("path", SAVED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_inputs_fuzzing_found_stay_handled(path: Path) -> None:
    failure = check(TARGETS[path.parent.name], path.read_bytes())
    assert failure is None, failure


def test_regressions_are_kept_per_target() -> None:
    assert SAVED, "regressions/ holds the inputs fuzzing found"
    assert {path.parent.name for path in SAVED} <= set(TARGETS)


@pytest.mark.parametrize(("value", "read_as"), [("5", "a number"), ("true", "a yes/no value")])
def test_a_yaml_number_is_no_address(value: str, read_as: str) -> None:
    # Found by the fuzz suite: pydantic read 5 as 0.0.0.5 and true as 0.0.0.1 (silently).
    text = (
        "name: t\nsites: [{name: s}]\n"
        f"zones: [{{name: z, site: s, cidrs: [10.0.0.0/24, {value}]}}]\n"
        f"hosts: [{{name: h, zone: z, os: linux, addresses: [{value}]}}]\n"
        "products: [{product: lrs-vpsx}]\n"
    )
    with pytest.raises(ValidationErrors) as info:
        run_deployment(text.encode())
    lines = info.value.lines()
    assert [line.split(":")[1] for line in lines] == ["3", "4"], lines
    assert all(f"'{value}' is not an address (YAML reads it as {read_as})" in x for x in lines)

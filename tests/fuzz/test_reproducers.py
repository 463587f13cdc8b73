"""Every fuzz reproducer in ``../shared/eval/fuzz/`` is a regression test.

Documents go through ``extract`` (tests/extract/test_fuzz_regressions.py), rulesets through
``audit`` (tests/verify/test_fuzz_regressions.py); the YAML files here go through the commands
that once crashed on them: a 4,301-digit integer in the loader, a control character, 1,000
``[``, a 511-byte alias bomb, a 4,301-digit port in a deployment variable and in a product's
flow. Each must end within 20 s under 2 GB with one ``file:line`` error (exit 2).
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.hostile import assert_ends_cleanly, error_lines, run_limited
from tests.verify.shared import FUZZ, require_shared

# Which module runs which reproducers, so a new file in the directory cannot go untested.
RUN_BY = {
    "extract-*": "tests/extract/test_fuzz_regressions.py",
    "html-*": "tests/extract/test_fuzz_regressions.py",
    "nftjson-*": "tests/verify/test_fuzz_regressions.py",
    "ipt-*": "tests/verify/test_fuzz_regressions.py",
    "yaml-*": "tests/fuzz/test_reproducers.py",
    "svc-*": "tests/fuzz/test_reproducers.py",
}

# (file, command, what the one error line says: file:line and words of the message)
YAML_CASES = [
    ("yaml-bigint.yaml", "plan", ":1:", "4,301 digits"),
    ("yaml-bigint.yaml", "catalog validate", ":1:", "4,301 digits"),
    ("yaml-bigint-in-list.yaml", "plan", ":2:", "4,301 digits"),
    ("yaml-bigint-in-list.yaml", "catalog validate", ":2:", "4,301 digits"),
    ("yaml-control-char.yaml", "plan", ":1:", "U+0007"),
    ("yaml-control-char.yaml", "catalog validate", ":1:", "U+0007"),
    ("yaml-deep-nesting.yaml", "plan", ":1:", "nests deeper than"),
    ("yaml-deep-nesting.yaml", "catalog validate", ":1:", "nests deeper than"),
    ("yaml-alias-bomb.yaml", "plan", ":", "aliases"),
    ("yaml-alias-bomb.yaml", "catalog validate", ":", "aliases"),
    ("svc-bigint-deployment-variable.yaml", "plan", ":98:", "outside 1–65535"),
]


def test_every_reproducer_is_run_by_a_test() -> None:
    require_shared(FUZZ)
    names = [p.name for p in FUZZ.iterdir() if p.name != "README.md"]
    assert len(names) >= 33
    untested = [n for n in names if not any(fnmatch.fnmatch(n, pattern) for pattern in RUN_BY)]
    assert not untested, f"no test runs {untested}: add a pattern to RUN_BY and a test"
    for module in set(RUN_BY.values()):
        assert (ROOT / module).is_file(), module


@pytest.mark.parametrize(("name", "command", "where", "words"), YAML_CASES)
def test_yaml_reproducer_ends_in_one_line(name: str, command: str, where: str, words: str) -> None:
    path = require_shared(FUZZ) / name
    result = run_limited([*command.split(), path])
    assert result.returncode == 2, result.stderr[-2000:]
    assert_ends_cleanly(result, path)
    error = error_lines(result)[0]
    assert f"{path}{where}" in error and words in error, error
    assert len(error) < 400, error  # a 4,301-digit number is quoted by its start


def test_a_bigint_port_variable_fails_compile_cleanly(tmp_path: Path) -> None:
    path = require_shared(FUZZ) / "svc-bigint-deployment-variable.yaml"
    out = tmp_path / "rules"
    result = run_limited(["compile", path, "--target", "nftables", "-o", out])
    assert result.returncode == 2
    assert_ends_cleanly(result, path)
    assert not out.exists() or not any(out.iterdir())  # nothing half-written


def test_a_bigint_port_in_a_product_names_its_line() -> None:
    base = require_shared(FUZZ) / "svc-bigint-product"
    product = base / "cat" / "lrs-vpsx.yaml"
    result = run_limited(["--catalog", base / "cat", "plan", base / "deployment.yaml"])
    assert result.returncode == 2
    assert_ends_cleanly(result, product)
    (error,) = error_lines(result)
    line = next(
        number
        for number, text in enumerate(product.read_text().splitlines(), 1)
        if "9" * 100 in text
    )
    assert f"{product}:{line}:" in error, error  # the services line, not the flow's first
    assert "outside 1–65535" in error and "Exceeds the limit" not in error, error

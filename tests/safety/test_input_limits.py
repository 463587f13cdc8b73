"""Hostile input ends in seconds with one line: YAML bombs, deep nesting, oversized files.

The bomb runs in its own process under an address-space limit (``resource.setrlimit``), so a
loader that expanded it would die of MemoryError instead of taking the machine down.
"""

from __future__ import annotations

import resource
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from portplan.cli.main import cli
from portplan.errors import InputError
from portplan.io import DEFAULT_INPUT_LIMIT, MIB, input_limit, limited_input, parse_size
from portplan.yamlio import limited, parse_yaml
from tests.safety.conftest import LRS, one_error_line, run_portplan

MEMORY_LIMIT = 1536 * MIB  # the interpreter and portplan's imports fit; a billion laughs do not


def billion_laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels + 1):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


def limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


@pytest.mark.parametrize("command", ["plan", "catalog validate"])
def test_a_yaml_bomb_is_refused_in_seconds_under_a_memory_limit(
    command: str, tmp_path: Path
) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(billion_laughs())
    started = time.monotonic()
    result = run_portplan(*command.split(), str(bomb), preexec_fn=limit_memory, timeout=60)
    elapsed = time.monotonic() - started
    assert result.returncode == 2, result.stderr
    one_error_line(result.stderr, f"{bomb}:", "expands to more than", "aliases")
    assert elapsed < 30, f"took {elapsed:.1f} s"


def test_100000_nested_brackets_are_refused(tmp_path: Path) -> None:
    deep = tmp_path / "deep.yaml"
    deep.write_text("[" * 100_000 + "\n")
    result = run_portplan("plan", str(deep), preexec_fn=limit_memory, timeout=60)
    assert result.returncode == 2, result.stderr
    one_error_line(result.stderr, f"{deep}:1:", "nests deeper than 100 levels")


def test_3000_levels_of_block_mappings_are_refused() -> None:
    text = "".join(f"{' ' * level}k{level}:\n" for level in range(3000)) + " " * 3000 + "x\n"
    with pytest.raises(InputError, match="nests deeper than 100 levels"):
        parse_yaml(text, "deep.yaml")


def test_aliases_nested_past_the_depth_are_refused() -> None:
    # Each level is shallow as written; expanded, every alias adds the depth of what it names.
    lines = ["l0: &l0 [[[[[x]]]]]"] + [f"l{i}: &l{i} [[[[[*l{i - 1}]]]]]" for i in range(1, 30)]
    with pytest.raises(InputError, match="once its aliases are expanded"):
        parse_yaml("\n".join(lines) + "\n", "aliases.yaml")


def test_a_recursive_alias_is_refused() -> None:
    with pytest.raises(InputError, match="refers to a node that contains it"):
        parse_yaml("a: &a [1, *a]\n", "loop.yaml")


def test_limits_are_settable_for_a_library_user() -> None:
    text = "a: {b: {c: {d: 1}}}\nlist: [1, 2, 3, 4, 5, 6, 7, 8]\n"
    assert parse_yaml(text, "ok.yaml")[0]["a"]["b"]["c"]["d"] == 1
    with limited(max_depth=3), pytest.raises(InputError, match="deeper than 3 levels"):
        parse_yaml(text, "ok.yaml")
    with limited(max_values=10), pytest.raises(InputError, match="more than 10 values"):
        parse_yaml(text, "ok.yaml")
    with limited_input(16), pytest.raises(InputError, match="input limit of 16 bytes"):
        parse_yaml(text, "ok.yaml")


def test_an_oversized_deployment_is_refused_naming_the_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    filler = "# " + "x" * 1021 + "\n"
    big.write_text(LRS.read_text() + filler * (21 * 1024))  # 21 MiB of comments
    result = CliRunner().invoke(cli, ["plan", str(big)])
    assert result.exit_code == 2
    assert "input limit of 20 MiB" in result.output and "--max-size" in result.output
    raised = CliRunner().invoke(cli, ["--max-size", "32M", "plan", str(big)])
    assert raised.exit_code == 0, raised.output


def test_a_50_mb_one_line_document_is_refused_in_seconds(tmp_path: Path) -> None:
    document = tmp_path / "ports.txt"
    with document.open("w") as handle:
        for _ in range(50):
            handle.write("TCP 443 " * (MIB // 8))
    started = time.monotonic()
    result = run_portplan("extract", str(document), preexec_fn=limit_memory, timeout=60)
    assert result.returncode == 2, result.stderr
    one_error_line(result.stderr, str(document), "input limit of 20 MiB", "--max-size")
    assert time.monotonic() - started < 30


def test_standard_input_is_read_no_further_than_the_limit() -> None:
    result = CliRunner().invoke(
        cli, ["--max-size", "1k", "extract", "-"], input="TCP 443 https\n" * 200
    )
    assert result.exit_code == 2
    assert "<stdin>: is larger than the input limit of 1 KiB" in result.output
    assert input_limit() == DEFAULT_INPUT_LIMIT  # --max-size lasts one invocation


@pytest.mark.parametrize("text", ["0", "lots", "12X", "-5M"])
def test_a_bad_max_size_is_one_line(text: str) -> None:
    result = CliRunner().invoke(cli, ["--max-size", text, "plan", str(LRS)])
    assert result.exit_code == 2
    assert f"'{text}' is not a size" in result.output


def test_sizes_read_as_powers_of_1024() -> None:
    assert parse_size("20M") == 20 * MIB
    assert parse_size("512k") == 512 * 1024
    assert parse_size("1GiB") == 1024 * MIB
    assert parse_size("4096") == 4096


def test_a_fifo_input_is_read_no_further_than_the_limit(tmp_path: Path) -> None:
    import os
    import threading

    fifo = tmp_path / "endless.yaml"
    os.mkfifo(fifo)
    stop = threading.Event()

    def feed() -> None:
        try:
            with fifo.open("w") as handle:
                while not stop.is_set():
                    handle.write("# endless\n" * 1000)
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    result = CliRunner().invoke(cli, ["--max-size", "1M", "plan", str(fifo)])
    stop.set()
    assert result.exit_code == 2
    assert "input limit of 1 MiB" in result.output

"""Loading the catalog: bundled products, user directories, overrides and bad product files."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from portplan.catalog import load_catalog, load_product_file
from portplan.cli.main import cli
from portplan.errors import InputError, ValidationError

BUNDLED = {"lexmark-mve", "lrs-vpsx", "luware-lucs", "moderro-rem", "papercut-hive"}

GOOD = """\
id: {id}
name: Tiny print server
vendor: Example
roles:
  - {{id: server, name: Print server}}
  - {{id: printer, name: Printer}}
flows:
  - id: server-printer-ipp
    from: server
    to: printer
    services: [tcp/631]
    purpose: IPP printing
    evidence: {{document: tiny.txt, line: 3}}
"""

WriteProduct = Callable[..., Path]


@pytest.fixture
def write_product(tmp_path: Path) -> WriteProduct:
    """Write a product YAML under tmp_path/<directory>/<name> and return its path."""

    def write(text: str, name: str = "product.yaml", directory: str = "user") -> Path:
        folder = tmp_path / directory
        folder.mkdir(exist_ok=True)
        path = folder / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_bundled_catalog_has_the_five_seed_products() -> None:
    catalog = load_catalog()
    assert set(catalog.products) == BUNDLED
    assert catalog.notices == ()
    for product_id, origin in catalog.origins.items():
        assert Path(origin).name == f"{product_id}.yaml"


def test_unknown_product_lists_the_known_ones() -> None:
    with pytest.raises(ValidationError, match=r"unknown product 'nope' — known: lexmark-mve, lrs"):
        load_catalog().get("nope")


def test_user_product_is_added(write_product: WriteProduct) -> None:
    path = write_product(GOOD.format(id="tiny-print"))
    catalog = load_catalog([path.parent])
    assert catalog.get("tiny-print").flows[0].id == "server-printer-ipp"
    assert catalog.origins["tiny-print"] == str(path)
    assert set(catalog.products) == BUNDLED | {"tiny-print"}


def test_user_product_replaces_a_bundled_one_with_a_notice(write_product: WriteProduct) -> None:
    path = write_product(GOOD.format(id="lrs-vpsx"), name="lrs.yaml")
    catalog = load_catalog([path.parent])
    assert catalog.get("lrs-vpsx").name == "Tiny print server"
    assert catalog.notices == (f"product 'lrs-vpsx' from {path} replaces the bundled one",)

    code, out, err = run(
        "--catalog", str(path.parent), "catalog", "show", "lrs-vpsx", "--format", "json"
    )
    assert code == 0
    assert json.loads(out)["name"] == "Tiny print server"
    assert "replaces the bundled one" in err


def test_two_user_files_with_one_id_are_an_error(write_product: WriteProduct) -> None:
    first = write_product(GOOD.format(id="tiny-print"), name="a.yaml")
    write_product(GOOD.format(id="tiny-print"), name="b.yaml", directory="other")
    with pytest.raises(ValidationError, match="defined twice in the user catalog") as info:
        load_catalog([first.parent, first.parent.parent / "other"])
    assert str(info.value).startswith(str(first.parent.parent / "other" / "b.yaml"))


def test_missing_catalog_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="catalog directory does not exist"):
        load_catalog([tmp_path / "absent"])


def test_portplan_catalog_environment_variable(write_product: WriteProduct, tmp_path: Path) -> None:
    one = write_product(GOOD.format(id="tiny-one"), directory="one")
    two = write_product(GOOD.format(id="tiny-two"), directory="two")
    code, out, err = run("catalog", "list", env={"PORTPLAN_CATALOG": f"{one.parent}:{two.parent}"})
    assert code == 0, err
    assert "tiny-one" in out and "tiny-two" in out and "lrs-vpsx" in out
    assert "bundled" in out

    # The same with --catalog given twice.
    code, out, err = run(
        "--catalog", str(one.parent), "--catalog", str(two.parent), "catalog", "list"
    )
    assert code == 0, err
    assert "tiny-one" in out and "tiny-two" in out


def test_catalog_list_counts_roles_and_flows() -> None:
    code, out, _ = run("catalog", "list")
    assert code == 0
    row = next(line for line in out.splitlines() if "moderro-rem" in line)
    product = load_catalog().get("moderro-rem")
    cells = [cell.strip() for cell in row.split("│") if cell.strip()]
    assert str(len(product.roles)) in cells and str(len(product.flows)) in cells


def test_catalog_show_table_and_yaml() -> None:
    code, out, _ = run("catalog", "show", "papercut-hive")
    assert code == 0 and "edge-node-replication" in out and "9263-9265" in out
    # Long ids and services widen the table rather than being cut off at the right edge.
    code, out, _ = run("catalog", "show", "luware-lucs")
    rows = [line for line in out.splitlines() if line[:1] in "┏┃┡│└"]
    assert rows and all(line.rstrip()[-1] in "┓┃┩│┘" for line in rows)
    assert "tcp/${local_ich_fecore_port}" in out and "(set" in out
    code, out, _ = run("catalog", "show", "papercut-hive", "--format", "yaml")
    assert code == 0 and "id: papercut-hive" in out


def test_catalog_show_unknown_product_exits_2() -> None:
    code, _, err = run("catalog", "show", "nope")
    assert code == 2
    assert err.count("\n") == 1 and "unknown product 'nope'" in err


BAD_PRODUCTS = {
    "malformed YAML": (
        "id: x\nname: [unclosed\nroles: []\n",
        r"product\.yaml:3: YAML syntax error",
    ),
    "unknown role in a flow": (
        GOOD.format(id="tiny").replace("to: printer", "to: plotter"),
        r"product\.yaml:10: .*flow 'server-printer-ipp' names role 'plotter'",
    ),
    "port 0": (
        GOOD.format(id="tiny").replace("tcp/631", "tcp/0"),
        r"product\.yaml:11: .*port 0 is outside 1–65535",
    ),
    "port 70000": (
        GOOD.format(id="tiny").replace("tcp/631", "tcp/70000"),
        r"product\.yaml:11: .*port 70000 is outside 1–65535",
    ),
    "duplicate flow id": (
        GOOD.format(id="tiny")
        + textwrap.indent(
            "- id: server-printer-ipp\n  from: server\n  to: printer\n"
            "  services: [tcp/443]\n  purpose: IPPS printing\n",
            "  ",
        ),
        r"product\.yaml:14: .*flow 'server-printer-ipp' is defined twice",
    ),
    "unknown variable": (
        GOOD.format(id="tiny").replace("[tcp/631]", '["tcp/${ipp_port}"]'),
        r"product\.yaml:8: .*flow 'server-printer-ipp' uses variable 'ipp_port'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_PRODUCTS))
def test_bad_product_is_one_line_with_file_and_line(case: str, write_product: WriteProduct) -> None:
    text, pattern = BAD_PRODUCTS[case]
    path = write_product(text)
    with pytest.raises((InputError, ValidationError), match=pattern):
        load_product_file(path)

    code, out, err = run("catalog", "validate", str(path))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert str(path) in err

    # A broken user product also stops every command that loads the catalog, with the same line.
    code, _, err = run("--catalog", str(path.parent), "catalog", "list")
    assert code == 2 and err.count("\n") == 1 and str(path) in err


def test_validate_reports_good_and_bad_files_together(write_product: WriteProduct) -> None:
    good = write_product(GOOD.format(id="tiny-good"), name="good.yaml")
    bad = write_product("id: x\nname: [unclosed\n", name="bad.yaml")
    code, out, err = run("catalog", "validate", str(good.parent))
    assert code == 2
    assert out.strip() == f"OK tiny-good (1 flows) {good}"
    assert str(bad) in err


def test_validate_bundled_directory() -> None:
    from portplan.catalog import bundled_dir

    code, out, _ = run("catalog", "validate", str(bundled_dir()))
    assert code == 0
    assert sorted(line.split()[1] for line in out.splitlines()) == sorted(BUNDLED)


def test_validate_empty_directory_is_an_error(tmp_path: Path) -> None:
    code, _, err = run("catalog", "validate", str(tmp_path))
    assert code == 2 and "no product files" in err

"""Bad deployments: one line ``file:line: message`` on stderr, exit 2, no traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from portplan.cli.main import cli
from portplan.deployment import load_deployment
from portplan.errors import PortplanError
from tests.plan.plan_fixtures import DEPLOYMENT, PRODUCT, catalog_of, product_from_text

USE = "  - product: acme-print\n"

# (case, replacements in DEPLOYMENT, text on the line the error must point at, message part)
CASES: list[tuple[str, dict[str, str], str, str]] = [
    ("malformed yaml", {"  - {name: east}\n": "  - {name: east\n"}, "- {name: west}", "YAML"),
    (
        "duplicate host",
        {"  - name: sql1\n": "  - name: print1\n"},
        "- name: print1\n    zone: hq-servers\n    addresses: [10.0.1.20]",
        "host 'print1' is defined twice",
    ),
    (
        "address outside zone",
        {"addresses: [10.0.1.20]": "addresses: [10.0.9.20]"},
        "10.0.9.20",
        "outside zone 'hq-servers' (10.0.1.0/24)",
    ),
    ("bad cidr", {"10.1.0.0/24": "10.1.0.0/33"}, "10.1.0.0/33", "'10.1.0.0/33' is not a network"),
    (
        "bad cidr host bits",
        {"10.1.0.0/24": "10.1.0.1/24"},
        "10.1.0.1/24",
        "host bits set — write the network address, 10.1.0.0/24",
    ),
    (
        "port zero",
        {USE: USE + "    variables: {db_port: 0}\n"},
        "variables: {db_port: 0}",
        "'0' is not a valid port",
    ),
    (
        "port too high",
        {USE: USE + "    variables:\n      db_port: 70000\n"},
        "db_port: 70000",
        "port 70000 is outside 1–65535",
    ),
    (
        "offset not a number",
        {USE: USE + "    variables:\n      instance_offset: '2000'\n"},
        "instance_offset: '2000'",
        "is not a whole number",
    ),
    (
        "offset pushes ports out of range",
        {USE: USE + "    variables:\n      instance_offset: 65000\n"},
        "variables:\n      instance_offset: 65000",
        "flow 'submit' of 'acme-print' is invalid",
    ),
    (
        "unknown role",
        {'"acme-print:printer"': '"acme-print:plotter"'},
        '"acme-print:plotter"',
        "has no role 'plotter' — its roles: client, cloud, db, edge, printer, server",
    ),
    (
        "role typo",
        {'"acme-print:printer"': '"acme-print:prnter"'},
        '"acme-print:prnter"',
        "has no role 'prnter' — did you mean 'printer'? Its roles: client, cloud, db,",
    ),
    (
        "external on an unknown site",
        {"    fqdn: cloud.acme.example\n": "    fqdn: cloud.acme.example\n    site: mars\n"},
        "site: mars",
        "external 'acme-cloud' names unknown site 'mars'",
    ),
    (
        "unknown product",
        {USE: "  - product: acme-printer\n"},
        "product: acme-printer",
        "unknown product 'acme-printer'",
    ),
    (
        "unknown product in a binding",
        {'roles: ["acme-print:db"]': 'roles: ["nosuch:db"]'},
        '"nosuch:db"',
        "unknown product 'nosuch'",
    ),
    (
        "instance not declared",
        {'roles: ["acme-print:db"]': 'roles: ["acme-print@tm:db"]'},
        '"acme-print@tm:db"',
        "instance 'tm' of product 'acme-print', which is not listed under products",
    ),
    (
        "unknown feature",
        {USE: USE + "    features: [mobile, teleport]\n"},
        "features: [mobile, teleport]",
        "has no feature 'teleport' — its features: audit, content, mobile",
    ),
    (
        "unknown variable",
        {USE: USE + "    variables:\n      sql_port: 1433\n"},
        "sql_port: 1433",
        "has no variable 'sql_port'",
    ),
    (
        "binding syntax",
        {'roles: ["acme-print:db"]': 'roles: ["acme-print"]'},
        '"acme-print"]',
        "is not a role binding",
    ),
    (
        "binding twice",
        {'roles: ["acme-print:db"]': 'roles: ["acme-print:db", "acme-print:db"]'},
        '"acme-print:db", "acme-print:db"',
        "'acme-print:db' is listed twice for this host",
    ),
    (
        "constraint role",
        {USE: USE + "constraints:\n  - {kind: same-site, product: acme-print, roles: [edj]}\n"},
        "roles: [edj]",
        "has no role 'edj'",
    ),
]

# Both the command and the library must point at the same line for every case.
EVERY_CASE = pytest.mark.parametrize(
    ("case", "replacements", "marker", "message"), CASES, ids=[c[0] for c in CASES]
)


def line_of(text: str, marker: str) -> int:
    """The 1-based line where ``marker`` (which must be unique) starts."""
    assert text.count(marker) == 1, marker
    return text[: text.index(marker)].count("\n") + 1


def write_case(tmp_path: Path, replacements: dict[str, str]) -> tuple[Path, str]:
    text = DEPLOYMENT
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "deployment.yaml"
    path.write_text(text)
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "acme-print.yaml").write_text(PRODUCT)
    return path, text


@EVERY_CASE
def test_cli_reports_one_line_with_file_and_line(
    tmp_path: Path, case: str, replacements: dict[str, str], marker: str, message: str
) -> None:
    path, text = write_case(tmp_path, replacements)
    result = CliRunner().invoke(
        cli,
        ["--catalog", str(tmp_path / "catalog"), "plan", str(path), "-o", str(tmp_path / "out")],
    )
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    expected = f"portplan: error: {path}:{line_of(text, marker)}: "
    assert lines[0].startswith(expected), lines[0]
    assert message in lines[0]
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert not (tmp_path / "out").exists()  # no partial output file


@EVERY_CASE
def test_library_error_carries_file_and_line(
    tmp_path: Path, case: str, replacements: dict[str, str], marker: str, message: str
) -> None:
    path, text = write_case(tmp_path, replacements)
    product = product_from_text(tmp_path / "p.yaml", PRODUCT)
    with pytest.raises(PortplanError) as info:
        load_deployment(path, catalog_of(product))
    assert (info.value.file, info.value.line) == (str(path), line_of(text, marker))
    assert re.search(re.escape(message), info.value.message)


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["plan", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        == f"portplan: error: {tmp_path / 'nope.yaml'}: file not found — check the path."
    )

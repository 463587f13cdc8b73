"""Every problem of a deployment or product file in one run, in portplan's own words."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from portplan.cli.main import cli
from portplan.deployment import load_deployment
from portplan.errors import ValidationError, ValidationErrors
from portplan.model.deployment import Deployment
from portplan.problems import closest
from tests.plan.plan_fixtures import DEPLOYMENT, PRODUCT, catalog_of, product_from_text

# Five mistakes a first deployment typically has, each in a different place and phase: two
# misspelt keys (the schema), a wrong value (the schema), a zone that does not exist (across
# the file) and a role the product does not have (against the catalog).
FIVE_MISTAKES = {
    "    addresses: [10.0.1.20]\n": "    address: [10.0.1.20]\n",  # sql1
    "os: appliance": "os: printer",  # prn-east
    "zone: west-lan": "zone: west-lna",  # edge-west
    "{name: hq-edge, kind: network, sites: [hq]}": "{name: hq-edge, type: network, sites: [hq]}",
    '"acme-print:client"': '"acme-print:clinet"',  # pc1
}


def line_of(text: str, marker: str) -> int:
    assert text.count(marker) == 1, marker
    return text[: text.index(marker)].count("\n") + 1


def write(tmp_path: Path, replacements: dict[str, str]) -> tuple[Path, str]:
    text = DEPLOYMENT
    for old, new in replacements.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    (tmp_path / "catalog").mkdir(exist_ok=True)
    (tmp_path / "catalog" / "acme-print.yaml").write_text(PRODUCT)
    path = tmp_path / "deployment.yaml"
    path.write_text(text)
    return path, text


def plan(tmp_path: Path, path: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli, ["plan", str(path), "--catalog", str(tmp_path / "catalog"), *args]
    )
    return result.exit_code, result.stdout, result.stderr


def test_five_independent_mistakes_are_five_lines(tmp_path: Path) -> None:
    path, text = write(tmp_path, FIVE_MISTAKES)
    code, out, err = plan(tmp_path, path)
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert len(lines) == 5, err
    assert all(line.startswith(f"portplan: error: {path}:") for line in lines)
    expected = [
        (line_of(text, '"acme-print:clinet"'), "hosts[pc1].roles: ", "did you mean 'client'?"),
        (
            line_of(text, "address: [10.0.1.20]"),
            "hosts[sql1].address: ",
            "did you mean 'addresses'",
        ),
        (line_of(text, "os: printer"), "hosts[prn-east].os: ", "did you mean 'appliance'?"),
        (line_of(text, "west-lna"), "hosts[edge-west].zone: ", "did you mean 'west-lan'?"),
        (line_of(text, "type: network"), "firewalls[hq-edge].type: ", "did you mean 'kind'?"),
    ]
    found = sorted(lines, key=lambda line: int(line.split(f"{path}:")[1].split(":")[0]))
    for line, (number, key, message) in zip(found, sorted(expected), strict=True):
        assert line.startswith(f"portplan: error: {path}:{number}: {key}"), line
        assert message in line, line
        assert " — " in line  # each says what to do


def test_the_library_raises_them_together(tmp_path: Path) -> None:
    path, _ = write(tmp_path, FIVE_MISTAKES)
    product = product_from_text(tmp_path / "p.yaml", PRODUCT)
    with pytest.raises(ValidationErrors) as info:
        load_deployment(path, catalog_of(product))
    assert len(info.value.problems) == 5
    assert all(p.file == str(path) and p.line for p in info.value.problems)
    assert info.value.line == min(p.line or 0 for p in info.value.problems)  # file order


def test_a_misspelt_key_is_one_problem_not_two(tmp_path: Path) -> None:
    """'address' is unknown and 'addresses' is missing: one mistake, one line."""
    path, text = write(tmp_path, {"    addresses: [10.0.1.20]\n": "    address: [10.0.1.20]\n"})
    code, _, err = plan(tmp_path, path)
    assert code == 2
    assert err.strip() == (
        f"portplan: error: {path}:{line_of(text, 'address: [10.0.1.20]')}: hosts[sql1].address: "
        "unknown key 'address' — did you mean 'addresses'?"
    )


def test_problems_of_an_item_with_a_schema_problem_are_not_repeated(tmp_path: Path) -> None:
    """A zone with a broken CIDR is set aside; hosts in it and the firewall naming it are not
    reported again as 'unknown zone'."""
    path, text = write(tmp_path, {"10.2.0.0/24": "10.2.0.0/33"})
    code, _, err = plan(tmp_path, path)
    assert code == 2
    assert err.count("\n") == 1, err
    assert f"{path}:{line_of(text, '10.2.0.0/33')}: zones[west-lan].cidrs" in err


def test_a_product_use_with_an_unknown_id_does_not_flag_every_binding(tmp_path: Path) -> None:
    path, _ = write(tmp_path, {"  - product: acme-print\n": "  - product: acme-printer\n"})
    code, _, err = plan(tmp_path, path)
    assert code == 2 and err.count("\n") == 1, err
    assert "unknown product 'acme-printer' — did you mean 'acme-print'?" in err


def test_a_single_value_where_a_list_is_meant_is_a_list_of_one(tmp_path: Path) -> None:
    path, _ = write(
        tmp_path,
        {
            "cidrs: [10.1.0.0/24]": "cidrs: 10.1.0.0/24",
            "addresses: [10.1.0.9]": "addresses: 10.1.0.9",
            '["acme-print:edge"]': "acme-print:edge",
        },
    )
    code, out, err = plan(tmp_path, path, "--format", "json")
    assert code == 0, err
    assert '"edge-west"' in out
    product = product_from_text(tmp_path / "p.yaml", PRODUCT)
    deployment = load_deployment(path, catalog_of(product))
    assert [str(c) for c in deployment.zone("east-lan").cidrs] == ["10.1.0.0/24"]
    assert deployment.host("edge-west").roles == ["acme-print:edge"]
    assert deployment.host("prn-east").addresses[0].compressed == "10.1.0.9"


def test_many_problems_are_cut_off_with_a_count(tmp_path: Path) -> None:
    hosts = "".join(
        f"  - {{name: h{i}, zone: nowhere, addresses: [10.9.0.{i}]}}\n" for i in range(30)
    )
    text = DEPLOYMENT.replace("externals:\n", hosts + "externals:\n")
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "acme-print.yaml").write_text(PRODUCT)
    path = tmp_path / "many.yaml"
    path.write_text(text)
    code, _, err = plan(tmp_path, path)
    lines = err.splitlines()
    assert code == 2
    assert len(lines) == ValidationErrors.shown + 1
    assert (
        lines[-1]
        == f"portplan: error: {path}: 10 more problem(s) not shown — fix these and run again."
    )


def test_wrong_values_are_said_in_portplan_words(tmp_path: Path) -> None:
    path, _ = write(
        tmp_path,
        {
            "{name: vpn, sites: [hq, east, west], topology: hub-and-spoke, hub: hq}": (
                "{name: vpn, sites: {hq: 1}, topology: star}"
            ),
            "addresses: [10.2.0.7]": "addresses: [10.2.0.300]",
        },
    )
    code, _, err = plan(tmp_path, path)
    assert code == 2
    for phrase in (
        "links[vpn].sites: should be a list, not a mapping",
        "links[vpn].topology: 'star' is not one of mesh, hub-and-spoke",
        "hosts[edge-west].addresses: '10.2.0.300' is not an IP address — write e.g.",
    ):
        assert phrase in err, err
    for pydantic_words in ("Input should", "Extra inputs", "Field required", "instance of"):
        assert pydantic_words not in err


def test_a_product_file_reports_every_problem_too(tmp_path: Path) -> None:
    broken = (
        PRODUCT.replace(
            "to: printer\n    services: [tcp/9100, udp", "to: prnter\n    services: [tcp/9100, udp"
        )
        .replace("feature: mobile", "feature: mobil")
        .replace("tcp/8443", "tcp/84430")
    )
    path = tmp_path / "acme.yaml"
    path.write_text(broken)
    result = CliRunner().invoke(cli, ["catalog", "validate", str(path)])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 3, result.stderr
    assert any(
        "names role 'prnter'" in line and "did you mean 'printer'?" in line for line in lines
    )
    assert any("feature 'mobil'" in line and "did you mean 'mobile'?" in line for line in lines)
    assert any("port 84430 is outside 1–65535" in line for line in lines)


@pytest.mark.parametrize(
    ("wrong", "names", "meant"),
    [
        ("address", ["addresses", "zone", "name"], "addresses"),
        ("type", ["name", "kind", "platform"], "kind"),
        ("type", ["name", "os", "zone"], "os"),
        ("subnet", ["name", "site", "cidrs"], "cidrs"),
        ("Zone", ["zone", "name"], "zone"),
        ("colour", ["name", "zone"], None),
    ],
)
def test_did_you_mean(wrong: str, names: list[str], meant: str | None) -> None:
    assert closest(wrong, names) == meant


def test_a_deployment_built_in_code_reports_every_problem() -> None:
    data = {
        "name": "x",
        "sites": [{"name": "hq"}],
        "zones": [{"name": "a", "site": "hq", "cidrs": ["10.0.0.0/24"]}],
        "hosts": [
            {"name": "h1", "zone": "b", "addresses": ["10.0.0.1"]},
            {"name": "h1", "zone": "a", "addresses": ["10.0.1.1"]},
        ],
        "products": [{"product": "p"}],
    }
    with pytest.raises(ValidationError) as info:
        Deployment.model_validate(data)
    assert isinstance(info.value, ValidationErrors)
    assert len(info.value.problems) == 3  # duplicate, unknown zone, address outside its zone


def test_two_problems_of_one_host_are_both_reported(tmp_path: Path) -> None:
    """A wrong os is set aside; the same host's unknown zone is still checked."""
    path, text = write(tmp_path, {"os: appliance": "os: mfd", "zone: east-lan": "zone: east-lna"})
    code, _, err = plan(tmp_path, path)
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 2, err
    assert f"{path}:{line_of(text, 'os: mfd')}: hosts[prn-east].os" in lines[1]
    assert f"{path}:{line_of(text, 'east-lna')}: hosts[prn-east].zone" in lines[0]

"""Deployments that are well-formed but make no sense on a network: one ``file:line`` line each.

The cases vary the plan tests' small deployment; the command and the library must both point
at the line to change.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from portplan import pipeline
from portplan.cli.main import cli
from tests.plan.plan_fixtures import PRODUCT
from tests.plan.test_bad_input import line_of, write_case
from tests.plan.test_bad_input import (
    test_cli_reports_one_line_with_file_and_line as cli_points_at_the_line,
)
from tests.plan.test_bad_input import (
    test_library_error_carries_file_and_line as library_points_at_the_line,
)

# (case, replacements in the deployment, text on the line the error must point at, message)
CASES: list[tuple[str, dict[str, str], str, str]] = [
    (
        "duplicate address",
        {"addresses: [10.0.1.20]": "addresses: [10.0.1.10]"},
        'addresses: [10.0.1.10]\n    roles: ["acme-print:db"]',
        "address 10.0.1.10 of host 'sql1' also belongs to host 'print1'",
    ),
    (
        "shared on one side only",
        {
            "addresses: [10.0.1.20]": "addresses: [10.0.1.10]\n    shared_addresses: [10.0.1.10]",
        },
        "addresses: [10.0.1.10]\n    shared_addresses",
        "list it under shared_addresses on both hosts",
    ),
    (
        "shared address not held",
        {"addresses: [10.0.1.20]": "addresses: [10.0.1.20]\n    shared_addresses: [10.0.1.99]"},
        "shared_addresses: [10.0.1.99]",
        "shared address 10.0.1.99 of host 'sql1' is not one of its addresses",
    ),
    (
        "overlapping zones",
        {"cidrs: [10.2.0.0/24]": "cidrs: [10.0.1.128/25]", "[10.2.0.7]": "[10.0.1.135]"},
        "cidrs: [10.0.1.128/25]",
        "zone 'west-lan' (10.0.1.128/25) overlaps zone 'hq-servers' (10.0.1.0/24)",
    ),
    (
        "zone of every address",
        {"cidrs: [10.2.0.0/24]": "cidrs: [0.0.0.0/0]"},
        "cidrs: [0.0.0.0/0]",
        "zone 'west-lan' is 0.0.0.0/0, every address — if that is meant, add 'any: true'",
    ),
    (
        "loopback zone",
        {"cidrs: [10.2.0.0/24]": "cidrs: [127.0.0.0/8]", "[10.2.0.7]": "[127.0.0.7]"},
        "cidrs: [127.0.0.0/8]",
        "127.0.0.0/8 is a loopback address",
    ),
    (
        "multicast zone",
        {"cidrs: [10.2.0.0/24]": "cidrs: [239.1.1.0/24]", "[10.2.0.7]": "[239.1.1.7]"},
        "cidrs: [239.1.1.0/24]",
        "239.1.1.0/24 is a multicast address",
    ),
    (
        "multicast host in an 'any' zone",
        {
            "{name: west-lan, site: west, cidrs: [10.2.0.0/24]}": (
                "{name: west-lan, site: west, cidrs: [0.0.0.0/0], any: true}"
            ),
            "[10.2.0.7]": "[224.0.0.251]",
        },
        "[224.0.0.251]",
        "address 224.0.0.251 of host 'edge-west' is a multicast address",
    ),
    (
        "broadcast host address",
        {"[10.2.0.7]": "[10.2.0.255]"},
        "[10.2.0.255]",
        "is the broadcast address of zone 'west-lan' (10.2.0.0/24)",
    ),
    (
        "platform typo",
        {"sites: [east]}": "sites: [east], platform: nftabels}"},
        "platform: nftabels",
        "unknown platform 'nftabels' — did you mean 'nftables'?",
    ),
    (
        "aerleon platform typo",
        {"platform: aerleon:juniper": "platform: aerleon:junpier"},
        "platform: aerleon:junpier",
        "unknown platform 'aerleon:junpier'",
    ),
    (
        "host firewall without os",
        {
            'addresses: [10.0.2.5, "2001:db8:2::5"]\n    os: windows\n': (
                'addresses: [10.0.2.5, "2001:db8:2::5"]\n'
            )
        },
        "- name: pc1",
        "host 'pc1' has a host firewall ('windows-fw', windows) but no os",
    ),
    (
        "host firewall on another os",
        {
            "hosts: [print1, pc1]}": "hosts: [print1, pc1]}\n  - {name: lin, kind: host, "
            "platform: nftables, hosts: [prn-east]}"
        },
        "hosts: [prn-east]",
        "host 'prn-east' runs appliance, but its host firewall 'lin' is nftables, which runs "
        "on linux",
    ),
]

EVERY_CASE = pytest.mark.parametrize(
    ("case", "replacements", "marker", "message"), CASES, ids=[c[0] for c in CASES]
)


@EVERY_CASE
def test_cli_says_what_is_wrong_at_the_line(
    tmp_path: Path, case: str, replacements: dict[str, str], marker: str, message: str
) -> None:
    cli_points_at_the_line(tmp_path, case, replacements, marker, message)


@EVERY_CASE
def test_library_error_carries_file_and_line(
    tmp_path: Path, case: str, replacements: dict[str, str], marker: str, message: str
) -> None:
    library_points_at_the_line(tmp_path, case, replacements, marker, message)


def test_an_address_shared_by_both_hosts_is_accepted(tmp_path: Path) -> None:
    path, _ = write_case(
        tmp_path,
        {
            "addresses: [10.0.1.10]": "addresses: [10.0.1.10, 10.0.1.50]\n"
            "    shared_addresses: [10.0.1.50]",
            "addresses: [10.0.1.20]": "addresses: [10.0.1.20, 10.0.1.50]\n"
            "    shared_addresses: [10.0.1.50]",
        },
    )
    deployment, _ = pipeline.plan(path, [tmp_path / "catalog"])
    assert deployment.host("sql1").shared_addresses[0].compressed == "10.0.1.50"


def test_a_zone_marked_any_may_be_every_address(tmp_path: Path) -> None:
    path, _ = write_case(
        tmp_path,
        {
            "{name: west-lan, site: west, cidrs: [10.2.0.0/24]}": (
                "{name: west-lan, site: west, cidrs: [0.0.0.0/0], any: true}"
            )
        },
    )
    deployment, _ = pipeline.plan(path, [tmp_path / "catalog"])
    assert deployment.zone("west-lan").any


def test_an_fqdn_only_external_behind_an_address_filter_is_refused(tmp_path: Path) -> None:
    path, text = write_case(tmp_path, {"    cidrs: [203.0.113.0/24]\n": ""})
    result = CliRunner().invoke(cli, ["--catalog", str(tmp_path / "catalog"), "plan", str(path)])
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"portplan: error: {path}:{line_of(text, '- name: acme-cloud')}: ")
    assert "known only by name (cloud.acme.example)" in line
    assert "no portplan target filters by name" in line and "give the external its cidrs" in line


def test_plan_given_a_product_says_so(tmp_path: Path) -> None:
    product = tmp_path / "acme-print.yaml"
    product.write_text(PRODUCT)
    result = CliRunner().invoke(cli, ["plan", str(product)])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"portplan: error: {product}:1: this is a product (roles, flows), not a deployment — "
        "give a deployment (sites, zones, hosts); check a product with 'portplan catalog "
        "validate', or use it with --catalog DIR."
    )


def test_a_catalog_directory_skips_a_deployment_with_a_notice(tmp_path: Path) -> None:
    path, _ = write_case(tmp_path, {})
    (tmp_path / "catalog" / "site.yaml").write_text(path.read_text())  # kept beside products
    (tmp_path / "catalog" / "empty.yml").write_text("# nothing yet\n")
    result = CliRunner().invoke(
        cli, ["--catalog", str(tmp_path / "catalog"), "plan", str(path), "-v"]
    )
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if "skipped" in line]
    assert len(notes) == 2
    assert any("site.yaml: skipped — a deployment" in n for n in notes)
    assert any("empty.yml: skipped — a file without id, roles or flows" in n for n in notes)
    checked = CliRunner().invoke(cli, ["catalog", "validate", str(tmp_path / "catalog")])
    assert checked.exit_code == 0, checked.output
    assert "OK acme-print" in checked.stdout and "site.yaml: skipped" in checked.stderr


def test_a_broken_product_in_a_catalog_directory_is_still_an_error(tmp_path: Path) -> None:
    path, _ = write_case(tmp_path, {})
    (tmp_path / "catalog" / "typo.yaml").write_text("id: typo\nname: Typo\nrole: []\n")
    result = CliRunner().invoke(cli, ["--catalog", str(tmp_path / "catalog"), "plan", str(path)])
    assert result.exit_code == 2
    assert "typo.yaml" in result.stderr

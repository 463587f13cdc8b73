"""``portplan init``: a starter deployment that plans without edits for every bundled product."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from portplan import pipeline
from portplan.catalog import load_catalog
from portplan.cli.main import cli
from tests.catalog.test_catalog_loader import BUNDLED as BUNDLED_IDS

CATALOG = load_catalog()
BUNDLED = sorted(BUNDLED_IDS)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("product_id", BUNDLED)
def test_init_plans_without_edits_for_every_bundled_product(
    tmp_path: Path, product_id: str
) -> None:
    path = tmp_path / "site.yaml"
    code, _, err = run("init", product_id, "-o", str(path))
    assert code == 0, err
    deployment, resolution = pipeline.plan(path, strict=True)  # every role has a host
    product = CATALOG.get(product_id)
    assert {r.id for r in product.roles} == {
        binding.split(":")[1] for h in deployment.hosts for binding in h.roles
    } | {binding.split(":")[1] for e in deployment.externals for binding in e.roles}
    # Every unconditional flow between two different roles became a concrete flow.
    unconditional = {
        f.id
        for f in product.flows
        if not f.conditional
        and f.from_role != f.to_role
        and f.application != "ftp-data"  # carried by the FTP control flow
        and f.discovery is None  # multicast stays inside a zone: a warning, no rule
    }
    assert unconditional <= {f.flow for f in resolution.flows}
    assert any(hop.point == "fw-core" for f in resolution.flows for hop in f.path)
    # ... and compiles: the rules of the starter's firewall can be written.
    artifacts = pipeline.compile_plan(deployment, resolution, "nftables")
    assert [a.enforcement_point for a in artifacts] == ["fw-core"]
    code, out, _ = run("deployment", "validate", str(path))
    assert code == 0 and out.startswith(f"OK {path}: {product_id}-site — 1 site")


def test_init_keeps_features_and_variables_at_their_defaults(tmp_path: Path) -> None:
    code, text, _ = run("init", "lexmark-mve")
    assert code == 0
    data = yaml.safe_load(text)
    use = data["products"][0]
    product = CATALOG.get("lexmark-mve")
    assert use["features"] == [] and use["features_off"] == []
    assert use["variables"] == {v.id: v.default for v in product.variables}
    # The comments say what each feature adds and where each variable is used.
    assert "#   firebird (on) — Firebird database; adds 1 flow(s): tcp/3050" in text
    assert "kerberos_port: 88  # Kerberos port" in text and "used by mve-kerberos" in text
    assert data["firewalls"][0]["zones"] == [z["name"] for z in data["zones"]]


def test_init_writes_a_management_block(tmp_path: Path) -> None:
    """So that loading the starter's host rulesets locks nobody out: administrators come from
    the users' zone, DNS, NTP and updates are servers in the servers' zone."""
    path = tmp_path / "site.yaml"
    code, _, _ = run("init", "lrs-vpsx", "-o", str(path))
    assert code == 0
    deployment, resolution = pipeline.plan(path)
    assert deployment.management is not None
    zones = {z.name: z.cidrs[0] for z in deployment.zones}
    assert [str(n) for n in deployment.management.admins] == [str(zones["users"])]
    for server in (*deployment.management.dns, *deployment.management.ntp):
        assert server.subnet_of(zones["servers"])  # type: ignore[arg-type]
    assert resolution.warnings == ()  # no host firewall would lock anybody out


def test_init_leaves_variables_without_a_default_as_comments() -> None:
    code, text, _ = run("init", "moderro-rem")
    assert code == 0
    assert "# content_server_port: <port>  # no default:" in text
    assert "content_server_port" not in yaml.safe_load(text)["products"][0]["variables"]


def test_init_of_every_bundled_product_at_once(tmp_path: Path) -> None:
    path = tmp_path / "all.yaml"
    code, _, err = run("init", *BUNDLED, "--name", "everything", "-o", str(path))
    assert code == 0, err
    deployment, resolution = pipeline.plan(path, strict=True)
    assert deployment.name == "everything"
    assert {u.product for u in deployment.products} == set(BUNDLED)
    names = [h.name for h in deployment.hosts]
    assert len(names) == len(set(names))
    assert "lrs-vpsx-printer" in names and "lexmark-mve-printer" in names  # shared role ids
    assert {f.product for f in resolution.flows} == set(BUNDLED)


def test_init_does_not_replace_a_file_unless_asked(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text("mine\n")
    code, _, err = run("init", "papercut-hive", "-o", str(path))
    assert code == 2 and path.read_text() == "mine\n"
    assert err.strip() == (
        f"portplan: error: {path}: exists — choose another name, or add --force to replace it."
    )
    code, _, _ = run("init", "papercut-hive", "-o", str(path), "--force")
    assert code == 0 and "papercut-hive:edge-node" in path.read_text()


def test_init_of_an_unknown_product_is_one_line() -> None:
    code, out, err = run("init", "papercut-hvie")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "unknown product 'papercut-hvie'" in err


def test_hostile_names_in_a_product_stay_comments(tmp_path: Path) -> None:
    """A role name with a newline cannot add keys to the starter; odd ids are quoted."""
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "evil.yaml").write_text(
        'id: evil\nname: "Evil\\nhosts: []"\nroles:\n'
        "  - {id: 'yes', name: \"x\\nfirewalls: []\\n# \"}\n"
        "  - {id: 'null', name: Printer}\n"
        "flows:\n  - {id: f, from: 'yes', to: 'null', services: [tcp/1], purpose: p}\n"
    )
    code, text, err = run("--catalog", str(tmp_path / "catalog"), "init", "evil")
    assert code == 0, err
    data = yaml.safe_load(text)
    assert [h["name"] for h in data["hosts"]] == ["yes", "null"]
    assert len(data["firewalls"]) == 1
    path = tmp_path / "evil-site.yaml"
    path.write_text(text)
    _, resolution = pipeline.plan(path, [tmp_path / "catalog"])
    assert [f.flow for f in resolution.flows] == ["f"]

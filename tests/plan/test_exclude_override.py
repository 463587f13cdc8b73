"""A deployment leaves out or overrides a product flow with a reason, without forking it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from portplan import pipeline
from portplan.catalog import Catalog
from portplan.cli.main import cli
from portplan.errors import PortplanError
from portplan.flows import resolve_flows
from tests.conftest import EXAMPLES
from tests.plan.plan_fixtures import DEPLOYMENT, PRODUCT, DeploymentFactory

USE = "  - product: acme-print\n"
EXCLUDE = USE + (
    "    exclude:\n"
    "      - flow: deliver\n"
    "        reason: Printers are fed by the print server's own queue here (CHG-7).\n"
)
OVERRIDE = USE + (
    "    override:\n"
    "      - flow: submit\n"
    "        services: [tcp/443]\n"
    "        reason: Raw printing (9100) is not allowed from users' computers.\n"
)


def test_an_excluded_flow_resolves_to_nothing_and_keeps_its_reason(
    make_deployment: DeploymentFactory, catalog: Catalog
) -> None:
    plain = resolve_flows(make_deployment(), catalog)
    resolution = resolve_flows(make_deployment({USE: EXCLUDE}), catalog)
    assert "deliver" in {f.flow for f in plain.flows}
    assert "deliver" not in {f.flow for f in resolution.flows}
    assert len(resolution.flows) == len(plain.flows) - 1  # print1 → prn-east only
    (excluded,) = resolution.excluded
    assert (excluded.product, excluded.flow, excluded.services) == (
        "acme-print",
        "deliver",
        ("tcp/9100", "udp/161-162"),
    )
    assert excluded.reason.startswith("Printers are fed") and excluded.in_use


def test_an_override_replaces_the_services_and_says_what_the_vendor_asked(
    make_deployment: DeploymentFactory, catalog: Catalog
) -> None:
    resolution = resolve_flows(make_deployment({USE: OVERRIDE}), catalog)
    submits = [f for f in resolution.flows if f.flow == "submit"]
    assert submits and all([str(s) for s in f.services] == ["tcp/443"] for f in submits)
    assert submits[0].override == (
        "services set by the deployment (the vendor's: tcp/443,9100) — "
        "Raw printing (9100) is not allowed from users' computers."
    )
    others = [f for f in resolution.flows if f.flow != "submit"]
    assert all(f.override is None for f in others)


def test_an_override_may_use_the_products_variables(
    make_deployment: DeploymentFactory, catalog: Catalog
) -> None:
    text = USE + (
        "    variables: {db_port: 1533}\n"
        "    override:\n"
        '      - {flow: database, services: ["tcp/${db_port}", tcp/1434], reason: browser}\n'
    )
    resolution = resolve_flows(make_deployment({USE: text}), catalog)
    database = next(f for f in resolution.flows if f.flow == "database")
    assert [str(s) for s in database.services] == ["tcp/1434,1533"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            USE + "    exclude:\n      - {flow: delivr, reason: x}\n",
            "products[acme-print].exclude[delivr].flow: product 'acme-print' has no flow "
            "'delivr' — did you mean 'deliver'?",
        ),
        (
            USE + "    exclude:\n      - {flow: deliver}\n",
            "products[acme-print].exclude[deliver].reason: 'reason' is missing — add it",
        ),
        (
            USE + "    override:\n      - {flow: submit, services: [tcp/0], reason: x}\n",
            "products[acme-print].override[submit].services: 'tcp/0': port 0 is outside",
        ),
        (
            USE + '    override:\n      - {flow: submit, services: ["tcp/${nope}"], reason: x}\n',
            "has no variable 'nope'",
        ),
        (
            USE + "    exclude: [{flow: submit, reason: x}]\n"
            "    override: [{flow: submit, services: [tcp/1], reason: y}]\n",
            "flow 'submit' is excluded or overridden twice — keep one entry.",
        ),
    ],
)
def test_mistakes_in_exclude_and_override_are_one_line(
    make_deployment: DeploymentFactory, text: str, message: str
) -> None:
    with pytest.raises(PortplanError) as info:
        make_deployment({USE: text})
    assert message in str(info.value)
    assert info.value.line is not None


def test_the_plan_json_carries_exclusions_and_overrides(tmp_path: Path) -> None:
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "acme-print.yaml").write_text(PRODUCT)
    text = DEPLOYMENT.replace(USE, EXCLUDE + OVERRIDE.removeprefix(USE))
    (tmp_path / "d.yaml").write_text(text)
    result = CliRunner().invoke(
        cli,
        [
            "plan",
            str(tmp_path / "d.yaml"),
            "--catalog",
            str(tmp_path / "catalog"),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [e["flow"] for e in document["excluded"]] == ["deliver"]
    assert {f["override"] is not None for f in document["flows"] if f["flow"] == "submit"} == {True}


def test_the_examples_show_both() -> None:
    _, moderro = pipeline.plan(EXAMPLES / "moderro-rem" / "deployment.yaml")
    ntp = [f for f in moderro.flows if f.flow == "iem-ntp"]
    assert ntp and all([str(s) for s in f.services] == ["udp/123"] for f in ntp)
    assert ntp[0].override and "udp/123,199" in ntp[0].override
    _, lexmark = pipeline.plan(EXAMPLES / "lexmark-mve" / "deployment.yaml")
    assert [e.flow for e in lexmark.excluded] == ["mve-kerberos"]
    assert "mve-kerberos" not in {f.flow for f in lexmark.flows}

"""The bundled catalog against the hand-labelled truth of the five seed documents.

For each product, ``portplan catalog show ID --format json`` must open exactly the
(protocol, port) pairs the document states — nothing missing, nothing invented — and every flow
must cite a document line that mentions one of its ports.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from portplan.cli.main import cli
from portplan.model.service import parse_service

# product id -> seed document stem (../shared/seeds/<stem>.txt and truth/<stem>.json)
DOCUMENTS = {
    "lrs-vpsx": "lrs-vpsx",
    "lexmark-mve": "lexmark-mve",
    "papercut-hive": "papercut-hive-multisite",
    "luware-lucs": "luware-lucs",
    "moderro-rem": "moderro-rem",
}

Pair = tuple[str, int | None]


@functools.cache  # one CLI run per product; callers only read the result
def show(product_id: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["catalog", "show", product_id, "--format", "json"])
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def catalog_pairs(document: dict[str, Any]) -> set[Pair]:
    pairs: set[Pair] = set()
    for flow in document["flows"]:
        if flow.get("unresolved"):
            continue  # a port the document does not give; no pair to compare
        for text in flow["services"]:
            for service in parse_service(text):
                if service.protocol.startswith("icmp"):
                    pairs.add(("icmp", None))
                else:
                    pairs.update((service.protocol, port) for port in service.ports.ports())
    return pairs


def truth_pairs(truth: dict[str, Any]) -> set[Pair]:
    pairs: set[Pair] = set()
    for flow in truth["flows"]:
        for protocol in flow["protocols"]:
            if protocol.startswith("icmp"):
                pairs.add(("icmp", None))
                continue
            for text in flow["ports"]:
                low, _, high = str(text).partition("-")
                pairs.update((protocol, port) for port in range(int(low), int(high or low) + 1))
    return pairs


@pytest.mark.parametrize("product_id", sorted(DOCUMENTS))
def test_catalog_equals_seed_truth(product_id: str, seeds: Path) -> None:
    truth = json.loads((seeds / "truth" / f"{DOCUMENTS[product_id]}.json").read_text())
    ours, theirs = catalog_pairs(show(product_id)), truth_pairs(truth)
    assert not theirs - ours, f"missing from the catalog: {sorted(theirs - ours, key=str)}"
    assert not ours - theirs, f"not in the document: {sorted(ours - theirs, key=str)}"


def cited_row(lines: list[str], number: int) -> str:
    """The cited line, plus the rows above it when it continues a table row.

    In tab-separated tables a row with an empty port cell (it starts with tabs) shares the
    port of the row above it; the truth labels it as its own flow with that port.
    """
    index = number - 1
    text = lines[index]
    while lines[index].startswith("\t") and index > 0:
        index -= 1
        text = lines[index] + "\n" + text
    return text


@pytest.mark.parametrize("product_id", sorted(DOCUMENTS))
def test_every_flow_cites_a_line_that_mentions_its_port(product_id: str, seeds: Path) -> None:
    document = show(product_id)
    lines = (seeds / f"{DOCUMENTS[product_id]}.txt").read_text(encoding="utf-8").splitlines()
    assert document["sources"][0]["document"] == f"{DOCUMENTS[product_id]}.txt"
    for flow in document["flows"]:
        evidence = flow["evidence"]
        assert evidence["document"] == f"{DOCUMENTS[product_id]}.txt", flow["id"]
        text = cited_row(lines, evidence["line"])
        # Digits as the document writes them ("49'152" is 49152); ICMP and port-less flows are
        # checked by their protocol word instead.
        numbers = {int(n) for n in re.findall(r"\d+", text.replace("'", ""))}
        if flow.get("unresolved"):
            assert re.search(r"port|net\.pipe", text, re.IGNORECASE), (flow["id"], text)
            continue
        ports: set[int] = set()
        for item in flow["services"]:
            for service in parse_service(item):
                ports.update(service.ports.ports())
        if not ports:
            assert "ICMP" in text, (flow["id"], text)
            continue
        assert ports & numbers, f"{flow['id']}: line {evidence['line']} is {text!r}"


def test_catalog_show_marks_a_variable_without_default() -> None:
    document = show("moderro-rem")
    flow = next(f for f in document["flows"] if f["id"] == "reic-content-server")
    assert flow["unresolved"] == ["content_server_port"]
    assert flow["services"] == ["tcp/${content_server_port}"]
    variable = next(v for v in document["variables"] if v["id"] == "content_server_port")
    assert "default" not in variable or variable["default"] is None


def test_catalog_show_substitutes_defaults() -> None:
    document = show("lexmark-mve")
    flow = next(f for f in document["flows"] if f["id"] == "mve-sql-server")
    assert flow["services"] == ["tcp/1433"]
    assert flow["variables"] == ["sql_port"]


EXPECTED_VARIABLES = {
    ("lexmark-mve", "sql_port"): 1433,
    ("lexmark-mve", "ldap_port"): 389,
    ("lexmark-mve", "ldaps_port"): 636,
    ("lexmark-mve", "smtp_port"): 25,
    ("lexmark-mve", "kerberos_port"): 88,
    ("luware-lucs", "sql_port"): 1433,
    ("luware-lucs", "media_ports"): "49152-57500",
    ("luware-lucs", "trusted_application_ports"): "6000,6100,6200,6300,7000,7100,7200,7300,7400",
    ("luware-lucs", "high_load_connector_ports"): "7500-7999",
    ("luware-lucs", "instance_offset"): 0,
    ("moderro-rem", "jmx_rmi_port"): 9325,
    ("moderro-rem", "jmx_port"): 9990,
    ("moderro-rem", "content_server_port"): None,
}


@pytest.mark.parametrize(("key", "default"), EXPECTED_VARIABLES.items(), ids=str)
def test_configurable_ports_are_variables_with_documented_defaults(
    key: tuple[str, str], default: object
) -> None:
    product_id, variable_id = key
    variables = {v["id"]: v for v in show(product_id).get("variables", [])}
    assert variables[variable_id].get("default") == default


def test_lucs_offset_applies_to_its_own_ports_only() -> None:
    flows = {f["id"]: f for f in show("luware-lucs")["flows"]}
    assert (
        next(v for v in show("luware-lucs")["variables"] if v["id"] == "instance_offset")["kind"]
        == "offset"
    )
    for flow_id in ("lucs-ps-peer", "front-end-trusted-applications", "election-ps", "debug-lm"):
        assert flows[flow_id].get("offset") == "instance_offset", flow_id
    for flow_id in ("lucs-sql", "lucs-exchange", "front-end-lucs-media", "cms-replication"):
        assert "offset" not in flows[flow_id], flow_id


@pytest.mark.parametrize(
    ("product_id", "flow_id", "words"),
    [
        ("lexmark-mve", "mve-printer-https-161", "TCP 161"),
        ("moderro-rem", "iem-ntp", "199"),
        ("luware-lucs", "agent-excel-reporting", "1443"),
        ("luware-lucs", "front-end-trusted-applications", "opposite direction"),
        ("luware-lucs", "collocated-cic", "no port"),
    ],
)
def test_doubtful_rows_are_encoded_as_written_with_a_note(
    product_id: str, flow_id: str, words: str
) -> None:
    flow = next(f for f in show(product_id)["flows"] if f["id"] == flow_id)
    assert words in flow["note"]


@pytest.mark.parametrize(
    ("product_id", "features"),
    [
        ("lrs-vpsx", {"mfpsecure", "mobile-connector", "innovate-audit", "vspa", "alertx", "dsr"}),
        ("papercut-hive", {"offline-release", "ios-printing"}),
        ("luware-lucs", {"high-load-connectors", "debugging"}),
        ("moderro-rem", {"ha", "dual-content"}),
    ],
)
def test_optional_parts_are_named_features(product_id: str, features: set[str]) -> None:
    document = show(product_id)
    assert features <= {f["id"] for f in document["features"]}
    used = {f.get("feature") for f in document["flows"]}
    assert features <= used, "every optional part gates at least one flow"

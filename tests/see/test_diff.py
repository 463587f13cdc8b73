"""Diffs of products and deployments: exact added, removed and changed entries and rules."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from portplan import pipeline
from portplan.catalog import Catalog
from portplan.flows import resolve_flows
from portplan.model import Deployment, Product, parse_services
from portplan.report import diff as df
from tests.see.conftest import DEPLOYMENT, PRODUCT


def products(data: dict[str, Any]) -> Catalog:
    return Catalog(products={"acme-print": Product.model_validate(data)})


def deployment_diff(
    new_data: dict[str, Any], product_data: dict[str, Any] | None = None
) -> df.Diff:
    old_catalog = products(PRODUCT)
    new_catalog = products(product_data or PRODUCT)
    old = Deployment.model_validate(DEPLOYMENT)
    new = Deployment.model_validate(new_data)
    return df.diff_resolutions(
        old, resolve_flows(old, old_catalog), new, resolve_flows(new, new_catalog)
    )


def rules(diff: df.Diff) -> set[tuple[str, str, str, str, str, tuple[str, ...]]]:
    return {
        (r.action, r.point, r.direction, r.source, r.destination, r.services) for r in diff.rules
    }


def flow(data: dict[str, Any], flow_id: str) -> dict[str, Any]:
    return next(f for f in data["flows"] if f["id"] == flow_id)


def test_service_delta_per_port() -> None:
    added, removed = df.service_delta(
        parse_services(["tcp/80-90", "udp/161", "icmp/echo-request"]),
        parse_services(["tcp/85-100", "icmp"]),
    )
    assert [str(s) for s in added] == ["tcp/91-100", "icmp"]
    assert [str(s) for s in removed] == ["tcp/80-84", "udp/161", "icmp/echo-request"]


def test_product_versions() -> None:
    new = copy.deepcopy(PRODUCT)
    flow(new, "print")["services"] = ["tcp/9100", "tcp/515"]  # 631 narrowed away, 515 widened
    new["flows"] = [f for f in new["flows"] if f["id"] != "snmp"]
    new["flows"].append(
        {
            "id": "lpd-status",
            "from": "server",
            "to": "printer",
            "services": ["udp/161-162"],
            "purpose": "Status and traps",
        }
    )
    new["variables"][0]["default"] = 9443
    new["version"] = "2.0"
    diff = df.diff_products(Product.model_validate(PRODUCT), Product.model_validate(new))
    assert diff.kind == "product" and (diff.old, diff.new) == ("acme-print 1.0", "acme-print 2.0")
    by_key = {(c.status, c.key): c for c in diff.flows}
    # snmp (server → printer udp/161) became lpd-status (the same ends, udp/161-162): matched
    # by its ends and ports, so one port added rather than a flow removed and one added.
    assert set(by_key) == {
        ("changed", "lpd-status"),
        ("changed", "print"),
        ("changed", "portal"),
    }
    status = by_key["changed", "lpd-status"]
    assert (status.ports_added, status.ports_removed) == (("udp/162",), ())
    assert status.details[0] == "id: snmp → lpd-status"
    printing = by_key["changed", "print"]
    assert (printing.before, printing.after) == (("tcp/631,9100",), ("tcp/515,9100",))
    assert (printing.ports_added, printing.ports_removed) == (("tcp/515",), ("tcp/631",))
    portal = by_key["changed", "portal"]
    assert (portal.ports_added, portal.ports_removed) == (("tcp/9443",), ("tcp/8443",))
    assert "variable portal_port default: 8443 → 9443" in diff.notes
    assert diff.rules == ()


def test_product_flows_are_matched_by_ends_and_services_not_by_id() -> None:
    """The next document renumbers its rows: the flows are the same, so nothing changes for
    the firewall, and each new id is a note."""
    new = copy.deepcopy(PRODUCT)
    flow(new, "print")["id"] = "snmp-tmp"
    flow(new, "snmp")["id"] = "print"  # the ids of two flows swapped
    flow(new, "snmp-tmp")["id"] = "snmp"
    flow(new, "submit")["id"] = "job-submission"
    diff = df.diff_products(Product.model_validate(PRODUCT), Product.model_validate(new))
    assert diff.flows == ()
    assert set(diff.notes) == {
        "flow print is now snmp (same roles, services and conditions)",
        "flow snmp is now print (same roles, services and conditions)",
        "flow submit is now job-submission (same roles, services and conditions)",
    }


def test_a_renamed_flow_that_also_changed_ports_is_one_change() -> None:
    new = copy.deepcopy(PRODUCT)
    flow(new, "print")["id"] = "raw-and-ipp"
    flow(new, "raw-and-ipp")["services"] = ["tcp/9100", "tcp/631", "tcp/515"]
    diff = df.diff_products(Product.model_validate(PRODUCT), Product.model_validate(new))
    (change,) = diff.flows
    assert (change.status, change.key, change.ports_added) == (
        "changed",
        "raw-and-ipp",
        ("tcp/515",),
    )
    assert change.details == ("id: print → raw-and-ipp",)


def test_identical_products_have_no_changes() -> None:
    product = Product.model_validate(PRODUCT)
    diff = df.diff_products(product, product)
    assert diff.flows == () and diff.notes == ()
    assert "equivalent for the firewall" in df.to_markdown(diff)


def test_switching_a_feature_off_removes_its_rules_at_each_point() -> None:
    new = copy.deepcopy(DEPLOYMENT)
    new["products"] = [{"product": "acme-print", "features": []}]
    diff = deployment_diff(new)
    assert [(c.status, c.key) for c in diff.flows] == [("removed", "acme-print/portal/pc1->srv1")]
    assert rules(diff) == {
        ("remove", "fw-core", "network", "pc1", "srv1", ("tcp/8443",)),
        ("remove", "srv-hostfw", "host-ingress", "pc1", "srv1", ("tcp/8443",)),
    }
    assert "acme-print: feature portal switched off" in diff.notes


def test_changing_a_variable_moves_the_port() -> None:
    new = copy.deepcopy(DEPLOYMENT)
    new["products"] = [
        {"product": "acme-print", "features": ["portal"], "variables": {"portal_port": 9443}}
    ]
    diff = deployment_diff(new)
    (change,) = diff.flows
    assert (change.status, change.key) == ("changed", "acme-print/portal/pc1->srv1")
    assert (change.ports_added, change.ports_removed) == (("tcp/9443",), ("tcp/8443",))
    assert rules(diff) == {
        ("add", "fw-core", "network", "pc1", "srv1", ("tcp/9443",)),
        ("remove", "fw-core", "network", "pc1", "srv1", ("tcp/8443",)),
        ("add", "srv-hostfw", "host-ingress", "pc1", "srv1", ("tcp/9443",)),
        ("remove", "srv-hostfw", "host-ingress", "pc1", "srv1", ("tcp/8443",)),
    }
    adds = [r for r in diff.rules if r.action == "add"]
    assert all(r.flows == ("acme-print/portal",) for r in adds)


def test_removing_a_host_removes_its_flows_and_rules() -> None:
    new = copy.deepcopy(DEPLOYMENT)
    new["hosts"] = [h for h in new["hosts"] if h["name"] != "prn1"]
    diff = deployment_diff(new)
    assert {(c.status, c.key) for c in diff.flows} == {
        ("removed", "acme-print/print/srv1->prn1"),
        ("removed", "acme-print/snmp/srv1->prn1"),
    }
    assert rules(diff) == {
        ("remove", "fw-core", "network", "srv1", "prn1", ("tcp/631,9100", "udp/161")),
        ("remove", "srv-hostfw", "host-egress", "srv1", "prn1", ("tcp/631,9100", "udp/161")),
    }
    assert "host prn1 removed" in diff.notes


def test_a_port_another_flow_still_needs_is_not_removed() -> None:
    product = copy.deepcopy(PRODUCT)
    product["flows"].append(
        {
            "id": "submit-ipp",
            "from": "workstation",
            "to": "server",
            "services": ["tcp/443", "tcp/631"],
            "purpose": "IPP over TLS",
        }
    )
    without_submit = copy.deepcopy(product)
    without_submit["flows"] = [f for f in product["flows"] if f["id"] != "submit"]
    old = Deployment.model_validate(DEPLOYMENT)
    diff = df.diff_resolutions(
        old,
        resolve_flows(old, products(product)),
        old,
        resolve_flows(old, products(without_submit)),
    )
    assert [(c.status, c.key) for c in diff.flows] == [("removed", "acme-print/submit/pc1->srv1")]
    assert diff.rules == ()  # tcp/443 stays open for submit-ipp
    assert "No enforcement point needs a rule change." in df.summary_lines(diff)


def test_a_moved_address_replaces_the_rules() -> None:
    new = copy.deepcopy(DEPLOYMENT)
    new["hosts"][2] = {**new["hosts"][2], "addresses": ["10.0.2.11"]}
    diff = deployment_diff(new)
    assert {c.key for c in diff.flows} == {
        "acme-print/submit/pc1->srv1",
        "acme-print/portal/pc1->srv1",
    }
    assert all(
        c.status == "changed" and c.details == ("source pc1: 10.0.2.10/32 → 10.0.2.11/32",)
        for c in diff.flows
    )
    removed = {r.source_addresses for r in diff.rules if r.action == "remove"}
    added = {r.source_addresses for r in diff.rules if r.action == "add"}
    assert (removed, added) == ({"10.0.2.10/32"}, {"10.0.2.11/32"})


@pytest.fixture
def feature_off_diff() -> df.Diff:
    new = copy.deepcopy(DEPLOYMENT)
    new["products"] = [{"product": "acme-print", "features": []}]
    return deployment_diff(new)


def test_markdown_is_a_change_request(feature_off_diff: df.Diff) -> None:
    text = df.to_markdown(
        feature_off_diff, df.ChangeRequest("CHG-1234", "Net Ops", "Portal retired | for good")
    )
    assert text.startswith("# Change request: acme-hq\n")
    assert "| Ticket | CHG-1234 |" in text
    assert "| Justification | Portal retired \\| for good |" in text
    assert "## Flows removed" in text and "## Flows added" not in text
    assert "### fw-core (nftables)" in text and "### srv-hostfw (windows)" in text
    assert "| remove | network | pc1 (10.0.2.10/32) | srv1 (10.0.1.10/32) | tcp/8443 |" in text
    blank = df.to_markdown(feature_off_diff)
    assert "| Ticket |  |" in blank and "| Owner |  |" in blank


def test_json_carries_the_request(feature_off_diff: df.Diff) -> None:
    data = json.loads(df.to_json(feature_off_diff, df.ChangeRequest(ticket="CHG-9")))
    assert data["request"] == {"ticket": "CHG-9", "owner": "", "justification": "", "approver": ""}
    assert data["summary"]["flows_removed"] == 1
    assert data["summary"]["rules"] == {
        "fw-core": {"add": 0, "remove": 1},
        "srv-hostfw": {"add": 0, "remove": 1},
    }
    assert data["rules"][0]["services"] == ["tcp/8443"]


def test_xlsx_reads_back(feature_off_diff: df.Diff) -> None:
    request = df.ChangeRequest("CHG-77", "=cmd|' /C calc'!A0", "retire")
    book = openpyxl.load_workbook(io.BytesIO(df.to_xlsx(feature_off_diff, request)))
    assert book.sheetnames == ["Change request", "Flows", "Rules"]
    front = {row[0]: row[1] for row in book["Change request"].iter_rows(values_only=True)}
    assert front["Ticket"] == "CHG-77"
    assert front["Owner"] == "=cmd|' /C calc'!A0"  # kept as text, never a formula
    assert book["Change request"]["B3"].data_type == "s"
    assert not front["Approved by"] and not front["Approval date"]  # left for the board
    flows = book["Flows"]
    assert flows.freeze_panes == "A2" and flows.auto_filter.ref == "A1:J2"
    values = [c.value or "" for c in flows[2]]
    assert values[:8] == [
        "removed",
        "acme-print/portal/pc1->srv1",
        "pc1",
        "srv1",
        "tcp/8443",
        "",
        "",
        "tcp/8443",
    ]
    sheet = book["Rules"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert {(r[0], r[2], r[3], r[8]) for r in rows} == {
        ("fw-core", "remove", "network", "tcp/8443"),
        ("srv-hostfw", "remove", "host-ingress", "tcp/8443"),
    }
    assert sheet.column_dimensions["J"].width == 50 and sheet["A1"].font.bold


# --------------------------------------------------------------------------- the examples

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
LEXMARK = EXAMPLES / "lexmark-mve/deployment.yaml"


def example_diff(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> df.Diff:
    data = yaml.safe_load(LEXMARK.read_text())
    change(data)
    new = tmp_path / "deployment.yaml"
    new.write_text(yaml.safe_dump(data, sort_keys=False))
    old_deployment, old = pipeline.plan(LEXMARK)
    new_deployment, resolution = pipeline.plan(new)
    return df.diff_resolutions(old_deployment, old, new_deployment, resolution)


def test_example_sql_port_moved(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["products"][0]["variables"]["sql_port"] = 1533

    diff = example_diff(tmp_path, change)
    (flow,) = diff.flows
    assert (flow.status, flow.key) == ("changed", "lexmark-mve/mve-sql-server/mve01->sql01")
    assert (flow.ports_added, flow.ports_removed) == (("tcp/1533",), ("tcp/1433",))
    assert rules(diff) == {
        (action, "windows-servers", direction, "mve01", "sql01", (service,))
        for action, service in (("add", "tcp/1533"), ("remove", "tcp/1433"))
        for direction in ("host-egress", "host-ingress")
    }
    assert diff.notes == ("lexmark-mve: variable sql_port: default → 1533",)


def test_example_printer_removed(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["hosts"] = [h for h in data["hosts"] if h["name"] != "prn-f2-01"]

    diff = example_diff(tmp_path, change)
    assert {c.status for c in diff.flows} == {"removed"}
    assert {(c.source, c.destination) for c in diff.flows} == {
        ("mve01", "prn-f2-01"),
        ("prn-f2-01", "mve01"),
    }
    # FTP's data connections come back from the printer (active mode, RFC 959), never to
    # its tcp/20; mDNS (udp/5353) stays inside a segment, so no router rule carries it.
    printer_ports = ("tcp/21,80,161,443,6110,9100", "udp/161,6000,6100,9300")
    from_printer = ("tcp/49152-65535", "udp/9187")
    assert rules(diff) == {
        ("remove", "fw-campus", "network", "mve01", "prn-f2-01", printer_ports),
        ("remove", "fw-campus", "network", "prn-f2-01", "mve01", from_printer),
        ("remove", "windows-servers", "host-egress", "mve01", "prn-f2-01", printer_ports),
        ("remove", "windows-servers", "host-ingress", "prn-f2-01", "mve01", from_printer),
    }
    assert diff.notes == ("host prn-f2-01 removed",)


def test_example_feature_switched_off_and_on(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["products"][0]["features"].remove("email")

    diff = example_diff(tmp_path, change)
    assert [(c.status, c.key, c.before) for c in diff.flows] == [
        ("removed", "lexmark-mve/mve-smtp/mve01->mail01", ("tcp/587",))
    ]
    assert rules(diff) == {
        ("remove", "windows-servers", "host-egress", "mve01", "mail01", ("tcp/587",)),
        ("remove", "linux-servers", "host-ingress", "mve01", "mail01", ("tcp/587",)),
    }
    text = df.to_markdown(diff, df.ChangeRequest("CHG-42", "Print team"))
    assert "| lexmark-mve/mve-smtp/mve01->mail01 | mve01 | mail01 | tcp/587 |" in text
    assert "- lexmark-mve: feature email switched off" in text


def test_hostile_text_stays_inside_its_markdown_cell() -> None:
    diff = df.Diff(
        "product",
        "a",
        "b",
        (
            df.FlowChange(
                "added", "x", "r1", "r2", "<script>alert(1)</script> | `rm`\nnext", after=("tcp/1",)
            ),
        ),
    )
    text = df.to_markdown(diff)
    row = next(line for line in text.splitlines() if line.startswith("| x |"))
    assert "&lt;script>" in row and "<script" not in row
    assert row.count(" | ") == 5  # the escaped pipe did not add a column

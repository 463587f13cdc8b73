"""Port conflicts: each kind planted in a small deployment, found with the right fix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from portplan import pipeline
from portplan.flows.conflicts import Conflict, find_conflicts
from portplan.model import Deployment, PortSet, Product


def product(pid: str, roles: list[str], flows: list[dict[str, Any]], **extra: Any) -> Product:
    data: dict[str, Any] = {
        "id": pid,
        "name": pid,
        "roles": [{"id": r, "name": r} for r in roles],
        "flows": [{"purpose": f["id"], **f} for f in flows],
        **extra,
    }
    return Product.model_validate(data)


LRS = product(
    "lrs",
    ["pullsvc", "vpsx", "serverx", "dis"],
    [
        {
            "id": "ipps-submit",
            "from": "pullsvc",
            "to": "vpsx",
            "services": ["tcp/443"],
            "note": "The VPSX server is likely to also host an IIS server which has port 443 "
            "open. Port 9443 is recommended for HTTPS/IPPS transmission from workstation to VPSX.",
        },
        {"id": "dis", "from": "serverx", "to": "dis", "services": ["tcp/5701"]},
    ],
)
IIS = product(
    "iis",
    ["browser", "web"],
    [{"id": "https", "from": "browser", "to": "web", "services": ["tcp/443", "tcp/80"]}],
)
HAZELCAST = product(
    "hazel",
    ["member"],
    [{"id": "cluster", "from": "member", "to": "member", "services": ["tcp/5701"]}],
)
LUCS = product(
    "lucs",
    ["agent", "server"],
    [
        {
            "id": "aa",
            "from": "agent",
            "to": "server",
            "services": ["tcp/19412"],
            "offset": "instance_offset",
        },
        {
            "id": "ps",
            "from": "agent",
            "to": "server",
            "services": ["tcp/19400"],
            "offset": "instance_offset",
        },
    ],
    variables=[
        {
            "id": "instance_offset",
            "kind": "offset",
            "default": 0,
            "description": "TM uses LUCS ports +2000 flat value added.",
        }
    ],
)
SQL = product(
    "sql",
    ["client", "db"],
    [{"id": "sql", "from": "client", "to": "db", "services": ["tcp/${sql_port}"]}],
    variables=[{"id": "sql_port", "default": 1433}],
)
FIXED_1433 = product(
    "legacy", ["svc"], [{"id": "x", "from": "svc", "to": "svc", "services": ["tcp/1433"]}]
)
HIGH = product(
    "high", ["svc"], [{"id": "rtp", "from": "svc", "to": "svc", "services": ["udp/50000-50009"]}]
)
PRODUCTS = {p.id: p for p in (LRS, IIS, HAZELCAST, LUCS, SQL, FIXED_1433, HIGH)}


def deployment(hosts: list[dict[str, Any]], uses: list[dict[str, Any]]) -> Deployment:
    return Deployment.model_validate(
        {
            "name": "t",
            "sites": [{"name": "s"}],
            "zones": [{"name": "z", "site": "s", "cidrs": ["10.0.0.0/24"]}],
            "hosts": [
                {"zone": "z", "addresses": [f"10.0.0.{i + 1}"], **h} for i, h in enumerate(hosts)
            ],
            "products": uses,
        }
    )


def test_vpsx_with_iis_on_443_gets_the_vendors_9443() -> None:
    dep = deployment(
        [{"name": "print1", "os": "windows", "roles": ["lrs:vpsx", "iis:web"]}],
        [{"product": "lrs"}, {"product": "iis"}],
    )
    (conflict,) = find_conflicts(dep, PRODUCTS)
    assert conflict.kind == "same-port"
    assert (conflict.host, conflict.protocol, str(conflict.ports)) == ("print1", "tcp", "443")
    assert conflict.roles == ("lrs:vpsx", "iis:web")
    assert conflict.fix.kind == "vendor-advice"
    assert (conflict.fix.product, conflict.fix.value) == ("lrs", "9443")
    assert "Port 9443 is recommended" in conflict.fix.text


def test_dis_and_hazelcast_on_5701_get_the_nearest_free_port() -> None:
    dep = deployment(
        [{"name": "app1", "os": "linux", "roles": ["lrs:dis", "hazel:member"]}],
        [{"product": "lrs"}, {"product": "hazel"}],
    )
    (conflict,) = find_conflicts(dep, PRODUCTS)
    assert (conflict.kind, str(conflict.ports)) == ("same-port", "5701")
    assert conflict.fix.kind == "free-port"
    assert (conflict.fix.product, conflict.fix.value) == ("hazel", "5702")


def test_free_port_skips_used_ports_and_the_ephemeral_range() -> None:
    busy = product(
        "busy",
        ["svc"],
        [{"id": "b", "from": "svc", "to": "svc", "services": ["tcp/5702", "tcp/5700"]}],
    )
    dep = deployment(
        [{"name": "app1", "roles": ["lrs:dis", "hazel:member", "busy:svc"]}],
        [{"product": "lrs"}, {"product": "hazel"}, {"product": "busy"}],
    )
    (conflict,) = find_conflicts(dep, {**PRODUCTS, "busy": busy})
    assert conflict.fix.value == "5703"
    high = product(
        "hi", ["svc"], [{"id": "b", "from": "svc", "to": "svc", "services": ["tcp/32767"]}]
    )
    high2 = product(
        "hi2", ["svc"], [{"id": "b", "from": "svc", "to": "svc", "services": ["tcp/32767"]}]
    )
    dep = deployment(
        [{"name": "app1", "os": "linux", "roles": ["hi:svc", "hi2:svc"]}],
        [{"product": "hi"}, {"product": "hi2"}],
    )
    (conflict,) = find_conflicts(dep, {"hi": high, "hi2": high2})
    assert conflict.fix.value == "32766"  # 32768 and up is Linux's ephemeral range


def test_second_instance_without_offset_gets_the_vendors_offset() -> None:
    hosts = [{"name": "cc1", "os": "windows", "roles": ["lucs:server", "lucs@tm:server"]}]
    clash = find_conflicts(
        deployment(hosts, [{"product": "lucs"}, {"product": "lucs", "instance": "tm"}]), PRODUCTS
    )
    assert len(clash) == 1
    (conflict,) = clash
    assert str(conflict.ports) == "19400,19412"
    assert conflict.fix.kind == "instance-offset"
    assert (conflict.fix.product, conflict.fix.variable, conflict.fix.value) == (
        "lucs@tm",
        "instance_offset",
        "2000",
    )
    fixed = deployment(
        hosts,
        [
            {"product": "lucs"},
            {"product": "lucs", "instance": "tm", "variables": {"instance_offset": 2000}},
        ],
    )
    assert find_conflicts(fixed, PRODUCTS) == ()


def test_variable_left_at_default_is_named_and_set() -> None:
    hosts = [{"name": "db1", "os": "windows", "roles": ["sql:db", "legacy:svc"]}]
    (conflict,) = find_conflicts(
        deployment(hosts, [{"product": "sql"}, {"product": "legacy"}]), PRODUCTS
    )
    assert (conflict.kind, str(conflict.ports)) == ("default-variable", "1433")
    assert conflict.fix.kind == "set-variable"
    assert (conflict.fix.product, conflict.fix.variable, conflict.fix.value) == (
        "sql",
        "sql_port",
        "1434",
    )
    assert "left at the product's default" in conflict.fix.text
    # Set explicitly to the colliding value: still a conflict, no longer a forgotten default.
    explicit = deployment(
        hosts, [{"product": "sql", "variables": {"sql_port": 1433}}, {"product": "legacy"}]
    )
    (conflict,) = find_conflicts(explicit, PRODUCTS)
    assert conflict.kind == "same-port" and conflict.fix.variable == "sql_port"
    moved = deployment(
        hosts, [{"product": "sql", "variables": {"sql_port": 1533}}, {"product": "legacy"}]
    )
    assert find_conflicts(moved, PRODUCTS) == ()


def test_ephemeral_listener_on_windows_and_linux() -> None:
    dep = deployment(
        [
            {"name": "w1", "os": "windows", "roles": ["high:svc"]},
            {"name": "l1", "os": "linux", "roles": ["high:svc"]},
            {"name": "l2", "os": "linux", "roles": ["high:svc"], "ephemeral_ports": "60000-61000"},
        ],
        [{"product": "high"}],
    )
    found = {c.host: c for c in find_conflicts(dep, PRODUCTS)}
    assert set(found) == {"w1", "l1"}  # l2 moved its ephemeral range away from 50000
    assert found["w1"].kind == "ephemeral" and str(found["w1"].ports) == "50000-50009"
    assert found["w1"].fix.kind == "reserve-ports"
    assert "netsh int ipv4 add excludedportrange protocol=udp startport=50000 numberofports=10" in (
        found["w1"].fix.text
    )
    assert "sysctl -w net.ipv4.ip_local_reserved_ports=50000-50009" in found["l1"].fix.text


def test_configurable_port_in_the_ephemeral_range_is_moved_below_it() -> None:
    dep = deployment(
        [{"name": "db1", "os": "linux", "roles": ["sql:db"]}],
        [{"product": "sql", "variables": {"sql_port": 40000}}],
    )
    (conflict,) = find_conflicts(dep, PRODUCTS)
    assert conflict.kind == "ephemeral"
    assert (conflict.fix.variable, conflict.fix.value) == ("sql_port", "32767")


def test_same_role_on_two_flows_is_not_a_conflict() -> None:
    dep = deployment(
        [{"name": "web1", "roles": ["iis:web"]}, {"name": "b", "roles": ["iis:browser"]}],
        [{"product": "iis"}],
    )
    assert find_conflicts(dep, PRODUCTS) == ()


def test_port_arithmetic() -> None:
    a, b = PortSet.parse("10-20,30"), PortSet.parse("15-30")
    assert str(a.intersect(b)) == "15-20,30"
    assert str(a.subtract(b)) == "10-14"
    assert str(b.subtract(a)) == "21-29"


# --------------------------------------------------------------------------- bundled products


def catalog_products() -> dict[str, Product]:
    from portplan.catalog import load_catalog

    return load_catalog().products


def test_lucs_and_tm_share_a_server_only_with_the_offset() -> None:
    hosts = [
        {
            "name": "cc01",
            "os": "windows",
            "roles": ["luware-lucs:lucs-server", "luware-lucs@tm:lucs-server"],
        }
    ]
    with_offset = deployment(
        hosts,
        [
            {"product": "luware-lucs"},
            {"product": "luware-lucs", "instance": "tm", "variables": {"instance_offset": 2000}},
        ],
    )
    found = find_conflicts(with_offset, catalog_products())
    assert [c for c in found if c.kind == "same-port"] == []
    # 443 (IIS), 445 (SMB) and the media range carry no offset: one service for both
    # instances, so the media range inside Windows' ephemeral range is reported once per protocol.
    assert sorted((c.kind, c.protocol, str(c.ports), c.roles) for c in found) == [
        ("default-variable", "tcp", "49152-57500", ("luware-lucs:lucs-server",)),
        ("default-variable", "udp", "49152-57500", ("luware-lucs:lucs-server",)),
    ]
    assert {c.fix.variable for c in found} == {"media_ports"}

    without = deployment(
        hosts, [{"product": "luware-lucs"}, {"product": "luware-lucs", "instance": "tm"}]
    )
    (clash,) = [c for c in find_conflicts(without, catalog_products()) if c.kind == "same-port"]
    assert clash.roles == ("luware-lucs:lucs-server", "luware-lucs@tm:lucs-server")
    assert {4443, 4444, 19400, 19412, 6000} <= set(clash.ports.ports())
    assert 443 not in clash.ports and 445 not in clash.ports
    assert (clash.fix.kind, clash.fix.product, clash.fix.variable, clash.fix.value) == (
        "instance-offset",
        "luware-lucs@tm",
        "instance_offset",
        "2000",
    )


def test_bundled_vpsx_next_to_webconnect_follows_the_documents_9443() -> None:
    dep = deployment(
        [{"name": "print1", "os": "windows", "roles": ["lrs-vpsx:vpsx", "lrs-vpsx:webconnect"]}],
        [{"product": "lrs-vpsx", "features": ["dsr"]}],
    )
    (conflict,) = find_conflicts(dep, catalog_products())
    assert (conflict.protocol, str(conflict.ports)) == ("tcp", "443")
    assert (conflict.fix.kind, conflict.fix.value) == ("vendor-advice", "9443")
    assert conflict.roles[0] == "lrs-vpsx:vpsx"


def test_bundled_dis_next_to_a_rem_hazelcast_member() -> None:
    dep = deployment(
        [{"name": "app1", "os": "linux", "roles": ["lrs-vpsx:dis", "moderro-rem:rem-server"]}],
        [{"product": "lrs-vpsx"}, {"product": "moderro-rem", "features": ["ha"]}],
    )
    same = [c for c in find_conflicts(dep, catalog_products()) if c.kind == "same-port"]
    assert [(c.protocol, str(c.ports), c.fix.kind, c.fix.value) for c in same] == [
        ("tcp", "5701", "free-port", "5702")
    ]


# --------------------------------------------------------------------------- the examples

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def example_conflicts(path: Path) -> tuple[Conflict, ...]:
    catalog, loaded = pipeline.load(path)
    return find_conflicts(loaded, catalog.products)


def modified_example(tmp_path: Path, name: str, change: Callable[[dict[str, Any]], None]) -> Path:
    data = yaml.safe_load((EXAMPLES / name).read_text())
    change(data)
    path = tmp_path / "deployment.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_lucs_example_tm_at_2000_has_no_shared_port(tmp_path: Path) -> None:
    found = example_conflicts(EXAMPLES / "luware-lucs/deployment.yaml")
    assert [c for c in found if c.kind != "default-variable"] == []
    # What remains: the Skype for Business media range inside Windows' ephemeral range,
    # once per Windows host that listens on it and per protocol, all fixed by one setting.
    assert {(c.protocol, str(c.ports), c.fix.variable, c.fix.value) for c in found} == {
        ("tcp", "49152-57500", "media_ports", "40803-49151"),
        ("udp", "49152-57500", "media_ports", "40803-49151"),
    }

    def drop_offset(data: dict[str, Any]) -> None:
        for use in data["products"]:
            use.pop("variables", None)

    without = example_conflicts(
        modified_example(tmp_path, "luware-lucs/deployment.yaml", drop_offset)
    )
    same = {c.host: c for c in without if c.kind == "same-port"}
    # The LUCS servers, and the front-end pools where each instance's SMD answers on 19433.
    assert set(same) == {"lucs01", "lucs02", "fe01", "fe02"}
    for host in ("lucs01", "lucs02"):
        assert same[host].roles == ("luware-lucs:lucs-server", "luware-lucs@tm:lucs-server")
        assert {4443, 4444, 19400, 19412, 19413} <= set(same[host].ports.ports())
        flows = {f"{x.product}/{x.flow}" for x in same[host].listeners}
        assert {"luware-lucs/agent-web-api", "luware-lucs@tm/agent-web-api"} <= flows
    assert str(same["fe01"].ports) == "19433"
    for conflict in same.values():
        assert (conflict.fix.kind, conflict.fix.product, conflict.fix.value) == (
            "instance-offset",
            "luware-lucs@tm",
            "2000",
        )


def test_lrs_example_with_webconnect_on_the_vpsx_server(tmp_path: Path) -> None:
    assert example_conflicts(EXAMPLES / "lrs-vpsx/deployment.yaml") == ()

    def co_locate(data: dict[str, Any]) -> None:
        vpsx = next(h for h in data["hosts"] if "lrs-vpsx:vpsx" in h["roles"])
        for host in data["hosts"]:
            if "lrs-vpsx:webconnect" in host["roles"] and host is not vpsx:
                host["roles"].remove("lrs-vpsx:webconnect")
        vpsx["roles"].append("lrs-vpsx:webconnect")
        for use in data["products"]:
            if use["product"] == "lrs-vpsx" and "dsr" not in use.setdefault("features", []):
                use["features"].append("dsr")

    found = example_conflicts(modified_example(tmp_path, "lrs-vpsx/deployment.yaml", co_locate))
    (conflict,) = [c for c in found if c.kind == "same-port"]
    assert (conflict.protocol, str(conflict.ports)) == ("tcp", "443")
    assert (conflict.fix.kind, conflict.fix.value) == ("vendor-advice", "9443")


def test_rem_example_iem_listens_inside_linux_ephemeral_range() -> None:
    (conflict,) = example_conflicts(EXAMPLES / "moderro-rem/deployment.yaml")
    assert (conflict.host, conflict.kind, conflict.protocol, str(conflict.ports)) == (
        "iem01",
        "ephemeral",
        "tcp",
        "36680",
    )
    assert str(conflict.ephemeral) == "32768-60999"
    assert conflict.fix.kind == "reserve-ports"
    assert "sysctl -w net.ipv4.ip_local_reserved_ports=36680" in conflict.fix.text


@pytest.mark.parametrize(
    "name", ["papercut-hive/local.yaml", "papercut-hive/mesh.yaml", "lexmark-mve/deployment.yaml"]
)
def test_examples_without_conflicts(name: str) -> None:
    # PaperCut's Melbourne PC is an edge node and a super node ("A local edge node that ..."):
    # one program, so 9264-9265 is one listener, not two.
    assert example_conflicts(EXAMPLES / name) == ()


def test_a_role_that_is_a_kind_of_another_shares_its_ports() -> None:
    hive = product(
        "hive",
        ["client", "edge", "super"],
        [
            {"id": "a", "from": "client", "to": "edge", "services": ["tcp/9264"]},
            {"id": "b", "from": "client", "to": "super", "services": ["tcp/9264"]},
        ],
    )
    data = hive.model_dump(by_alias=True)
    data["roles"][1]["name"] = "Edge node"
    data["roles"][2]["description"] = "A local edge node that also takes jobs from phones."
    both = deployment(
        [{"name": "pc1", "roles": ["hive:edge", "hive:super"]}], [{"product": "hive"}]
    )
    assert find_conflicts(both, {"hive": Product.model_validate(data)}) == ()
    assert len(find_conflicts(both, {"hive": hive})) == 1  # without the description: flagged

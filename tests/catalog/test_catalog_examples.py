"""The example deployments: valid files, real roles, and the behaviour each one shows off."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

import pytest
import yaml

from portplan.catalog import load_catalog
from portplan.catalog.loader import Catalog
from portplan.deployment import load_deployment
from portplan.errors import ResolutionError
from portplan.flows.resolve import resolve_flows
from portplan.model.concrete import Resolution
from portplan.model.deployment import Deployment, split_binding
from portplan.yamlio import load_yaml, validate_model
from tests.conftest import DOCUMENTED_EXAMPLES, EXAMPLES, example_deployments


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def resolve(path: Path, catalog: Catalog) -> tuple[Deployment, Resolution]:
    deployment = load_deployment(path, catalog)
    return deployment, resolve_flows(deployment, catalog)


def test_the_required_examples_exist() -> None:
    found = {str(p.relative_to(EXAMPLES)) for p in example_deployments()}
    assert set(DOCUMENTED_EXAMPLES) <= found


@pytest.mark.parametrize("path", example_deployments(), ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_example_is_a_valid_deployment_of_real_roles(path: Path, catalog: Catalog) -> None:
    data, source = load_yaml(path)
    deployment = validate_model(Deployment, data, source)
    for host in deployment.hosts:
        assert host.labels, f"{host.name} has no labels (Kubernetes selectors use them)"
    for binding in [b for h in deployment.hosts for b in h.roles] + [
        b for e in deployment.externals for b in e.roles
    ]:
        product_id, _, role = split_binding(binding)
        assert role in {r.id for r in catalog.get(product_id).roles}, binding

    # The full check against the catalog, and resolution, succeed too.
    deployment, resolution = resolve(path, catalog)
    assert resolution.flows


@pytest.mark.parametrize("path", example_deployments(), ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_example_has_what_later_stages_need(path: Path) -> None:
    """Network and host firewalls, Windows hosts, IPv4 and IPv6, private or documentation
    addresses only, and small enough for a namespace lab."""
    deployment = validate_model(Deployment, *load_yaml(path))
    kinds = {(f.kind, f.platform) for f in deployment.firewalls}
    assert ("network", "nftables") in kinds
    host_firewalled = {h for f in deployment.firewalls if f.kind == "host" for h in f.hosts}
    linux = {h.name for h in deployment.hosts if h.os == "linux"}
    assert host_firewalled & linux, "no Linux host has a host firewall"
    assert any(h.os == "windows" for h in deployment.hosts)
    assert len(deployment.hosts) <= 20

    addresses = [a for h in deployment.hosts for a in h.addresses]
    assert {a.version for a in addresses} == {4, 6}
    private = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fd00::/8")]
    for address in addresses:
        assert any(address in net for net in private), address
    # Externals stand for other networks: documentation prefixes (RFC 5737, RFC 3849) or
    # private space, never a real address — the lab builds them inside namespaces.
    allowed = ["198.51.100.0/24", "2001:db8::/32", "10.0.0.0/8"]
    for external in deployment.externals:
        for cidr in external.cidrs:
            assert any(
                cidr.version == net.version and cidr.subnet_of(net)
                for net in map(ipaddress.ip_network, allowed)
            ), f"{external.name}: {cidr}"


def test_papercut_scenarios_differ_in_cross_site_edge_traffic(catalog: Catalog) -> None:
    _, mesh = resolve(EXAMPLES / "papercut-hive/mesh.yaml", catalog)
    _, local = resolve(EXAMPLES / "papercut-hive/local.yaml", catalog)

    def cross_site(resolution: Resolution, flow_id: str) -> list[tuple[str, str]]:
        return [
            (f.source.name, f.destination.name)
            for f in resolution.flows
            if f.flow == flow_id and f.source.site != f.destination.site
        ]

    # Scenario 1: edge nodes replicate jobs across the VPN, Portland↔Bracknell via Melbourne.
    across = cross_site(mesh, "edge-node-replication")
    assert ("pdx-pc01", "bra-pc01") in across
    hops = next(
        f.path
        for f in mesh.flows
        if (f.source.name, f.destination.name) == ("pdx-pc01", "bra-pc01")
    )
    assert [h.point for h in hops if h.kind == "network"] == [
        "fw-portland",
        "fw-melbourne",
        "fw-bracknell",
    ]
    # Scenario 2: none of it crosses sites, but the cloud node still reaches every edge node.
    for flow_id in ("edge-node-replication", "client-edge-node", "edge-node-printer-ipp"):
        assert cross_site(local, flow_id) == []
        assert any(f.flow == flow_id for f in local.flows)
    cloud = {f.destination.site for f in local.flows if f.flow == "cloud-node-edge-node-release"}
    assert cloud == {"melbourne", "portland", "bracknell"}
    assert len(local.flows) < len(mesh.flows)


def test_lucs_tm_instance_listens_2000_higher(catalog: Catalog) -> None:
    _, resolution = resolve(EXAMPLES / "luware-lucs/deployment.yaml", catalog)

    def ports(product: str, flow_id: str) -> set[int]:
        return {
            port
            for f in resolution.flows
            if f.product == product and f.flow == flow_id
            for service in f.services
            for port in service.ports.ports()
        }

    assert ports("luware-lucs", "lucs-ps-peer") == {19400}
    assert ports("luware-lucs@tm", "lucs-ps-peer") == {21400}
    assert ports("luware-lucs@tm", "front-end-trusted-applications") == {
        p + 2000 for p in (6000, 6100, 6200, 6300, 7000, 7100, 7200, 7300, 7400)
    }
    # Ports that are not LUCS's own do not move.
    assert ports("luware-lucs@tm", "lucs-sql") == {1433}
    assert ports("luware-lucs@tm", "agent-front-end") == {443}


def test_moderro_content_server_port_must_be_set(catalog: Catalog, tmp_path: Path) -> None:
    path = EXAMPLES / "moderro-rem/deployment.yaml"
    _, resolution = resolve(path, catalog)
    content = [f for f in resolution.flows if f.flow == "reic-content-server"]
    assert content and all(str(s) == "tcp/443" for f in content for s in f.services)

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["products"][0]["variables"]["content_server_port"]
    unset = tmp_path / "deployment.yaml"
    unset.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ResolutionError, match="content_server_port"):
        resolve(unset, catalog)


def test_the_format_snippets_in_the_docs_are_valid(catalog: Catalog, tmp_path: Path) -> None:
    """docs/catalog.md shows a product and a deployment; both must load as written."""
    from portplan.catalog import load_product_file

    text = (EXAMPLES.parent / "docs" / "catalog.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)
    product_text, deployment_text = blocks
    (tmp_path / "product.yaml").write_text(product_text, encoding="utf-8")
    product = load_product_file(tmp_path / "product.yaml")
    assert product.id == "luware-lucs"
    (tmp_path / "deployment.yaml").write_text(deployment_text, encoding="utf-8")
    deployment = load_deployment(tmp_path / "deployment.yaml", catalog)
    assert resolve_flows(deployment, catalog).flows

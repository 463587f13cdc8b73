"""Resolution of small deployments: features, variables, instances, constraints and paths."""

from __future__ import annotations

import pytest

from portplan.catalog import Catalog
from portplan.errors import ResolutionError
from portplan.flows import resolve_flows
from portplan.model.concrete import ConcreteFlow, Resolution
from portplan.model.service import format_services
from tests.plan.plan_fixtures import DeploymentFactory


def by_id(resolution: Resolution) -> dict[str, ConcreteFlow]:
    return {f.id: f for f in resolution.flows}


def path_of(flow: ConcreteFlow) -> list[tuple[str, str]]:
    return [(hop.point, hop.kind) for hop in flow.path]


def test_unconditional_flows_resolve_between_bound_hosts(
    make_deployment: DeploymentFactory, catalog: Catalog
) -> None:
    flows = by_id(resolve_flows(make_deployment(), catalog))
    submit = flows["acme-print/submit/pc1->print1"]
    assert format_services(submit.services) == ["tcp/443,9100"]
    assert [str(a) for a in submit.source.addresses] == ["10.0.2.5/32", "2001:db8:2::5/128"]
    assert submit.source.role == "acme-print:client"
    assert (submit.destination.zone, submit.destination.site) == ("hq-servers", "hq")
    assert submit.evidence is not None and submit.evidence.line == 12
    assert flows["acme-print/database/print1->sql1"].services[0].ports.ranges[0].low == 1433


def test_feature_switches_flows_on_and_default_features_off(
    make_deployment: DeploymentFactory, catalog: Catalog
) -> None:
    plain = by_id(resolve_flows(make_deployment(), catalog))
    assert "acme-print/mobile-in/pc1->print1" not in plain
    assert "acme-print/audit-log/print1->sql1" in plain  # audit is on by default

    tuned = make_deployment(
        {
            "  - product: acme-print\n": "  - product: acme-print\n    features: [mobile]\n"
            "    features_off: [audit]\n"
        }
    )
    flows = by_id(resolve_flows(tuned, catalog))
    assert flows["acme-print/mobile-in/pc1->print1"].feature == "mobile"
    assert "acme-print/audit-log/print1->sql1" not in flows


def test_optional_flows_only_when_asked(
    make_deployment: DeploymentFactory, catalog: Catalog
) -> None:
    assert not [f for f in resolve_flows(make_deployment(), catalog).flows if f.flow == "ping"]
    deployment = make_deployment(
        {"  - product: acme-print\n": "  - product: acme-print\n    optional: true\n"}
    )
    (ping,) = [f for f in resolve_flows(deployment, catalog).flows if f.flow == "ping"]
    assert ping.optional and format_services(ping.services) == ["icmp/echo-request"]
    assert (ping.source.name, ping.destination.name) == ("print1", "prn-east")


def test_inactive_flows_are_summarised_in_a_notice(
    make_deployment: DeploymentFactory, catalog: Catalog
) -> None:
    notices = resolve_flows(make_deployment(), catalog).notices
    assert any("3 flow(s) not in use" in n and "content, mobile" in n for n in notices)


def test_variable_values_replace_defaults(
    make_deployment: DeploymentFactory, catalog: Catalog
) -> None:
    deployment = make_deployment(
        {
            "  - product: acme-print\n": "  - product: acme-print\n    features: [content]\n"
            "    variables: {db_port: 11433, content_port: '8080,8443'}\n"
        }
    )
    flows = by_id(resolve_flows(deployment, catalog))
    assert format_services(flows["acme-print/database/print1->sql1"].services) == ["tcp/11433"]
    assert format_services(flows["acme-print/content/print1->sql1"].services) == ["tcp/8080,8443"]


def test_second_instance_shifts_ports_by_its_offset(
    make_deployment: DeploymentFactory, catalog: Catalog
) -> None:
    deployment = make_deployment(
        {
            '"acme-print:server", "acme-print:db"': '"acme-print:server", "acme-print:db", '
            '"acme-print@tm:server"',
            '"acme-print:client", "acme-print:edge"': '"acme-print:client", "acme-print:edge", '
            '"acme-print@tm:client"',
        },
        append="  - product: acme-print\n    instance: tm\n"
        "    variables: {instance_offset: 2000}\n",
    )
    resolution = resolve_flows(deployment, catalog)
    flows = by_id(resolution)
    assert format_services(flows["acme-print/submit/pc1->print1"].services) == ["tcp/443,9100"]
    shifted = flows["acme-print@tm/submit/pc1->print1"]
    assert format_services(shifted.services) == ["tcp/2443,11100"]
    assert shifted.product == "acme-print@tm"
    assert shifted.source.role == "acme-print@tm:client"
    # the tm instance binds only client and server: its other flows are unbound, not dropped
    tm_unbound = {(u.flow, u.role) for u in resolution.unbound if u.product == "acme-print@tm"}
    assert ("deliver", "acme-print@tm:printer") in tm_unbound
    assert ("deliver", "acme-print@tm:server") not in tm_unbound


def test_same_site_constraint_keeps_pairs_inside_each_site(
    make_deployment: DeploymentFactory, catalog: Catalog
) -> None:
    extra_edge = """\
  - name: edge-east
    zone: east-lan
    addresses: [10.1.0.8]
    roles: ["acme-print:edge"]
externals:
"""
    free = resolve_flows(make_deployment({"externals:\n": extra_edge}), catalog)
    local = resolve_flows(
        make_deployment(
            {"externals:\n": extra_edge},
            append="constraints:\n  - {kind: same-site, product: acme-print, roles: [edge]}\n",
        ),
        catalog,
    )
    free_mesh = {f.id for f in free.flows if f.flow == "mesh"}
    local_mesh = {f.id for f in local.flows if f.flow == "mesh"}
    assert local_mesh == {
        "acme-print/mesh/prn-east->edge-east",
        "acme-print/mesh/edge-east->prn-east",
    }
    assert local_mesh < free_mesh
    assert "acme-print/mesh/pc1->edge-west" in free_mesh
    assert any("same-site constraint left out 10 cross-site pair(s)" in n for n in local.notices)
    # the constraint names only edge: edge → cloud is untouched
    assert {f.id for f in free.flows if f.flow == "cloud"} == {
        f.id for f in local.flows if f.flow == "cloud"
    }


def test_hub_and_spoke_routes_spoke_to_spoke_through_the_hub_firewall(
    make_deployment: DeploymentFactory, catalog: Catalog
) -> None:
    flows = by_id(resolve_flows(make_deployment(), catalog))
    assert path_of(flows["acme-print/mesh/prn-east->edge-west"]) == [
        ("east-edge", "network"),
        ("hq-edge", "network"),
        ("west-edge", "network"),
    ]
    meshed = make_deployment({"topology: hub-and-spoke, hub: hq": "topology: mesh"})
    flows = by_id(resolve_flows(meshed, catalog))
    assert path_of(flows["acme-print/mesh/prn-east->edge-west"]) == [
        ("east-edge", "network"),
        ("west-edge", "network"),
    ]


def test_path_has_host_firewalls_zone_firewalls_and_site_edges_in_order(
    make_deployment: DeploymentFactory, catalog: Catalog
) -> None:
    flows = by_id(resolve_flows(make_deployment(), catalog))
    assert path_of(flows["acme-print/mesh/prn-east->pc1"]) == [
        ("east-edge", "network"),
        ("hq-edge", "network"),
        ("core", "network"),
        ("windows-fw", "host-ingress"),
    ]
    submit = flows["acme-print/submit/pc1->print1"]  # same site, zones differ: core only
    assert path_of(submit) == [
        ("windows-fw", "host-egress"),
        ("core", "network"),
        ("windows-fw", "host-ingress"),
    ]
    assert submit.path[1].platform == "aerleon:juniper"
    # same zone: no network firewall; sql1 has no host firewall (not listed in its hosts)
    assert path_of(flows["acme-print/database/print1->sql1"]) == [("windows-fw", "host-egress")]


def test_host_firewall_without_hosts_covers_every_host(
    make_deployment: DeploymentFactory, catalog: Catalog
) -> None:
    # Every host: each needs an os, and a platform that runs on all of them (a cloud group).
    deployment = make_deployment(
        {
            "platform: windows, hosts: [print1, pc1]}": "platform: aws}",
            "addresses: [10.0.1.20]": "addresses: [10.0.1.20]\n    os: linux",
            "addresses: [10.2.0.7]": "addresses: [10.2.0.7]\n    os: linux",
        }
    )
    flows = by_id(resolve_flows(deployment, catalog))
    assert path_of(flows["acme-print/database/print1->sql1"]) == [
        ("windows-fw", "host-egress"),
        ("windows-fw", "host-ingress"),
    ]
    assert ("windows-fw", "host-egress") in path_of(flows["acme-print/cloud/edge-west->acme-cloud"])


def test_externals_without_a_site_are_reached_through_the_source_site_edge(
    make_deployment: DeploymentFactory, catalog: Catalog
) -> None:
    flows = by_id(resolve_flows(make_deployment(), catalog))
    cloud = flows["acme-print/cloud/prn-east->acme-cloud"]
    assert path_of(cloud) == [("east-edge", "network")]
    assert [str(a) for a in cloud.destination.addresses] == ["203.0.113.0/24"]
    assert cloud.destination.fqdn == "cloud.acme.example"
    assert path_of(flows["acme-print/cloud/pc1->acme-cloud"]) == [
        ("windows-fw", "host-egress"),
        ("core", "network"),
        ("hq-edge", "network"),
    ]


def test_a_host_playing_both_ends_is_a_notice_not_a_flow(
    make_deployment: DeploymentFactory, catalog: Catalog
) -> None:
    resolution = resolve_flows(make_deployment(), catalog)
    assert "acme-print/database/print1->print1" not in by_id(resolution)
    assert any(
        n.startswith("acme-print/database: both ends on one host (print1)")
        for n in resolution.notices
    )


def test_sites_without_a_link_are_unbound_not_dropped(
    make_deployment: DeploymentFactory, catalog: Catalog
) -> None:
    deployment = make_deployment(
        {"sites: [hq, east, west], topology: hub-and-spoke, hub: hq}": "sites: [hq, east]}"}
    )
    resolution = resolve_flows(deployment, catalog)
    reasons = [u.reason for u in resolution.unbound if u.flow == "mesh"]
    assert any(r.startswith("no link between sites east and west") for r in reasons)
    assert any(r.startswith("no link between sites hq and west") for r in reasons)
    assert "acme-print/mesh/pc1->prn-east" in by_id(resolution)
    # the internet is still reachable from the isolated site
    assert "acme-print/cloud/edge-west->acme-cloud" in by_id(resolution)
    with pytest.raises(ResolutionError, match="no link between sites"):
        resolve_flows(deployment, catalog, strict=True)


def test_unbound_role_is_a_warning_and_strict_makes_it_an_error(
    make_deployment: DeploymentFactory, catalog: Catalog
) -> None:
    deployment = make_deployment(
        {'["acme-print:printer", "acme-print:edge"]': '["acme-print:edge"]'}
    )
    resolution = resolve_flows(deployment, catalog)
    assert [(u.flow, u.role) for u in resolution.unbound] == [("deliver", "acme-print:printer")]
    assert "no host or external plays role 'acme-print:printer'" in resolution.unbound[0].reason
    assert not [f for f in resolution.flows if f.flow == "deliver"]
    with pytest.raises(ResolutionError) as info:
        resolve_flows(deployment, catalog, strict=True)
    assert "acme-print/deliver" in str(info.value)
    assert str(info.value).startswith(str(deployment.source.file))  # type: ignore[union-attr]


def test_missing_variable_value_names_the_variable_and_where_to_set_it(
    make_deployment: DeploymentFactory, catalog: Catalog
) -> None:
    deployment = make_deployment(
        {"  - product: acme-print\n": "  - product: acme-print\n    features: [content]\n"}
    )
    with pytest.raises(ResolutionError) as info:
        resolve_flows(deployment, catalog)
    message = str(info.value)
    assert "content_port" in message and "variables" in message
    line = deployment.locate(("products", 0))[1]
    assert f"deployment.yaml:{line}:" in message


def test_missing_value_of_an_unbound_flow_is_not_an_error(
    make_deployment: DeploymentFactory, catalog: Catalog
) -> None:
    deployment = make_deployment(
        {
            "  - product: acme-print\n": "  - product: acme-print\n    features: [content]\n",
            '"acme-print:server", "acme-print:db"': '"acme-print:server"',
            '[10.0.1.20]\n    roles: ["acme-print:db"]\n': "[10.0.1.20]\n",
        }
    )
    resolution = resolve_flows(deployment, catalog)
    assert ("content", "acme-print:db") in {(u.flow, u.role) for u in resolution.unbound}


def test_resolution_is_deterministic_and_leaves_the_deployment_alone(
    make_deployment: DeploymentFactory, catalog: Catalog
) -> None:
    deployment = make_deployment()
    before = deployment.model_dump()
    first = resolve_flows(deployment, catalog)
    second = resolve_flows(deployment, catalog)
    assert first == second
    assert deployment.model_dump() == before
    # file order: products, then product flows, then hosts as listed
    order = [f.flow for f in first.flows]
    assert order == sorted(
        order, key=["submit", "deliver", "database", "audit-log", "cloud", "mesh"].index
    )
    assert [f.source.name for f in first.flows if f.flow == "cloud"] == [
        "pc1",
        "prn-east",
        "edge-west",
    ]


def test_routes_chain_several_links(make_deployment: DeploymentFactory, catalog: Catalog) -> None:
    deployment = make_deployment(
        {
            "  - {name: vpn, sites: [hq, east, west], topology: hub-and-spoke, hub: hq}\n": (
                "  - {name: wan-east, kind: wan, sites: [east, hq]}\n"
                "  - {name: wan-west, kind: wan, sites: [hq, west]}\n"
            )
        }
    )
    flows = by_id(resolve_flows(deployment, catalog))
    assert path_of(flows["acme-print/mesh/edge-west->prn-east"]) == [
        ("west-edge", "network"),
        ("hq-edge", "network"),
        ("east-edge", "network"),
    ]


def test_an_external_with_a_site_is_reached_over_the_links(
    make_deployment: DeploymentFactory, catalog: Catalog
) -> None:
    deployment = make_deployment(
        {"    fqdn: cloud.acme.example\n": "    fqdn: cloud.acme.example\n    site: west\n"}
    )
    flows = by_id(resolve_flows(deployment, catalog))
    assert path_of(flows["acme-print/cloud/prn-east->acme-cloud"]) == [
        ("east-edge", "network"),
        ("hq-edge", "network"),
        ("west-edge", "network"),
    ]
    # from its own site it crosses no site edge
    assert path_of(flows["acme-print/cloud/edge-west->acme-cloud"]) == []

"""Protocols with their own rules: FTP's data connections and discovery by multicast.

The FTP case is proven with real transfers (the standard library's ftplib against a small
RFC 959 server) through a router loaded with the compiled ruleset: passive and active both
pass with the ruleset as compiled, and both fail once its FTP helper is taken out — so the
helper, not an open port, is what carries the data connections.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from portplan import pipeline
from portplan.cli.main import cli
from portplan.errors import PortplanError
from portplan.verify.netns import NetnsGroup
from tests.conftest import EXAMPLES
from tests.safety.conftest import write_plan_files
from tests.safety.kernel import router

HERE = Path(__file__).parent
LEXMARK = EXAMPLES / "lexmark-mve" / "deployment.yaml"

PRODUCT = """\
id: files
name: Files
roles:
  - {id: client, name: Client}
  - {id: server, name: FTP server}
  - {id: finder, name: Discovery client}
  - {id: device, name: Device}
flows:
  - {id: ftp, from: client, to: server, services: [tcp/21], purpose: Transfer files,
     application: ftp}
  - {id: find, from: finder, to: device, services: [udp/5353], purpose: Find devices,
     discovery: multicast}
"""

DEPLOYMENT = """\
name: files
sites: [{name: hq}]
zones:
  - {name: users, site: hq, cidrs: [10.70.1.0/24]}
  - {name: servers, site: hq, cidrs: [10.70.2.0/24]}
hosts:
  - {name: c1, zone: users, os: linux, addresses: [10.70.1.10], roles: ["files:client"]}
  - {name: s1, zone: servers, os: linux, addresses: [10.70.2.10],
     roles: ["files:server", "files:finder"]}
  - {name: d1, zone: servers, os: linux, addresses: [10.70.2.20], roles: ["files:device"]}
  - {name: d2, zone: users, os: linux, addresses: [10.70.1.20], roles: ["files:device"]}
firewalls:
  - {name: fw, kind: network, zones: [users, servers]}
  - {name: hosts, kind: host, hosts: [s1, d1]}
management: {admins: [10.70.9.0/24]}
products:
  - product: files
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    return write_plan_files(tmp_path, PRODUCT, DEPLOYMENT)


def artifacts(files: tuple[Path, Path], target: str | None = None) -> dict[str, str]:
    path, catalog = files
    _, _, compiled = pipeline.compile(path, target, catalog_dirs=[catalog])
    return {a.path: str(a.content) for a in compiled}


def test_ftp_resolves_to_control_and_data_in_the_right_directions(
    files: tuple[Path, Path],
) -> None:
    path, catalog = files
    _, resolution = pipeline.plan(path, [catalog])
    ftp = {f.flow: f for f in resolution.flows if f.flow.startswith("ftp")}
    assert set(ftp) == {"ftp", "ftp.passive-data", "ftp.active-data"}
    assert ftp["ftp"].application == "ftp"
    passive, active = ftp["ftp.passive-data"], ftp["ftp.active-data"]
    assert (passive.source.name, passive.destination.name) == ("c1", "s1")
    assert (active.source.name, active.destination.name) == ("s1", "c1")  # RFC 959: back
    assert str(passive.services[0]) == "tcp/32768-60999"  # the server's ephemeral ports
    assert str(active.services[0]) == "tcp/32768-60999"  # the client's
    assert [h.point for h in active.path] == ["hosts", "fw"]


def test_linux_targets_attach_the_helper_and_open_no_data_port(files: tuple[Path, Path]) -> None:
    nft = artifacts(files)
    assert 'ct helper ftp {\n\t\ttype "ftp" protocol tcp' in nft["fw.nft"]
    assert 'tcp dport @forward_ftp4 ct helper set "ftp"' in nft["fw.nft"]
    assert "32768-60999" not in nft["fw.nft"]
    assert 'ct helper set "ftp"' in nft["hosts-s1.nft"]  # the server's input
    iptables = artifacts(files, "iptables")
    assert "-j CT --helper ftp" in iptables["fw.rules.v4"]
    assert "32768:60999" not in iptables["fw.rules.v4"]
    # A platform without the kernel's helper opens the data ports it needs, in its direction.
    aws = artifacts(files, "aws")
    assert "32768" in next(text for name, text in aws.items() if name.endswith(".json"))


def test_the_lexmark_ftp_data_port_is_no_connection_to_port_20() -> None:
    _, resolution = pipeline.plan(LEXMARK)
    to_printer_20 = [
        f
        for f in resolution.flows
        if f.destination.name.startswith("prn")
        and any(20 in s.ports for s in f.services if s.protocol == "tcp")
    ]
    assert to_printer_20 == []
    active = [f for f in resolution.flows if f.flow == "mve-printer-ftp.active-data"]
    assert active and all(f.source.name.startswith("prn") for f in active)


@pytest.mark.parametrize("mode", ["passive", "active"])
def test_ftp_transfers_pass_through_the_compiled_router(
    netns: NetnsGroup, files: tuple[Path, Path], mode: str
) -> None:
    text = artifacts(files)["fw.nft"]
    assert fetch(netns, text, mode).startswith("ok"), "the compiled ruleset blocks FTP"


@pytest.mark.parametrize("mode", ["passive", "active"])
def test_without_the_helper_the_data_connection_is_blocked(
    netns: NetnsGroup, files: tuple[Path, Path], mode: str
) -> None:
    text = artifacts(files)["fw.nft"]
    stripped = "\n".join(line for line in text.splitlines() if "ct helper set" not in line)
    assert fetch(netns, stripped, mode).startswith("failed")


def fetch(group: NetnsGroup, ruleset: str, mode: str) -> str:
    net = router(group, ("10.70.1.10", "10.70.1.0/24"), ("10.70.2.10", "10.70.2.0/24"))
    net["router"].load_nft(ruleset)
    server = net["server"].popen(sys.executable, str(HERE / "ftp_peer.py"), "serve", "10.70.2.10")
    assert server.stdout is not None and server.stdout.readline().strip() == b"ready"
    result = net["client"].run(
        sys.executable, str(HERE / "ftp_peer.py"), "fetch", "10.70.2.10", mode, timeout=60
    )
    return result.stdout.strip()


def test_discovery_stays_in_its_segment_and_is_flagged_across_a_router(
    files: tuple[Path, Path],
) -> None:
    path, catalog = files
    _, resolution = pipeline.plan(path, [catalog])
    found = [f for f in resolution.flows if f.flow == "find"]
    assert [(f.source.name, f.destination.name) for f in found] == [("s1", "d1")]
    assert [str(a) for a in found[0].destination.addresses] == ["224.0.0.251/32", "ff02::fb/128"]
    assert found[0].discovery == "multicast"
    (warning,) = [w for w in resolution.warnings if "files/find" in w]
    assert "s1→d2" in warning and "router (fw)" in warning and "relay" in warning
    assert "224.0.0.251 . udp . 5353" in artifacts(files)["hosts-d1.nft"]
    report = CliRunner().invoke(cli, ["--catalog", str(catalog), "report", str(path)])
    assert "## Warnings" in report.stdout and "files/find: multicast discovery" in report.stdout


@pytest.mark.parametrize(
    ("flow", "message"),
    [
        ("{services: [tcp/21], ftp_mode: active}", "ftp_mode and passive_ports need application"),
        ("{services: [udp/9999], discovery: multicast}", "no well-known port — name its groups"),
        (
            "{services: [udp/9999], discovery: multicast, groups: [10.0.0.1]}",
            "10.0.0.1 is not a multicast address",
        ),
        ("{services: [udp/137], groups: [239.1.1.1]}", "groups need discovery: multicast"),
    ],
)
def test_protocol_fields_are_checked_with_the_line(tmp_path: Path, flow: str, message: str) -> None:
    product = tmp_path / "p.yaml"
    product.write_text(
        "id: p\nname: P\nroles: [{id: a, name: A}]\nflows:\n"
        f"  - {{id: f, from: a, to: a, purpose: x, {flow[1:]}\n"
    )
    with pytest.raises(PortplanError) as info:
        pipeline.load_product(product)
    assert info.value.line == 5 and message in info.value.message

"""The fleet's pure parts: the generated inventory, mapping a user's inventory (read by the
real ansible-inventory), the agent zipapp (Python 3.9 syntax, standard library only) and the
far-end UDP verdicts; plus the arrival watch in two namespaces with Linux's default ICMP rate
limit (root)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from portplan.cli.main import cli
from portplan.fleet.agent import MINIMUM_PYTHON, agent_sources, build_agent
from portplan.pipeline import fleet_hosts, fleet_inventory
from portplan.verify.agent import format_spec
from portplan.verify.netns import NetnsGroup
from portplan.verify.probe import ProbeResult, ProbeTarget, far_end
from tests.conftest import EXAMPLES, require_kernel
from tests.fleet.testbed import DEFAULT_ICMP

MESH = EXAMPLES / "papercut-hive" / "mesh.yaml"
STDLIB = set(sys.stdlib_module_names) | {"portplan"}


def test_inventory_lists_every_host_with_groups_and_duties() -> None:
    data = fleet_inventory(MESH)
    hosts = data["all"]["hosts"]
    assert len(hosts) == 10
    pc = hosts["mel-pc01"]
    assert pc["ansible_host"] == "10.30.1.11"
    assert pc["portplan_addresses"] == ["10.30.1.11", "fd00:30:1::11"]
    assert "tcp/9263" in pc["portplan_listen"]
    assert any(f.endswith("mel-pc01->mel-mfd01") for f in pc["portplan_flows_out"])
    groups = data["all"]["children"]
    assert set(groups["site_melbourne"]["hosts"]) == {
        "mel-pc01",
        "mel-mac02",
        "mel-phone01",
        "mel-mfd01",
    }
    assert set(groups["firewall_edge_node_firewall"]["hosts"]) == {
        "mel-pc01",
        "pdx-pc01",
        "bra-pc01",
    }
    assert "zone_pdx_users" in groups and "role_papercut_hive_edge_node" in groups


def test_inventory_command_writes_yaml_ansible_reads(tmp_path: Path) -> None:
    out = tmp_path / "inventory.yml"
    result = CliRunner().invoke(cli, ["fleet", "inventory", str(MESH), "-o", str(out)])
    assert result.exit_code == 0, result.output
    _, _, hosts, notices = fleet_hosts(MESH, out)
    assert len(hosts) == 10 and notices == []
    assert hosts["bra-mfd01"].inventory_name == "bra-mfd01"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hosts.ini"
    path.write_text(text)
    return path


def test_a_users_inventory_maps_by_name_or_address(tmp_path: Path) -> None:
    lines = ["[all]"]
    data = fleet_inventory(MESH)["all"]["hosts"]
    for index, (name, host) in enumerate(data.items()):
        # Half by name, half by address under a name of the user's own.
        lines.append(name if index % 2 else f"box{index} ansible_host={host['ansible_host']}")
    lines.append("unrelated ansible_host=192.0.2.200")
    _, _, hosts, notices = fleet_hosts(MESH, write(tmp_path, "\n".join(lines) + "\n"))
    assert hosts["mel-pc01"].inventory_name == "box0"
    assert hosts["mel-mac02"].inventory_name == "mel-mac02"
    assert any("unrelated" in n for n in notices)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("mel-pc01\n", "deployment host 'mel-mac02' is not in the inventory"),
        (
            "mel-pc01 ansible_host=10.30.1.12\n",
            "points at 10.30.1.12, an address of host 'mel-mac02'",
        ),
        (
            "a ansible_host=10.30.1.11\nb ansible_host=10.30.1.11\n",
            "both stand for deployment host 'mel-pc01'",
        ),
    ],
)
def test_inventory_mismatches_are_one_line_errors_naming_the_host(
    tmp_path: Path, text: str, message: str
) -> None:
    inventory = write(tmp_path, "[all]\n" + text)
    result = CliRunner().invoke(cli, ["fleet", "verify", str(MESH), "-i", str(inventory)])
    assert result.exit_code == 2
    error = result.stderr.strip()
    assert error.count("\n") == 0 and message in error and str(inventory) in error


def test_emit_playbook_writes_what_the_fleet_runs(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["fleet", "verify", str(MESH), "-i", "x", "--emit-playbook", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    play = yaml.safe_load((tmp_path / "verify.yml").read_text())
    names = [t["name"] for t in play[0]["tasks"][0]["block"]] + [
        t["name"] for t in play[0]["tasks"][0]["always"]
    ]
    assert names == [
        "portplan: start listening",
        "portplan: probe",
        "portplan: stop listening",
    ]
    assert (tmp_path / "callback_plugins" / "portplan_events.py").exists()
    for name in ("apply.yml", "confirm.yml", "stop.yml"):
        assert yaml.safe_load((tmp_path / name).read_text())[0]["hosts"] == "all"


def test_agent_is_python_39_and_standard_library_only() -> None:
    for name, text in agent_sources().items():
        tree = ast.parse(text, filename=name, feature_version=MINIMUM_PYTHON)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module.split(".")[0] in STDLIB | {"__future__"}, (name, node.module)
                if node.module.startswith("portplan"):
                    assert f"{node.module.replace('.', '/')}.py" in agent_sources(), node.module
            elif isinstance(node, ast.Import):
                assert all(a.name.split(".")[0] in STDLIB for a in node.names), name
            # zip(strict=...) and the like are 3.10+: keyword checks on the few we know.
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert not (node.func.id == "zip" and node.keywords), name


def test_agent_zipapp_runs_its_probe_without_portplan_installed(tmp_path: Path) -> None:
    agent = tmp_path / "agent.pyz"
    agent.write_bytes(build_agent())
    assert build_agent() == agent.read_bytes()  # reproducible: Ansible copies it only once
    targets = [{"flow": "f", "address": "127.0.0.1", "protocol": "tcp", "port": 1}]
    # -I: isolated, so the portplan in this virtualenv cannot be imported by accident.
    result = subprocess.run(
        [sys.executable, "-I", str(agent), "probe", "--timeout", "0.5"],
        input=json.dumps(targets), capture_output=True, text=True, check=True, cwd=tmp_path,
    )  # fmt: skip
    assert json.loads(result.stdout)[0]["state"] == "NOT LISTENING"


def _result(state: str, port: int = 5000) -> ProbeResult:
    return ProbeResult(ProbeTarget("f", "10.0.0.2", "udp", port), state, "", 1.0, 2)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("prober", "arrived", "holder", "expected"),
    [
        ("LISTENING", False, "", "LISTENING"),  # an answer is proof by itself
        ("FILTERED", True, "closed", "NOT LISTENING"),  # rate-limited ICMP: silence, but it arrived
        ("FILTERED", True, "bound", "LISTENING"),  # another program holds it and did not answer
        ("FILTERED", True, "listener", "FILTERED"),  # arrived, the answer was lost on the way back
        ("FILTERED", False, "", "FILTERED"),
        ("NOT LISTENING", False, "", "FILTERED"),  # an ICMP reject on the way: never arrived
    ],
)
def test_far_end_decides_udp(prober: str, arrived: bool, holder: str, expected: str) -> None:
    seen = {("10.0.0.2", 5000)} if arrived else set()
    holders = {("10.0.0.2", 5000): holder} if holder else {}
    assert far_end(_result(prober), seen, holders).state == expected
    assert far_end(_result(prober), None, {}).state == prober  # no watch: the prober's reading


@pytest.mark.root
def test_listener_watch_gives_every_udp_state_with_the_default_icmp_limit(tmp_path: Path) -> None:
    """300 UDP ports, a third each listening / closed / dropped by nft, from a prober whose peer
    keeps Linux's ICMP rate limit: the far end's view gets every state right."""
    require_kernel()
    ports = list(range(31001, 31301))
    truth = {p: ("LISTENING", "NOT LISTENING", "FILTERED")[i % 3] for i, p in enumerate(ports)}
    with NetnsGroup(prefix="ppt") as group:
        client, server = group.add("wc"), group.add("ws")
        group.veth(client, "c0", server, "s0")
        client.run("ip", "addr", "add", "10.98.0.1/24", "dev", "c0")
        server.run("ip", "addr", "add", "10.98.0.2/24", "dev", "s0")
        server.run("sysctl", "-qw", *DEFAULT_ICMP)
        dropped = ", ".join(str(p) for p, s in truth.items() if s == "FILTERED")
        server.load_nft(
            "table inet t {\n  chain input {\n"
            "    type filter hook input priority 0; policy accept;\n"
            f"    udp dport {{ {dropped} }} drop\n  }}\n}}\n"
        )
        listening = [p for p, s in truth.items() if s == "LISTENING"]
        listener = server.popen(
            sys.executable, "-m", "portplan.verify.agent", "listen", "--watch",
            format_spec({"udp": listening}), "10.98.0.2",
        )  # fmt: skip
        assert listener.stdout is not None
        assert json.loads(listener.stdout.readline())["ready"] == len(listening)
        targets = [vars(ProbeTarget("f", "10.98.0.2", "udp", p)) for p in ports]
        probed = client.run(
            sys.executable, "-m", "portplan.verify.agent", "probe", "--timeout", "0.5",
            input=json.dumps(targets),
        )  # fmt: skip
        listener.terminate()
        arrivals = json.loads(listener.stdout.readline())["arrivals"]
    answers = json.loads(probed.stdout)
    plain = sum(a["state"] == truth[a["target"]["port"]] for a in answers)
    seen = {(a["destination"], a["port"]) for a in arrivals if a["source"] == "10.98.0.1"}
    holders = {(a["destination"], a["port"]): a["holder"] for a in arrivals}
    judged = [
        far_end(
            ProbeResult(ProbeTarget(**a["target"]), a["state"], a["detail"], 0, 1), seen, holders
        )
        for a in answers
    ]
    assert {r.target.port: r.state for r in judged} == truth
    assert plain < len(ports)  # the rate limit really silenced closed ports for the prober

"""A fleet of real SSH hosts in network namespaces, for the fleet tests and bench/fleet.py.

The deployment is built with the lab's own topology code (hosts, switches, firewalls, WAN), the
network firewalls' compiled rules loaded; host namespaces keep Linux's default ICMP rate limit
(a real host's), and get Debian's ``sshd`` with a throw-away host key and an authorised key made
for this run. A controller namespace reaches every host at its deployment address over its own
management link (a /32 route per host, no forwarding), and runs ``portplan fleet`` — and so
Ansible — from there. Keys, configuration, inventory and the agents' working files live in one
temporary directory; every namespace and process goes away on exit, also on failure. Nothing
listens outside these namespaces: sshd runs in each host's namespace and mount namespace (its
privilege-separation directory on a private tmpfs).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from portplan.pipeline import fleet_inventory, plan
from portplan.verify.lab import build, compile_rulesets
from portplan.verify.netns import Namespace, NetnsGroup
from portplan.verify.topology import plan_topology

CONTROLLER = "198.18.0.1"  # RFC 2544's benchmarking range: never a deployment address here
SSHD = "/usr/sbin/sshd"
DEFAULT_ICMP = (
    "net.ipv4.icmp_ratelimit=1000",
    "net.ipv4.icmp_msgs_per_sec=1000",
    "net.ipv4.icmp_msgs_burst=50",
    "net.ipv6.icmp.ratelimit=1000",
)
SSHD_CONFIG = """\
Port 22
ListenAddress 0.0.0.0
HostKey {directory}/host_key
PidFile none
AuthorizedKeysFile {directory}/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
MaxStartups 200
LogLevel ERROR
"""


@dataclass
class SshFleet:
    directory: Path
    group: NetnsGroup
    controller: Namespace
    hosts: dict[str, Namespace]  # deployment host → its namespace
    inventory: Path
    deployment: Path
    catalog: tuple[str, ...] = ()
    sshd: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # Ansible's parallelism: modest in the test suite, which shares two CPUs with other tests
    # (some of them timed); bench/fleet.py raises it.
    forks: int = 10

    @property
    def remote_dir(self) -> Path:
        return self.directory / "remote"

    def portplan(self, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        """``portplan ARGS`` run in the controller namespace (Ansible with it)."""
        catalog = [arg for directory in self.catalog for arg in ("--catalog", directory)]
        return self.controller.run(
            sys.executable, "-m", "portplan", *catalog, *args, check=False, timeout=timeout
        )

    def fleet(self, operation: str, *args: str) -> subprocess.CompletedProcess[str]:
        return self.portplan(
            "fleet",
            operation,
            str(self.deployment),
            "-i",
            str(self.inventory),
            "--remote-dir",
            str(self.remote_dir),
            "--forks",
            str(self.forks),
            *args,
        )

    def start_sshd(self, host: str) -> None:
        # A fresh server's login environment: this machine's own shell start-up files (a
        # developer's ~/.bashrc) are hidden from the host's sessions, in its mount namespace.
        hide = "".join(
            f"if [ -e {path} ]; then mount --bind {self.directory}/empty {path}; fi && "
            for path in ("/root/.bashrc", "/root/.profile", "/root/.bash_profile")
        )
        script = (
            "mount -t tmpfs -o mode=755 portplan-test /run && mkdir -m 755 /run/sshd && "
            f"{hide}exec {SSHD} -D -e -f {self.directory}/sshd_config"
        )
        self.sshd[host] = self.hosts[host].popen(
            "unshare", "--mount", "--propagation", "private", "sh", "-c", script
        )

    def wait_for_sshd(self, hosts: Sequence[str], seconds: float = 20) -> None:
        deadline = time.monotonic() + seconds
        for host in hosts:
            while True:
                listening = self.hosts[host].run("ss", "-ltnH", "sport = :22", check=False)
                if listening.stdout.strip():
                    break
                if time.monotonic() > deadline:
                    process = self.sshd[host]
                    error = (
                        process.stderr.read(2000).decode()
                        if process.poll() is not None and process.stderr
                        else ""
                    )
                    raise RuntimeError(f"sshd in {host} did not start: {error}")
                time.sleep(0.05)

    def stop_sshd(self, host: str) -> None:
        process = self.sshd.pop(host)
        process.terminate()
        process.wait(timeout=10)


def _keys(directory: Path) -> None:
    for name in ("host_key", "client_key"):
        subprocess.run(
            [
                "ssh-keygen",
                "-q",
                "-t",
                "ed25519",
                "-N",
                "",
                "-C",
                "portplan-test",
                "-f",
                str(directory / name),
            ],
            check=True,
        )
    (directory / "empty").write_text("")
    (directory / "authorized_keys").write_text((directory / "client_key.pub").read_text())
    host_public = (directory / "host_key.pub").read_text().split()
    (directory / "known_hosts").write_text(f"* {host_public[0]} {host_public[1]}\n")
    (directory / "sshd_config").write_text(SSHD_CONFIG.format(directory=directory))


def write_inventory(deployment: Path, catalog: Sequence[str], directory: Path) -> Path:
    """``portplan fleet inventory``'s output, plus how to log in to these test hosts."""
    data = fleet_inventory(deployment, catalog)
    data["all"]["vars"] = {
        "ansible_user": "root",
        "ansible_ssh_private_key_file": str(directory / "client_key"),
        "ansible_ssh_common_args": (
            f"-o UserKnownHostsFile={directory}/known_hosts -o StrictHostKeyChecking=yes "
            "-o ConnectTimeout=20 -o ServerAliveInterval=10"
        ),
        "ansible_python_interpreter": "/usr/bin/python3",
        "portplan_python": "/usr/bin/python3",
        "ansible_remote_tmp": str(directory / "ansible-remote"),
    }
    path = directory / "inventory.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@contextmanager
def ssh_fleet(
    deployment: Path,
    catalog: Sequence[str] = (),
    *,
    host_firewalls: bool = True,
    sabotage: Callable[[dict[str, str], dict[str, str]], None] | None = None,
) -> Iterator[SshFleet]:
    """The deployment as SSH hosts; ``host_firewalls=False`` leaves host firewalls off (a
    fresh fleet for ``fleet apply``); ``sabotage`` may edit the compiled rulesets first."""
    planned, resolution = plan(deployment, catalog)
    topology = plan_topology(planned)
    networks, host_rules = compile_rulesets(planned, resolution, "nftables")
    if sabotage is not None:
        sabotage(networks, host_rules)
    with (
        tempfile.TemporaryDirectory(prefix="portplan-fleet-test-") as temporary,
        NetnsGroup(prefix="ppf") as group,
    ):
        directory = Path(temporary)
        (directory / "remote").mkdir()
        (directory / "ansible-remote").mkdir()
        _keys(directory)
        namespaces = build(group, topology, networks, host_rules if host_firewalls else {})
        controller = group.add("ctl")
        host_nodes = [n for n in topology.nodes.values() if n.kind == "host" and n.host]
        links, controller_lines = [], [f"address add {CONTROLLER}/32 dev lo"]
        for index, node in enumerate(host_nodes):
            links.append(
                f"link add name m{index} netns {controller.name} type veth "
                f"peer name mgmt0 netns {namespaces[node.name].name}"
            )
            controller_lines.append(f"link set m{index} up")
            controller_lines += [
                f"route add {a}/32 dev m{index}" for a in node.addresses if a.version == 4
            ]
        subprocess.run(["ip", "-batch", "-"], input="\n".join(links) + "\n", text=True, check=True)
        controller.run(
            "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0"
        )
        controller.run("ip", "-batch", "-", input="\n".join(controller_lines) + "\n")
        hosts = {}
        for node in host_nodes:
            namespace = namespaces[node.name]
            namespace.run(
                "ip", "-batch", "-",
                input=f"link set mgmt0 up\nroute add {CONTROLLER}/32 dev mgmt0\n",
            )  # fmt: skip
            namespace.run("sysctl", "-qw", *DEFAULT_ICMP)
            if host_firewalls and node.host in host_rules:
                # As a managed host's firewall would: SSH from the controller is let in
                # (what fleet apply's --management auto adds).
                namespace.run("nft", "insert", "rule", "inet", "portplan", "input", "ip", "saddr",
                              CONTROLLER, "tcp", "dport", "22", "accept")  # fmt: skip
            hosts[str(node.host)] = namespace
        bed = SshFleet(
            directory,
            group,
            controller,
            hosts,
            write_inventory(deployment, catalog, directory),
            deployment,
            tuple(catalog),
        )
        for host in hosts:
            bed.start_sshd(host)
        bed.wait_for_sshd(list(hosts))
        yield bed


# --- a generated deployment of any size ------------------------------------------------------

PRODUCT = """\
id: fleetapp
name: Fleet test application
vendor: Example
roles:
  - {id: client, name: Workstation}
  - {id: app, name: Application server}
  - {id: db, name: Database}
  - {id: monitor, name: Monitoring}
flows:
  - {id: web, from: client, to: app, services: [tcp/443, tcp/8443], purpose: Clients use the app}
  - {id: voice, from: client, to: app, services: [udp/5060], purpose: Clients call the app}
  - {id: sql, from: app, to: db, services: [tcp/5432], purpose: App database}
  - {id: snmp, from: monitor, to: app, services: [udp/161], purpose: Poll the app}
  - {id: syslog, from: app, to: monitor, services: [udp/514], purpose: App logs}
"""


def generated_deployment(
    directory: Path, hosts: int, *, client_firewalls: bool = False
) -> tuple[Path, Path]:
    """A two-site deployment of ``hosts`` hosts (four servers, the rest workstations split
    between the sites), with network firewalls and host firewalls on the servers (and on the
    workstations with ``client_firewalls``). Returns the deployment path and the catalog
    directory."""
    catalog = directory / "catalog"
    catalog.mkdir(exist_ok=True)
    (catalog / "fleetapp.yaml").write_text(PRODUCT)
    servers = [
        {
            "name": "app1",
            "zone": "hq-servers",
            "addresses": ["10.41.0.11"],
            "roles": ["fleetapp:app"],
        },
        {
            "name": "app2",
            "zone": "hq-servers",
            "addresses": ["10.41.0.12"],
            "roles": ["fleetapp:app"],
        },
        {
            "name": "db1",
            "zone": "hq-servers",
            "addresses": ["10.41.0.21"],
            "roles": ["fleetapp:db"],
        },
        {
            "name": "mon1",
            "zone": "hq-servers",
            "addresses": ["10.41.0.31"],
            "roles": ["fleetapp:monitor"],
        },
    ]
    clients = []
    for index in range(max(0, hosts - len(servers))):
        site = "hq" if index % 2 == 0 else "br"
        third = 40 if site == "hq" else 42
        clients.append(
            {
                "name": f"{site}-ws{index:03d}",
                "zone": f"{site}-users",
                "addresses": [f"10.{third}.{index // 200}.{index % 200 + 10}"],
                "roles": ["fleetapp:client"],
            }
        )
    for host in servers + clients:
        host["os"] = "linux"  # behind host firewalls, a host says its OS
    data = {
        "name": f"fleet-{hosts}",
        "sites": [{"name": "hq"}, {"name": "branch"}],
        "zones": [
            {"name": "hq-users", "site": "hq", "cidrs": ["10.40.0.0/16"]},
            {"name": "hq-servers", "site": "hq", "cidrs": ["10.41.0.0/24"]},
            {"name": "br-users", "site": "branch", "cidrs": ["10.42.0.0/16"]},
        ],
        "hosts": servers + clients,
        "links": [{"name": "wan", "kind": "wan", "sites": ["hq", "branch"]}],
        "firewalls": [
            {"name": "fw-hq", "kind": "network", "zones": ["hq-users", "hq-servers"]},
            {"name": "fw-branch", "kind": "network", "sites": ["branch"]},
            {
                "name": "server-fw",
                "kind": "host",
                "platform": "nftables",
                "hosts": ["app1", "app2", "db1", "mon1"],
            },
        ],
        "products": [{"product": "fleetapp"}],
    }
    if client_firewalls:
        data["firewalls"].append(
            {"name": "client-fw", "kind": "host", "platform": "nftables",
             "hosts": [c["name"] for c in clients]}
        )  # fmt: skip
    path = directory / f"fleet-{hosts}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path, catalog

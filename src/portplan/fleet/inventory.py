"""Ansible inventories: one made from a deployment, or the user's own mapped onto it.

The generated inventory lists every host once under ``all.hosts`` with its addresses and what
it must do (``portplan_listen``: the ports it must serve; ``portplan_flows_out`` and
``portplan_flows_in``: the flows it must open and receive), and groups it by site, zone, role
and enforcement point, so a team can target ``site_melbourne`` or ``firewall_core``.

A user's inventory is read with ``ansible-inventory --list`` (every format and plug-in Ansible
reads) and each deployment host is found in it by name, else by an address (``ansible_host``
or an inventory name that is an address).
"""

from __future__ import annotations

import ipaddress
import json
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from portplan.errors import EnvironmentProblem, InputError
from portplan.model.concrete import Resolution
from portplan.model.deployment import Deployment
from portplan.verify.targets import listen_ports


@dataclass(frozen=True)
class FleetHost:
    """A deployment host and the inventory host that reaches it."""

    name: str  # in the deployment
    inventory_name: str  # in the Ansible inventory
    addresses: tuple[str, ...]


def group_name(kind: str, text: str) -> str:
    """Ansible group names are letters, digits and underscores, not starting with a digit."""
    return f"{kind}_{re.sub(r'[^A-Za-z0-9_]', '_', text)}".lower()


def build_inventory(deployment: Deployment, resolution: Resolution) -> dict[str, Any]:
    """The inventory as data (dump it as YAML): hosts with their vars, groups of them."""
    hosts: dict[str, dict[str, Any]] = {}
    groups: dict[str, list[str]] = {}
    zone_site = {z.name: z.site for z in deployment.zones}
    receivers = {f.destination.name for f in resolution.flows}
    for host in deployment.hosts:
        outgoing = sorted(f.id for f in resolution.flows if f.source.name == host.name)
        incoming = sorted(f.id for f in resolution.flows if f.destination.name == host.name)
        serves: list[str] = []
        if host.name in receivers:
            ports, _ = listen_ports(resolution, host.name)
            serves = [f"{p.protocol}/{p.port}" for p in ports]
        hosts[host.name] = {
            "ansible_host": str(host.addresses[0]) if host.addresses else host.name,
            "portplan_addresses": [str(a) for a in host.addresses],
            "portplan_site": zone_site[host.zone],
            "portplan_zone": host.zone,
            "portplan_os": host.os,
            "portplan_roles": [str(r) for r in host.roles],
            "portplan_listen": serves,
            "portplan_flows_out": outgoing,
            "portplan_flows_in": incoming,
        }
        memberships = [
            group_name("site", zone_site[host.zone]),
            group_name("zone", host.zone),
            *(group_name("role", str(r).replace(":", "_")) for r in host.roles),
            *(
                group_name("firewall", p.name)
                for p in deployment.firewalls
                if p.kind == "host" and host.name in p.hosts
            ),
        ]
        for group in memberships:
            groups.setdefault(group, []).append(host.name)
    return {
        "all": {
            "hosts": hosts,
            "children": {
                name: {"hosts": {member: None for member in members}}
                for name, members in sorted(groups.items())
            },
        }
    }


def read_inventory(
    path: Path, ansible_inventory: str, limit: str | None = None
) -> dict[str, dict[str, Any]]:
    """Inventory host name → its variables, as Ansible itself reads the inventory."""
    if not path.exists():
        raise InputError(
            "no such inventory — give an Ansible inventory file or directory.", file=str(path)
        )
    argv = [ansible_inventory, "-i", str(path), "--list"]
    if limit:
        argv += ["--limit", limit]
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    except FileNotFoundError as exc:
        raise EnvironmentProblem(
            "ansible-inventory is not installed — pip install 'portplan[fleet]' (ansible-core)."
        ) from exc
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        raise InputError(
            f"Ansible cannot read this inventory: {lines[-1] if lines else result.returncode} "
            "— check it with ansible-inventory --list.",
            file=str(path),
        )
    data = json.loads(result.stdout)
    hostvars: dict[str, dict[str, Any]] = data.get("_meta", {}).get("hostvars", {})
    names: set[str] = set(hostvars)
    for group in data.values():
        if isinstance(group, dict):
            names.update(group.get("hosts", []))
    return {name: hostvars.get(name, {}) for name in sorted(names)}


def _address(text: object) -> str | None:
    try:
        return str(ipaddress.ip_address(str(text)))
    except ValueError:
        return None


def map_hosts(
    deployment: Deployment,
    inventory: dict[str, dict[str, Any]],
    inventory_file: str,
    *,
    limited: bool = False,
) -> tuple[dict[str, FleetHost], list[str]]:
    """Deployment host → its inventory host; notices. A deployment host the inventory lacks
    is an error (unless the run is ``limited``), and so is an inventory host that names one
    deployment host and points at another's address, or two inventory hosts for one host."""
    by_address: dict[str, str] = {}
    for host in deployment.hosts:
        for address in host.addresses:
            by_address[str(address)] = host.name
    mapped: dict[str, FleetHost] = {}
    unknown: list[str] = []
    for name, variables in inventory.items():
        pointed = _address(variables.get("ansible_host", name))
        owner = by_address.get(pointed or "")
        known = name if any(h.name == name for h in deployment.hosts) else None
        if known and owner and owner != known:
            raise InputError(
                f"inventory host '{name}' has the deployment's name for host '{known}' but "
                f"points at {pointed}, an address of host '{owner}' — fix ansible_host or the "
                "name.",
                file=inventory_file,
            )
        target = known or owner
        if target is None:
            unknown.append(name)
            continue
        if target in mapped:
            raise InputError(
                f"inventory hosts '{mapped[target].inventory_name}' and '{name}' both stand "
                f"for deployment host '{target}' — keep one.",
                file=inventory_file,
            )
        addresses = tuple(str(a) for a in deployment.host(target).addresses)
        mapped[target] = FleetHost(target, name, addresses)
    notices = []
    if unknown:
        notices.append(
            f"{len(unknown)} inventory host(s) are not in deployment '{deployment.name}' and "
            f"are left alone: {', '.join(unknown[:5])}{' …' if len(unknown) > 5 else ''}"
        )
    missing = [h.name for h in deployment.hosts if h.name not in mapped]
    if missing and not limited:
        raise InputError(
            f"deployment host '{missing[0]}' is not in the inventory"
            f"{f' (nor {len(missing) - 1} more)' if len(missing) > 1 else ''} — add it by name "
            "or by one of its addresses, or narrow the run with --limit.",
            file=inventory_file,
        )
    if missing:
        notices.append(f"not in this run (--limit): {', '.join(missing)}")
    return mapped, notices


def inventory_hosts(hosts: Sequence[FleetHost]) -> list[str]:
    return [h.inventory_name for h in hosts]

"""``portplan init``: a commented starter deployment for one or more catalog products.

The starter plans as it stands — one site, a zone per kind of machine (servers, users'
computers, devices such as printers), one host per role, roles that live in a vendor's cloud
as externals on the internet, one network firewall between the zones and at the site's edge,
features and variables at the product's defaults — and its comments say what to change. Which
zone a role goes to is a guess from its name and platforms ("printer", "laptop"); the comment
above each host names the role so the user can move it.

Names and descriptions come from product files anyone can write: they reach the YAML only as
quoted scalars or as comment text with line breaks and control characters removed, so a
product cannot add keys to the starter.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import yaml

from portplan.catalog.render import feature_infos, variable_infos
from portplan.model.product import Product, Role

# Words in a role's id that say where it runs (split on '-', '_' and '.').
USER_WORDS = frozenset(
    {"client", "clients", "workstation", "workstations", "laptop", "pc", "desktop", "browser"}
    | {"agent", "admin", "app", "user", "users"}
)
DEVICE_WORDS = frozenset(
    {"printer", "printers", "mfd", "phone", "sip", "cts", "camera", "endpoint", "device"}
)
CLOUD_WORDS = frozenset({"cloud", "saas", "internet"})

ZONES: tuple[tuple[str, str, str], ...] = (
    # (zone, network, what it holds)
    ("servers", "10.0.1.0/24", "servers and services"),
    ("users", "10.0.2.0/24", "users' computers and phones"),
    ("devices", "10.0.3.0/24", "printers, phones and other devices"),
)
INTERNET = ipaddress.ip_network("198.51.100.0/24")  # RFC 5737 documentation addresses
OS_NAMES = ("linux", "windows", "macos", "appliance")


@dataclass(frozen=True)
class Placement:
    """Where the starter puts one role: a host in a zone, or an external on the internet."""

    product: str
    role: Role
    name: str  # host or external name
    zone: str | None  # None: an external
    os: str


def _words(role: Role) -> set[str]:
    return set(re.split(r"[-_.]", role.id.lower()))


def zone_of(role: Role) -> str | None:
    """servers, users or devices — or None for a role that lives in the vendor's cloud."""
    words = _words(role)
    if words & CLOUD_WORDS:
        return None
    if words & DEVICE_WORDS or role.platforms == ["appliance"]:
        return "devices"
    if words & USER_WORDS:
        return "users"
    return "servers"


def os_of(role: Role, zone: str | None) -> str:
    for platform in role.platforms:
        if platform in OS_NAMES:
            return platform
    if role.platforms:
        return "other"  # ios, android, chromeos, unix
    return {"devices": "appliance", "users": "windows"}.get(zone or "", "linux")


def placements(products: Sequence[Product]) -> list[Placement]:
    """One host (or external) per role of every product; names get the product's id in front
    when two products have a role of the same name."""
    counts: dict[str, int] = {}
    for product in products:
        for role in product.roles:
            counts[role.id] = counts.get(role.id, 0) + 1
    out = []
    for product in products:
        for role in product.roles:
            name = role.id if counts[role.id] == 1 else f"{product.id}-{role.id}"[:80]
            zone = zone_of(role)
            out.append(Placement(product.id, role, name, zone, os_of(role, zone)))
    return out


def comment(text: str, limit: int = 96) -> str:
    """Text safe inside a YAML comment: one line, no control characters, not too long."""
    line = " ".join(re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", " ", text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def scalar(value: object) -> str:
    """A YAML scalar or flow list that reads back as exactly ``value`` (quoted if needed)."""
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000)
    return text.removesuffix("\n...\n").strip()


def starter_yaml(products: Sequence[Product], name: str | None = None) -> str:
    """The starter deployment for ``products`` as commented YAML text."""
    places = placements(products)
    ids = [p.id for p in products]
    deployment_name = name or f"{ids[0]}-site"
    zones = [z for z in ZONES if any(p.zone == z[0] for p in places)]
    out = _header(products, deployment_name)
    out += ["sites:", "  - name: main", "    description: Replace with your site's name.", ""]
    out += _zones(zones)
    out += _hosts([p for p in places if p.zone is not None], zones)
    out += _externals([p for p in places if p.zone is None])
    out += _firewalls(zones)
    out += _management(zones)
    out += ["products:"]
    for product in products:
        out += _product_use(product)
    return "\n".join(out) + "\n"


def _header(products: Sequence[Product], name: str) -> list[str]:
    titles = "; ".join(f"{p.id} ({comment(p.name, 60)})" for p in products)
    return [
        f"# A starter deployment for {titles}.",
        "# Written by `portplan init`; it plans as it stands. Make it yours:",
        "#   1. rename the site, zones and hosts; give them your networks and addresses;",
        "#   2. give every host the roles it plays (a host may play several roles, and a role",
        "#      may have many hosts); delete the hosts of roles you do not run;",
        "#   3. switch on the features you use and set the variables to your ports;",
        "#   4. check it:  portplan deployment validate FILE   then   portplan plan FILE",
        f"name: {scalar(name)}",
        "description: "
        + scalar(comment("Starter deployment for " + ", ".join(p.name for p in products))),
        "",
    ]


def _zones(zones: Iterable[tuple[str, str, str]]) -> list[str]:
    out = ["# A zone is a network at one site; a network firewall between zones sees its traffic."]
    out.append("zones:")
    for zone, network, holds in zones:
        out += [
            f"  - name: {zone}  # {holds}",
            "    site: main",
            f"    cidrs: [{network}]",
        ]
    return [*out, ""]


def _hosts(places: Sequence[Placement], zones: Sequence[tuple[str, str, str]]) -> list[str]:
    networks = {zone: ipaddress.ip_network(network) for zone, network, _ in zones}
    used: dict[str, int] = {}
    out = ["hosts:"]
    for place in places:
        assert place.zone is not None
        used[place.zone] = used.get(place.zone, 10) + 1
        address = networks[place.zone][used[place.zone]]
        required = "" if place.role.required else " (optional)"
        out += [
            f"  # {place.product}:{place.role.id} — {comment(place.role.name)}{required}",
            f"  - name: {scalar(place.name)}",
            f"    zone: {place.zone}",
            f"    os: {place.os}",
            f"    addresses: [{address}]",
            f"    roles: [{scalar(f'{place.product}:{place.role.id}')}]",
        ]
    return [*out, ""]


def _externals(places: Sequence[Placement]) -> list[str]:
    if not places:
        return []
    out = [
        "# Services on the internet: replace the documentation addresses with the provider's",
        "# published ranges (or an fqdn:).",
        "externals:",
    ]
    for index, place in enumerate(places):
        network = ipaddress.ip_network(f"{INTERNET[16 * index]}/28")
        out += [
            f"  # {place.product}:{place.role.id} — {comment(place.role.name)}",
            f"  - name: {scalar(place.name)}",
            f"    cidrs: [{network}]",
            f"    roles: [{scalar(f'{place.product}:{place.role.id}')}]",
        ]
    return [*out, ""]


def _firewalls(zones: Sequence[tuple[str, str, str]]) -> list[str]:
    names = ", ".join(zone for zone, _, _ in zones)
    return [
        "# Where rules are enforced: a network firewall between the zones and at the site's",
        "# edge. Add host firewalls with kind: host, platform: windows|nftables|…, hosts: [...].",
        "firewalls:",
        "  - name: fw-core",
        "    kind: network",
        "    platform: nftables  # portplan compile --list-targets shows the others",
        f"    zones: [{names}]",
        "    sites: [main]",
        "",
    ]


def _management(zones: Sequence[tuple[str, str, str]]) -> list[str]:
    """Where administrators connect from and the DNS, NTP and update servers every host
    uses — what host firewalls must keep open so loading a ruleset locks nobody out."""
    servers = ipaddress.ip_network(ZONES[0][1])
    admins = next((network for zone, network, _ in zones if zone == "users"), ZONES[1][1])
    return [
        "# What every host firewall keeps open, so loading a ruleset locks nobody out: where",
        "# administrators connect from, and the DNS, NTP and update servers hosts use.",
        "management:",
        f"  admins: [{admins}]  # your administrators' network",
        f"  dns: [{servers[53]}/32]",
        f"  ntp: [{servers[123]}/32]",
        f"  updates: [{servers[80]}/32]  # an update server or proxy",
        "",
    ]


def _product_use(product: Product) -> list[str]:
    out = [f"  - product: {scalar(product.id)}"]
    features = feature_infos(product)
    if features:
        on = [f.id for f in features if f.default]
        out.append("    # Features, on by default: " + (", ".join(on) if on else "none") + ".")
        out.append(
            "    # List the ones you use under features"
            + (", and defaults you do not want under features_off:" if on else ":")
        )
        out += [
            f"    #   {f.id} ({'on' if f.default else 'off'}) — {comment(f.name, 60)}; adds "
            f"{comment(f.adds, 60)}"
            for f in features
        ]
        out.append("    features: []")
        if on:
            out.append("    features_off: []")
    variables = variable_infos(product)
    if variables:
        out.append("    # Variables, at the product's defaults: set them to your ports.")
        has_values = any(info.default is not None for info in variables)
        out.append("    variables:" if has_values else "    variables: {}")
        for info in variables:
            used = ", ".join(info.used_by) or "no flow"
            note = comment(f"{info.description} — used by {used}" if info.description else used)
            if info.default is None:
                out.append(f"      # {info.id}: <port>  # no default: {note}")
            else:
                out.append(f"      {info.id}: {scalar(info.default)}  # {note}")
    return out

"""Deployments: where a product runs — sites, zones, hosts, links and enforcement points.

Hosts say which product roles they play as ``product:role`` (or ``product@instance:role``
for a second instance of a product, whose variables are set separately under ``products``).
Semantic checks that need the catalog (does the role exist?) live in
:mod:`portplan.deployment`; this module checks what the file alone can tell.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Collection
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    IPvAnyNetwork,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from portplan.errors import ServiceSyntaxError
from portplan.model.common import (
    Address,
    Identifier,
    StrictModel,
    check_unique,
    collector,
    fail,
    not_a_number,
    set_aside,
)
from portplan.model.service import PortSet, parse_service
from portplan.problems import closest, listing
from portplan.yamlio import SourceMap

BINDING = re.compile(
    r"^(?P<product>[A-Za-z0-9][A-Za-z0-9_.-]*)(?:@(?P<instance>[A-Za-z0-9][A-Za-z0-9_.-]*))?:(?P<role>[A-Za-z0-9][A-Za-z0-9_.-]*)$"
)

Platform = str
"""A compile target name (``nftables``, ``iptables``, ``windows``, ``aerleon:juniper`` ...)."""

OperatingSystem = Literal["linux", "windows", "macos", "appliance", "other"]

FinalVerdict = Literal["drop", "continue"]
"""What a network firewall's ruleset does with traffic no flow asked for (see docs/safety.md)."""


def split_binding(text: str) -> tuple[str, str | None, str]:
    """``product@instance:role`` → (product, instance, role)."""
    match = BINDING.match(text)
    if not match:
        raise ValueError(f"'{text}' is not a role binding — write product:role, e.g. lrs-vpsx:vpsx")
    return match["product"], match["instance"], match["role"]


def _check_cidr(value: Any) -> Any:
    """Say what is wrong with a network, quoting it (pydantic's message names neither)."""
    not_a_number(value)
    if isinstance(value, str):
        try:
            ipaddress.ip_network(value.strip())
        except ValueError as exc:
            if "has host bits set" in str(exc):
                fixed = ipaddress.ip_network(value.strip(), strict=False)
                raise ValueError(
                    f"'{value}' has host bits set — write the network address, {fixed}"
                ) from None
            raise ValueError(
                f"'{value}' is not a network in CIDR form — write e.g. 10.0.0.0/24 or 2001:db8::/64"
            ) from None
    return value


Cidr = Annotated[IPvAnyNetwork, BeforeValidator(_check_cidr)]


class Site(StrictModel):
    name: Identifier
    description: str = ""


class Zone(StrictModel):
    name: Identifier
    site: Identifier
    cidrs: list[Cidr] = Field(min_length=1)
    any: bool = Field(
        default=False,
        description="the zone stands for every address (0.0.0.0/0, ::/0): say so, or such a "
        "CIDR is refused as a likely mistake",
    )
    description: str = ""


class Host(StrictModel):
    name: Identifier
    zone: Identifier
    addresses: list[Address] = Field(min_length=1)
    os: OperatingSystem | None = Field(
        default=None,
        description="required when a host firewall covers the host: it decides the firewall "
        "platform that fits and the management services (SSH, RDP, WinRM)",
    )
    shared_addresses: list[Address] = Field(
        default_factory=list,
        description="addresses of this host that other hosts hold too (a cluster or virtual "
        "address); any other address on two hosts is an error",
    )
    roles: list[str] = Field(default_factory=list)
    ephemeral_ports: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    description: str = ""

    @field_validator("roles")
    @classmethod
    def _check_roles(cls, value: list[str]) -> list[str]:
        for text in value:
            split_binding(text)
        return value

    @field_validator("ephemeral_ports")
    @classmethod
    def _check_ephemeral(cls, value: str | None) -> str | None:
        if value is not None:
            PortSet.parse(value)
        return value

    def ephemeral_range(self) -> PortSet:
        """The ports the OS hands to outgoing connections (IANA 49152–65535 on Windows)."""
        if self.ephemeral_ports:
            return PortSet.parse(self.ephemeral_ports)
        if self.os == "linux":
            return PortSet.parse("32768-60999")  # net.ipv4.ip_local_port_range default
        return PortSet.parse("49152-65535")  # RFC 6335 dynamic range; Windows, macOS


class External(StrictModel):
    """Something outside the deployment: a cloud service, the internet, a partner network."""

    name: Identifier
    cidrs: list[Cidr] = Field(default_factory=list)
    fqdn: str | None = None
    site: Identifier | None = None
    roles: list[str] = Field(default_factory=list)
    description: str = ""

    @model_validator(mode="after")
    def _needs_address(self) -> External:
        if not self.cidrs and not self.fqdn:
            raise ValueError(f"external '{self.name}' needs cidrs or an fqdn")
        for text in self.roles:
            split_binding(text)
        return self


class Link(StrictModel):
    """A WAN or VPN between sites; hub-and-spoke links route spoke-to-spoke via the hub."""

    name: Identifier
    kind: Literal["wan", "vpn"] = "vpn"
    sites: list[Identifier] = Field(min_length=2)
    topology: Literal["mesh", "hub-and-spoke"] = "mesh"
    hub: Identifier | None = None

    @model_validator(mode="after")
    def _hub(self) -> Link:
        if self.topology == "hub-and-spoke" and (self.hub is None or self.hub not in self.sites):
            raise ValueError(f"link '{self.name}' is hub-and-spoke: name its hub, one of its sites")
        return self


class EnforcementPoint(StrictModel):
    """A place where rules are enforced.

    ``kind: network`` — a firewall that routes between the listed ``zones`` and/or guards the
    edge of the listed ``sites`` (traffic entering, leaving or crossing them).
    ``kind: host`` — the host firewall of each listed host (empty ``hosts``: every host).
    """

    name: Identifier
    kind: Literal["network", "host"]
    platform: Platform = "nftables"
    zones: list[Identifier] = Field(default_factory=list)
    sites: list[Identifier] = Field(default_factory=list)
    hosts: list[Identifier] = Field(default_factory=list)
    final: FinalVerdict = Field(
        default="drop",
        description="a network firewall's verdict for traffic no flow asked for: drop (this "
        "ruleset decides for the whole router) or continue (it lives beside an existing "
        "ruleset, which keeps the last word); see docs/safety.md",
    )
    description: str = ""

    @model_validator(mode="after")
    def _scope(self) -> EnforcementPoint:
        if self.kind == "network" and not (self.zones or self.sites):
            raise ValueError(f"network firewall '{self.name}' needs zones or sites it guards")
        if self.kind == "network" and self.hosts:
            raise ValueError(f"network firewall '{self.name}' cannot list hosts; use kind: host")
        return self


class FlowExclusion(StrictModel):
    """A product flow this deployment leaves out — a vendor line that does not apply here, or
    looks wrong — with the reason, which every report shows."""

    flow: Identifier
    reason: str = Field(min_length=1, description="why the flow is left out (shown in reports)")


class FlowOverride(StrictModel):
    """A product flow whose services this deployment replaces, with the reason; reports show
    the vendor's services beside the ones used."""

    flow: Identifier
    services: list[str] = Field(min_length=1, description="compact syntax, e.g. tcp/443")
    reason: str = Field(min_length=1, description="why the services differ (shown in reports)")


class ProductUse(StrictModel):
    """A product switched on in this deployment, with its features and variable values.

    A flow tied to a feature resolves when the feature is listed under ``features`` or the
    product switches it on by default (``Feature.default``) and it is not in ``features_off``.
    ``variables`` override the product's defaults; ``instance`` names a second copy of the
    product, bound on hosts as ``product@instance:role``. ``exclude`` leaves out a product
    flow and ``override`` replaces its services, each with a reason, without forking the
    product.
    """

    product: Identifier
    instance: Identifier | None = None
    features: list[Identifier] = Field(default_factory=list)
    features_off: list[Identifier] = Field(
        default_factory=list,
        description="features the product switches on by default that this deployment turns off",
    )
    optional: bool = Field(
        default=False,
        description="also resolve flows the vendor marks optional (not tied to a feature)",
    )
    variables: dict[str, str | int] = Field(default_factory=dict)
    exclude: list[FlowExclusion] = Field(
        default_factory=list, description="product flows left out here, each with a reason"
    )
    override: list[FlowOverride] = Field(
        default_factory=list, description="product flows whose services are replaced here"
    )

    @property
    def key(self) -> str:
        return f"{self.product}@{self.instance}" if self.instance else self.product


class Management(StrictModel):
    """Access every host firewall keeps open, so that loading a ruleset locks nobody out.

    Compiled into every host ruleset (never into a network firewall): administrators reach
    each host on its management services, and each host reaches its DNS, NTP and update
    servers. A deployment with a host firewall and no ``management`` block gets a warning.
    """

    admins: list[Cidr] = Field(
        default_factory=list,
        description="networks administrators connect from; they reach every host by SSH "
        "(tcp/22), Windows hosts by RDP and WinRM (tcp/3389, tcp/5985-5986)",
    )
    admin_services: list[str] | None = Field(
        default=None,
        description="the services administrators use, instead of the defaults by OS",
    )
    dns: list[Cidr] = Field(
        default_factory=list, description="DNS servers every host queries (udp/53, tcp/53)"
    )
    ntp: list[Cidr] = Field(
        default_factory=list, description="NTP servers every host sets its clock from (udp/123)"
    )
    updates: list[Cidr] = Field(
        default_factory=list,
        description="update servers or proxies every host fetches from (tcp/80, tcp/443)",
    )
    description: str = ""

    @field_validator("admin_services")
    @classmethod
    def _check_services(cls, value: list[str] | None) -> list[str] | None:
        for text in value or ():
            try:
                parse_service(text)
            except ServiceSyntaxError as exc:
                raise ValueError(exc.message) from None
        return value

    @property
    def empty(self) -> bool:
        return not (self.admins or self.dns or self.ntp or self.updates)


class Constraint(StrictModel):
    """``same-site``: flows between the listed roles of a product stay inside each site."""

    kind: Literal["same-site"]
    product: Identifier
    roles: list[Identifier] = Field(min_length=1)
    description: str = ""


class Deployment(StrictModel):
    name: Identifier
    description: str = ""
    sites: list[Site] = Field(min_length=1)
    zones: list[Zone] = Field(min_length=1)
    hosts: list[Host] = Field(default_factory=list)
    externals: list[External] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)
    firewalls: list[EnforcementPoint] = Field(default_factory=list)
    products: list[ProductUse] = Field(min_length=1)
    constraints: list[Constraint] = Field(default_factory=list)
    management: Management | None = None

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> Deployment:
        problems = collector(info)  # every problem of the file, not just the first
        for section, what in SECTIONS:
            with problems.catch():
                check_unique(info, section, [_name(item) for item in getattr(self, section)], what)
        sites = {s.name for s in self.sites} | set_aside(info, "sites")
        zones = {z.name: z for z in self.zones}
        known_zones = set(zones) | set_aside(info, "zones")
        for i, zone in enumerate(self.zones):
            with problems.catch():
                _check_name(
                    info, ("zones", i, "site"), f"zone '{zone.name}'", "site", zone.site, sites
                )
        for i, host in enumerate(self.hosts):
            with problems.catch():
                _check_name(
                    info,
                    ("hosts", i, "zone"),
                    f"host '{host.name}'",
                    "zone",
                    host.zone,
                    known_zones,
                )
            if host.zone in zones:
                with problems.catch():
                    _check_addresses(info, i, host, zones[host.zone])
        for i, external in enumerate(self.externals):
            if external.site is not None:
                owner = f"external '{external.name}'"
                with problems.catch():
                    _check_name(info, ("externals", i, "site"), owner, "site", external.site, sites)
        for i, link in enumerate(self.links):
            for j, site in enumerate(link.sites):
                with problems.catch():
                    _check_name(
                        info, ("links", i, "sites", j), f"link '{link.name}'", "site", site, sites
                    )
        hosts = {h.name for h in self.hosts} | set_aside(info, "hosts")
        for i, point in enumerate(self.firewalls):
            owner = f"firewall '{point.name}'"
            for section, kind, names, known in (
                ("zones", "zone", point.zones, known_zones),
                ("sites", "site", point.sites, sites),
                ("hosts", "host", point.hosts, hosts),
            ):
                for j, name in enumerate(names):
                    with problems.catch():
                        _check_name(info, ("firewalls", i, section, j), owner, kind, name, known)
        problems.finish()
        return self

    def zone(self, name: str) -> Zone:
        return next(z for z in self.zones if z.name == name)

    def host(self, name: str) -> Host:
        return next(h for h in self.hosts if h.name == name)

    # Where the deployment was read from (set by portplan.deployment.load_deployment), so that
    # later stages can point errors at the line to change. Not part of the file format.
    _source: SourceMap | None = PrivateAttr(default=None)

    @property
    def source(self) -> SourceMap | None:
        return self._source

    def with_source(self, source: SourceMap) -> Deployment:
        self._source = source
        return self

    def locate(self, path: tuple[str | int, ...]) -> tuple[str | None, int | None]:
        """(file, line) of ``path`` in the file this deployment came from, when known."""
        if self._source is None:
            return None, None
        return self._source.file, self._source.line_of(path)


def _within(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
    network: ipaddress.IPv4Network | ipaddress.IPv6Network,
) -> bool:
    return address.version == network.version and address in network


SECTIONS = (
    ("sites", "site"),
    ("zones", "zone"),
    ("hosts", "host"),
    ("externals", "external"),
    ("firewalls", "firewall"),
    ("products", "product"),
)


def _name(item: Site | Zone | Host | External | EnforcementPoint | ProductUse) -> str:
    return item.key if isinstance(item, ProductUse) else item.name


def _check_name(
    info: ValidationInfo,
    path: tuple[str | int, ...],
    owner: str,
    kind: str,
    name: str,
    known: Collection[str],
) -> None:
    """``<owner> names unknown <kind> '<name>' — did you mean …?`` when ``name`` is unknown."""
    if name not in known:
        meant = closest(name, known, synonyms=False)
        hint = f"did you mean '{meant}'?" if meant else f"known {kind}s: {listing(known)}."
        raise fail(info, path, f"{owner} names unknown {kind} '{name}' — {hint}")


def _check_addresses(info: ValidationInfo, index: int, host: Host, zone: Zone) -> None:
    for j, address in enumerate(host.addresses):
        if not any(_within(address, net) for net in zone.cidrs):
            cidrs = ", ".join(str(c) for c in zone.cidrs)
            raise fail(
                info,
                ("hosts", index, "addresses", j),
                f"address {address} of host '{host.name}' is outside zone "
                f"'{zone.name}' ({cidrs}) — fix the address or the zone's cidrs.",
            )

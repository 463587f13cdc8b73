"""Products as users and vendors describe them: roles, features, variables and flows.

A flow's ``services`` use the compact syntax (see :mod:`portplan.model.service`) and may
refer to a variable as ``${name}``; e.g. ``tcp/${sql_port}`` with ``sql_port`` defaulting to
``1433``. A flow may also name an ``offset`` variable that moves all its ports (a second
instance of a product listening at ``+2000``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from portplan.errors import PortplanError, ServiceSyntaxError, raise_all
from portplan.model.common import (
    Address,
    Identifier,
    StrictModel,
    check_unique,
    collector,
    fail,
    set_aside,
)
from portplan.model.protocols import discovery_groups
from portplan.model.service import (
    ICMP_PROTOCOLS,
    PortSet,
    Service,
    canonical_services,
    parse_service,
)
from portplan.problems import closest

VARIABLE_REFERENCE = re.compile(r"\$\{([^}]*)\}")


class Evidence(StrictModel):
    """Where a flow came from: the document and the line that states it."""

    document: str
    line: int | None = Field(default=None, ge=1)
    text: str | None = None


class Source(StrictModel):
    document: str
    title: str | None = None
    url: str | None = None
    revision: str | None = None


class Role(StrictModel):
    id: Identifier
    name: str
    description: str = ""
    required: bool = True
    platforms: list[str] = Field(default_factory=list)


class Feature(StrictModel):
    id: Identifier
    name: str
    description: str = ""
    default: bool = False


class Variable(StrictModel):
    """A configurable port (``kind: ports``) or a port offset (``kind: offset``)."""

    id: Identifier
    description: str = ""
    kind: Literal["ports", "offset"] = "ports"
    default: str | int | None = None

    @field_validator("default")
    @classmethod
    def _check_default(cls, value: str | int | None, info: ValidationInfo) -> str | int | None:
        if value is None:
            return None
        if info.data.get("kind") == "offset":
            if not isinstance(value, int) or not -65534 <= value <= 65534:
                raise ValueError("an offset default must be a whole number, e.g. 2000")
        else:
            parse_service(f"tcp/{value}")
        return value


class Flow(StrictModel):
    id: Identifier
    from_role: Identifier = Field(alias="from")
    to_role: Identifier = Field(alias="to")
    services: list[str] = Field(min_length=1)
    purpose: str
    feature: Identifier | None = None
    optional: bool = False
    offset: Identifier | None = None
    evidence: Evidence | None = None
    note: str | None = None
    application: Literal["ftp", "ftp-data"] | None = Field(
        default=None,
        description="ftp: this is an FTP control connection, and its data connections follow "
        "ftp_mode; ftp-data: the data connection a document lists, carried by the control "
        "flow between the same roles (never a rule of its own)",
    )
    ftp_mode: Literal["passive", "active", "both"] = Field(
        default="both",
        description="which FTP data connections the ends use: passive (client to a port the "
        "server names), active (server from port 20 back to the client) or both",
    )
    passive_ports: str | None = Field(
        default=None,
        description="the FTP server's passive data ports (e.g. 50000-50100), for targets "
        "without an FTP helper; default: the server's ephemeral ports",
    )
    discovery: Literal["multicast", "broadcast"] | None = Field(
        default=None,
        description="the flow is discovery sent to a multicast group or broadcast: it works "
        "only inside one network segment, never across a router",
    )
    groups: list[Address] = Field(
        default_factory=list,
        description="multicast groups of a discovery flow (default: the well-known groups of "
        "mDNS, SSDP, WS-Discovery, LLMNR or SLP by port)",
    )

    @model_validator(mode="after")
    def _check_protocol(self) -> Flow:
        if self.application != "ftp" and (self.ftp_mode != "both" or self.passive_ports):
            raise ValueError(f"flow '{self.id}': ftp_mode and passive_ports need application: ftp")
        if self.passive_ports is not None:
            try:
                PortSet.parse(self.passive_ports)
            except ServiceSyntaxError as exc:
                raise ValueError(exc.message) from None
        if self.discovery != "multicast" and self.groups:
            raise ValueError(f"flow '{self.id}': groups need discovery: multicast")
        for group in self.groups:
            if not group.is_multicast:
                raise ValueError(f"flow '{self.id}': group {group} is not a multicast address")
        ports = self._literal_ports()
        if self.discovery == "multicast" and not self.groups and discovery_groups(ports) is None:
            raise ValueError(
                f"flow '{self.id}' is multicast discovery on no well-known port — name its "
                "groups, e.g. groups: [239.255.255.250]"
            )
        return self

    def _literal_ports(self) -> list[int]:
        """The first port of each service as written (variables read as 1)."""
        ports = []
        for text in self.services:
            try:
                services = parse_service(VARIABLE_REFERENCE.sub("1", text))
            except ServiceSyntaxError:
                continue  # reported with its line by the product's own check
            ports += [r.low for s in services for r in s.ports]
        return ports

    @property
    def variables(self) -> list[str]:
        """Names of the variables this flow's ports depend on."""
        names = [m for text in self.services for m in VARIABLE_REFERENCE.findall(text)]
        if self.offset:
            names.append(self.offset)
        return list(dict.fromkeys(names))

    @property
    def conditional(self) -> bool:
        return self.optional or self.feature is not None


class Product(StrictModel):
    id: Identifier
    name: str
    vendor: str = ""
    version: str = ""
    description: str = ""
    sources: list[Source] = Field(default_factory=list)
    roles: list[Role] = Field(min_length=1)
    features: list[Feature] = Field(default_factory=list)
    variables: list[Variable] = Field(default_factory=list)
    flows: list[Flow] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_references(self, info: ValidationInfo) -> Product:
        problems = collector(info)  # every problem of the file, not just the first
        for section, what in (
            ("roles", "role"),
            ("features", "feature"),
            ("variables", "variable"),
        ):
            with problems.catch():
                check_unique(info, section, [x.id for x in getattr(self, section)], what)
        with problems.catch():
            check_unique(info, "flows", [f.id for f in self.flows], "flow")
        known = {
            section: {x.id for x in getattr(self, section)} | set_aside(info, section)
            for section in ("roles", "features", "variables")
        }
        variables = {v.id: v for v in self.variables}
        for i, flow in enumerate(self.flows):
            with problems.catch():
                _check_flow(info, i, self.id, flow, known, variables)
        problems.finish()
        return self

    def role(self, role_id: str) -> Role:
        return next(r for r in self.roles if r.id == role_id)

    def variable_values(
        self, overrides: Mapping[str, str | int] | None = None
    ) -> dict[str, str | int | None]:
        values: dict[str, str | int | None] = {v.id: v.default for v in self.variables}
        values.update(overrides or {})
        return values

    def flow_services(
        self, flow: Flow, values: Mapping[str, str | int | None] | None = None
    ) -> tuple[Service, ...] | None:
        """The flow's services with variables substituted; ``None`` if a value is missing."""
        values = self.variable_values() if values is None else values
        parsed: list[Service] = []
        for text in flow.services:
            missing = [n for n in VARIABLE_REFERENCE.findall(text) if values.get(n) is None]
            if missing:
                return None
            concrete = VARIABLE_REFERENCE.sub(lambda m: str(values[m.group(1)]), text)
            parsed.extend(parse_service(concrete))
        if flow.offset:
            offset = values.get(flow.offset)
            if offset is None:
                return None
            parsed = [
                s
                if s.protocol in ICMP_PROTOCOLS
                else Service(s.protocol, s.ports.shifted(int(offset)))
                for s in parsed
            ]
        return canonical_services(parsed)


def _check_flow(
    info: ValidationInfo,
    index: int,
    product: str,
    flow: Flow,
    known: Mapping[str, set[str]],
    variables: Mapping[str, Variable],
) -> None:
    """Every problem of one flow: roles, feature and variables it names, its services."""
    problems: list[PortplanError] = []
    for side, role in (("from", flow.from_role), ("to", flow.to_role)):
        if role not in known["roles"]:
            problems.append(
                fail(
                    info,
                    ("flows", index, side),
                    f"flow '{flow.id}' names role '{role}', which product '{product}' "
                    f"does not define — {_meant(role, known['roles'])}add it under roles or fix "
                    "the name.",
                )
            )
    if flow.feature and flow.feature not in known["features"]:
        problems.append(
            fail(
                info,
                ("flows", index, "feature"),
                f"flow '{flow.id}' names feature '{flow.feature}', which is not defined under "
                f"features — {_meant(flow.feature, known['features'])}add it there.",
            )
        )
    for name in flow.variables:
        if name not in known["variables"]:
            problems.append(
                fail(
                    info,
                    ("flows", index),
                    f"flow '{flow.id}' uses variable '{name}', which is not defined under "
                    f"variables — {_meant(name, known['variables'])}add it there.",
                )
            )
    if flow.offset and flow.offset in variables and variables[flow.offset].kind != "offset":
        problems.append(
            fail(
                info,
                ("flows", index, "offset"),
                f"variable '{flow.offset}' is not an offset — give it kind: offset.",
            )
        )
    for j, text in enumerate(flow.services):
        try:
            parse_service(VARIABLE_REFERENCE.sub("1", text))
        except ServiceSyntaxError as exc:
            problems.append(fail(info, ("flows", index, "services", j), exc.message))
    raise_all(problems)


def _meant(wrong: str, names: set[str]) -> str:
    meant = closest(wrong, names, synonyms=False)
    return f"did you mean '{meant}'? Or " if meant else ""

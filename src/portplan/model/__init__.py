"""The vocabulary of DESIGN.md: services, products, deployments and concrete flows."""

from portplan.model.concrete import ConcreteFlow, Endpoint, FlowEvidence, Hop, Resolution, Unbound
from portplan.model.deployment import (
    Constraint,
    Deployment,
    EnforcementPoint,
    External,
    Host,
    Link,
    ProductUse,
    Site,
    Zone,
    split_binding,
)
from portplan.model.product import Evidence, Feature, Flow, Product, Role, Source, Variable
from portplan.model.service import (
    PortRange,
    PortSet,
    Service,
    canonical_services,
    format_services,
    parse_service,
    parse_services,
)

__all__ = [
    "ConcreteFlow",
    "Constraint",
    "Deployment",
    "Endpoint",
    "EnforcementPoint",
    "Evidence",
    "External",
    "Feature",
    "Flow",
    "FlowEvidence",
    "Hop",
    "Host",
    "Link",
    "PortRange",
    "PortSet",
    "Product",
    "ProductUse",
    "Resolution",
    "Role",
    "Service",
    "Site",
    "Source",
    "Unbound",
    "Variable",
    "Zone",
    "canonical_services",
    "format_services",
    "parse_service",
    "parse_services",
    "split_binding",
]

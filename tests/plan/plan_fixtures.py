"""A small product and deployment (YAML text) that the plan and report tests vary."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from portplan.catalog import Catalog
from portplan.model.deployment import Deployment
from portplan.model.product import Product
from portplan.yamlio import load_yaml, validate_model

PRODUCT = """\
id: acme-print
name: Acme Print
vendor: Acme
roles:
  - {id: server, name: Print server}
  - {id: client, name: Workstation}
  - {id: printer, name: Printer}
  - {id: db, name: SQL Server}
  - {id: cloud, name: Acme Cloud}
  - {id: edge, name: Edge node}
features:
  - {id: mobile, name: Mobile printing}
  - {id: audit, name: Audit, default: true}
  - {id: content, name: Content server}
variables:
  - {id: db_port, default: 1433}
  - {id: content_port}
  - {id: instance_offset, kind: offset, default: 0}
flows:
  - id: submit
    from: client
    to: server
    services: [tcp/9100, tcp/443]
    purpose: Submit print jobs
    offset: instance_offset
    evidence: {document: acme.txt, line: 12}
  - id: deliver
    from: server
    to: printer
    services: [tcp/9100, udp/161-162]
    purpose: Deliver jobs and poll status
    evidence: {document: acme.txt, line: 14}
  - id: database
    from: server
    to: db
    services: ["tcp/${db_port}"]
    purpose: Job database
    evidence: {document: acme.txt, line: 20}
  - id: mobile-in
    from: client
    to: server
    services: [tcp/8443]
    purpose: Mobile release
    feature: mobile
    evidence: {document: acme.txt, line: 30}
  - id: audit-log
    from: server
    to: db
    services: [tcp/5000]
    purpose: Audit trail
    feature: audit
  - id: ping
    from: server
    to: printer
    services: [icmp/echo-request]
    purpose: Reachability check
    optional: true
  - id: content
    from: server
    to: db
    services: ["tcp/${content_port}"]
    purpose: Content server
    feature: content
  - id: cloud
    from: edge
    to: cloud
    services: [tcp/443]
    purpose: Cloud job metadata
  - id: mesh
    from: edge
    to: edge
    services: [tcp/9264]
    purpose: Edge nodes replicate jobs
    note: The vendor lists this port twice.
"""

DEPLOYMENT = """\
name: acme
sites:
  - {name: hq}
  - {name: east}
  - {name: west}
zones:
  - {name: hq-servers, site: hq, cidrs: [10.0.1.0/24]}
  - {name: hq-users, site: hq, cidrs: [10.0.2.0/24, "2001:db8:2::/64"]}
  - {name: east-lan, site: east, cidrs: [10.1.0.0/24]}
  - {name: west-lan, site: west, cidrs: [10.2.0.0/24]}
hosts:
  - name: print1
    zone: hq-servers
    addresses: [10.0.1.10]
    os: windows
    roles: ["acme-print:server", "acme-print:db"]
  - name: sql1
    zone: hq-servers
    addresses: [10.0.1.20]
    roles: ["acme-print:db"]
  - name: pc1
    zone: hq-users
    addresses: [10.0.2.5, "2001:db8:2::5"]
    os: windows
    roles: ["acme-print:client", "acme-print:edge"]
  - name: prn-east
    zone: east-lan
    addresses: [10.1.0.9]
    os: appliance
    roles: ["acme-print:printer", "acme-print:edge"]
  - name: edge-west
    zone: west-lan
    addresses: [10.2.0.7]
    roles: ["acme-print:edge"]
externals:
  - name: acme-cloud
    cidrs: [203.0.113.0/24]
    fqdn: cloud.acme.example
    roles: ["acme-print:cloud"]
links:
  - {name: vpn, sites: [hq, east, west], topology: hub-and-spoke, hub: hq}
firewalls:
  - {name: core, kind: network, zones: [hq-servers, hq-users], platform: aerleon:juniper}
  - {name: hq-edge, kind: network, sites: [hq]}
  - {name: east-edge, kind: network, sites: [east]}
  - {name: west-edge, kind: network, sites: [west]}
  - {name: windows-fw, kind: host, platform: windows, hosts: [print1, pc1]}
products:
  - product: acme-print
"""


def product_from_text(path: Path, text: str) -> Product:
    path.write_text(text)
    data, source = load_yaml(path)
    return validate_model(Product, data, source)


def catalog_of(*products: Product) -> Catalog:
    """A catalog of just these products (the bundled ones stay out of unit tests)."""
    return Catalog(products={p.id: p for p in products})


DeploymentFactory = Callable[..., Deployment]

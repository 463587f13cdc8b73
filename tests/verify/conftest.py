"""A small product and deployment for the verify tests, planned with the real pipeline.

Three zones behind one router (``core``) and a host firewall on the app server: enough to
exercise forward, input and output rulesets, TCP, UDP and ICMP flows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from portplan.model.concrete import Resolution
from portplan.model.deployment import Deployment
from portplan.pipeline import plan

PRODUCT = """\
id: shop
name: Shop
vendor: Example
roles:
  - {id: client, name: Workstation}
  - {id: app, name: Application server}
  - {id: db, name: Database}
  - {id: monitor, name: Monitoring}
flows:
  - {id: web, from: client, to: app, services: [tcp/443, tcp/8443], purpose: Clients use the app}
  - {id: sql, from: app, to: db, services: [tcp/1433], purpose: App database}
  - {id: snmp, from: monitor, to: app, services: [udp/161], purpose: Poll the app}
  - {id: ping, from: monitor, to: app, services: [icmp/echo-request], purpose: Reachability}
"""

DEPLOYMENT = """\
name: shop
sites: [{name: hq}]
zones:
  - {name: users, site: hq, cidrs: [10.10.1.0/24]}
  - {name: servers, site: hq, cidrs: [10.10.2.0/24]}
  - {name: mgmt, site: hq, cidrs: [10.10.3.0/24]}
hosts:
  - {name: ws1, zone: users, addresses: [10.10.1.11], roles: ["shop:client"]}
  - {name: ws2, zone: users, addresses: [10.10.1.12], roles: ["shop:client"]}
  - {name: app1, zone: servers, os: linux, addresses: [10.10.2.5], roles: ["shop:app"]}
  - {name: db1, zone: mgmt, addresses: [10.10.3.6], roles: ["shop:db"]}
  - {name: mon1, zone: mgmt, addresses: [10.10.3.7], roles: ["shop:monitor"]}
firewalls:
  - {name: core, kind: network, zones: [users, servers, mgmt]}
  - {name: app-host, kind: host, hosts: [app1]}
products:
  - product: shop
"""


@pytest.fixture
def shop(tmp_path: Path) -> tuple[Path, Path]:
    """(deployment path, catalog directory) of the shop example."""
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    (catalog / "shop.yaml").write_text(PRODUCT)
    deployment = tmp_path / "shop.yaml"
    deployment.write_text(DEPLOYMENT)
    return deployment, catalog


@pytest.fixture
def shop_plan(shop: tuple[Path, Path]) -> tuple[Deployment, Resolution]:
    deployment, catalog = shop
    return plan(deployment, [catalog])

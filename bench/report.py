"""The change-board report of a large site.

    .venv/bin/python bench/report.py [--clients 20000]

A deployment built in code: one print server, ``--clients`` workstations in 20 zones of one
site, each submitting jobs on three ports (tcp/443, tcp/9100, udp/161 for status) through one
network firewall — ``3 × clients`` matrix rows (60,000 for 20,000 clients). Measured: planning
it, building every view of the report (summary by zone pair and service, by role and zone
pair, rules per enforcement point), and rendering XLSX, HTML and Markdown — time, size, and
how many lines the page-sized views have. It prints a table and exits 0: a measurement, not a
test.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from portplan import pipeline  # noqa: E402
from portplan.catalog import Catalog  # noqa: E402
from portplan.model.deployment import Deployment  # noqa: E402
from portplan.model.product import Product  # noqa: E402

ZONES = 20

PRODUCT = Product.model_validate(
    {
        "id": "print",
        "name": "Print service",
        "roles": [{"id": "server", "name": "Server"}, {"id": "client", "name": "Client"}],
        "flows": [
            {
                "id": "submit",
                "from": "client",
                "to": "server",
                "services": ["tcp/443,9100"],
                "purpose": "Submit jobs",
            },
            {
                "id": "status",
                "from": "client",
                "to": "server",
                "services": ["udp/161"],
                "purpose": "Job status",
                "note": "The document says 'SNMP (if used)'.",
            },
        ],
    }
)


def deployment(clients: int) -> Deployment:
    hosts: list[dict[str, Any]] = [
        {
            "name": "print1",
            "zone": "servers",
            "addresses": ["10.99.0.10"],
            "roles": ["print:server"],
        }
    ]
    for i in range(clients):
        zone = i % ZONES
        address = ipaddress.ip_address(f"10.{zone}.0.0") + 10 + i // ZONES
        hosts.append(
            {"name": f"pc{i}", "zone": f"floor{zone}", "addresses": [str(address)],
             "roles": ["print:client"]}
        )  # fmt: skip
    zones = [{"name": "servers", "site": "hq", "cidrs": ["10.99.0.0/24"]}]
    zones += [
        {"name": f"floor{z}", "site": "hq", "cidrs": [f"10.{z}.0.0/16"]} for z in range(ZONES)
    ]
    return Deployment.model_validate(
        {
            "name": "large-site",
            "sites": [{"name": "hq"}],
            "zones": zones,
            "hosts": hosts,
            "firewalls": [{"name": "core", "kind": "network", "zones": ["servers"]}],
            "products": [{"product": "print"}],
        }
    )


def timed(what: str, results: list[tuple[str, str]], call: Any) -> Any:
    start = time.perf_counter()
    value = call()
    results.append((what, f"{time.perf_counter() - start:.1f} s"))
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20_000)
    args = parser.parse_args()
    results: list[tuple[str, str]] = []
    model = timed("build the deployment", results, lambda: deployment(args.clients))
    catalog = Catalog(products={"print": PRODUCT})
    resolution = timed("plan", results, lambda: pipeline.plan_deployment(model, catalog))
    report = timed("every view", results, lambda: pipeline.change_board(model, resolution))
    results += [
        ("matrix rows", f"{len(report.rows):,}"),
        ("summary lines (zone pair × service)", str(len(report.summary))),
        ("lines by role and zone pair", str(len(report.by_role))),
        ("rule lines at core", f"{len(report.points[0].rules):,}"),
    ]
    for fmt in ("xlsx", "html", "md"):
        content = timed(
            f"render {fmt}", results, lambda f=fmt: pipeline.render_report(model, resolution, f)
        )
        size = len(content if isinstance(content, bytes) else content.encode("utf-8"))
        results.append((f"{fmt} size", f"{size / 1e6:.1f} MB"))
    width = max(len(what) for what, _ in results)
    print(f"report of a large site: {args.clients:,} clients in {ZONES} zones")
    for what, value in results:
        print(f"  {what:<{width}}  {value}")


if __name__ == "__main__":
    main()

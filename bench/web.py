"""Server-side timing of the workbench's pages.

    .venv/bin/python bench/web.py [--rounds 5] [--big-rows 100000] [--write FILE]

Each page is requested through the ASGI app in this process (no network, no browser), so the
time is what the server spends: reading, planning and rendering. Measured:

* the LUCS product page (58 flows, catalog loaded) and the LUCS seed document's review page
  (extraction of the document included);
* the deployment page of a generated 5,000-flow deployment: cold (reading the YAML, planning,
  the matrix and the page — ``portplan serve`` does this at start-up, before anyone asks) and
  warm (the plan is kept while its files are unchanged);
* the matrix API on a generated deployment of 100,000 matrix rows: a page, a column filter, a
  search over every column and a sort — what the deployment page asks as a person browses.

Goals: the LUCS page and the 5,000-flow page under 1 s; the 100,000-row matrix answering each
question well under a second, so the page stays responsive. It prints a table and exits 0: a
measurement, not a test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from fastapi.testclient import TestClient  # noqa: E402

from portplan.web import WebSettings, create_app  # noqa: E402

SEEDS = ROOT.parent / "shared" / "seeds"
FLOWS_PER_CLIENT = 5


def product_yaml(product: str, flows: int) -> str:
    """A product whose client role talks to its server on ``flows`` services."""
    lines = [
        f"id: {product}",
        "name: Bench application",
        "roles: [{id: client, name: Client}, {id: server, name: Server}]",
        "flows:",
    ]
    for n in range(flows):
        lines.append(
            f"  - {{id: f{n}, from: client, to: server, services: [tcp/{10000 + n}, "
            f"udp/{20000 + n}], purpose: 'Bench flow {n}'}}"
        )
    return "\n".join(lines) + "\n"


def deployment_yaml(product: str, clients: int) -> str:
    """``clients`` hosts in /24 zones behind one firewall, and one server."""
    zones = (clients + 249) // 250
    lines = ["name: bench", "sites: [{name: hq}]", "zones:"]
    lines += [
        f"  - {{name: z{z}, site: hq, cidrs: [10.{z // 250}.{z % 250}.0/24]}}" for z in range(zones)
    ]
    lines.append("  - {name: servers, site: hq, cidrs: [10.255.0.0/24]}")
    lines.append("hosts:")
    lines.append(
        f"  - {{name: srv, zone: servers, addresses: [10.255.0.10], roles: [{product}:server]}}"
    )
    for c in range(clients):
        z = c // 250
        lines.append(
            f"  - {{name: c{c}, zone: z{z}, addresses: [10.{z // 250}.{z % 250}.{c % 250 + 1}], "
            f"roles: [{product}:client]}}"
        )
    lines.append("firewalls: [{name: core, kind: network, platform: nftables, zones: [servers]}]")
    lines.append(f"products: [{{product: {product}}}]")
    return "\n".join(lines) + "\n"


def timed(rounds: int, request: Callable[[], object]) -> tuple[float, float]:
    """Median and worst of ``rounds`` calls, in seconds."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        request()
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times)


def generated(directory: Path, name: str, clients: int, flows: int) -> tuple[Path, Path]:
    catalog = directory / f"{name}-catalog"
    catalog.mkdir()
    (catalog / f"{name}.yaml").write_text(product_yaml(name, flows))
    deployment = directory / f"{name}.yaml"
    deployment.write_text(deployment_yaml(name, clients))
    return catalog, deployment


def get(client: TestClient, url: str, **params: object) -> Callable[[], object]:
    def call() -> object:
        response = client.get(url, params=params)  # type: ignore[arg-type]
        assert response.status_code == 200, (url, response.status_code, response.text[:300])
        return response

    return call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--big-rows", type=int, default=100_000)
    parser.add_argument("--write", help="Also write the table (Markdown) to this file.")
    args = parser.parse_args()
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="portplan-bench-web-") as tmp:
        work = Path(tmp)
        docs = work / "docs"
        docs.mkdir()
        (docs / "luware-lucs.txt").write_bytes((SEEDS / "luware-lucs.txt").read_bytes())
        five_catalog, five = generated(work, "five-thousand", 1000, FLOWS_PER_CLIENT)
        big_flows = 10
        big_catalog, big = generated(work, "big", args.big_rows // (2 * big_flows), big_flows)
        settings = WebSettings(
            catalog_dirs=(five_catalog, big_catalog),
            deployments=(five, big),
            documents=(docs,),
            warm_up=False,  # measure the first page's planning instead of hiding it
        )
        with TestClient(create_app(settings), base_url="http://127.0.0.1:8765") as client:
            ids = {d["file"]: d["id"] for d in client.get("/api/deployments").json()["deployments"]}
            first, _ = timed(1, get(client, "/catalog/luware-lucs"))
            median, worst = timed(args.rounds, get(client, "/catalog/luware-lucs"))
            rows.append(
                (
                    "LUCS product page (58 flows)",
                    f"{median:.3f} s (worst {worst:.3f} s; "
                    f"first, loading the catalog: {first:.3f} s)",
                    "< 1 s",
                )
            )
            review = get(client, "/review", folder="docs", document="luware-lucs.txt")
            median, worst = timed(args.rounds, review)
            rows.append(
                (
                    "LUCS review page (extract + 58 flows)",
                    f"{median:.3f} s (worst {worst:.3f} s)",
                    "< 1 s",
                )
            )

            page = get(client, f"/deployments/{ids['five-thousand.yaml']}")
            cold, _ = timed(1, page)
            median, worst = timed(args.rounds, page)
            api = client.get(f"/api/deployments/{ids['five-thousand.yaml']}").json()
            label = f"deployment page, {api['flows']:,} flows / {api['rows']:,} rows"
            rows.append((f"{label}: cold (plan + page)", f"{cold:.3f} s", "< 1 s"))
            rows.append((f"{label}: warm", f"{median:.3f} s (worst {worst:.3f} s)", "< 1 s"))

            cold, _ = timed(1, get(client, f"/deployments/{ids['big.yaml']}"))
            api = client.get(f"/api/deployments/{ids['big.yaml']}").json()
            rows.append(
                (f"deployment page, {api['rows']:,} rows: cold (plan + page)", f"{cold:.3f} s", "")
            )
            matrix = f"/api/deployments/{ids['big.yaml']}/matrix"
            for what, params in (
                ("a page (rows 50,001–50,100)", {"offset": 50_000}),
                ("a column filter (protocol udp)", {"filter": "protocol:udp"}),
                ("a search over every column", {"q": "c4321 bench"}),
                ("a sort by destination port, descending", {"sort": "ports", "order": "desc"}),
                (
                    "sort + filter + search",
                    {"sort": "source", "filter": "ports:1000", "q": "flow 3"},
                ),
            ):
                median, worst = timed(args.rounds, get(client, matrix, **params))
                rows.append(
                    (
                        f"{api['rows']:,}-row matrix: {what}",
                        f"{median:.3f} s (worst {worst:.3f} s)",
                        "< 1 s",
                    )
                )
    table = ["| Measurement | Result | Goal |", "|---|---|---|"]
    table += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    text = "\n".join(table) + "\n"
    print(text)
    if args.write:
        Path(args.write).write_text(text)


if __name__ == "__main__":
    main()

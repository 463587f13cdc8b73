"""Extraction throughput: a large generated text document and a 200-page generated PDF.

    .venv/bin/python bench/extract.py [--text-mb 5] [--pages 200]

Both documents are generated in a temporary directory (realistic port tables, continuation rows,
numbered steps and prose), then extracted in this process exactly as ``portplan extract FILE
--format json -o OUT`` does. A third document, as large as the text one and written in Markdown,
AsciiDoc and reStructuredText, is read into its block tree alone. Prints a table against the
goals (>= 5 MB of text in < 10 s; a 200-page PDF in < 20 s; the block tree of 5 MB in < 5 s; each
pathological line in < 10 s; peak memory < 500 MB; "found" counts flows, or blocks for the block
tree) and exits 0: it is a measurement, not a test. Goals are judged on CPU seconds, which a busy
machine does not inflate the way it does the wall clock.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

ROLES = (
    "Management Server",
    "Collector",
    "Agent",
    "Database Server",
    "Web Console",
    "Edge Node",
    "Print Server",
    "Printers",
    "Domain Controller",
    "Mail Relay",
    "Backup Target",
    "Media Gateway",
)
SERVICES = (
    ("TCP", "443", "HTTPS API and console"),
    ("TCP", "8443", "Agent check-in over TLS"),
    ("UDP", "161", "SNMP status query"),
    ("UDP", "162", "SNMP traps"),
    ("TCP", "1433", "Configuration database"),
    ("TCP", "135, 49152-65535", "Remote installation over RPC"),
    ("TCP/UDP", "53", "Name resolution"),
    ("TCP", "9100", "Raw printing"),
    ("UDP", "10000-20000", "Media streams"),
    ("TCP", "5701", "Cluster cache replication"),
)


def generate_text(path: Path, megabytes: float, seed: int = 7) -> int:
    """A long ports guide: sections of prose, numbered steps and tab-separated tables."""
    rng = random.Random(seed)
    target = int(megabytes * 1024 * 1024)
    size = 0
    section = 0
    with path.open("w", encoding="utf-8") as out:
        while size < target:
            section += 1
            src, dst = rng.sample(ROLES, 2)
            lines = [
                f"Section {section}: {src} to {dst} communication",
                "",
                f"This section describes how the {src} and the {dst} exchange data. Open the "
                "ports below on every firewall between them; all ports are destination ports.",
                "",
                "Port\tType\tSource\tDestination\tDescription",
            ]
            for _ in range(rng.randint(8, 16)):
                proto, port, purpose = rng.choice(SERVICES)
                a, b = rng.sample(ROLES, 2)
                lines.append(f"{port}\t{proto}\t{a}\t{b}\t{purpose}")
                if rng.random() < 0.3:  # a continuation row: blank port and type cells
                    lines.append(f"\t\t{rng.choice(ROLES)}\t{b}\t{purpose} (only if used)")
            lines += [
                "",
                f"1. The {src} connects to the {dst} on TCP {rng.choice((443, 8443, 9443))}.",
                f"2. The {dst} replies with the job status over UDP {rng.choice((161, 514))}.",
                "",
                "Notes: the ports are configurable in the administration console. Contact "
                "support before changing them in production.",
                "",
            ]
            chunk = "\n".join(lines) + "\n"
            out.write(chunk)
            size += len(chunk.encode("utf-8"))
    return size


def generate_markup(path: Path, megabytes: float, seed: int = 5) -> int:
    """Port pages in lightweight markup, one language after another: Markdown (front matter,
    pipe tables, nested lists, fences), AsciiDoc (spanned ``|===`` tables, ifdef lines,
    admonitions) and reStructuredText (list-tables, grid tables, directives)."""
    rng = random.Random(seed)
    target = int(megabytes * 1024 * 1024)
    size = 0
    page = 0
    with path.open("w", encoding="utf-8") as out:
        while size < target:
            page += 1
            src, dst = rng.sample(ROLES, 2)
            proto, port, purpose = rng.choice(SERVICES)
            rows = [rng.choice(SERVICES) for _ in range(rng.randint(4, 10))]
            markdown = [
                f"## {src} to {dst} ({page})",
                "",
                f"The **{src}** connects to the [{dst}](#{page}) on {proto} {port}.",
                "",
                "| Port | Protocol | Purpose |",
                "|------|:--------:|---------|",
                *(f"| {p} | `{t}` | {u} |" for t, p, u in rows),
                "",
                f"- {proto}/{port}",
                f"    - {purpose}",
                "",
                "```sh",
                f"firewall-cmd --add-port={port.split(',')[0]}/{proto.lower()[:3]}",
                "```",
                "",
            ]
            asciidoc = [
                f".Ports of the {dst}",
                '[cols="1,1,3",options="header"]',
                "|===",
                "|Port |Protocol |Purpose",
                *(f"|{p} .2+|{t} |{u}\n|{p}" for t, p, u in rows[:2]),
                "ifdef::cloud[]",
                f"|{port} |{proto} |{purpose}",
                "endif::[]",
                "|===",
                "",
                f"NOTE: the {dst} keeps the connection open.",
                "",
            ]
            rst = [
                f".. list-table:: {src} ports",
                "   :header-rows: 1",
                "",
                "   * - Port",
                "     - Use",
                *(f"   * - {p}\n     - {u}" for _, p, u in rows),
                "",
                ".. note::",
                "",
                f"   The {src} retries after 30 seconds.",
                "",
            ]
            chunk = "\n".join(markdown + asciidoc + rst) + "\n"
            out.write(chunk)
            size += len(chunk.encode("utf-8"))
    return size


def structure_blocks(path: Path) -> int:
    """Read ``path`` into its block tree; the number of blocks."""
    from portplan.extract.readers import read_document
    from portplan.extract.structure import structure

    return len(structure(read_document(path)))


def generate_pdf(path: Path, pages: int, seed: int = 11) -> int:
    """A ports guide of ``pages`` pages: prose, a ruled table and unruled text rows per page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    rng = random.Random(seed)
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    widths = (95, 55, 110, 110, 150)
    for page in range(1, pages + 1):
        pdf.setFont("Helvetica-Bold", 12)
        pdf.drawString(50, 800, f"Chapter {page}: Network requirements")
        pdf.setFont("Helvetica", 9)
        src, dst = rng.sample(ROLES, 2)
        pdf.drawString(50, 780, f"The {src} connects to the {dst} on TCP 8443 to fetch policies.")
        pdf.drawString(50, 768, "All ports in the table are destination ports on the listener.")
        rows = [("Port", "Type", "Source", "Destination", "Description")]
        for _ in range(14):
            proto, port, purpose = rng.choice(SERVICES)
            a, b = rng.sample(ROLES, 2)
            rows.append((port, proto, a, b, purpose))
        top = 740
        for r, row in enumerate(rows):
            x = 50.0
            for c, text in enumerate(row):
                pdf.rect(x, top - (r + 1) * 18, widths[c], 18)
                pdf.drawString(x + 3, top - (r + 1) * 18 + 5, text[:32])
                x += widths[c]
        y = top - (len(rows) + 2) * 18
        for proto, port, purpose in rng.sample(SERVICES, 4):
            a, b = rng.sample(ROLES, 2)
            for x, text in zip(
                (50, 170, 300, 400), (a, b, f"{proto} {port}", purpose), strict=True
            ):
                pdf.drawString(x, y, text)
            y -= 14
        pdf.showPage()
    pdf.save()
    return path.stat().st_size


# Single lines that would make a quadratic step take minutes: 100,000 ports in one cell, a
# list item of 20,000 clauses, a 50,000-cell pipe row, a 100,000-letter word.
PATHOLOGICAL = {
    "100k ports, 1 cell": "Port\tType\tSource\tDestination\n"
    + ", ".join(str(i % 65535 + 1) for i in range(100_000))
    + "\tTCP\tA\tB\n",
    "20k clauses, 1 item": "## Inbound to the Server\n- TCP 443 " + "to the server and " * 20_000,
    "50k-cell pipe row": "| a " * 50_000 + "|\n",
    "100k-letter word": "Ab" * 50_000 + "\n",
}


@dataclass
class Result:
    label: str
    size: int
    seconds: float
    cpu: float
    flows: int
    goal_seconds: float
    goal_label: str


def extract(path: Path, out: Path) -> int:
    """Run the extract command in this process; the number of flows it wrote."""
    from portplan.cli.main import cli

    if "extract" not in cli.commands:
        raise SystemExit("bench/extract.py: portplan has no 'extract' command yet")
    try:
        cli.main(
            ["extract", str(path), "--format", "json", "-o", str(out)],
            prog_name="portplan",
            standalone_mode=False,
        )
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise
    data = json.loads(out.read_text(encoding="utf-8"))
    return len(data["flows"])


def cpu_seconds() -> float:
    """CPU time used so far by this process and its finished children (the PDF workers)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def timed(label: str, function: Callable[[], int]) -> tuple[int, float, float]:
    """The function's result, wall-clock seconds and CPU seconds. On a busy machine the wall
    clock mostly measures the other programs; CPU seconds say what the work itself costs."""
    start, cpu = time.perf_counter(), cpu_seconds()
    value = function()
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    print(f"  {label}: {seconds:.2f} s ({cpu:.2f} s CPU)", file=sys.stderr)
    return value, seconds, cpu


def peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory of this process (or of its largest child, for the PDF workers)."""
    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    divisor = 1024 * 1024 if sys.platform == "darwin" else 1024
    return resource.getrusage(who).ru_maxrss / divisor


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text-mb", type=float, default=5.0, help="size of the text document")
    parser.add_argument("--pages", type=int, default=200, help="pages of the PDF")
    args = parser.parse_args()

    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="portplan-bench-") as tmp:
        work = Path(tmp)
        text = work / "large-guide.txt"
        pdf = work / "long-guide.pdf"
        print("generating documents", file=sys.stderr)
        text_size = generate_text(text, args.text_mb)
        pdf_size = generate_pdf(pdf, args.pages)
        baseline = peak_mb()

        flows, seconds, cpu = timed("text", lambda: extract(text, work / "text.json"))
        results.append(Result("text", text_size, seconds, cpu, flows, 10.0, "≥ 5 MB in < 10 s"))
        flows, seconds, cpu = timed("pdf", lambda: extract(pdf, work / "pdf.json"))
        label = f"PDF, {args.pages} pages"
        results.append(Result(label, pdf_size, seconds, cpu, flows, 20.0, "< 20 s"))
        # The block tree alone, on text written in all three markup languages.
        markup = work / "markup-guide.txt"
        markup_size = generate_markup(markup, args.text_mb)
        blocks, seconds, cpu = timed("block tree", lambda: structure_blocks(markup))
        label = "markup → blocks"
        results.append(Result(label, markup_size, seconds, cpu, blocks, 5.0, "≥ 5 MB in < 5 s"))
        for name, line in PATHOLOGICAL.items():
            path = work / f"{name}.txt"
            path.write_text(line, encoding="utf-8")
            found, seconds, cpu = timed(name, lambda p=path, n=name: extract(p, work / f"{n}.json"))
            results.append(Result(name, len(line), seconds, cpu, found, 10.0, "< 10 s"))
    peak = peak_mb()

    print()
    print(f"{'document':18} {'size':>9} {'seconds':>8} {'CPU s':>7} {'MB/s':>7} {'found':>7}  goal")
    for r in results:
        mb = r.size / 1024 / 1024
        verdict = "ok" if r.cpu < r.goal_seconds else "MISSED"  # CPU: the machine may be busy
        print(
            f"{r.label:18} {mb:7.2f}MB {r.seconds:8.2f} {r.cpu:7.2f} {mb / r.seconds:7.2f}"
            f" {r.flows:7d}  {r.goal_label}: {verdict}"
        )
    workers = peak_mb(resource.RUSAGE_CHILDREN)
    memory_verdict = "ok" if peak < 500 and workers < 500 else "MISSED"
    print(
        f"{'peak memory':18} {peak:7.1f}MB (process; {baseline:.1f} MB after generating the "
        f"documents; largest PDF worker {workers:.1f} MB)  < 500 MB: {memory_verdict}"
    )
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"{'machine':18} {cpus} CPUs, load average {load}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

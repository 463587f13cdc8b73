"""``make demo``: the main job on a bundled example, as the commands a user would type, ending
in one screen that says what was proven and where the files are.

The PaperCut Hive example spans three sites (Melbourne hub, Portland, Bracknell over a VPN):
plan its concrete flows, write the report a change board signs (XLSX and HTML), compile the
firewalls to nftables, draw it, and — as root on a machine with nftables — prove the rules in
a network-namespace lab. ``python -m portplan.demo [DIR]`` writes into DIR (portplan-out).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = "examples/papercut-hive/mesh.yaml"
WIDTH = 110  # the demo's output is one screen: commands print for this width

FILES = (
    ("papercut-change-request.xlsx", "the report a change board signs: cover, summary, rules"),
    ("papercut-change-request.html", "the same report as one page, with a filter box"),
    ("nftables/", "the ruleset of every firewall"),
    ("papercut.svg", "hosts; firewalls on the flows that cross them; the VPN hub"),
    ("papercut-zones.svg", "the same, zone to zone"),
    ("lab-results.json", "every probe the lab sent, and what it saw"),
)  # fmt: skip


def _example() -> str:
    for base in (Path.cwd(), REPO):
        if (base / EXAMPLE).is_file():
            return EXAMPLE if base == Path.cwd() else str(base / EXAMPLE)
    raise SystemExit(f"demo: cannot find {EXAMPLE}; run 'make demo' from the portplan checkout")


def _run(*args: str, allow: tuple[int, ...] = (0,)) -> str:
    """Run one portplan command as a user would, print it and what it prints on stdout; its
    stderr (where it wrote, the notes) is shown only when it fails."""
    print(f"$ portplan {shlex.join(args)}", flush=True)
    done = subprocess.run(
        [sys.executable, "-m", "portplan", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": str(WIDTH)},
        check=False,
    )
    if done.returncode not in allow:
        sys.stdout.write(done.stdout + done.stderr)
        raise SystemExit(f"demo: 'portplan {shlex.join(args)}' exited {done.returncode}")
    sys.stdout.write(done.stdout)
    return done.stdout


def _proven(out: Path) -> str:
    """What the lab proved, from its results file."""
    results = json.loads((out / "lab-results.json").read_text(encoding="utf-8"))["results"]
    passed = [r for r in results if r["expected"] == "pass"]
    refused = [r for r in results if r["expected"] != "pass"]
    flows = {r["flow"] for r in passed}
    bad = [r for r in results if not r["ok"]]
    verdict = "Proven" if not bad else f"NOT proven ({len(bad)} mismatches)"
    return (
        f"{verdict} in a real kernel: the compiled nftables rules let all {len(flows)} "
        f"planned flows through ({sum(r['ok'] for r in passed)} of {len(passed)} probes) and "
        f"refused {sum(r['ok'] for r in refused)} of {len(refused)} probes of traffic nobody "
        "asked for."
    )


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "portplan-out")
    out.mkdir(parents=True, exist_ok=True)
    deployment = _example()
    print("portplan demo: PaperCut Hive in Melbourne (the VPN hub), Portland and Bracknell.\n")
    _run("plan", deployment)
    request = ("--ticket", "DEMO-1", "--owner", "Print team")
    _run("report", deployment, "--format", "xlsx", "-o", str(out / FILES[0][0]), *request)
    _run("report", deployment, "--format", "html", "-o", str(out / FILES[1][0]), *request)
    _run("compile", deployment, "--target", "nftables", "-o", str(out / "nftables"))
    if shutil.which("dot"):
        _run("diagram", deployment, "-o", str(out / FILES[3][0]))
        _run("diagram", deployment, "--level", "zone", "-o", str(out / FILES[4][0]))
    can_lab = os.geteuid() == 0 and shutil.which("nft") and shutil.which("ip")
    if can_lab:
        _run("lab", deployment, "-o", str(out / FILES[5][0]), allow=(0, 1))
    print()
    if can_lab:
        print(textwrap.fill(_proven(out), WIDTH))
    else:
        print(
            textwrap.fill(
                "Compiled, not yet proven: the lab needs root, nftables and iproute2 — "
                "'sudo make demo' loads the rules into a kernel and tries every flow.",
                WIDTH,
            )
        )
    print(f"Files in {out}/:")
    for name, what in FILES:
        if (out / name).exists():
            print(f"  {name:<29} {what}")


if __name__ == "__main__":
    main()

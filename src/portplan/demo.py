"""``make demo``: the main job on a bundled example, as the commands a user would type.

The PaperCut Hive example spans three sites (Melbourne hub, Portland, Bracknell over a VPN):
plan its concrete flows, write the port matrix a change board accepts, compile the firewalls
to nftables, draw it, and — as root on a machine with nftables — prove the rules in a
network-namespace lab.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT = Path("portplan-out")


def _example(relative: str) -> str:
    for base in (Path.cwd(), REPO):
        if (base / relative).is_file():
            return str(
                (base / relative).relative_to(Path.cwd()) if base == Path.cwd() else base / relative
            )
    raise SystemExit(f"demo: cannot find {relative}; run 'make demo' from the portplan checkout")


def _run(*args: str, allow: tuple[int, ...] = (0,)) -> int:
    print(f"\n$ portplan {shlex.join(args)}", flush=True)
    code = subprocess.call([sys.executable, "-m", "portplan", *args])
    if code not in allow:
        raise SystemExit(f"demo: 'portplan {shlex.join(args)}' exited {code}")
    return code


def main() -> None:
    deployment = _example("examples/papercut-hive/mesh.yaml")
    OUT.mkdir(exist_ok=True)
    _run("catalog", "list")
    _run("plan", deployment)
    _run("report", deployment, "--format", "xlsx", "-o", str(OUT / "papercut-port-matrix.xlsx"))
    _run("report", deployment, "--format", "html", "-o", str(OUT / "papercut-port-matrix.html"))
    _run("compile", deployment, "--target", "nftables", "-o", str(OUT / "nftables"))
    if shutil.which("dot"):
        _run("diagram", deployment, "-o", str(OUT / "papercut.svg"))
    can_lab = os.geteuid() == 0 and shutil.which("nft") and shutil.which("ip")
    if can_lab:
        _run("lab", deployment)
    print(f"\nDone. Files are in {OUT.resolve()}/:")
    for path in sorted(OUT.rglob("*")):
        if path.is_file():
            print(f"  {path}")
    if not can_lab:
        print("\n(The lab needs root, nftables and iproute2: 'sudo make demo' proves the rules.)")


if __name__ == "__main__":
    main()

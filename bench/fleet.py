"""Fleet at scale: hosts verified per minute through Ansible, beside the lab; UDP verdicts with
Linux's default ICMP rate limit; apply + verify wall time.

    .venv/bin/python bench/fleet.py [--sizes 20,50,100] [--apply-hosts 50]
                                    [--write docs/fleet-bench.md]

Needs root, Debian's openssh-server and ansible-core (``make test`` installs both). For each
size, a generated two-site deployment is built as real SSH hosts in network namespaces
(tests/fleet/testbed.py: the lab's topology, sshd per host, a controller namespace running
``portplan fleet verify`` and so ``ansible-playbook``); the lab runs the same deployment for
comparison. The hosts keep the default ICMP rate limit, so the fleet's UDP verdicts are
compared with the lab's (which switches the limit off). Then a fresh fleet (no host firewalls
loaded, one on every host in the plan) gets ``portplan fleet apply --verify``: push, verify
every flow, confirm. Everything runs in namespaces the bench creates and removes.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from portplan.io import write_atomic  # noqa: E402
from portplan.pipeline import plan  # noqa: E402
from portplan.verify.lab import run_lab  # noqa: E402
from tests.fleet.testbed import generated_deployment, ssh_fleet  # noqa: E402


def verify_size(size: int, directory: Path) -> tuple[str, int, int]:
    """One table row, and (UDP probes, UDP probes agreeing with the lab)."""
    deployment, catalog = generated_deployment(directory, size)
    planned, resolution = plan(deployment, [str(catalog)])
    lab = run_lab(planned, resolution)
    lab_states = {
        (r.case.flow, r.case.source, r.case.target.address, r.case.target.port): r.observed
        for r in lab.results
    }
    out = directory / f"verify-{size}.json"
    with ssh_fleet(deployment, [str(catalog)]) as bed:
        bed.forks = 50
        started = time.monotonic()
        result = bed.fleet("verify", "--format", "json", "-o", str(out))
        seconds = time.monotonic() - started
    report = json.loads(out.read_text())
    udp = [r for r in report["results"] if r["protocol"] == "udp"]
    agree = sum(
        lab_states.get((r["flow"], r["source"], r["address"], r["port"])) == r["observed"]
        for r in udp
    )
    lab_seconds = lab.timings["total"]
    row = (
        f"| {size} | {len(report['results']):,} | {report['mismatches']} | "
        f"{len(report['host_problems'])} | {seconds:.1f} s | {60 * size / seconds:,.0f} | "
        f"{lab_seconds:.1f} s | {60 * size / lab_seconds:,.0f} | exit {result.returncode} |"
    )
    print(row, flush=True)
    return row, len(udp), agree


def apply_and_verify(size: int, directory: Path) -> str:
    deployment, catalog = generated_deployment(directory, size, client_firewalls=True)
    with ssh_fleet(deployment, [str(catalog)], host_firewalls=False) as bed:
        bed.forks = 50
        started = time.monotonic()
        result = bed.fleet("apply", "--target", "nftables", "--verify", "--format", "json")
        seconds = time.monotonic() - started
    data = json.loads(result.stdout)
    confirmed = sum(h["status"] == "confirmed" for h in data["hosts"])
    verify = data["verify"] or {}
    timings = ", ".join(f"{k} {v:.1f} s" for k, v in data["timings"].items())
    line = (
        f"`portplan fleet apply --verify` on a fresh {size}-host fleet (a host firewall on "
        f"every host): {confirmed}/{len(data['hosts'])} hosts applied and confirmed, "
        f"{len(verify.get('results', []))} probes, {verify.get('mismatches')} mismatches, "
        f"exit {result.returncode}; **{seconds:.1f} s wall** (goal < 120 s; {timings})."
    )
    print(line, flush=True)
    return line


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="20,50,100")
    parser.add_argument("--apply-hosts", type=int, default=50)
    parser.add_argument("--write", default=str(ROOT / "docs" / "fleet-bench.md"))
    args = parser.parse_args()
    rows = [
        "| Hosts | Probes | Mismatches | Host problems | Fleet verify (Ansible) | Hosts/min | "
        "Lab (same deployment) | Lab hosts/min | |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    udp_total = udp_agree = 0
    with tempfile.TemporaryDirectory(prefix="portplan-fleet-bench-") as temporary:
        for size in (int(s) for s in args.sizes.split(",")):
            directory = Path(temporary) / str(size)
            directory.mkdir()
            row, total, agree = verify_size(size, directory)
            rows.append(row)
            udp_total += total
            udp_agree += agree
        apply_dir = Path(temporary) / "apply"
        apply_dir.mkdir()
        apply_line = apply_and_verify(args.apply_hosts, apply_dir)
    udp_line = (
        f"UDP with the default ICMP rate limit on every host: {udp_agree:,} of {udp_total:,} "
        f"UDP probes ({100 * udp_agree / max(1, udp_total):.2f} %) got the lab's state (the lab "
        "switches the limit off); verdicts come from what each listener saw arrive."
    )
    print(udp_line)
    machine = f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    cpus = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    ansible = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "--version"],
        capture_output=True,
        text=True,
    ).stdout.splitlines()[0]
    text = "\n".join(
        [
            "# Fleet benchmark",
            "",
            f"`bench/fleet.py` on {machine}, {cpus} CPUs (shared), {ansible}, one run. Hosts are "
            "network namespaces with Debian's sshd, reached over SSH by Ansible from a "
            "controller namespace (forks 50); the controller, every sshd and every agent share "
            "the same CPUs. Each generated deployment has two sites, network firewalls, host "
            "firewalls on four servers, TCP and UDP flows.",
            "",
            *rows,
            "",
            "Fleet verify time is the whole `portplan fleet verify` command: planning, reading "
            "the inventory with ansible-inventory, copying the agent, starting listeners, "
            "probing every flow and the unrequested sample, stopping the listeners. Lab time is "
            "build + test + teardown of the same deployment in namespaces.",
            "",
            udp_line,
            "",
            apply_line,
            "",
        ]
    )
    write_atomic(Path(args.write), text)
    print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

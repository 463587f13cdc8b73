"""``portplan listen DEPLOYMENT --host NAME`` — open every port this host must receive."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Sequence

import click

from portplan import pipeline
from portplan.cli.options import catalog_dirs, print_notes
from portplan.model.service import PortSet


def listening_summary(ports: Sequence[pipeline.ListenPort], result: pipeline.Listening) -> str:
    lines = []
    by_protocol: dict[str, list[int]] = {}
    for protocol, port, _ in result.opened:
        by_protocol.setdefault(protocol, []).append(port)
    for protocol, numbers in sorted(by_protocol.items()):
        lines.append(f"listening: {protocol}/{PortSet.of(numbers)}")
    if result.findings:
        lines.append(f"{len(result.findings)} port(s) could not be opened:")
        width = max(len(f"{f.protocol}/{f.port} on {f.address}") for f in result.findings)
        for finding in result.findings:
            where = f"{finding.protocol}/{finding.port} on {finding.address}"
            lines.append(f"  {where:<{width}}  {finding.problem}")
    flows = sorted({flow for p in ports for flow in p.flows})
    lines.append(f"for {len(flows)} flow(s): {', '.join(flows)}")
    return "\n".join(lines)


@click.command("listen")
@click.argument("deployment", type=click.Path(dir_okay=False))
@click.option("--host", required=True, help="The host this runs on (a host of the deployment).")
@click.option(
    "--duration",
    type=float,
    default=600,
    show_default=True,
    help="Seconds to listen before stopping.",
)
@click.option(
    "--bind",
    "binds",
    multiple=True,
    metavar="ADDR",
    help="Address to listen on (repeatable; default: every IPv4 address, and every "
    "IPv6 address when the host has one).",
)
@click.option(
    "--sample",
    "limit",
    type=int,
    default=pipeline.RANGE_SAMPLE,
    show_default=True,
    help="Ports tried in a port range wider than this (ends and evenly between).",
)
@click.pass_context
def command(
    ctx: click.Context,
    deployment: str,
    host: str,
    duration: float,
    binds: tuple[str, ...],
    limit: int,
) -> None:
    """The pre-install firewall test, receiving side: TCP listeners and UDP responders on
    every port HOST must receive, so `portplan probe` on the sending hosts gets real answers.
    Ports already in use are reported (the real service may hold them), not fatal.

    \b
    Example (on the app server, then run probe on the clients):
      portplan listen site.yaml --host app1 --duration 300
    """
    deployment_value, ports, notices = pipeline.listen_ports(
        deployment, host, limit=limit, catalog_dirs=catalog_dirs(ctx)
    )
    print_notes(notices)
    if not ports:
        click.echo(f"{host} receives no TCP, UDP or SCTP flow: nothing to listen on.")
        return
    if not binds:
        versions = {ipaddress.ip_address(a).version for a in deployment_value.host(host).addresses}
        binds = ("0.0.0.0", *(("::",) if 6 in versions else ()))

    def ready(result: pipeline.Listening) -> None:
        click.echo(listening_summary(ports, result))
        click.echo(f"listening for {duration:g} s on {', '.join(binds)} (Ctrl-C stops)", err=True)

    spec = [(p.protocol, p.port) for p in ports]
    try:
        asyncio.run(pipeline.listen(spec, binds, duration, ready))
    except KeyboardInterrupt:
        click.echo("stopped", err=True)

"""``portplan audit DEPLOYMENT --ruleset FILE`` — does an existing ruleset carry the flows?"""

from __future__ import annotations

import json
from collections import Counter

import click
from rich.table import Table

from portplan import pipeline
from portplan.cli.options import (
    ALL,
    OUTPUT,
    add_data_row,
    catalog_dirs,
    emit,
    first_few,
    format_option,
    notes_line,
    print_notes,
    render_plain,
    verbose,
)
from portplan.errors import CheckFailed, InputError
from portplan.model.service import format_services


def audit_table(report: pipeline.AuditReport, show_all: bool = True) -> str:
    """Every flow check (``show_all``), or only those not fully allowed; the tally counts
    them all."""
    where = f"enforcement point {report.point}" if report.point else "a router every flow passes"
    counts = Counter(check.status for check in report.checks)
    tally = ", ".join(f"{counts[s]} {s}" for s in ("allowed", "conditional", "partial", "blocked"))
    shown = [c for c in report.checks if show_all or c.status != "allowed"]
    table = Table(title=f"Audit of {where}: {len(report.checks)} flow checks ({tally})")
    for heading in ("Flow", "Hook", "Result", "Allowed", "Blocked", "Decided by"):
        table.add_column(heading, overflow="fold")
    for check in shown:
        result = check.status.upper() if check.required else f"{check.status} (optional)"
        allowed = [*format_services(check.allowed)]
        allowed += [f"{s} (conditional)" for s in format_services(check.conditional)]
        add_data_row(
            table,
            check.flow.id,
            check.hook,
            result,
            "\n".join(allowed) or "-",
            "\n".join(format_services(check.blocked)) or "-",
            check.rule or "-",
        )
    lines = [render_plain(table)]
    if not show_all:
        lines.append(f"(the {len(shown)} not fully allowed; --all: every flow check)\n")
    conditional = [c for c in report.checks if c.conditions]
    if conditional:
        subject = Table(title=f"{len(conditional)} flow(s) allowed only subject to conditions")
        for heading in ("Flow", "Services", "Allowed subject to"):
            subject.add_column(heading, overflow="fold")
        for check in conditional:
            ways = "\nor ".join(check.conditions[:4])
            if len(check.conditions) > 4:
                ways += f"\n(and {len(check.conditions) - 4} more ways)"
            add_data_row(
                subject, check.flow.id, "\n".join(format_services(check.conditional)), ways
            )
        lines.append(render_plain(subject))
    if report.findings:
        rules = Table(title=f"{len(report.findings)} rule findings")
        for heading in ("Finding", "Rule", "Detail"):
            rules.add_column(heading, overflow="fold")
        for finding in report.findings:
            add_data_row(rules, finding.kind, finding.rule, finding.detail)
        lines.append(render_plain(rules))
    else:
        lines.append("No rule findings: no rule is wider than the flows, none is shadowed.\n")
    return "".join(lines)


def audit_json(report: pipeline.AuditReport) -> str:
    data = {
        "point": report.point,
        "failed": report.failed,
        "conditional": [c.flow.id for c in report.conditional],
        "flows": [
            {
                "flow": c.flow.id,
                "hook": c.hook,
                "status": c.status,
                "required": c.required,
                "allowed": format_services(c.allowed),
                "conditional": format_services(c.conditional),
                "blocked": format_services(c.blocked),
                "conditions": list(c.conditions),
                "decided_by": c.rule,
                "rewrites": list(c.rewrites),
            }
            for c in report.checks
        ],
        "findings": [{"kind": f.kind, "rule": f.rule, "detail": f.detail} for f in report.findings],
        "notices": list(report.notices),
    }
    return json.dumps(data, indent=2) + "\n"


def parse_interfaces(values: tuple[str, ...]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for value in values:
        zone, sep, name = value.partition("=")
        if not sep or not zone or not name:
            raise InputError(f"--interface '{value}' — write ZONE=IFNAME, e.g. users=eth1.")
        mapping[zone] = name
    return mapping


@click.command("audit")
@click.argument("deployment", type=click.Path(dir_okay=False))
@click.option(
    "--ruleset",
    "ruleset_paths",
    required=True,
    multiple=True,
    type=click.Path(dir_okay=False),
    help="The ruleset to audit (repeatable: rules.v4 and rules.v6 make one ruleset).",
)
@click.option(
    "--ipset",
    type=click.Path(dir_okay=False),
    default=None,
    help="'ipset save' output, for iptables rules that match -m set.",
)
@click.option(
    "--format",
    "ruleset_format",
    type=click.Choice(pipeline.RULESET_FORMATS),
    default=None,
    help="Format of the ruleset (default: guessed from its content). 'nft' text is "
    "read by the real nft in a throwaway namespace (needs root).",
)
@click.option(
    "--point",
    default=None,
    help="The enforcement point the ruleset belongs to (default: a router every flow passes).",
)
@click.option(
    "--host",
    default=None,
    help="For a host firewall on several hosts: the host this ruleset was taken from.",
)
@click.option(
    "--interface",
    "interfaces",
    multiple=True,
    metavar="ZONE=IFNAME",
    help="Interface of a zone on the router, for rulesets matching iifname/oifname.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Fail (exit 1) also when a required flow is allowed only subject to a condition "
    "(a rate limit, a mark, the interface it arrives on).",
)
@format_option(["table", "json"], flag="--output-format")
@ALL
@OUTPUT
@click.pass_context
def command(
    ctx: click.Context,
    deployment: str,
    ruleset_paths: tuple[str, ...],
    ipset: str | None,
    ruleset_format: str | None,
    point: str | None,
    host: str | None,
    interfaces: tuple[str, ...],
    strict: bool,
    output_format: str,
    show_all: bool,
    output: str | None,
) -> None:
    """Evaluate an existing ruleset against DEPLOYMENT's flows with real packet-classification
    semantics: per flow allowed / blocked / partial — or conditional, allowed only subject to
    something the flow does not decide (a rate limit, a mark, the interface) — plus rules wider
    than any flow needs and rules that can never match. Exit 1 when a required flow is not
    fully allowed (with --strict, also when it is only conditionally allowed). The table shows
    the flows that are not fully allowed (--all: every flow); -o FILE writes them all.

    \b
    Examples:
      nft -j list ruleset > fw.json
      portplan audit site.yaml --ruleset fw.json --point core
      portplan audit site.yaml --ruleset rules.v4 --ruleset rules.v6 --ipset sets.txt
    """
    report = pipeline.audit(
        deployment,
        ruleset_paths,
        ruleset_format=ruleset_format,
        ipset=ipset,
        point=point,
        host=host,
        interfaces=parse_interfaces(interfaces),
        catalog_dirs=catalog_dirs(ctx),
    )
    if output_format == "json":
        emit(audit_json(report), output)
    else:
        emit(audit_table(report, show_all or output not in (None, "-")), output)
    notes_line(report.notices, verbose(ctx), "audit notes")
    conditional = [c.flow.id for c in report.conditional]
    if conditional and not strict:
        print_notes(
            [
                f"{len(conditional)} required flow(s) allowed only subject to conditions "
                f"(listed above; --strict fails on them): {first_few(conditional)}"
            ]
        )
    if report.failed or (strict and conditional):
        states = ("blocked", "partial", "conditional") if strict else ("blocked", "partial")
        failing = [c.flow.id for c in report.checks if c.required and c.status in states]
        raise CheckFailed(
            f"{len(failing)} required flow(s) not fully allowed: {first_few(failing)}"
        )

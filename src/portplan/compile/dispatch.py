"""Run the compile targets a deployment asks for.

With a target named on the command line every enforcement point is compiled for it. Without,
each enforcement point compiles with its own ``platform``: the points are grouped by platform
and each target sees a copy of the deployment holding only its points, so a target never
writes rules for a firewall that runs something else.
"""

from __future__ import annotations

from collections.abc import Iterable

from portplan.compile.base import Artifact, Compiler
from portplan.compile.registry import get_compiler
from portplan.errors import UnsupportedError, ValidationError
from portplan.model.concrete import Resolution
from portplan.model.deployment import Deployment, EnforcementPoint


def compile_deployment(
    deployment: Deployment, resolution: Resolution, target: str | None = None
) -> list[Artifact]:
    """Every artifact, in deployment order; paths are unique."""
    if target is not None:
        compiler = get_compiler(target)
        check_final_verdicts(deployment.firewalls, compiler)
        artifacts = compiler.compile(deployment, resolution)
        what = f"target '{target}'"
    else:
        if not deployment.firewalls:
            raise ValidationError(
                f"deployment '{deployment.name}' has no firewalls, so nothing says which "
                "platform to compile for — add firewalls, or name one with --target."
            )
        platforms = list(dict.fromkeys(point.platform for point in deployment.firewalls))
        artifacts = []
        for platform in platforms:
            points = [p for p in deployment.firewalls if p.platform == platform]
            scoped = deployment.model_copy(update={"firewalls": points})
            compiler = get_compiler(platform)
            check_final_verdicts(points, compiler)
            artifacts.extend(compiler.compile(scoped, resolution))
        what = "the platforms of its firewalls"
    if not artifacts:
        raise ValidationError(
            f"deployment '{deployment.name}' compiles to nothing for {what} — add firewalls "
            "(enforcement points) the target applies to."
        )
    seen: set[str] = set()
    for artifact in artifacts:
        if artifact.path in seen:
            raise ValidationError(
                f"two artifacts would both be written to '{artifact.path}' — give the "
                "enforcement points or hosts distinct names."
            )
        seen.add(artifact.path)
    return artifacts


def check_final_verdicts(points: Iterable[EnforcementPoint], compiler: Compiler) -> None:
    """A network firewall with ``final: continue`` needs a target whose ruleset can live
    beside an existing one (``final_verdicts`` on the compiler; otherwise only ``drop``)."""
    supported = getattr(compiler, "final_verdicts", ("drop",))
    for point in points:
        if point.kind == "network" and point.final not in supported:
            raise UnsupportedError(
                f"firewall '{point.name}' has final: {point.final}, but {compiler.name} "
                "rulesets cannot leave other traffic to an existing ruleset (iptables-restore "
                "replaces the whole filter table, a vendor ACL ends in an implicit deny) — use "
                "platform nftables, or final: drop."
            )


def only_point(deployment: Deployment, name: str) -> Deployment:
    """``deployment`` with one enforcement point, ``name`` (``compile --point``)."""
    points = [p for p in deployment.firewalls if p.name == name]
    if not points:
        known = ", ".join(p.name for p in deployment.firewalls) or "none"
        raise ValidationError(
            f"deployment '{deployment.name}' has no firewall named '{name}' — its firewalls: "
            f"{known}."
        )
    return deployment.model_copy(update={"firewalls": points})

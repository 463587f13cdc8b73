"""Run the compile targets a deployment asks for.

With a target named on the command line every enforcement point is compiled for it. Without,
each enforcement point compiles with its own ``platform``: the points are grouped by platform
and each target sees a copy of the deployment holding only its points, so a target never
writes rules for a firewall that runs something else.
"""

from __future__ import annotations

from portplan.compile.base import Artifact
from portplan.compile.registry import get_compiler
from portplan.errors import ValidationError
from portplan.model.concrete import Resolution
from portplan.model.deployment import Deployment


def compile_deployment(
    deployment: Deployment, resolution: Resolution, target: str | None = None
) -> list[Artifact]:
    """Every artifact, in deployment order; paths are unique."""
    if target is not None:
        artifacts = get_compiler(target).compile(deployment, resolution)
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
            artifacts.extend(get_compiler(platform).compile(scoped, resolution))
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

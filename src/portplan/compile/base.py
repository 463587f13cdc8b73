"""What every compile target implements.

A target turns a resolution (concrete flows, each with the enforcement points on its path) into
artifacts: one per enforcement point it applies to (a network firewall's ruleset, a host's
script), or one per cloud object (security group, NSG, NetworkPolicy). A flow the target
cannot express raises :class:`~portplan.errors.UnsupportedError` naming the flow — never a
silently missing rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from portplan.model.concrete import Resolution
from portplan.model.deployment import Deployment


@dataclass(frozen=True)
class Artifact:
    """One generated file, relative to the output directory."""

    path: str
    content: str | bytes
    enforcement_point: str | None = None
    description: str = ""
    rules: int | None = None  # how many rules it holds, for summaries (None: not countable)


class Compiler(Protocol):
    """A compile target. ``name`` is what ``--target`` takes."""

    name: str
    description: str

    def compile(self, deployment: Deployment, resolution: Resolution) -> list[Artifact]: ...

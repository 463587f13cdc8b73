"""The compile targets portplan knows. A new target is one module plus one line here."""

from __future__ import annotations

import importlib

from portplan.compile.base import Compiler
from portplan.errors import ValidationError

# name -> "module:attribute" of a Compiler instance or of a factory taking no arguments.
TARGETS: dict[str, str] = {
    "nftables": "portplan.compile.nftables:NftablesCompiler",
    "iptables": "portplan.compile.iptables:IptablesCompiler",
    "firewalld": "portplan.compile.firewalld:FirewalldCompiler",
    "windows": "portplan.compile.windows:WindowsCompiler",
    "aws": "portplan.compile.aws:AwsCompiler",
    "azure": "portplan.compile.azure:AzureCompiler",
    "kubernetes": "portplan.compile.kubernetes:KubernetesCompiler",
    "aerleon": "portplan.compile.aerleon:AerleonCompiler",
    "aerleon:*": "portplan.compile.aerleon:AerleonPlatformCompiler",
}


def target_names() -> list[str]:
    return sorted(TARGETS)


def get_compiler(name: str) -> Compiler:
    """The compiler for ``name``; ``aerleon:<platform>`` selects an Aerleon platform."""
    base, _, platform = name.partition(":")
    spec = TARGETS.get(name) or (TARGETS.get(base + ":*") if platform else None)
    if spec is None:
        raise ValidationError(
            f"unknown target '{name}' — run 'portplan compile --list-targets' to see them."
        )
    module_name, _, attribute = spec.partition(":")
    factory = getattr(importlib.import_module(module_name), attribute)
    compiler: Compiler = factory(platform) if platform else factory()
    return compiler

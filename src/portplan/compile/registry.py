"""The compile targets portplan knows. A new target is one module plus one line here."""

from __future__ import annotations

from portplan.compile.base import Compiler
from portplan.registry import Registry

# name -> "module:attribute" of a Compiler class or of a factory; "aerleon:*" stands for every
# Aerleon platform and is called with the platform's name.
TARGETS: Registry[Compiler] = Registry(
    {
        "nftables": "portplan.compile.nftables:NftablesCompiler",
        "iptables": "portplan.compile.iptables:IptablesCompiler",
        "firewalld": "portplan.compile.firewalld:FirewalldCompiler",
        "windows": "portplan.compile.windows:WindowsCompiler",
        "aws": "portplan.compile.aws:AwsCompiler",
        "azure": "portplan.compile.azure:AzureCompiler",
        "kubernetes": "portplan.compile.kubernetes:KubernetesCompiler",
        "aerleon": "portplan.compile.aerleon:AerleonCompiler",
        "aerleon:*": "portplan.compile.aerleon:AerleonPlatformCompiler",
    },
    unknown="unknown target '{name}' — run 'portplan compile --list-targets' to see them.",
)


def target_names() -> list[str]:
    return sorted(TARGETS)


def get_compiler(name: str) -> Compiler:
    """The compiler for ``name``; ``aerleon:<platform>`` selects an Aerleon platform."""
    base, _, platform = name.partition(":")
    if platform and name not in TARGETS and f"{base}:*" in TARGETS:
        return TARGETS.create(f"{base}:*", platform)
    return TARGETS.create(name)

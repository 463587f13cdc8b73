"""The compile targets portplan knows. A new target is one module plus one line here."""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from portplan.compile.base import Compiler
from portplan.errors import PortplanError
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


def target_descriptions() -> list[tuple[str, str]]:
    """(target, description) for every registered target; a family such as ``aerleon:*``
    lists each platform its module names (``platform_names()``, else ``PLATFORMS``). A target
    whose library is missing (an optional extra) says so instead of failing the listing."""
    rows: list[tuple[str, str]] = []
    for name in target_names():
        if not name.endswith(":*"):
            rows.append((name, _description(name)))
            continue
        family = name[:-2]
        try:
            module = importlib.import_module(TARGETS.module_name(name))
            # Prefer the platforms the installed library really has over the module's table.
            listing = getattr(module, "platform_names", None)
            platforms: object = listing() if callable(listing) else getattr(module, "PLATFORMS", ())
        except (PortplanError, ImportError) as exc:
            rows.append((f"{family}:<platform>", f"unavailable: {exc}"))
            continue
        names: Iterable[object] = platforms if isinstance(platforms, Iterable) else ()
        listed = sorted(str(p) for p in names)
        rows.append((f"{family}:<platform>", f"{family} renders to: {', '.join(listed)}"))
        rows.extend((f"{family}:{p}", _description(f"{family}:{p}")) for p in listed)
    return rows


def _description(name: str) -> str:
    try:
        return get_compiler(name).description
    except (PortplanError, ImportError) as exc:
        return f"unavailable: {exc}"

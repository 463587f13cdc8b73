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


def is_target(name: str) -> bool:
    """Whether ``name`` names a compile target (``aerleon:<platform>``: a platform the family
    module lists, whether or not its optional library is installed)."""
    if name in TARGETS and not name.endswith(":*"):
        return True
    base, _, platform = name.partition(":")
    if not platform or f"{base}:*" not in TARGETS:
        return False
    module = importlib.import_module(TARGETS.module_name(f"{base}:*"))
    return platform in getattr(module, "PLATFORMS", ())


def target_host_os(name: str) -> str | None:
    """The operating system a target's host firewall runs on (``host_os`` of its class, or
    of its family module's ``HOST_OS`` table); ``None``: any, or not a host firewall."""
    if name in TARGETS and not name.endswith(":*"):
        return getattr(TARGETS.load(name), "host_os", None)
    base, _, platform = name.partition(":")
    if f"{base}:*" not in TARGETS:
        return None
    module = importlib.import_module(TARGETS.module_name(f"{base}:*"))
    table: dict[str, str] = getattr(module, "HOST_OS", {})
    return table.get(platform)


def targets_filtering_by_name() -> list[str]:
    """The native targets that can write a rule for a name (``filters_by_name`` on the class)."""
    return [
        name
        for name in target_names()
        if not name.endswith(":*") and getattr(TARGETS.load(name), "filters_by_name", False)
    ]


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

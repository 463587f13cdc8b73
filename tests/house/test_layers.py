"""The import graph keeps the layers: cli → pipeline → stages → model → io/errors.

A module may import its own layer and the layers below it, never above; the CLI reaches the
stages only through :mod:`portplan.pipeline` (it may still name model types and use the I/O
and error helpers). Read from the source with ``ast`` (imports inside functions and
``TYPE_CHECKING`` blocks count too), so a new module cannot slip past.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import portplan

SOURCE = Path(portplan.__file__).parent

# Top-level package (first name under portplan) → layer; a lower number is a lower layer.
LAYERS: dict[str, int] = {
    # io / errors: helpers every layer may use
    "errors": 0,
    "io": 0,
    "yamlio": 0,
    "registry": 0,
    "extras": 0,
    "problems": 0,
    "explain": 0,
    "": 0,  # portplan/__init__.py: the version
    # model: the vocabulary
    "model": 1,
    # stages
    "extract": 2,
    "catalog": 2,
    "deployment": 2,
    "flows": 2,
    "compile": 2,
    "verify": 2,
    "report": 2,
    "schemas": 2,
    "fleet": 2,
    # the spine
    "pipeline": 3,
    "demo": 3,
    # the command line and the web workbench: both reach the stages through the pipeline
    "cli": 4,
    "web": 4,
    "__main__": 5,
}
STAGES = {name for name, layer in LAYERS.items() if layer == 2}
# Packages whose modules still import one another's private names; their owners are
# reshaping them.
PRIVATE_IMPORTS_ALLOWED = {"extract"}


def package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(SOURCE.parent).with_suffix("")
        parts = list(relative.parts)
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join(parts), path


def imports(path: Path) -> Iterator[tuple[str, tuple[str, ...], int]]:
    """(module imported, names imported from it, line) for every portplan import."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "portplan":
                    yield alias.name, (), node.lineno
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "portplan":
            yield str(node.module), tuple(a.name for a in node.names), node.lineno


def test_every_package_has_a_layer() -> None:
    unknown = {package_of(module) for module, _ in modules()} - set(LAYERS)
    assert not unknown, f"give these packages a layer in LAYERS: {sorted(unknown)}"


def test_no_module_imports_a_layer_above_its_own() -> None:
    upward = []
    for module, path in modules():
        layer = LAYERS[package_of(module)]
        for imported, _, line in imports(path):
            if LAYERS[package_of(imported)] > layer:
                upward.append(f"{path.relative_to(SOURCE)}:{line}: {module} imports {imported}")
    assert not upward, "\n".join(upward)


def test_the_cli_reaches_the_stages_only_through_the_pipeline() -> None:
    direct = []
    for module, path in modules():
        if package_of(module) not in ("cli", "web"):
            continue
        for imported, _, line in imports(path):
            if package_of(imported) in STAGES:
                direct.append(f"{path.relative_to(SOURCE)}:{line}: imports {imported}")
    assert not direct, "\n".join(direct)


def test_no_module_imports_another_modules_private_names() -> None:
    private = []
    for module, path in modules():
        if package_of(module) in PRIVATE_IMPORTS_ALLOWED:
            continue
        for imported, names, line in imports(path):
            hidden = [n for n in names if n.startswith("_") and not n.startswith("__")]
            hidden += [p for p in imported.split(".") if p.startswith("_") and p != "__init__"]
            if hidden and imported != module:
                private.append(f"{path.relative_to(SOURCE)}:{line}: {imported} {hidden}")
    assert not private, "\n".join(private)

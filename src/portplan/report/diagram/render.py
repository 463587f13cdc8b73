"""Pick the output format and render: DOT or Mermaid text, or SVG/PNG through Graphviz."""

from __future__ import annotations

import shutil
import subprocess
from typing import Literal

from portplan.errors import EnvironmentProblem, InputError
from portplan.report.diagram.dot import to_dot
from portplan.report.diagram.mermaid import to_mermaid
from portplan.report.diagram.model import FORMATS, Diagram, DiagramFormat, clean


def format_for(output: str | None, explicit: str | None) -> DiagramFormat:
    """The format named by ``--format``, else by the output file's extension, else SVG."""
    if explicit:
        name = explicit.lower().lstrip(".")
    elif output and "." in output.rsplit("/", 1)[-1]:
        name = output.rsplit(".", 1)[-1].lower()
    else:
        name = "svg"
    aliases = {"gv": "dot", "mermaid": "mmd", "md": "mmd"}
    name = aliases.get(name, name)
    for known in FORMATS:
        if known == name:
            return known
    raise InputError(
        f"unknown diagram format '{name}' — use one of {', '.join(FORMATS)} "
        "(or an output file ending in one of them)."
    )


def render(diagram: Diagram, fmt: DiagramFormat) -> str | bytes:
    """DOT or Mermaid text, or an SVG/PNG image drawn by Graphviz's ``dot``."""
    if fmt == "dot":
        return to_dot(diagram)
    if fmt == "mmd":
        return to_mermaid(diagram)
    return run_dot(to_dot(diagram), fmt)


def run_dot(source: str, fmt: Literal["svg", "png"]) -> bytes:
    dot = shutil.which("dot")
    if dot is None:
        raise EnvironmentProblem(
            "Graphviz 'dot' is not installed — install it (Debian: apt-get install graphviz) "
            "or write .dot or .mmd text instead."
        )
    try:
        done = subprocess.run(
            [dot, f"-T{fmt}"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=120,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise EnvironmentProblem(
            "Graphviz 'dot' took longer than 120 s — write .dot text and render it yourself."
        ) from None
    if done.returncode != 0:
        detail = clean(done.stderr.decode("utf-8", "replace")).strip()[:300]
        raise EnvironmentProblem(f"Graphviz 'dot' failed: {detail}")
    return done.stdout

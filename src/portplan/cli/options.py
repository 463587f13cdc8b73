"""Options and helpers shared by several commands."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from portplan.io import write_atomic


def catalog_dirs(ctx: click.Context) -> tuple[str, ...]:
    """The ``--catalog`` directories given to the top-level command."""
    root = ctx
    while root.parent is not None:
        root = root.parent
    obj: object = root.obj
    if not isinstance(obj, dict):
        return ()
    return tuple(str(d) for d in obj.get("catalog_dirs", ()))


def emit(text: str | bytes, output: str | None) -> None:
    """Print to stdout, or write atomically to ``output`` and say where it went."""
    if output in (None, "-"):
        if isinstance(text, bytes):
            sys.stdout.buffer.write(text)
        else:
            click.echo(text, nl=not text.endswith("\n"))
        return
    write_atomic(Path(str(output)), text)
    click.echo(f"wrote {output}", err=True)

"""Entry point: one click group; each command lives in its own module and is registered below.

Errors: a :class:`~portplan.errors.PortplanError` is printed as one line on stderr and the
process exits with its code (2 bad input, 1 a check found problems). Anything else is an
internal error: one line too, with the traceback only when ``PORTPLAN_DEBUG=1``.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from typing import Any

import click

from portplan import __version__
from portplan.errors import PortplanError

# One line per command module; each module exposes ``command`` (a click command or group).
COMMAND_MODULES: list[str] = [
    "portplan.cli.catalog",
    "portplan.cli.deployment",
    "portplan.cli.plan",
    "portplan.cli.report",
    "portplan.cli.diagram",
    "portplan.cli.diff",
    "portplan.cli.conflicts",
    "portplan.cli.compile",
    "portplan.cli.audit",
    "portplan.cli.listen",
    "portplan.cli.probe",
    "portplan.cli.lab",
    "portplan.cli.extract",
    "portplan.cli.fleet",
    "portplan.cli.serve",
]


class PortplanGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PortplanError as exc:
            click.echo(f"portplan: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("portplan: interrupted", err=True)
            ctx.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:
            ctx.exit(1)
        except Exception as exc:  # an internal error still gets one line, not a traceback
            if os.environ.get("PORTPLAN_DEBUG") == "1":
                traceback.print_exc()
            click.echo(
                f"portplan: internal error: {exc.__class__.__name__}: {exc} "
                "(set PORTPLAN_DEBUG=1 for details and report it)",
                err=True,
            )
            ctx.exit(3)


@click.group(cls=PortplanGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="portplan")
@click.option(
    "--catalog",
    "catalog_dirs",
    multiple=True,
    type=click.Path(file_okay=False),
    envvar="PORTPLAN_CATALOG",
    help="Extra product catalog directory (repeatable; also PORTPLAN_CATALOG, ':'-separated).",
)
@click.pass_context
def cli(ctx: click.Context, catalog_dirs: tuple[str, ...]) -> None:
    """portplan — vendor port requirements in, firewall rules that are proven to work out.

    \b
    Pipeline:  extract → catalog → plan → compile · lab/probe/audit · report
    Start:     portplan plan examples/lrs-vpsx/deployment.yaml
    """
    dirs: list[str] = []
    for entry in catalog_dirs:
        dirs.extend(part for part in entry.split(os.pathsep) if part)
    ctx.obj = {"catalog_dirs": tuple(dirs)}


for _module in COMMAND_MODULES:
    cli.add_command(importlib.import_module(_module).command)


def main() -> None:
    try:
        cli.main(prog_name="portplan")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        sys.exit(code)

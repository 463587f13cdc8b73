"""Entry point: one click group; each command lives in its own module and is registered below.

Errors: a :class:`~portplan.errors.PortplanError` is printed as one line on stderr and the
process exits with its code (2 bad input, 1 a check found problems). A closed pipe on stdout
exits 2 without a word; a full disk or a read-only file system under stdout is one line. A
signal that stopped a command exits 128 + its number (SIGINT 130, SIGTERM 143). Anything else
is an internal error: one line too, with the traceback only when ``PORTPLAN_DEBUG=1``.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from portplan import __version__
from portplan.errors import ClosedPipe, PortplanError
from portplan.io import DEFAULT_INPUT_LIMIT, limited_input, output_error, parse_size, size_text

# One line per command module; each module exposes ``command`` (a click command or group).
COMMAND_MODULES: list[str] = [
    "portplan.cli.init",
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


# What writing to stdout itself can fail with (a filename would say another file failed).
STDOUT_ERRORS = {errno.EPIPE, errno.ENOSPC, errno.EDQUOT, errno.EIO}


def _say(message: str) -> None:
    """A line on stderr; a terminal that hung up (SIGHUP) must not turn it into a traceback."""
    with contextlib.suppress(OSError):
        click.echo(message, err=True)


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush of what is still buffered
    cannot fail again after a closed pipe or a full disk was reported."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


class PortplanGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            result = super().invoke(ctx)
            sys.stdout.flush()  # a write error shows here, inside the error handling
            return result
        except ClosedPipe:
            _silence_stdout()
            ctx.exit(ClosedPipe.exit_code)
        except PortplanError as exc:
            for line in exc.lines():  # one, or one per problem of a file
                _say(f"portplan: error: {line}")
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt as exc:
            _say("portplan: interrupted")
            ctx.exit(getattr(exc, "exit_code", 130))
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except OSError as exc:
            if exc.errno not in STDOUT_ERRORS or exc.filename is not None:
                self._internal(ctx, exc)
            # stdout itself failed (a closed pipe, /dev/full): say it once, then keep quiet.
            _silence_stdout()
            error = output_error(exc, "<stdout>")
            if not isinstance(error, ClosedPipe):
                _say(f"portplan: error: {error}")
            ctx.exit(error.exit_code)
        except Exception as exc:
            self._internal(ctx, exc)

    @staticmethod
    def _internal(ctx: click.Context, exc: Exception) -> NoReturn:
        """An internal error still gets one line, not a traceback."""
        if os.environ.get("PORTPLAN_DEBUG") == "1":
            traceback.print_exc()
        _say(
            f"portplan: internal error: {exc.__class__.__name__}: {exc} "
            "(set PORTPLAN_DEBUG=1 for details and report it)"
        )
        ctx.exit(3)


CATALOG_HELP = "Extra product catalog directory (repeatable; also PORTPLAN_CATALOG, ':'-separated)."
VERBOSE_HELP = "Also print every note (flows not in use, pairs left out) on stderr."


@click.group(cls=PortplanGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="portplan")
@click.option(
    "--catalog",
    "catalog_dirs",
    multiple=True,
    type=click.Path(file_okay=False),
    envvar="PORTPLAN_CATALOG",
    help=CATALOG_HELP,
)
@click.option(
    "--max-size",
    metavar="SIZE",
    envvar="PORTPLAN_MAX_SIZE",
    help=f"Refuse input files larger than SIZE (e.g. 64M; default {size_text(DEFAULT_INPUT_LIMIT)};"
    " also PORTPLAN_MAX_SIZE).",
)
@click.option("-v", "--verbose", is_flag=True, help=VERBOSE_HELP)
@click.pass_context
def cli(
    ctx: click.Context, catalog_dirs: tuple[str, ...], max_size: str | None, verbose: bool
) -> None:
    """portplan — vendor port requirements in, firewall rules that are proven to work out.

    \b
    Start:     portplan init lrs-vpsx -o site.yaml      (a starter deployment)
               portplan plan examples/lrs-vpsx/deployment.yaml
    Pipeline:  extract → catalog → plan → compile · lab/probe/audit · report
    Global options (--catalog, -v) go before or after the command.
    """
    ctx.obj = {"catalog_dirs": _split_dirs(catalog_dirs), "verbose": verbose}
    if max_size is not None:  # for this invocation only (ended with the group's context)
        ctx.with_resource(limited_input(parse_size(max_size)))


def _split_dirs(entries: Sequence[str]) -> tuple[str, ...]:
    return tuple(part for entry in entries for part in entry.split(os.pathsep) if part)


def _root_obj(ctx: click.Context) -> dict[str, Any]:
    root = ctx.find_root()
    if not isinstance(root.obj, dict):
        root.obj = {"catalog_dirs": (), "verbose": False}
    return root.obj


def _catalog_after(ctx: click.Context, _: click.Parameter, value: tuple[str, ...]) -> None:
    if value:
        obj = _root_obj(ctx)
        obj["catalog_dirs"] = (*obj["catalog_dirs"], *_split_dirs(value))


def _verbose_after(ctx: click.Context, _: click.Parameter, value: bool) -> None:
    if value:
        _root_obj(ctx)["verbose"] = True


def global_options() -> list[click.Parameter]:
    """``--catalog`` and ``-v`` as every command's own options too, so they work after the
    command's name (``portplan plan site.yaml --catalog mine -v``); they land where the
    top-level ones do."""
    return [
        click.Option(
            ["--catalog"],
            multiple=True,
            type=click.Path(file_okay=False),
            expose_value=False,
            callback=_catalog_after,
            help=CATALOG_HELP,
        ),
        click.Option(
            ["-v", "--verbose"],
            is_flag=True,
            expose_value=False,
            callback=_verbose_after,
            help=VERBOSE_HELP,
        ),
    ]


def add_global_options(command: click.Command) -> None:
    """Add the global options to ``command`` and its subcommands; a command that has an
    option of the same name itself (serve's --catalog) keeps its own."""
    taken = {opt for param in command.params for opt in param.opts}
    command.params.extend(o for o in global_options() if not taken & set(o.opts))
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_global_options(sub)


for _module in COMMAND_MODULES:
    _command = importlib.import_module(_module).command
    add_global_options(_command)
    cli.add_command(_command)


def main() -> None:
    try:
        cli.main(prog_name="portplan")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        sys.exit(code)

"""``portplan serve`` — the local web workbench (review, catalog, deployments, lab)."""

from __future__ import annotations

import socket
from pathlib import Path

import click

from portplan.cli.options import catalog_dirs
from portplan.errors import EnvironmentProblem, InputError
from portplan.extras import require


def _existing(paths: tuple[str, ...], kind: str, want_dir: bool) -> tuple[Path, ...]:
    out: list[Path] = []
    for name in paths:
        path = Path(name)
        if want_dir and not path.is_dir():
            raise InputError(f"{kind} directory does not exist — check the path.", file=name)
        if not want_dir and not path.is_file():
            raise InputError(f"{kind} file does not exist — check the path.", file=name)
        out.append(path)
    return tuple(out)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: any free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host.strip("[]"), port), family=family, backlog=128)
    except OSError as exc:
        raise EnvironmentProblem(
            f"cannot listen on {host}:{port} ({exc.strerror}) — pick another --port or --host."
        ) from None


def url_of(sock: socket.socket, token: str | None) -> str:
    address = sock.getsockname()
    host = f"[{address[0]}]" if ":" in address[0] else address[0]
    return f"http://{host}:{address[1]}/" + (f"?token={token}" if token else "")


@click.command("serve")
@click.option(
    "--catalog",
    "extra_catalogs",
    multiple=True,
    help="Catalog directory to read and to save reviewed products into (repeatable).",
)
@click.option("--deployment", "deployments", multiple=True, help="Deployment to show (repeatable).")
@click.option(
    "--documents", multiple=True, help="Directory of vendor documents to pick from (repeatable)."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--token",
    help="Access token every request must carry; generated when --host is not loopback.",
)
@click.pass_context
def command(
    ctx: click.Context,
    extra_catalogs: tuple[str, ...],
    deployments: tuple[str, ...],
    documents: tuple[str, ...],
    host: str,
    port: int,
    token: str | None,
) -> None:
    """A local web workbench: review an extraction beside its document and save it to the
    catalog, browse and search the catalog, see a deployment's diagram, port matrix,
    conflicts and (as root) its lab run. Listens on loopback unless --host says otherwise;
    then every request needs a token (printed in the URL).

    \b
    Example:  portplan serve --catalog my-products --deployment examples/papercut-hive/mesh.yaml
    """
    for module in ("fastapi", "uvicorn", "jinja2", "multipart"):
        require("web", module)  # a missing one is a one-line error naming the extra
    import uvicorn

    from portplan.web import WebSettings, create_app
    from portplan.web.settings import access_token

    settings = WebSettings(
        catalog_dirs=_existing((*catalog_dirs(ctx), *extra_catalogs), "catalog", True),
        deployments=_existing(deployments, "deployment", False),
        documents=_existing(documents, "documents", True),
        token=access_token(host, token),
    )
    sock = bind(host, port)
    click.echo(f"portplan: serving on {url_of(sock, settings.token)}", err=True)
    if settings.token and not token:
        click.echo("portplan: not loopback — requests need the token in this URL", err=True)
    config = uvicorn.Config(create_app(settings), log_level="warning", lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])

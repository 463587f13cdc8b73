"""``portplan serve`` on the command line: bad arguments are one-line errors, a busy port is
reported, and the printed URL carries the token it requires."""

from __future__ import annotations

import socket
from pathlib import Path

from click.testing import CliRunner

from portplan.cli.main import cli
from portplan.cli.serve import bind, url_of
from tests.web.conftest import portplan


def test_missing_files_are_one_line_errors(tmp_path: Path) -> None:
    for args, expected in (
        (["--deployment", str(tmp_path / "nope.yaml")], "deployment file does not exist"),
        (["--catalog", str(tmp_path / "nowhere")], "catalog directory does not exist"),
        (["--documents", str(tmp_path / "nowhere")], "documents directory does not exist"),
    ):
        done = portplan("serve", "--port", "0", *args)
        assert done.returncode == 2, done.stderr
        assert expected in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
        assert "Traceback" not in done.stderr


def test_a_busy_port_is_reported() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        done = portplan("serve", "--port", str(port))
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "pick another --port" in done.stderr


def test_the_url_names_the_bound_port_and_the_token() -> None:
    with bind("127.0.0.1", 0) as sock:
        port = sock.getsockname()[1]
        assert url_of(sock, None) == f"http://127.0.0.1:{port}/"
        assert url_of(sock, "abc") == f"http://127.0.0.1:{port}/?token=abc"
    with bind("::1", 0) as sock:
        assert url_of(sock, None).startswith("http://[::1]:")


def test_help_lists_the_options() -> None:
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--catalog", "--deployment", "--documents", "--host", "--port", "--token"):
        assert option in result.output

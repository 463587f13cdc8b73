"""``deployment validate``, ``catalog show`` with roles, features and variables, and the
global options after the command."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from portplan.cli.main import cli
from tests.conftest import EXAMPLES
from tests.plan.plan_fixtures import DEPLOYMENT, PRODUCT


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def workspace(tmp_path: Path) -> Path:
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "acme-print.yaml").write_text(PRODUCT)
    (tmp_path / "good.yaml").write_text(DEPLOYMENT)
    (tmp_path / "bad.yaml").write_text(
        DEPLOYMENT.replace("zone: west-lan", "zone: west").replace("os: appliance", "os: mfd")
    )
    return tmp_path


def test_deployment_validate_checks_every_file(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    code, out, err = run(
        "deployment",
        "validate",
        str(root / "good.yaml"),
        str(root / "bad.yaml"),
        "--catalog",
        str(root / "catalog"),
    )
    assert code == 2
    assert out.strip() == (
        f"OK {root / 'good.yaml'}: acme — 3 sites, 4 zones, 5 hosts, 1 external, "
        "5 firewalls, 1 product; 13 concrete flows"
    )
    lines = err.splitlines()
    assert len(lines) == 2 and all(f"{root / 'bad.yaml'}:" in line for line in lines)
    assert "hosts[edge-west].zone" in err and "hosts[prn-east].os" in err


def test_deployment_validate_warns_of_roles_no_host_plays() -> None:
    path = EXAMPLES / "moderro-rem" / "deployment.yaml"
    code, out, err = run("deployment", "validate", str(path))
    assert code == 0 and out.startswith(f"OK {path}: moderro-rem-bank")
    assert "portplan: warning:" in err and "unspecified-sender" in err


def test_catalog_show_lists_roles_features_and_variables() -> None:
    code, out, _ = run("catalog", "show", "lexmark-mve")
    assert code == 0
    assert out.startswith("lexmark-mve — Lexmark Markvision Enterprise\n")
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.startswith("│")}
    assert "no" in rows["ldap-server"]  # an optional role
    assert "on" in rows["firebird"] and "1 flow(s): tcp/3050" in rows["firebird"]
    assert "off" in rows["ldap"] and "3 flow(s): tcp/389,636, udp/88" in rows["ldap"]
    assert "1433" in rows["sql_port"] and "mve-sql-server" in rows["sql_port"]
    assert "mve-printer-https-161" in rows


def test_catalog_show_names_variables_without_a_default() -> None:
    code, out, _ = run("catalog", "show", "moderro-rem", "--format", "json")
    assert code == 0
    import json

    document = json.loads(out)
    variable = next(v for v in document["variables"] if v["id"] == "content_server_port")
    assert variable["used_by"] == ["reic-content-server"] and "default" not in variable
    feature = next(f for f in document["features"] if f["id"] == "dual-content")
    assert "reic-content-server" in feature["flows"]


def test_global_options_work_after_the_command(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    before = run("--catalog", str(root / "catalog"), "-v", "plan", str(root / "good.yaml"))
    after = run("plan", str(root / "good.yaml"), "--catalog", str(root / "catalog"), "-v")
    assert before[0] == after[0] == 0
    assert before == after
    assert "portplan: note:" in after[2]  # -v: every note, not the count
    nested = run("catalog", "show", "acme-print", "--catalog", str(root / "catalog"))
    assert nested[0] == 0 and "acme-print" in nested[1]


def test_catalog_given_before_and_after_adds_up(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "tiny.yaml").write_text(
        "id: tiny\nname: Tiny\nroles: [{id: a, name: A}]\n"
    )
    code, out, _ = run(
        "--catalog", str(root / "catalog"), "catalog", "list", "--catalog", str(root / "more")
    )
    assert code == 0 and "acme-print" in out and "tiny" in out


def test_no_command_has_an_option_twice() -> None:
    """The global options are added to every command that has no option of that name."""
    import click

    from portplan.cli.main import cli as group

    def walk(command: click.Command) -> list[click.Command]:
        subs = command.commands.values() if isinstance(command, click.Group) else []
        return [command, *(c for sub in subs for c in walk(sub))]

    for command in walk(group):
        opts = [opt for param in command.params for opt in param.opts]
        assert len(opts) == len(set(opts)), (command.name, opts)
        assert "--catalog" in opts or command is group or command.name == "serve", command.name

"""The checked-in JSON Schemas match the models, and accept what portplan itself accepts."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from portplan.catalog import bundled_dir
from portplan.cli.main import cli
from portplan.schemas import schema_text
from tests.conftest import example_deployments

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("kind", ["catalog", "deployment"])
def test_checked_in_schema_has_not_drifted(kind: str) -> None:
    checked_in = (ROOT / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8")
    assert checked_in == schema_text(kind), (
        f"schemas/{kind}.schema.json is stale — regenerate it with "
        f"`portplan {kind if kind == 'catalog' else 'deployment'} schema > "
        f"schemas/{kind}.schema.json`"
    )


@pytest.mark.parametrize("kind", ["catalog", "deployment"])
def test_schema_command_prints_the_schema(kind: str) -> None:
    result = CliRunner().invoke(cli, [kind, "schema"])
    assert result.exit_code == 0
    assert result.stdout == schema_text(kind)
    jsonschema.Draft202012Validator.check_schema(json.loads(result.stdout))


@pytest.mark.parametrize("path", sorted(bundled_dir().glob("*.yaml")), ids=lambda p: p.stem)
def test_bundled_products_satisfy_the_catalog_schema(path: Path) -> None:
    schema = json.loads(schema_text("catalog"))
    jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), schema)


def test_examples_satisfy_the_deployment_schema() -> None:
    schema = json.loads(schema_text("deployment"))
    examples = example_deployments()
    assert examples, "no examples found"
    for path in examples:
        jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), schema)


def test_schema_rejects_an_unknown_key() -> None:
    schema = json.loads(schema_text("catalog"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"id": "x", "name": "X", "roles": [], "colour": "red"}, schema)

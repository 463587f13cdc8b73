"""Every registered target over every example deployment: it writes output, or it refuses with
an UnsupportedError that names the flow it cannot express. Walks ``registry.TARGETS`` (with
each Aerleon platform) and globs ``examples/``, so neither list can drift from the test."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from portplan.compile.aerleon import platform_names
from portplan.compile.registry import TARGETS, get_compiler
from portplan.errors import UnsupportedError
from portplan.io import write_tree
from portplan.model.concrete import Resolution
from portplan.model.deployment import Deployment
from tests.compile.cloud_schemas import (
    ARM_SCHEMA,
    TERRAFORM_SCHEMA,
    check_arm_expressions,
    check_terraform_references,
)
from tests.compile.powershell_check import check_script
from tests.compile.test_firewalld import check_with_firewalld
from tests.compile.test_hostile_names import aclgen
from tests.compile.test_kubernetes import NETWORK_POLICY
from tests.conftest import EXAMPLES


def example_files() -> list[Path]:
    return sorted(
        p
        for p in EXAMPLES.glob("**/*.yaml")
        if not p.name.startswith("product") and "catalog" not in p.parts
    )


def targets() -> list[str]:
    names = []
    for name in sorted(TARGETS):
        if name.endswith(":*"):
            names += [f"{name[:-2]}:{p}" for p in platform_names()]
        else:
            names.append(name)
    return names


_plans: dict[Path, tuple[Deployment, Resolution]] = {}


def planned(path: Path) -> tuple[Deployment, Resolution]:
    from portplan.pipeline import plan

    if path not in _plans:
        _plans[path] = plan(path)
    return _plans[path]


# Targets that apply to Windows hosts only, or to nothing a deployment may lack.
MAY_BE_EMPTY = {"windows"}


# The general-purpose targets must work on every example, not just refuse.
MUST_WORK = {"firewalld", "aws", "aerleon", "aerleon:juniper", "aerleon:cisco"}


@pytest.mark.parametrize("target", targets())
@pytest.mark.parametrize("example", example_files(), ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_every_target_compiles_or_names_the_flow(example: Path, target: str) -> None:
    deployment, resolution = planned(example)
    flow_ids = {f.id for f in resolution.flows}
    try:
        artifacts = get_compiler(target).compile(deployment, resolution)
    except UnsupportedError as error:
        assert target not in MUST_WORK, str(error)
        named = re.findall(r"flow (\S+)", str(error))
        assert any(n.rstrip(":") in flow_ids for n in named), f"{target}: {error}"
        return
    if not artifacts:
        windows = any(
            f.source.os == "windows" or f.destination.os == "windows" for f in resolution.flows
        )
        assert target in MAY_BE_EMPTY and not windows, f"{target} wrote nothing"
        return
    assert all(a.content for a in artifacts), target
    assert len({a.path for a in artifacts}) == len(artifacts), target


@pytest.mark.parametrize("example", example_files(), ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_example_outputs_pass_their_tools_checks(example: Path, tmp_path: Path) -> None:
    """What the real tools would say about each example's output: firewalld's readers, the
    Terraform/ARM/NetworkPolicy schemas, the PowerShell tokenizer, Aerleon's aclgen."""
    deployment, resolution = planned(example)
    for target in ("firewalld", "aws", "azure", "kubernetes", "windows", "aerleon"):
        try:
            artifacts = get_compiler(target).compile(deployment, resolution)
        except UnsupportedError:
            continue  # the test above checks the refusal names a flow
        out = tmp_path / target
        write_tree(out, {a.path: a.content for a in artifacts})
        for artifact in artifacts:
            text = str(artifact.content)
            if target == "aws":
                document = json.loads(text)
                jsonschema.validate(document, TERRAFORM_SCHEMA)
                check_terraform_references(document)
            elif target == "azure":
                document = json.loads(text)
                jsonschema.validate(document, ARM_SCHEMA)
                check_arm_expressions(document)
            elif target == "kubernetes":
                jsonschema.validate(yaml.safe_load(text), NETWORK_POLICY)
            elif target == "windows":
                assert check_script(text)[1] == []
        if target == "firewalld":
            check_with_firewalld(out)
        if target == "aerleon":
            aclgen(out)

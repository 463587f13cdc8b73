"""The spine on values: a library user plans, compiles, draws and diffs a deployment built in
code, and gets what the path-loading wrappers give for the same deployment read from a file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from portplan import pipeline
from portplan.errors import ValidationError
from portplan.extract import Document, TextLine
from portplan.model.deployment import Deployment

EXAMPLE = Path(__file__).parents[2] / "examples" / "lrs-vpsx" / "deployment.yaml"


def built_in_code() -> Deployment:
    return Deployment.model_validate(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")))


def test_a_deployment_built_in_code_plans_like_its_file() -> None:
    catalog = pipeline.load_catalog()
    from_file, file_plan = pipeline.plan(EXAMPLE)
    deployment = built_in_code()
    resolution = pipeline.plan_deployment(deployment, catalog)
    assert resolution.flows == file_plan.flows
    assert resolution.unbound == file_plan.unbound
    assert pipeline.compile_plan(deployment, resolution, "nftables") == pipeline.compile_plan(
        from_file, file_plan, "nftables"
    )
    assert (
        pipeline.render_report(deployment, resolution, "csv") == pipeline.report(EXAMPLE, "csv")[1]
    )


def test_a_deployment_built_in_code_is_checked_against_the_catalog() -> None:
    deployment = built_in_code()
    wrong = deployment.model_copy(
        update={
            "products": [u.model_copy(update={"product": "no-such"}) for u in deployment.products]
        }
    )
    with pytest.raises(ValidationError, match="no-such"):
        pipeline.plan_deployment(wrong, pipeline.load_catalog())


def test_diagram_diff_and_conflicts_take_values() -> None:
    catalog = pipeline.load_catalog()
    deployment = built_in_code()
    resolution = pipeline.plan_deployment(deployment, catalog)
    subject = pipeline.Subject("code", deployment=deployment, resolution=resolution)
    assert pipeline.diagram(subject).title == deployment.name
    unchanged = pipeline.diff_subjects(subject, subject)
    assert unchanged.flows == () and unchanged.rules == ()
    assert pipeline.find_conflicts(deployment, catalog) == pipeline.conflicts(EXAMPLE)[1]


def test_a_document_built_in_code_is_extracted() -> None:
    document = Document("inline", (TextLine(1, "The agent connects to the manager on TCP 8443."),))
    extraction = pipeline.extract_document(document)
    assert [(f.ports, f.evidence.file, f.evidence.line) for f in extraction.flows] == [
        (("8443",), "inline", 1)
    ]

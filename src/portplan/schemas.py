"""JSON Schemas for the files users write, generated from the pydantic models.

They are checked in under ``schemas/`` for editor completion (e.g. a ``# yaml-language-server:
$schema=...`` line); a test regenerates them and fails when the checked-in copy has drifted.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel

from portplan.model.deployment import Deployment
from portplan.model.product import Product

SchemaKind = Literal["catalog", "deployment"]
MODELS: dict[SchemaKind, type[BaseModel]] = {"catalog": Product, "deployment": Deployment}
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def json_schema(kind: SchemaKind) -> dict[str, Any]:
    """The JSON Schema of a product file (``catalog``) or a deployment file."""
    schema = MODELS[kind].model_json_schema(by_alias=True)
    return {"$schema": DRAFT, **schema}


def schema_text(kind: SchemaKind) -> str:
    """The schema as stable, diff-friendly JSON text (what ``schemas/*.schema.json`` holds)."""
    return json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n"

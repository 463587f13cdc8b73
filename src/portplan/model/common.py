"""Pieces shared by the user-written models (products and deployments)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationInfo

from portplan.errors import ValidationError
from portplan.yamlio import SourceMap

Identifier = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", min_length=1, max_length=80)
]
"""Ids of products, roles, features, variables, flows, hosts, zones and sites."""


class StrictModel(BaseModel):
    """User-written data: unknown keys are errors, values are immutable after loading."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def source_of(info: ValidationInfo) -> SourceMap | None:
    context: Any = info.context
    if isinstance(context, dict):
        source = context.get("source")
        if isinstance(source, SourceMap):
            return source
    return None


def fail(info: ValidationInfo, path: Sequence[str | int], message: str) -> ValidationError:
    """An error pointing at ``path`` in the file being validated (when there is one)."""
    source = source_of(info)
    if source is None:
        where = ".".join(str(p) for p in path)
        return ValidationError(f"{where}: {message}" if where else message)
    return source.error(path, message)


def check_unique(info: ValidationInfo, section: str, names: Sequence[str], what: str) -> None:
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name in seen:
            raise fail(info, (section, index), f"{what} '{name}' is defined twice — rename one.")
        seen.add(name)

"""Pieces shared by the user-written models (products and deployments)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, get_origin

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    IPvAnyAddress,
    StringConstraints,
    ValidationInfo,
    model_validator,
)

from portplan.errors import PortplanError, ValidationError, raise_all
from portplan.problems import ProblemCollector
from portplan.yamlio import SourceMap

Identifier = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", min_length=1, max_length=80)
]
"""Ids of products, roles, features, variables, flows, hosts, zones and sites."""


class StrictModel(BaseModel):
    """User-written data: unknown keys are errors, values are immutable after loading."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _one_is_a_list(cls, data: Any) -> Any:
        """``roles: lrs-vpsx:pdm`` means ``roles: [lrs-vpsx:pdm]``: a single value where a list
        is meant is a list of one."""
        if not isinstance(data, dict):
            return data
        lists = {
            info.alias or name
            for name, info in cls.model_fields.items()
            if get_origin(info.annotation) is list
        }
        return {
            key: [value] if key in lists and isinstance(value, str | int | float) else value
            for key, value in data.items()
        }


def source_of(info: ValidationInfo) -> SourceMap | None:
    context: Any = info.context
    if isinstance(context, dict):
        source = context.get("source")
        if isinstance(source, SourceMap):
            return source
    return None


def collector(info: ValidationInfo) -> ProblemCollector:
    """Where a model's checks put their problems: the caller's list when it gathers every
    problem of the file (:func:`portplan.explain.validate_all`), else raised together."""
    context: Any = info.context
    sink = context.get("problems") if isinstance(context, dict) else None
    return ProblemCollector(sink if isinstance(sink, list) else None)


def set_aside(info: ValidationInfo, section: str) -> set[str]:
    """Names of ``section`` items that had schema problems and were left out of this
    validation: references to them are not reported again."""
    context: Any = info.context
    names = context.get("set_aside", {}).get(section) if isinstance(context, dict) else None
    return set(names) if names else set()


def fail(info: ValidationInfo, path: Sequence[str | int], message: str) -> ValidationError:
    """An error pointing at ``path`` in the file being validated (when there is one)."""
    source = source_of(info)
    if source is None:
        where = ".".join(str(p) for p in path)
        return ValidationError(f"{where}: {message}" if where else message)
    return source.error(path, message)


def check_unique(info: ValidationInfo, section: str, names: Sequence[str], what: str) -> None:
    """Every name defined twice in ``section`` (all of them, raised together)."""
    problems: list[PortplanError] = []
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name in seen:
            problems.append(
                fail(info, (section, index), f"{what} '{name}' is defined twice — rename one.")
            )
        seen.add(name)
    raise_all(problems)


def not_a_number(value: Any) -> Any:
    """Refuse a YAML number where an address belongs: pydantic would read ``5`` as 0.0.0.5
    and ``true`` as 0.0.0.1."""
    if isinstance(value, bool | int):
        read_as = "a yes/no value" if isinstance(value, bool) else "a number"
        raise ValueError(
            f"'{str(value).lower()}' is not an address (YAML reads it as {read_as}) — write "
            "e.g. 10.0.0.5 or 10.0.0.0/24"
        )
    return value


Address = Annotated[IPvAnyAddress, BeforeValidator(not_a_number)]

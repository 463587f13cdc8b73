"""YAML in, with the line of every value kept, so errors can say ``file:line``.

``load_yaml`` composes the YAML node tree and builds plain Python data while recording the
line of each mapping key and sequence item under its path (``("hosts", 3, "roles", 0)``).
``validate_model`` turns pydantic's errors into one ``file:line: message`` error.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pydantic
import yaml

from portplan.errors import InputError, ValidationError

PathKey = tuple[str | int, ...]
ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)


@dataclass(frozen=True)
class SourceMap:
    """Where each value of a loaded YAML file sits (1-based lines)."""

    file: str
    lines: dict[PathKey, int] = field(default_factory=dict)

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        key = tuple(path)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get((), None)

    def error(self, path: Sequence[str | int], message: str) -> ValidationError:
        return ValidationError(message, file=self.file, line=self.line_of(path))


class _Builder(yaml.SafeLoader):
    pass


def _build(node: yaml.Node, path: PathKey, smap: SourceMap, loader: _Builder) -> Any:
    smap.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | bool | float) and key is not None:
                raise InputError(
                    "mapping keys must be plain scalars.",
                    file=smap.file,
                    line=key_node.start_mark.line + 1,
                )
            if key in out:
                raise InputError(
                    f"key '{key}' appears twice in one mapping — keep one of them.",
                    file=smap.file,
                    line=key_node.start_mark.line + 1,
                )
            child = (*path, str(key))
            smap.lines[child] = key_node.start_mark.line + 1
            out[key] = _build(value_node, child, smap, loader)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), smap, loader) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def parse_yaml(text: str, file: str) -> tuple[Any, SourceMap]:
    """Parse YAML text; raise :class:`InputError` with file and line on bad syntax."""
    smap = SourceMap(file)
    loader = _Builder(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, smap
        return _build(node, (), smap, loader), smap
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or "invalid YAML"
        raise InputError(
            f"YAML syntax error: {problem} — fix the indentation or quoting there.",
            file=file,
            line=line,
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(f"YAML syntax error: {exc}", file=file) from None
    finally:
        loader.dispose()


def load_yaml(path: str | Path) -> tuple[Any, SourceMap]:
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found — check the path.", file=file) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the file ({exc.__class__.__name__}).", file=file) from None
    return parse_yaml(text, file)


def _describe(error: Any) -> str:
    loc = ".".join(str(p) for p in error["loc"] if not str(p).startswith("function-"))
    message = str(error["msg"])
    message = re.sub(r"^(Value error|Assertion failed), ", "", message)
    return f"{loc}: {message}" if loc else message


def validate_model(model: type[ModelT], data: Any, smap: SourceMap) -> ModelT:
    """Validate ``data`` against ``model``; the first problem becomes a one-line error."""
    if not isinstance(data, dict):
        raise InputError(
            f"expected a mapping at the top level for a {model.__name__.lower()}.",
            file=smap.file,
            line=1,
        )
    try:
        return model.model_validate(data, context={"source": smap})
    except pydantic.ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        path = [p for p in first["loc"] if isinstance(p, str | int)]
        raise ValidationError(_describe(first), file=smap.file, line=smap.line_of(path)) from None

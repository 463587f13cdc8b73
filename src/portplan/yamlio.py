"""YAML in, with the line of every value kept, so errors can say ``file:line``.

``load_yaml`` composes the YAML node tree and builds plain Python data while recording the
line of each mapping key and sequence item under its path (``("hosts", 3, "roles", 0)``), and
the name of each mapping in a list (``("hosts", 3)`` → ``pc1``), so an error can say
``site.yaml:14: hosts[pc1].roles: …``. ``validate_model`` reports every problem of the file in
portplan's words (:mod:`portplan.explain`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pydantic
import yaml

from portplan.errors import InputError, ValidationError, raise_all

PathKey = tuple[str | int, ...]
ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)


@dataclass(frozen=True)
class SourceMap:
    """Where each value of a loaded YAML file sits (1-based lines)."""

    file: str
    lines: dict[PathKey, int] = field(default_factory=dict)
    labels: dict[PathKey, str] = field(default_factory=dict)  # names of mappings in lists

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        key = tuple(path)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get((), None)

    def key_of(self, path: Sequence[str | int]) -> str:
        """``hosts[pc1].roles``: keys joined by dots, list items by their name (when they have
        one; the line says which item it is otherwise)."""
        text = ""
        for depth, part in enumerate(path):
            if isinstance(part, int):
                label = self.labels.get(tuple(path[: depth + 1]))
                text += f"[{label}]" if label else ""
            else:
                text += f".{part}" if text else str(part)
        return text

    def error(self, path: Sequence[str | int], message: str) -> ValidationError:
        key = self.key_of(path)
        return ValidationError(
            f"{key}: {message}" if key else message, file=self.file, line=self.line_of(path)
        )


LABEL_KEYS = ("name", "id", "flow")


def item_label(item: object) -> str | None:
    """The name a list item goes by: its name or id (a product use: ``product@instance``)."""
    if not isinstance(item, dict):
        return None
    for key in LABEL_KEYS:
        if isinstance(item.get(key), str):
            return str(item[key])
    if isinstance(item.get("product"), str):
        instance = item.get("instance")
        return f"{item['product']}@{instance}" if isinstance(instance, str) else item["product"]
    return None


def record_labels(data: Any, smap: SourceMap, path: PathKey = ()) -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            record_labels(value, smap, (*path, str(key)))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            label = item_label(item)
            if label is not None:
                smap.labels[(*path, index)] = label
            record_labels(item, smap, (*path, index))


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
        data = _build(node, (), smap, loader)
        record_labels(data, smap)
        return data, smap
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


def validate_model(model: type[ModelT], data: Any, smap: SourceMap) -> ModelT:
    """Validate ``data`` against ``model``; every problem of the file becomes one error line."""
    from portplan.explain import validate_file  # explain builds on this module

    result = validate_file(model, data, smap)
    raise_all(result.problems)
    assert result.model is not None  # no problems: the data validated
    return result.model

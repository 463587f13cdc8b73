"""YAML in, with the line of every value kept, so errors can say ``file:line``.

``load_yaml`` composes the YAML node tree and builds plain Python data while recording the
line of each mapping key and sequence item under its path (``("hosts", 3, "roles", 0)``), and
the name of each mapping in a list (``("hosts", 3)`` → ``pc1``), so an error can say
``site.yaml:14: hosts[pc1].roles: …``. ``validate_model`` reports every problem of the file in
portplan's words (:mod:`portplan.explain`).

Every YAML portplan reads passes three limits (:class:`YamlLimits`), checked before any
Python value is built, so hostile input ends in a one-line error within a second:

- size: a file over the input limit (:func:`portplan.io.input_limit`, ``--max-size``) is not
  read at all;
- depth: nesting deeper than ``max_depth`` stops the scanner (flow collections: it reads
  ahead of the composer) and the composer (100,000 ``[`` would otherwise recurse until
  Python gives up);
- expansion: aliases share one node, so "billion laughs" is small as a node graph and huge
  as data; the values the graph expands to are counted on the graph, with each node's count
  memoised, and more than ``max_values`` is refused;
- numbers: an integer of more than ``MAX_INTEGER_DIGITS`` digits is refused before it is
  converted (Python will not convert a decimal of over 4,300 digits, and no portplan value
  needs more than a few).

Every error of PyYAML's — the reader's (a control character), the scanner's, the parser's —
becomes one ``file:line`` :class:`InputError`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import pydantic
import yaml

from portplan.errors import InputError, ValidationError, excerpt, raise_all
from portplan.io import check_input_size, read_input

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


@dataclass(frozen=True)
class YamlLimits:
    """How deep a YAML document may nest and how many values it may expand to.

    A deployment or product nests a handful of levels and holds thousands of values (the
    largest benchmark deployment, 5,000 hosts, about 100,000); the limits leave room for far
    larger files and still refuse a bomb at once.
    """

    max_depth: int = 100
    max_values: int = 2_000_000


DEFAULT_LIMITS = YamlLimits()
# 128-bit values need 39 decimal digits; anything longer in a portplan file is a mistake.
MAX_INTEGER_DIGITS = 40
_limits: ContextVar[YamlLimits | None] = ContextVar("portplan_yaml_limits", default=None)


def yaml_limits() -> YamlLimits:
    """The limits in force (the defaults, or those set with :func:`limited`)."""
    return _limits.get() or DEFAULT_LIMITS


@contextmanager
def limited(*, max_depth: int | None = None, max_values: int | None = None) -> Iterator[None]:
    """Parse with other limits inside the ``with`` block (the input size is set in
    :mod:`portplan.io`)."""
    current = yaml_limits()
    token = _limits.set(
        replace(
            current,
            max_depth=current.max_depth if max_depth is None else max_depth,
            max_values=current.max_values if max_values is None else max_values,
        )
    )
    try:
        yield
    finally:
        _limits.reset(token)


class _Builder(yaml.SafeLoader):
    """PyYAML's safe loader, composing with a depth limit."""

    def __init__(self, text: str, file: str, limits: YamlLimits) -> None:
        super().__init__(text)
        self.file = file
        self.limits = limits
        self.depth = 0

    def too_deep(self, line: int) -> InputError:
        return InputError(
            f"the YAML nests deeper than {self.limits.max_depth} levels — portplan files nest "
            "a handful; check that this is the right file.",
            file=self.file,
            line=line,
        )

    def fetch_flow_collection_start(self, token_class: type[yaml.Token]) -> None:
        # The scanner reads ahead of the composer (a '[' might start a key), so 100,000 '['
        # would all be scanned before the composer's own check: count them here too.
        if self.flow_level >= self.limits.max_depth:
            raise self.too_deep(self.line + 1)
        super().fetch_flow_collection_start(token_class)

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self.depth += 1
        try:
            if self.depth > self.limits.max_depth:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise self.too_deep(mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_bounded_int(self, node: yaml.ScalarNode) -> int:
        digits = sum(char.isalnum() for char in node.value)  # '1_000', '0x1F', '-5'
        if digits > MAX_INTEGER_DIGITS:
            raise InputError(
                f"the number {node.value[:12]}… has {digits:,} digits — portplan "
                f"values have at most {MAX_INTEGER_DIGITS}; quote it if it is text.",
                file=self.file,
                line=node.start_mark.line + 1,
            )
        return int(self.construct_yaml_int(node))


_Builder.add_constructor("tag:yaml.org,2002:int", _Builder.construct_bounded_int)


def _check_expansion(root: yaml.Node, file: str, limits: YamlLimits) -> None:
    """Refuse a graph that expands past the limits; memoised per node, so aliases cost once.

    A node's (values, height) is 1 plus those of its children — after alias expansion,
    since an alias is the very node it names. The walk stops as soon as a limit is passed,
    so its own recursion never goes deeper than ``max_depth`` + 1.
    """
    sizes: dict[int, tuple[int, int]] = {}
    visiting: set[int] = set()

    def measure(node: yaml.Node, height: int) -> tuple[int, int]:
        known = sizes.get(id(node))
        if known is not None:
            if height + known[1] > limits.max_depth:
                _too_deep(node, file, limits)
            return known
        if id(node) in visiting:
            raise InputError(
                "an alias refers to a node that contains it (a recursive YAML structure) — "
                "portplan files are trees; remove the alias.",
                file=file,
                line=node.start_mark.line + 1,
            )
        if height > limits.max_depth:
            _too_deep(node, file, limits)
        visiting.add(id(node))
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        values, deepest = 1, 0
        for child in children:
            child_values, child_height = measure(child, height + 1)
            values += child_values
            deepest = max(deepest, child_height + 1)
            if values > limits.max_values:
                raise InputError(
                    f"the YAML expands to more than {limits.max_values:,} values through its "
                    "aliases (&anchor, *alias) — a YAML bomb, or not a portplan file; remove "
                    "the repeated aliases.",
                    file=file,
                    line=node.start_mark.line + 1,
                )
        visiting.discard(id(node))
        sizes[id(node)] = (values, deepest)
        return values, deepest

    measure(root, 1)


def _too_deep(node: yaml.Node, file: str, limits: YamlLimits) -> None:
    raise InputError(
        f"the YAML nests deeper than {limits.max_depth} levels once its aliases are expanded — "
        "portplan files nest a handful; remove the nested aliases.",
        file=file,
        line=node.start_mark.line + 1,
    )


def _build(node: yaml.Node, path: PathKey, smap: SourceMap, loader: _Builder) -> Any:
    smap.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _construct(key_node, smap, loader)
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
    return _construct(node, smap, loader)


def _construct(node: yaml.Node, smap: SourceMap, loader: _Builder) -> Any:
    """A scalar's value; one a tag cannot hold (``2001-13-45`` as a date, ``!!float x``) is
    an error at its line, not PyYAML's own exception."""
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, OverflowError, TypeError, AttributeError):
        value = node.value if isinstance(node.value, str) else ""
        raise InputError(
            f"'{excerpt(value)}' is not a valid {node.tag.rsplit(':', 1)[-1]} — fix it, or "
            "quote it if it is text.",
            file=smap.file,
            line=node.start_mark.line + 1,
        ) from None


def parse_yaml(text: str, file: str) -> tuple[Any, SourceMap]:
    """Parse YAML text; raise :class:`InputError` with file and line on bad syntax, and on
    text over the size, depth or expansion limits."""
    check_input_size(len(text.encode("utf-8", errors="replace")), file)
    limits = yaml_limits()
    smap = SourceMap(file)
    try:
        # The reader checks every character as it is built (a control character fails here).
        loader = _Builder(text, file, limits)
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text, file) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None, smap
        _check_expansion(node, file, limits)
        data = _build(node, (), smap, loader)
        record_labels(data, smap)
        return data, smap
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text, file) from None
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
    except (ValueError, OverflowError):  # PyYAML converts "\UFFFFFFFF" without a check
        raise InputError(
            "YAML syntax error: a quoted string has an escape that is no character (such as "
            "\\UFFFFFFFF) — fix the escape sequence there.",
            file=file,
            line=loader.line + 1,
        ) from None
    finally:
        loader.dispose()


def _reader_error(exc: yaml.reader.ReaderError, text: str, file: str) -> InputError:
    """A character YAML does not allow (a control character, say) as ``file:line``."""
    code = exc.character if isinstance(exc.character, int) else ord(exc.character)
    return InputError(
        f"character U+{code:04X} is not allowed in YAML ({exc.reason}) — remove it, or save "
        "the file as plain text.",
        file=file,
        line=text.count("\n", 0, exc.position) + 1,
    )


def load_yaml(path: str | Path) -> tuple[Any, SourceMap]:
    """Read and parse a YAML file; never reads more than the input limit."""
    return parse_yaml_bytes(read_input(path), str(path))


def parse_yaml_bytes(data: bytes, file: str) -> tuple[Any, SourceMap]:
    """:func:`parse_yaml` for the bytes of a file, which must be UTF-8."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"is not UTF-8 text (byte {exc.start}) — is this a YAML file?", file=file
        ) from None
    return parse_yaml(text, file)


def validate_model(model: type[ModelT], data: Any, smap: SourceMap) -> ModelT:
    """Validate ``data`` against ``model``; every problem of the file becomes one error line."""
    from portplan.explain import validate_file  # explain builds on this module

    result = validate_file(model, data, smap)
    raise_all(result.problems)
    assert result.model is not None  # no problems: the data validated
    return result.model

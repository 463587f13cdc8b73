"""pydantic's errors in portplan's words, and every problem of a file in one run.

pydantic says "Extra inputs are not permitted" and "Input should be a valid list"; a user needs
``hosts[pc1].address: unknown key 'address' — did you mean 'addresses'?``. :func:`explain`
rewrites each error with the key it is about (named by the item's name, see
:meth:`~portplan.yamlio.SourceMap.key_of`), what is wrong and what to write instead; an unknown
key and the missing key it was meant to be are one problem, not two.

:func:`validate_all` runs the file's checks in phases — the schema (pydantic), then the checks
across the file (duplicate names, unknown zones; the models' after-validators) — and keeps going
after the first phase fails: items with schema problems are set aside (the next run will look at
them again) and their names count as known, so the later checks neither skip the rest of the
file nor report consequences of a problem already reported.
"""

from __future__ import annotations

import copy
import re
import types
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Generic, TypeGuard, TypeVar, Union, get_args, get_origin

import pydantic
from pydantic.fields import FieldInfo

from portplan.errors import InputError, PortplanError
from portplan.problems import closest, in_file_order, listing
from portplan.yamlio import PathKey, SourceMap, item_label

ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)

# What to write for a missing key, as an example after "add it, e.g. …".
EXAMPLES: Mapping[str, str] = {
    "name": "name: main",
    "site": "site: main",
    "zone": "zone: servers",
    "cidrs": "cidrs: [10.0.1.0/24]",
    "addresses": "addresses: [10.0.1.10]",
    "kind": "kind: network",
    "sites": "sites: [main]",
    "zones": "zones: [servers, users]",
    "products": "products: [{product: lrs-vpsx}]",
    "product": "product: lrs-vpsx (portplan catalog list shows the ids)",
    "roles": "roles: [{id: server, name: Server}]",
    "services": "services: [tcp/443]",
    "from": "from: client",
    "to": "to: server",
    "purpose": "purpose: What the connection is for",
    "flow": "flow: <a flow id of the product> (portplan catalog show PRODUCT)",
    "reason": "reason: why this deployment differs from the vendor's document",
    "document": "document: vendor-guide.pdf",
}
MAX_ROUNDS = 4  # salvage rounds after the first failed validation


# ── Finding the key an error is about ──────────────────────────────────────────────────────
def data_path(loc: Sequence[str | int], data: Any, missing: bool = False) -> PathKey:
    """The path of ``loc`` in the file's data: pydantic's union tags (``str``, ``int``) and
    validator names are not keys of the file and are left out."""
    path: list[str | int] = []
    current = data
    for depth, part in enumerate(loc):
        if _has(current, part):
            current = current[part]
        elif not (missing and depth == len(loc) - 1 and isinstance(part, str)):
            continue
        path.append(part)
    return tuple(path)


def _has(container: Any, part: str | int) -> bool:
    if isinstance(container, dict):
        return part in container
    return isinstance(container, list) and isinstance(part, int) and 0 <= part < len(container)


def _unwrap(annotation: Any) -> Any:
    """``Annotated[X, …]`` → X, ``X | None`` → X."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _is_model(annotation: Any) -> TypeGuard[type[pydantic.BaseModel]]:
    return isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel)


def fields_by_key(model: type[pydantic.BaseModel]) -> dict[str, FieldInfo]:
    """The model's fields under the keys a file uses (the alias where there is one)."""
    return {info.alias or name: info for name, info in model.model_fields.items()}


def model_at(model: type[pydantic.BaseModel], path: Sequence[str | int]) -> Any:
    """The type expected at ``path`` of a ``model`` file (None when the path leaves it)."""
    current: Any = model
    for part in path:
        current = _unwrap(current)
        origin = get_origin(current)
        if isinstance(part, str) and _is_model(current):
            info = fields_by_key(current).get(part)
            if info is None:
                return None
            current = info.annotation
        elif isinstance(part, int) and origin is list:
            current = get_args(current)[0]
        elif isinstance(part, str) and origin is dict:
            current = get_args(current)[1]
        else:
            return None
    return _unwrap(current)


# ── Saying what is wrong ───────────────────────────────────────────────────────────────────
def _what(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping (key: value lines)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if value is None:
        return "nothing"
    return f"'{value}'"


def _literal_choices(error: Mapping[str, Any]) -> list[str]:
    expected = str((error.get("ctx") or {}).get("expected", ""))
    return re.findall(r"'([^']*)'", expected)


def _message(error: Mapping[str, Any], keys: Sequence[str]) -> str:
    """One pydantic error as ``what is wrong — what to do`` (the key is prefixed elsewhere)."""
    kind = str(error["type"])
    value = error.get("input")
    if kind == "extra_forbidden":
        key = str(error["loc"][-1])
        meant = closest(key, keys)
        if meant:
            return f"unknown key '{key}' — did you mean '{meant}'?"
        return f"unknown key '{key}' — remove it, or use one of: {listing(keys, 20)}."
    if kind == "missing":
        key = str(error["loc"][-1])
        example = EXAMPLES.get(key, f"{key}: …")
        return f"'{key}' is missing — add it, e.g. {example}"
    if kind == "literal_error":
        options = _literal_choices(error)
        meant = closest(str(value), options)
        hint = f"did you mean '{meant}'?" if meant else "use one of them."
        return f"{_what(value)} is not one of {', '.join(options)} — {hint}"
    simple = {
        "list_type": f"should be a list, not {_what(value)} — write [first, second]",
        "dict_type": f"should be a mapping of keys, not {_what(value)} — write key: value lines",
        "model_type": f"should be a mapping of keys, not {_what(value)} — write key: value lines",
        "model_attributes_type": f"should be a mapping of keys, not {_what(value)}",
        "string_type": f"should be text, not {_what(value)} — quote it",
        "int_type": f"should be a whole number, not {_what(value)}",
        "int_parsing": f"should be a whole number, not {_what(value)}",
        "int_from_float": f"should be a whole number, not {_what(value)}",
        "bool_type": f"should be true or false, not {_what(value)}",
        "bool_parsing": f"should be true or false, not {_what(value)}",
        "ip_any_address": f"{_what(value)} is not an IP address — write e.g. 10.0.1.10 or "
        "2001:db8::10",
        "ip_any_network": f"{_what(value)} is not a network in CIDR form — write e.g. 10.0.0.0/24",
        "string_pattern_mismatch": f"{_what(value)} is not a valid name — use letters, digits, "
        "'.', '_' and '-', starting with a letter or digit",
        "string_too_long": f"{_what(value)} is too long — use at most "
        f"{(error.get('ctx') or {}).get('max_length')} characters",
        "string_too_short": "is empty — give a value",
        "too_short": "needs at least one entry — add one",
        "greater_than_equal": f"{_what(value)} is too small — use at least "
        f"{(error.get('ctx') or {}).get('ge')}",
    }
    if kind in simple:
        return simple[kind]
    message = str(error.get("msg", "is not valid"))
    return re.sub(r"^(Value error|Assertion failed), ", "", message)


@dataclass(frozen=True)
class Explained:
    path: PathKey
    message: str


def explain(
    errors: Sequence[Mapping[str, Any]], data: Any, model: type[pydantic.BaseModel]
) -> list[Explained]:
    """pydantic's errors for ``data`` (a ``model`` file) in portplan's words, one per key."""
    found: dict[PathKey, list[Mapping[str, Any]]] = {}
    for error in errors:
        path = data_path(error["loc"], data, missing=error["type"] == "missing")
        found.setdefault(path, []).append(error)
    meant_for: set[PathKey] = set()  # missing keys that an unknown key was meant to be
    out: list[Explained] = []
    for path, group in found.items():
        parent = model_at(model, path[:-1]) if path else None
        keys = list(fields_by_key(parent)) if _is_model(parent) else []
        error = group[0]
        if error["type"] == "extra_forbidden":
            meant = closest(str(path[-1]), keys)
            if meant is not None:
                meant_for.add((*path[:-1], meant))
        out.append(Explained(path, _union_message(group, keys)))
    return [e for e in out if e.path not in meant_for or _is_present(e.path, data)]


def _union_message(group: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> str:
    """A value that may be one of several types fails once per type: say it once."""
    if len(group) == 1 or group[0]["type"] not in ("string_type", "int_type", "int_parsing"):
        return _message(group[0], keys)
    return f"should be a port list or a whole number (e.g. 1433), not {_what(group[0]['input'])}"


def _is_present(path: PathKey, data: Any) -> bool:
    current = data
    for part in path:
        if not _has(current, part):
            return False
        current = current[part]
    return True


# ── Setting broken items aside so the rest of the file is still checked ────────────────────
@dataclass
class Salvage:
    """What was set aside: whole list items, or one optional key of an item."""

    items: dict[str, set[int]] = field(default_factory=dict)  # section → indexes removed
    keys: set[PathKey] = field(default_factory=set)  # keys removed (the item stays)

    def plan(self, path: PathKey, model: type[pydantic.BaseModel], error_type: str) -> bool:
        """Decide what to set aside for an error at ``path``; False when nothing can be."""
        if not path:
            return False
        top = fields_by_key(model).get(str(path[0]))
        if len(path) >= 2 and isinstance(path[1], int):
            item = model_at(model, path[:2])
            if len(path) >= 3 and isinstance(path[2], str) and _is_model(item):
                info = fields_by_key(item).get(path[2])
                optional = info is None or not info.is_required()
                if error_type != "missing" and optional:
                    self.keys.add(path[:3])
                    return True
            self.items.setdefault(str(path[0]), set()).add(path[1])
            return True
        if top is None or not top.is_required():
            self.keys.add(path[:1])
            return True
        return False

    def apply(self, data: dict[str, Any], smap: SourceMap) -> tuple[dict[str, Any], SourceMap]:
        """The data without what was set aside, and a source map for it (indexes shifted)."""
        out = copy.deepcopy(data)
        for path in self.keys:
            container: Any = out
            for part in path[:-1]:
                container = container[part]
            if isinstance(container, dict):
                container.pop(path[-1], None)
        for section, indexes in self.items.items():
            if isinstance(out.get(section), list):
                out[section] = [x for i, x in enumerate(out[section]) if i not in indexes]
        return out, self._shifted(smap)

    def _shifted(self, smap: SourceMap) -> SourceMap:
        def shift(path: PathKey) -> PathKey | None:
            removed = self.items.get(str(path[0])) if path else None
            if not removed or len(path) < 2 or not isinstance(path[1], int):
                return path
            if path[1] in removed:
                return None
            return (path[0], path[1] - sum(1 for i in removed if i < path[1]), *path[2:])

        lines = {new: n for old, n in smap.lines.items() if (new := shift(old)) is not None}
        labels = {new: t for old, t in smap.labels.items() if (new := shift(old)) is not None}
        return SourceMap(smap.file, lines, labels)

    def lines(self, smap: SourceMap) -> set[int]:
        """The file lines of what was set aside: items removed, and keys removed from items
        that stay (the item's other keys are still checked)."""
        removed: set[PathKey] = {(s, i) for s, indexes in self.items.items() for i in indexes}
        removed |= self.keys
        return {
            n
            for path, n in smap.lines.items()
            if any(path[: len(prefix)] == prefix for prefix in removed)
        }

    def names(self, data: Mapping[str, Any]) -> dict[str, set[str]]:
        """Section → the names of items set aside (they count as known to later checks)."""
        out: dict[str, set[str]] = {}
        for section, indexes in self.items.items():
            items = data.get(section)
            for index in indexes:
                label = item_label(items[index]) if isinstance(items, list) else None
                if label is not None:
                    out.setdefault(section, set()).add(label)
        return out


@dataclass
class Validated(Generic[ModelT]):
    """The outcome of :func:`validate_all`.

    ``model``: the file as a model — None when its schema problems could not be set aside.
    ``source``: the source map that goes with ``model`` (items set aside shift indexes).
    ``set_aside``: names of items set aside, per section; later checks treat them as known.
    ``quiet_lines``: lines of items set aside; later checks' problems there are consequences.
    """

    model: ModelT | None
    problems: list[PortplanError]
    source: SourceMap
    set_aside: dict[str, set[str]] = field(default_factory=dict)
    quiet_lines: set[int] = field(default_factory=set)

    def add(self, problems: Iterable[PortplanError]) -> None:
        """Add a later phase's problems, leaving out those in items set aside and those on a
        line an earlier phase already reported (a host defined twice is not also a host
        without its os): one mistake, one line."""
        reported = {p.line for p in self.problems}
        fresh = [
            p
            for p in problems
            if p.line is None or (p.line not in self.quiet_lines and p.line not in reported)
        ]
        self.problems = in_file_order([*self.problems, *fresh])


def validate_file(model: type[ModelT], data: Any, smap: SourceMap) -> Validated[ModelT]:
    """:func:`validate_all` for a whole file, whose top level must be a mapping."""
    if not isinstance(data, dict):
        what = "nothing" if data is None else _what(data)
        problem = InputError(
            f"the file holds {what}, not a {model.__name__.lower()} — write it as a mapping "
            "of keys (key: value lines).",
            file=smap.file,
            line=1,
        )
        return Validated(None, [problem], smap)
    return validate_all(model, data, smap)


def validate_all(model: type[ModelT], data: dict[str, Any], smap: SourceMap) -> Validated[ModelT]:
    """Validate ``data``; collect the schema problems and, on what is left of the file once
    the broken items are set aside, the problems of the checks across the file."""
    result: Validated[ModelT] = Validated(None, [], smap)
    current, source = data, smap
    set_aside: dict[str, set[str]] = {}
    for attempt in range(MAX_ROUNDS + 1):
        sink: list[PortplanError] = []
        context = {"source": source, "problems": sink, "set_aside": set_aside}
        try:
            result.model = model.model_validate(current, context=context)
        except pydantic.ValidationError as exc:
            errors = exc.errors(include_url=False)
            if attempt == 0:  # later rounds only see what setting items aside changed
                result.problems = [
                    source.error(e.path, e.message) for e in explain(errors, current, model)
                ]
            salvage = Salvage()
            if not all(salvage.plan(_path_of(e, current), model, e["type"]) for e in errors):
                break
            result.quiet_lines |= salvage.lines(source)  # lines never shift, indexes do
            for section, names in salvage.names(current).items():
                set_aside.setdefault(section, set()).update(names)
            current, source = salvage.apply(current, source)
            continue
        result.source = source
        result.set_aside = set_aside
        result.add(sink)
        break
    result.problems = in_file_order(result.problems)
    return result


def _path_of(error: Mapping[str, Any], data: Any) -> PathKey:
    return data_path(error["loc"], data, missing=error["type"] == "missing")

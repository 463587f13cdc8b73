"""One small registry for every family of plug-ins (compile targets, report formats, readers).

A registry maps a name to ``"module:attribute"``: the module is imported only when the name is
used, so a target whose library is an optional extra (aerleon) costs nothing until asked for,
and a new implementation is one module plus one line in its registry. The attribute is a class
or a factory; :meth:`Registry.create` calls it with the arguments given.

A registry reads like the ``dict`` it wraps (``sorted(TARGETS)``, ``name in FORMATS``,
``FORMATS[name]`` gives the ``"module:attribute"`` text), so listing and documenting the
registered names needs no import of the implementations.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import Any, Generic, TypeVar

from portplan.errors import ValidationError

T = TypeVar("T")


class Registry(Mapping[str, str], Generic[T]):
    """Names of the implementations of ``T``, each imported on first use.

    ``unknown`` is the error message for a name not registered; ``{name}`` and ``{names}``
    (the registered names, comma-separated, in registration order) are filled in.
    """

    def __init__(self, entries: Mapping[str, str], *, unknown: str) -> None:
        for name, spec in entries.items():
            module, colon, attribute = spec.partition(":")
            if not (module and colon and attribute):
                raise ValueError(f"registry entry {name!r}: {spec!r} is not 'module:attribute'")
        self._entries = dict(entries)
        self._unknown = unknown

    def __getitem__(self, name: str) -> str:
        return self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def module_name(self, name: str) -> str:
        """The module that implements ``name`` (for listings and documentation)."""
        return self._entries[name].partition(":")[0]

    def load(self, name: str) -> Any:
        """The registered class or factory itself (imports its module)."""
        spec = self._entries.get(name)
        if spec is None:
            raise ValidationError(self._unknown.format(name=name, names=", ".join(self)))
        module_name, _, attribute = spec.partition(":")
        return getattr(importlib.import_module(module_name), attribute)

    def create(self, name: str, *args: Any) -> T:
        """A new instance of ``name``: its class or factory called with ``args``."""
        instance: T = self.load(name)(*args)
        return instance

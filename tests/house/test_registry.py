"""The one registry shape every plug-in family uses."""

from __future__ import annotations

import pytest

from portplan.compile.registry import TARGETS, get_compiler
from portplan.errors import ValidationError
from portplan.registry import Registry
from portplan.report.base import FORMATS, get_format


def test_a_registry_reads_like_its_mapping_and_imports_on_use() -> None:
    registry: Registry[object] = Registry(
        {"ordered": "collections:OrderedDict", "counter": "collections:Counter"},
        unknown="no '{name}' — use one of {names}.",
    )
    assert list(registry) == ["ordered", "counter"]
    assert "counter" in registry and len(registry) == 2
    assert registry.module_name("counter") == "collections"
    assert registry.create("counter", "aab") == {"a": 2, "b": 1}
    with pytest.raises(ValidationError, match=r"no 'deque' — use one of ordered, counter\."):
        registry.create("deque")


def test_an_entry_that_is_not_module_colon_attribute_is_refused() -> None:
    with pytest.raises(ValueError, match="not 'module:attribute'"):
        Registry({"broken": "collections.Counter"}, unknown="")


def test_every_registered_target_and_format_names_what_it_is() -> None:
    for name in TARGETS:
        if not name.endswith(":*"):
            assert get_compiler(name).name.startswith(name.split(":")[0])
    for name in FORMATS:
        assert get_format(name).name == name

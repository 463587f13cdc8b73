"""MkDocs / Python-Markdown admonitions: ``!!! note "Title"`` (and the collapsible ``???``,
``???+``) over a body indented by four spaces. The body is read again by the rules; the label
and its title say how to read it and produce nothing."""

from __future__ import annotations

import re

from portplan.extract.structure.base import (
    LineState,
    RuleMatch,
    dedented,
    indented_block,
    min_indent,
)

_OPEN = re.compile(r"^ {0,3}(?:!!!|\?\?\?\+?)[ \t]+\w")


def starts(state: LineState, start: int) -> bool:
    text = state.text(start).lstrip(" ")
    return text[:3] in ("!!!", "???") and _OPEN.match(state.text(start)) is not None


def mkdocs_admonition(state: LineState, start: int) -> RuleMatch | None:
    if not starts(state, start):
        return None
    minimum = state.indent(start) + 1
    end = indented_block(state, start + 1, minimum)
    lines = dedented(state.lines[start + 1 : end], min_indent(state, start + 1, end))
    return RuleMatch(state.read_nested(lines), max(end, start + 1))

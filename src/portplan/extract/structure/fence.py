"""Fenced code: ````` ```lang ````` … ````` ``` ````` and ``~~~`` … ``~~~`` (Markdown, also
accepted by AsciiDoc). The first word of the info string is the language (``{code-block}
python`` and ``{.sh}`` spellings included). An unclosed fence runs to the end, as CommonMark
says.

A MyST admonition fence (````` ```{note} ````` … ````` ``` `````) is not code: its body is read
again by the rules. reStructuredText underlines titles with ``~~~``, so there are no fences in
reStructuredText.
"""

from __future__ import annotations

import re

from portplan.extract.document import CodeBlock, TextLine
from portplan.extract.structure.base import LineState, RuleMatch

_OPEN = re.compile(r"^( {0,3})(`{3,}|~{3,})[ \t]*([^`]*?)[ \t]*$")
_ADMONITIONS = frozenset(
    [
        "admonition",
        "attention",
        "caution",
        "danger",
        "error",
        "hint",
        "important",
        "note",
        "seealso",
        "tip",
        "warning",
    ]
)


def starts(state: LineState, start: int) -> bool:
    text = state.text(start)
    return (
        state.markup != "rst"
        and text.lstrip(" ")[:3] in ("```", "~~~")
        and _OPEN.match(text) is not None
    )


def fence(state: LineState, start: int) -> RuleMatch | None:
    if not starts(state, start):
        return None
    found = _OPEN.match(state.text(start))
    assert found is not None
    indent, marks, info = len(found.group(1)), found.group(2), found.group(3)
    closing = state.next_where(
        ("fence", marks), lambda line: _closes(state.text(line), marks), start
    )
    end = len(state) if closing is None else closing
    body = tuple(
        TextLine(line.line, _outdent(line.text, indent)) for line in state.lines[start + 1 : end]
    )
    after = min(end + 1, len(state))
    name = _language(info)
    if name.lower() in _ADMONITIONS:
        return RuleMatch(state.read_nested(body), after)
    return RuleMatch((CodeBlock(body, name),), after)


def _closes(text: str, marks: str) -> bool:
    """A closing fence: at least as many of the same marks, indented less than four."""
    closing = text.strip()
    if not closing.startswith(marks):
        return False
    indent = len(text) - len(text.lstrip(" "))
    return not closing.strip(marks[0]) and indent < 4


def _language(info: str) -> str:
    """``python``, ``{code-block} python`` → python; ``{.sh .numberLines}`` → sh."""
    words = info.replace("{", " ").replace("}", " ").split()
    if words and words[0] in ("code-block", "code", "sourcecode") and len(words) > 1:
        return words[1]
    return words[0].lstrip(".") if words else ""


def _outdent(text: str, width: int) -> str:
    """Remove up to ``width`` leading spaces (a fence indented in a list keeps its code)."""
    stripped = text.lstrip(" ")
    return text[min(width, len(text) - len(stripped)) :]

"""The shape of a reStructuredText directive, shared by the rules that read one.

::

    .. name:: argument
       :option: value

       body, indented under the directive

The options are the indented ``:name: value`` lines right below the directive line; the body
is everything after them that is indented deeper than the ``..`` (blank lines included). The
body keeps its source line numbers, with its common indentation removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from portplan.extract.document import TextLine
from portplan.extract.structure.base import LineState, dedented, indented_block, min_indent

_DIRECTIVE = re.compile(r"^(\s*)\.\.\s+(\|[^|]+\|\s+)?([\w:.+-]+)::(?:\s+(.*?))?\s*$")
_OPTION = re.compile(r"^\s*:([\w-]+):(?:\s+(.*?))?\s*$")


@dataclass(frozen=True)
class Directive:
    name: str  # lower case, without a domain prefix ("code-block", "note")
    argument: str
    options: dict[str, str]
    body: tuple[TextLine, ...]
    line: int  # the directive's own line
    end: int  # the index after the body
    substitution: bool  # ".. |name| image:: …" defines a substitution


def directive_name(state: LineState, start: int) -> str | None:
    """The directive's name when ``start`` is a directive line (a cheap test)."""
    text = state.text(start)
    if ".." not in text[:12]:
        return None
    found = _DIRECTIVE.match(text)
    return found.group(3).lower().rsplit(":", 1)[-1] if found else None


def read_directive(state: LineState, start: int) -> Directive | None:
    found = _DIRECTIVE.match(state.text(start))
    if found is None:
        return None
    own_indent = len(found.group(1).expandtabs(4))
    index = start + 1
    options: dict[str, str] = {}
    while index < len(state) and state.indent(index) > own_indent:
        option = _OPTION.match(state.text(index))
        if option is None:
            break
        options[option.group(1).lower()] = option.group(2) or ""
        index += 1
    end = indented_block(state, index, own_indent + 1)
    width = min_indent(state, index, end)
    body = dedented(
        [state.lines[i] for i in range(index, end)],
        width,
    )
    return Directive(
        name=found.group(3).lower().rsplit(":", 1)[-1],
        argument=found.group(4) or "",
        options=options,
        body=_trim(body),
        line=state.line(start),
        end=max(end, index),
        substitution=found.group(2) is not None,
    )


def _trim(lines: tuple[TextLine, ...]) -> tuple[TextLine, ...]:
    """Without the blank lines at either end."""
    first = 0
    last = len(lines)
    while first < last and not lines[first].text.strip():
        first += 1
    while last > first and not lines[last - 1].text.strip():
        last -= 1
    return lines[first:last]

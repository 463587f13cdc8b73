"""reStructuredText directives whose body is content: admonitions (``.. note::``,
``.. warning::``, ``.. tip::``, ``.. important::``, ``.. caution::`` and the rest), and any
directive no other rule knows (``.. only::``, ``.. container::``, ``.. tab::``…), since
dropping text a reader sees would lose it. The body is read again by the rules and its blocks
appear in place; an admonition's text may start on the directive line.

A ``.. table:: Title`` directive gives its title to the table in its body; other titled
containers (``.. topic:: Title``, ``.. admonition:: Title``, ``.. rubric:: Title``, tabs)
keep the title as a :class:`~portplan.extract.document.Caption`. The argument of any other
directive (``.. only:: html``) is an instruction, not text.
"""

from __future__ import annotations

from portplan.extract.document import Caption, StructuredBlock, TextLine
from portplan.extract.inline import clean_inline
from portplan.extract.structure.base import LineState, RuleMatch
from portplan.extract.structure.directive import directive_name, read_directive

# Admonitions whose argument is the first line of their text, not a title.
_ADMONITIONS = frozenset(
    {
        "attention",
        "caution",
        "danger",
        "error",
        "hint",
        "important",
        "note",
        "tip",
        "warning",
        "seealso",
        "versionadded",
        "versionchanged",
        "deprecated",
    }
)


# Containers whose argument is a title a reader sees.
_TITLED = frozenset(
    {"admonition", "topic", "sidebar", "rubric", "tab", "group-tab", "tab-item", "dropdown", "card"}
)


def rst_directive(state: LineState, start: int) -> RuleMatch | None:
    if directive_name(state, start) is None:
        return None
    directive = read_directive(state, start)
    if directive is None:
        return None
    argument = directive.argument.strip()
    body = directive.body
    blocks: tuple[StructuredBlock, ...]
    if directive.name in _ADMONITIONS:
        if argument and directive.name not in ("versionadded", "versionchanged", "deprecated"):
            body = (TextLine(directive.line, argument), *body)
        blocks = state.read_nested(body)
    elif directive.name == "table" and argument:
        title = {"title": clean_inline(argument), "title_line": str(directive.line)}
        blocks = state.read_nested(body, title)
    else:
        blocks = state.read_nested(body)
        if argument and directive.name in _TITLED:
            blocks = (Caption(clean_inline(argument), directive.line), *blocks)
    return RuleMatch(blocks, directive.end)

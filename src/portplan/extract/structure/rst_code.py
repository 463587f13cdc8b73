"""reStructuredText code directives: ``.. code-block:: lang``, ``.. code:: lang``,
``.. sourcecode:: lang`` and ``.. parsed-literal::``, with an indented body (their options,
``:linenos:`` and the like, are not code)."""

from __future__ import annotations

from portplan.extract.document import CodeBlock
from portplan.extract.structure.base import LineState, RuleMatch
from portplan.extract.structure.directive import directive_name, read_directive

_CODE = frozenset({"code-block", "code", "sourcecode", "parsed-literal"})


def rst_code(state: LineState, start: int) -> RuleMatch | None:
    if directive_name(state, start) not in _CODE:
        return None
    directive = read_directive(state, start)
    if directive is None:
        return None
    language = directive.argument.split()[0] if directive.argument else ""
    return RuleMatch((CodeBlock(directive.body, language),), directive.end)

"""MDX module lines: ``import Tabs from '@theme/Tabs';`` and ``export const x = …;`` one-line
statements load page components and show nothing."""

from __future__ import annotations

import re

from portplan.extract.structure.base import LineState, RuleMatch

_STATEMENT = re.compile(
    r"^(?:import\s[^\"';]*[\"'][^\"']+[\"'];?"
    r"|export\s+(?:const|let|var)\s+\w+\s*=.*;)\s*$"
)


def mdx_import(state: LineState, start: int) -> RuleMatch | None:
    text = state.text(start)
    if text.startswith(("import", "export")) and _STATEMENT.match(text):
        return RuleMatch((), start + 1)
    return None

"""Template tags on a line of their own: Hugo shortcodes (``{{< tabs >}}``,
``{{% tab "Linux" %}}``) and Liquid/Jinja tags (``{% include x.html %}``). They arrange the
page (tabs, regions) and produce no block; the text between them is read as usual."""

from __future__ import annotations

import re

from portplan.extract.structure.base import LineState, RuleMatch

_TAG = re.compile(r"^\s*(?:\{\{[<%].*[%>]\}\}|\{%.*%\}|\{\{-?\s*/?[\w.]+.*\}\})\s*$")


def shortcode(state: LineState, start: int) -> RuleMatch | None:
    text = state.text(start)
    if "{" in text[:8] and _TAG.match(text):
        return RuleMatch((), start + 1)
    return None

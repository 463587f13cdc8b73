"""HTML written into a text document that shows no text by itself: lines of tags only
(``<div class="alert alert-warning">``, ``</div>``, ``<br><br>``, ``<Tabs>`` of MDX),
comments (``<!-- … -->``, also over several lines) and ``<script>``/``<style>`` elements.

Tag lines produce no block and the text between them is read as usual, so a wrapper such as
an alert ``<div>`` disappears and its text stays. Only known HTML elements and JSX components
(a capital letter, then lower case: ``<TabItem value="x">``) count as tags: ``<IP address>``
or ``<target>`` in a sentence are placeholders, not markup.
"""

from __future__ import annotations

import re

from portplan.extract.structure.base import LineState, RuleMatch

_ELEMENTS = (
    "a|abbr|article|aside|b|blockquote|body|br|center|code|dd|details|div|dl|dt|em|figcaption|"
    "figure|font|footer|h[1-6]|head|header|hr|html|i|iframe|img|li|main|nav|ol|p|picture|pre|"
    "section|small|source|span|strong|sub|summary|sup|table|tbody|td|tfoot|th|thead|tr|u|ul|"
    "video|wbr"
)
_TAG = rf"</?(?:(?i:{_ELEMENTS})\b|[A-Z][a-z]+[A-Za-z0-9.]*)(?:\s[^<>]*)?/?>"
_TAG_LINE = re.compile(rf"^\s*(?:{_TAG}\s*)+$")
_COMMENT_OPEN = "<!--"
_COMMENT_CLOSE = "-->"
_RAW = re.compile(r"^\s*<(script|style)\b[^>]*>", re.IGNORECASE)


def html_markup(state: LineState, start: int) -> RuleMatch | None:
    text = state.text(start)
    stripped = text.lstrip()
    if not stripped.startswith("<"):
        return None
    if stripped.startswith(_COMMENT_OPEN):
        return _until(state, start, _COMMENT_CLOSE, text.find(_COMMENT_OPEN) + 4)
    raw = _RAW.match(text)
    if raw:
        return _until(state, start, f"</{raw.group(1).lower()}>", raw.end(), lower=True)
    if _TAG_LINE.match(text):
        return RuleMatch((), start + 1)
    return None


def _until(
    state: LineState, start: int, closing: str, offset: int, lower: bool = False
) -> RuleMatch | None:
    """Everything up to the line that holds ``closing`` (after ``offset`` on the first
    line); text after the closing mark on that line must be blank."""
    first = state.text(start)
    position = (first.lower() if lower else first).find(closing, offset)
    index: int | None = start
    if position < 0:
        index = state.next_where(
            ("contains", closing, lower),
            lambda line: closing in (state.text(line).lower() if lower else state.text(line)),
            start,
        )
        if index is None:
            return None
        text = state.text(index)
        position = (text.lower() if lower else text).find(closing)
    assert index is not None
    if state.text(index)[position + len(closing) :].strip():
        return None  # text follows the closing mark: the line is a paragraph
    return RuleMatch((), index + 1)

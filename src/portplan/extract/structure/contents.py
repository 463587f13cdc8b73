"""A table of contents, and the section titles it announces.

PDFs open with a list of their sections, each with dot leaders and a page number::

    Contents
    1. Appliance ... 2
    2. Server 7 ... 2
    Default ports ... 2
    Master server ports ... 3

The entries state no ports (the numbers are pages): the list is a :class:`Contents` block,
which the interpreter passes over. What it does give is the document's outline: later in the
text, a line that repeats an entry's title ("1. Appliance", "Default ports") is that section's
heading, although nothing else marks it.
A numbered entry's level is its depth ("2." 1, "2.1" 2); an entry without a number sits one
level under the numbered entry above it.
"""

from __future__ import annotations

import re

from portplan.extract.document import Contents, Heading
from portplan.extract.inline import clean_inline
from portplan.extract.structure.base import LineState, RuleMatch

_ENTRY = re.compile(
    r"^\s*(?P<title>\S.*?)\s*(?:\.\s?){3,}\s*\d{1,4}\s*$|^\s*(?P<t2>\S.*?)\s*…\s*\d{1,4}\s*$"
)
_CONTENTS = re.compile(r"^\s*(?:table\s+of\s+)?contents\s*:?\s*$", re.IGNORECASE)
_NUMBER = re.compile(r"^(?P<number>\d{1,2}(?:\.\d{1,2})*)\.?\s+(?=\S)")
_SHORTEST = 2  # entries in a row before a list of lines is a table of contents


def _entry(text: str) -> str | None:
    found = _ENTRY.match(text)
    if found is None:
        return None
    title = (found.group("title") or found.group("t2") or "").strip()
    return title if re.search(r"[A-Za-z]{2}", title) else None


def _key(title: str) -> str:
    return " ".join(_NUMBER.sub("", clean_inline(title).strip()).lower().split())


def _level(title: str, numbered_level: int) -> tuple[int, int]:
    """(this entry's level, the level an unnumbered entry after it takes)."""
    found = _NUMBER.match(title.strip())
    if found is None:
        return max(numbered_level, 1), numbered_level
    level = found.group("number").count(".") + 1
    return level, level + 1


def contents(state: LineState, start: int) -> RuleMatch | None:
    index = start + 1 if _CONTENTS.match(state.text(start)) else start
    entries: list[str] = []
    while index < len(state) and (title := _entry(state.text(index))) is not None:
        entries.append(title)
        index += 1
    if len(entries) < _SHORTEST:
        return None
    after_numbered = 1
    for title in entries:
        level, after_numbered = _level(title, after_numbered)
        state.outline.setdefault(_key(title), level)
    return RuleMatch((Contents(state.lines[start:index]),), index)


def starts(state: LineState, index: int) -> bool:
    return _entry(state.text(index)) is not None and _entry(state.text(index + 1)) is not None


def _announced(state: LineState, index: int) -> int | None:
    """The level of the contents entry line ``index`` repeats, if it repeats one."""
    text = state.text(index).strip()
    if not state.outline or not text or len(text) > 120:
        return None
    return state.outline.get(_key(text))


def starts_announced(state: LineState, index: int) -> bool:
    return _announced(state, index) is not None


def announced_title(state: LineState, start: int) -> RuleMatch | None:
    level = _announced(state, start)
    if level is None:
        return None
    title = clean_inline(state.text(start)).strip()
    return RuleMatch((Heading(level, title, state.line(start)),), start + 1)

"""AsciiDoc block macros that show no text: ``image::file.png[]``, ``video::…[]``,
``audio::…[]``, ``toc::[]``. (An image's alternative text describes a picture the reader
sees instead; a diagram's ports are not in its file name.)"""

from __future__ import annotations

import re

from portplan.extract.structure.base import LineState, RuleMatch

_MACRO = re.compile(r"^(?:image|video|audio|toc)::[^\[\s]*\[[^\]]*\]\s*$")


def block_macro(state: LineState, start: int) -> RuleMatch | None:
    text = state.text(start)
    if text[:1] in ("i", "v", "a", "t") and _MACRO.match(text):
        return RuleMatch((), start + 1)
    return None

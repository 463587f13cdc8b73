"""Which lightweight markup a text is written in, read from its syntax (not its file name).

Each language has lines no other one writes: AsciiDoc's ``== Title``, ``:attr: value``,
``|===``, ``term:: text`` and ``ifdef::`` lines; reStructuredText's ``.. directive::``,
``:role:`text``` and section titles underlined with ``~``, ``^`` or ``*``; Markdown's
``## Title``, fences and ``[text](url)`` links. The language with the most such lines wins
(Markdown on a tie: it is the most common); a text with fewer than two of them is ``plain``
(a PDF's text, a web page saved as text), where a paragraph is also ended by a line that reads
complete. Pipe tables and bullets say nothing here: web pages saved as text have them too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import islice

from portplan.extract.document import TextLine
from portplan.extract.structure.base import Markup

_ASCIIDOC = re.compile(
    r"^(?:={1,6} \S"
    r"|:[\w-]+!?:(?:\s|$)"
    r"|\|={3,}\s*$"
    r"|\[(?:source|cols|options|NOTE|TIP|WARNING|IMPORTANT|CAUTION|\[|#|\.|%)"
    r"|(?:ifn?def|ifeval|endif|include|image|toc)::"
    r"|xref:\S"
    r"|(?!\.\.\s)[^\s:][^:]*(?::{2,4}|;;)[ \t]+\S"
    r"|\*{4,}\s*$|_{4,}\s*$|\.{4,}\s*$)"
)
_RST = re.compile(
    r"^(?:\.\. \S"
    r"|\.\.\s*$"
    r"|\+(?:-{3,}\+)+\s*$"
    r"|={3,}(?: +={3,})+\s*$"
    r"|.*\S::\s*$"
    r"|#\. )"
)
_RST_ROLE = re.compile(r":[a-z]+:`")
# A title underline in a mark Markdown does not use, as long as the title above it.
_RST_UNDERLINE = re.compile(r"^([~^\"'`*#<>_:.])\1{2,}\s*$")
_MARKDOWN = re.compile(
    r"^(?:#{1,6} \S"
    r"|\s{0,3}(?:```|~~~)"
    r"|>\s"
    r"|\{\{[<%]"
    r"|!!! \w"
    r"|:::\w"
    r"|\[[^\]]+\]: \S)"
)
_MARKDOWN_INLINE = re.compile(r"\]\([^)\s]+\)")
# One such line can be chance (".. " in a sentence wrapped by a PDF); two are a habit.
_ENOUGH = 2
# A document keeps its markup: its first lines tell (and a huge one is not read twice over).
_SAMPLE = 5000


def detect_markup(lines: Iterable[TextLine]) -> Markup:
    """The markup with the most lines only it writes; ``plain`` when none has two."""
    scores = {"markdown": 0, "asciidoc": 0, "rst": 0}
    previous = ""
    for line in islice(lines, _SAMPLE):
        text = line.text
        if _ASCIIDOC.match(text):
            scores["asciidoc"] += 1
        if _rst_line(text, previous):
            scores["rst"] += 1
        if _MARKDOWN.match(text) or _MARKDOWN_INLINE.search(text):
            scores["markdown"] += 1
        previous = text
    best = max(scores, key=lambda name: scores[name])
    if scores[best] < _ENOUGH:
        return "plain"
    if best == "asciidoc":
        return "asciidoc"
    if best == "rst":
        return "rst"
    return "markdown"


def _rst_line(text: str, previous: str) -> bool:
    if _RST.match(text) or _RST_ROLE.search(text):
        return True
    title = previous.strip()
    return (
        bool(title) and _RST_UNDERLINE.match(text) is not None and len(text.strip()) >= len(title)
    )

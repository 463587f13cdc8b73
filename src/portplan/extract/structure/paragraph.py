"""Blank lines and paragraphs: the rules every other rule falls back on.

A paragraph is consecutive non-blank lines, up to a line where a rule that may interrupt a
paragraph starts (a heading, a list item, a fence...). Lines a transparent rule drops (an
AsciiDoc ``ifdef::`` line) are skipped without ending it. A paragraph keeps its raw source
lines: evidence cites them.

Plain text (a PDF's text, a web page saved as text) has no blank line between statements as
often as it has one, so there a paragraph also ends

* after a line that reads complete (ends with ``.``, ``:``, ``;``, ``?`` or ``!``) when the
  next line starts like a sentence (a capital letter or a digit), and
* after a short title-like first line (a few words, no comma, no final punctuation) when the
  next line is a sentence that starts with a capital letter, or states a port,

so that a document written one statement per line keeps one block per statement.
"""

from __future__ import annotations

import re

from portplan.extract.document import Paragraph, TextLine
from portplan.extract.structure.base import LineState, RuleMatch

_COMPLETE = (".", ":", ";", "?", "!")
_TITLE_WORDS = 12
_SENTENCE_WORDS = 3
# A line ending in one of these words is a sentence wrapped onto the next line, not a title.
_CONTINUING = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "if",
        "in",
        "into",
        "is",
        "of",
        "on",
        "or",
        "per",
        "than",
        "that",
        "the",
        "this",
        "to",
        "via",
        "when",
        "where",
        "which",
        "while",
        "with",
    ]
)


def blank(state: LineState, start: int) -> RuleMatch | None:
    """Blank lines separate blocks and produce none."""
    end = start
    while end < len(state) and state.blank(end):
        end += 1
    return RuleMatch((), end) if end > start else None


def paragraph(state: LineState, start: int) -> RuleMatch | None:
    """Consecutive non-blank lines, up to a line where an interrupting rule starts."""
    if state.blank(start):
        return None
    lines, end = paragraph_lines(state, start)
    return RuleMatch((Paragraph(tuple(lines)),), end)


def paragraph_lines(state: LineState, start: int) -> tuple[list[TextLine], int]:
    """The lines of the paragraph that starts at ``start`` and the index after it."""
    lines = [state.lines[start]]
    end = start + 1
    while end < len(state) and not state.blank(end):
        skipped = state.transparent(end)
        if skipped is not None:
            end = skipped
            continue
        if state.interrupts(end):
            break
        if state.markup == "plain" and ends_plain_paragraph(lines, state.stripped(end)):
            break
        lines.append(state.lines[end])
        end += 1
    return lines, end


def ends_plain_paragraph(lines: list[TextLine], following: str) -> bool:
    """Whether plain text starts a new paragraph at the line ``following`` ``lines``."""
    previous = lines[-1].text.strip()
    if not _starts_sentence(following):
        return False
    if previous.endswith(_COMPLETE) or _LABEL_LINE.match(following):
        return True
    return (
        len(lines) == 1
        and following[0].isupper()
        and _title_like(previous)
        and (_reads_as_sentence(following) or bool(_STATES_PORT.search(following)))
    )


# "NOTE", "Important:" on a line of its own: a label over what follows, never a continuation.
_LABEL_LINE = re.compile(r"^\s*(?:note|notes|important|caution|warning|tip)\s*:?\s*$", re.I)
# "Port 443 TCP from Client to Server": a line that states a port is a statement of its own.
_STATES_PORT = re.compile(r"\bports?\s+\d|\b(?:tcp|udp)\s*/?\s*\d|\d\s*/\s*(?:tcp|udp)\b", re.I)


def reads_complete(text: str) -> bool:
    return text.rstrip().endswith(_COMPLETE)


def _starts_sentence(text: str) -> bool:
    return bool(text) and (text[0].isupper() or text[0].isdigit())


def _title_like(text: str) -> bool:
    words = text.split()
    return (
        0 < len(words) <= _TITLE_WORDS
        and _starts_sentence(text)
        and "," not in text
        and not text.endswith(_COMPLETE)
        and words[-1].lower() not in _CONTINUING
    )


def _reads_as_sentence(text: str) -> bool:
    """A whole sentence, or the start of wrapped prose: it ends like one or holds the end of
    one (". " before a capital)."""
    if len(text.split()) < _SENTENCE_WORDS:
        return False
    if text.endswith(_COMPLETE):
        return True
    return any(
        text[index + 2 : index + 3].isupper()
        for index in range(len(text) - 2)
        if text[index] == "." and text[index + 1] == " "
    )

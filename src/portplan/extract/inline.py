"""Inline markup out of text: what a reader of the rendered page would see.

Headings, captions and table cells of lightweight-markup documents carry the inline syntax of
their language (``**bold**``, ``[text](url)``, ``xref:page#id[Text]``, ``:ref:`Text <target>```,
``[.role]#161#``). :func:`clean_inline` removes it for Markdown, AsciiDoc and
reStructuredText alike, keeps the text a reader sees (a link's text, a code span's code) and
normalises whitespace. ``{attribute}`` references stay as written: their value is unknown.

Every pattern here is linear: no quantified group contains another unbounded quantifier.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from functools import lru_cache

# Placeholders for text that later patterns must not touch (code spans, escaped characters).
_OPEN, _CLOSE = "\ue000", "\ue001"
_HELD = re.compile(f"{_OPEN}(\\d+){_CLOSE}")

_HTML_COMMENT = re.compile(r"<!--.*?-->")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
# AsciiDoc passthroughs: pass:[text], pass:q[text], +++text+++, ++text++, +text+.
_PASS_MACRO = re.compile(r"pass:[a-z,]*\[([^\]]*)\]")
_PASS_PLUS = re.compile(r"(?<![\w+])(\+{1,3})(\S|\S[^+]*\S)\1(?![\w+])")
# Images show no text; links show their text.
_MD_IMAGE = re.compile(r"!\[[^\[\]]*\]\([^()\s]*(?:\s+[\"'][^\"']*[\"'])?\)")
_MD_IMAGE_REF = re.compile(r"!\[[^\[\]]*\]\[[^\[\]]*\]")
_ADOC_IMAGE = re.compile(r"\bimage::?[^\s\[]*\[[^\]]*\]")
_MD_LINK = re.compile(
    r"\[([^\[\]]*)\]\(([^()\s]*(?:\([^()\s]*\)[^()\s]*)?)(?:\s+[\"'][^\"']*[\"'])?\)"
)
_MD_REF_LINK = re.compile(r"\[([^\[\]]+)\]\[[^\[\]]*\]")
_MD_FOOTNOTE = re.compile(r"\[\^[^\[\]\s]+\]")
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^<>\s]+)>")
# AsciiDoc macros and cross references.
_ADOC_XREF = re.compile(r"\bxref:([^\s\[]*)\[([^\]]*)\]")
_ADOC_LINK = re.compile(r"\b(?:link:([^\s\[]+)|((?:https?|ftp|mailto):[^\s\[]+))\[([^\]]*)\]")
_ADOC_ANGLE_XREF = re.compile(r"<<([^<>,]+)(?:,\s*([^<>]+))?>>")
_ADOC_UI_MACRO = re.compile(r"\b(?:kbd|btn):\[([^\]]*)\]")
_ADOC_MENU = re.compile(r"\bmenu:([^\s\[]+)\[([^\]]*)\]")
_ADOC_FOOTNOTE = re.compile(r"\bfootnote(?::[\w-]*)?\[[^\]]*\]")
_ADOC_ANCHOR = re.compile(r"\[\[[^\[\]]*\]\]|\[#[\w:.-]+\]")
_ADOC_ROLE = re.compile(r"\[\.[\w.-]+\](?=[#`_*+])|\[[\w-]+\](?=[#`])")
_ADOC_MARK = re.compile(r"(?<![\w#])(#{1,2})(\S|\S[^#]*\S)\1(?![\w#])")
_HARD_BREAK = re.compile(r" \+$")
# reStructuredText roles, references and substitutions.
_RST_ROLE_TITLED = re.compile(r":[\w:.+-]+:`([^`<]*?)\s*<[^`>]*>`")
_RST_ROLE = re.compile(r":[\w:.+-]+:`[~!]?([^`]*)`")
_RST_REFERENCE_TITLED = re.compile(r"`([^`<]*?)\s*<[^`>]*>`__?")
_RST_REFERENCE = re.compile(r"`([^`]+)`__?(?!\w)")
_RST_FOOTNOTE = re.compile(r"\s?\[(?:#[\w-]*|\*|\d+|[A-Za-z][\w.-]*)\]_(?!\w)")
_RST_SUBSTITUTION = re.compile(r"(?<![|\w])\|([^\s|](?:[^|]{0,60}[^\s|])?)\|(?![|\w])")
# Code spans: ``code`` (reStructuredText, AsciiDoc) and `code` (Markdown, AsciiDoc).
_CODE = re.compile(r"(`{1,2})([^`]|[^`][^`]*?[^`])\1(?!`)")
# Emphasis, constrained to word edges so that snake_case and 2*3 stay as written.
_STRONG = re.compile(r"\*\*([^*\s](?:[^*]*[^*\s])?)\*\*|__([^_\s](?:[^_]*[^_\s])?)__")
_EMPHASIS = re.compile(r"(?<![\w*])([*_])(\S|\S[^*_]*?\S)\1(?![\w*])")
_STRIKE = re.compile(r"~~([^~\s](?:[^~]*[^~\s])?)~~")
_HEADING_ID = re.compile(r"\s*\{[#.][\w:.-]+(?:\s+[#.][\w:.-]+)*\}\s*$")
# HTML: line breaks become spaces, other known tags go, placeholders such as <host> stay.
_HTML_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_HTML_TAG = re.compile(
    r"</?(?:a|abbr|b|big|blockquote|center|cite|code|dd|del|details|dfn|div|dl|dt|em|font|"
    r"h[1-6]|hr|i|img|ins|kbd|li|mark|nobr|ol|p|pre|q|s|samp|small|span|strike|strong|sub|"
    r"summary|sup|table|tbody|td|th|thead|time|tr|tt|u|ul|var|wbr)(?:\s[^<>]*)?/?>",
    re.IGNORECASE,
)
_SPACE = re.compile(r"\s+")
# Text with none of these characters holds no markup: most table cells ("443", "TCP").
_MARKUP = re.compile(r"[*_`\[\]<>&|:+#\\!~{}^]")


@lru_cache(maxsize=16384)  # a spanning cell repeats its text over every position it covers
def clean_inline(text: str) -> str:
    """``text`` as a reader sees it: inline markup of Markdown, AsciiDoc and reST removed,
    whitespace collapsed."""
    if not _MARKUP.search(text):
        return _SPACE.sub(" ", text).strip()
    held: list[str] = []

    def hold(value: str) -> str:
        held.append(value)
        return f"{_OPEN}{len(held) - 1}{_CLOSE}"

    if "<!--" in text:
        text = _HTML_COMMENT.sub("", text)
    if "\\" in text:
        text = _ESCAPE.sub(lambda m: hold(m.group(1)), text)
    text = _HARD_BREAK.sub("", text)
    text = _macros(text)
    if "`" in text:
        text = _CODE.sub(lambda m: hold(m.group(2).strip()), text)
    if "pass:" in text:
        text = _PASS_MACRO.sub(lambda m: hold(m.group(1)), text)
    if "+" in text:
        text = _PASS_PLUS.sub(lambda m: hold(m.group(2)), text)
    text = _emphasis(text)
    if "<" in text:
        text = _HTML_BREAK.sub(" ", text)
        text = _HTML_TAG.sub("", text)
    text = _restore(text, held)
    return _SPACE.sub(" ", html.unescape(text)).strip()


def _macros(text: str) -> str:
    """Links, references, images and macros: each replaced by the text it shows."""
    for needle, pattern, replacement in _MACRO_STEPS:
        if needle in text:
            text = pattern.sub(replacement, text)
    return text


_Replacement = str | Callable[[re.Match[str]], str]
# (a string each match contains — the step is skipped without it —, pattern, replacement),
# in the order they must run: images before links, reST's "text <url>" before autolinks,
# titled roles before bare ones.
_MACRO_STEPS: tuple[tuple[str, re.Pattern[str], _Replacement], ...] = (
    ("![", _MD_IMAGE, ""),
    ("![", _MD_IMAGE_REF, ""),
    ("image:", _ADOC_IMAGE, ""),
    ("](", _MD_LINK, r"\1"),
    ("][", _MD_REF_LINK, r"\1"),
    ("[^", _MD_FOOTNOTE, ""),
    (":`", _RST_ROLE_TITLED, r"\1"),
    ("`_", _RST_REFERENCE_TITLED, r"\1"),
    ("<", _AUTOLINK, r"\1"),
    ("xref:", _ADOC_XREF, lambda m: m.group(2) or m.group(1)),
    ("[", _ADOC_LINK, lambda m: m.group(3).rstrip("^") or m.group(1) or m.group(2)),
    ("<<", _ADOC_ANGLE_XREF, lambda m: m.group(2) or m.group(1)),
    (":[", _ADOC_UI_MACRO, r"\1"),
    ("menu:", _ADOC_MENU, lambda m: " > ".join([m.group(1), *m.group(2).split(",")])),
    ("footnote", _ADOC_FOOTNOTE, ""),
    ("[", _ADOC_ANCHOR, ""),
    (":`", _RST_ROLE, r"\1"),
    ("`_", _RST_REFERENCE, r"\1"),
    ("]_", _RST_FOOTNOTE, ""),
    ("|", _RST_SUBSTITUTION, r"\1"),
    ("{", _HEADING_ID, ""),
    ("[", _ADOC_ROLE, ""),
)


def _emphasis(text: str) -> str:
    if "*" in text or "_" in text:
        for _ in range(2):  # ***both*** is strong around emphasis
            text = _STRONG.sub(lambda m: m.group(1) or m.group(2), text)
            text = _EMPHASIS.sub(r"\2", text)
    if "~~" in text:
        text = _STRIKE.sub(r"\1", text)
    if "#" in text:
        text = _ADOC_MARK.sub(r"\2", text)
    return text


def _restore(text: str, held: list[str]) -> str:
    for _ in range(3):  # a held value may itself hold an escaped character
        if _OPEN not in text:
            break
        text = _HELD.sub(lambda m: held[int(m.group(1))], text)
    return text

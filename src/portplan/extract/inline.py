"""Inline markup removed from a piece of text (emphasis, code marks, links, roles)."""

from __future__ import annotations

import html
import re

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_XREF = re.compile(r"\b(?:xref|link):[^\[\s]*\[([^\]]*)\]")
_ROLE_HASH = re.compile(r"\[\.[\w-]+\]#([^#]*)#")
_REST_ROLE = re.compile(r":\w+:`([^`<]*?)\s*(?:<[^>]*>)?`")
_REST_LINK = re.compile(r"`([^`<]+?)\s*<[^>]+>`_+")
_FOOTNOTE = re.compile(r"\[\^\w+\]|\[#\w*\]_|\[\d+\]_")
_TAG = re.compile(r"</?[a-zA-Z][^<>]{0,200}>")
_EMPHASIS = re.compile(r"(\*\*|__|``|`)(.+?)\1")


def clean_inline(text: str) -> str:
    """The text a reader sees: markup of Markdown, AsciiDoc, reST and HTML removed."""
    if "&" in text and ";" in text:
        text = html.unescape(text)
    text = _LINK.sub(r"\1", text)
    text = _XREF.sub(r"\1", text)
    text = _ROLE_HASH.sub(r"\1", text)
    text = _REST_ROLE.sub(r"\1", text)
    text = _REST_LINK.sub(r"\1", text)
    text = _FOOTNOTE.sub("", text)
    text = _TAG.sub(" ", text)
    text = _EMPHASIS.sub(r"\2", text)
    return " ".join(text.replace("\u00a0", " ").split())

"""AsciiDoc block attribute lines: ``[[id]]``, ``[#id]``, ``[.role]``, ``[source,sh]``,
``[cols="1,3",options="header"]``, ``[NOTE]``, ``[%header]``.

They show nothing themselves; they describe the block below them, so the rule hands what they
say to the next block through the pending attributes: ``style`` (the first positional
attribute: ``source``, ``NOTE``, ``quote``…), ``language`` (a source block's second one),
and named attributes (``cols``, ``options``, ``format``, ``separator``…); ``%option``
shorthands join ``options``. Anchors and roles (``[[id]]``, ``[#id]``, ``[.role]``) are
dropped in any markup; the other forms only where the text is not plain.
"""

from __future__ import annotations

import re

from portplan.extract.structure.base import LineState, RuleMatch

_ANCHOR = re.compile(r"^\[\[[^\[\]]*\]\]\s*$|^\[[#.][^\[\]]*\]\s*$")
_LIST = re.compile(r"^\[([^\[\]]*)\]\s*$")
_NAMED = re.compile(r"^\s*([\w-]+)\s*=\s*(.*?)\s*$")


def block_attributes(state: LineState, start: int) -> RuleMatch | None:
    text = state.text(start)
    if not text.startswith("["):
        return None
    if _ANCHOR.match(text):
        return RuleMatch((), start + 1)
    found = _LIST.match(text)
    if found is None or state.markup == "plain" or not found.group(1).strip():
        return None
    return RuleMatch((), start + 1, _parse(found.group(1)))


def _parse(body: str) -> dict[str, str]:
    """The attributes an attribute list names (positional ones by their meaning)."""
    attributes: dict[str, str] = {}
    options: list[str] = []
    positional = 0
    for part in _split(body):
        named = _NAMED.match(part)
        if named:
            attributes[named.group(1).lower()] = named.group(2).strip("\"'")
            continue
        positional += 1
        value = part.strip().strip("\"'")
        if positional == 1:
            style, shorthand = _shorthand(value)
            if style:
                attributes["style"] = style
            options.extend(shorthand)
        elif positional == 2 and attributes.get("style") in ("source", "listing"):
            attributes["language"] = value
    if options:
        known = attributes.get("options", "")
        attributes["options"] = ",".join(filter(None, [known, *options]))
    return attributes


def _shorthand(value: str) -> tuple[str, list[str]]:
    """``source%linenums#id.role`` → style ``source`` and options ``linenums``."""
    style = re.split(r"[#.%]", value, maxsplit=1)[0]
    options = re.findall(r"%([\w-]+)", value)
    return style, options


def _split(body: str) -> list[str]:
    """Comma-separated parts, commas inside quotes kept."""
    parts: list[str] = []
    current: list[str] = []
    quote = ""
    for char in body:
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == ",":
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return [part for part in parts if part.strip()]

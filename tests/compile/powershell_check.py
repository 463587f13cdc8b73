"""A PowerShell tokenizer for the subset portplan writes, used where ``pwsh`` is not installed.

Each line is a comment, or commands built only from barewords, ``-Parameter`` names, ``,``,
``|``, ``=`` and single-quoted literals (PowerShell's single quotes include U+2018–U+201B; two
quote characters in a row stand for one). Anything that could run code or expand a value
outside a literal — ``$`` (except ``$ErrorActionPreference`` at the start of a line), a
backtick, ``;``, ``(``, ``{``, ``&``, a double quote — is reported, as is a literal left open.
"""

from __future__ import annotations

import re

QUOTES = "'\u2018\u2019\u201a\u201b"
BAREWORD = re.compile(r"-?[A-Za-z][A-Za-z0-9-]*")


def tokenize(line: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(kind, value) tokens of one line and the problems found."""
    tokens: list[tuple[str, str]] = []
    problems: list[str] = []
    i = 0
    if line.startswith("$ErrorActionPreference "):
        tokens.append(("variable", "$ErrorActionPreference"))
        i = len("$ErrorActionPreference")
    while i < len(line):
        ch = line[i]
        if ch == " ":
            i += 1
        elif ch in QUOTES:
            value, i = read_literal(line, i + 1)
            if i < 0:
                problems.append(f"unclosed literal: {line!r}")
                break
            tokens.append(("literal", value))
        elif ch in ",|=":
            tokens.append(("operator", ch))
            i += 1
        else:
            match = BAREWORD.match(line, i)
            if not match:
                problems.append(f"unexpected {ch!r} outside a literal: {line!r}")
                break
            tokens.append(("parameter" if match.group().startswith("-") else "word", match.group()))
            i = match.end()
    return tokens, problems


def read_literal(line: str, i: int) -> tuple[str, int]:
    value = []
    while i < len(line):
        if line[i] in QUOTES:
            if i + 1 < len(line) and line[i + 1] in QUOTES:
                value.append("'")
                i += 2
                continue
            return "".join(value), i + 1
        value.append(line[i])
        i += 1
    return "".join(value), -1


def check_script(text: str) -> tuple[list[list[tuple[str, str]]], list[str]]:
    """Tokens of every command line, and every problem in the script."""
    problems: list[str] = []
    commands = []
    if re.search(r"\r(?!\n)|(?<!\r)\n", text):
        problems.append("a line break other than CRLF")
    for line in text.split("\r\n"):
        if not line or line.startswith("#"):
            if "\n" in line or "\r" in line:
                problems.append(f"line break inside a comment: {line!r}")
            continue
        tokens, found = tokenize(line)
        problems += found
        commands.append(tokens)
    return commands, problems


def arguments(tokens: list[tuple[str, str]]) -> dict[str, list[str]]:
    """``-Parameter`` → the literal or bareword values that follow it."""
    args: dict[str, list[str]] = {}
    current = None
    for kind, value in tokens:
        if kind == "parameter":
            current = value[1:]
            args[current] = []
        elif kind in ("literal", "word") and current is not None:
            args[current].append(value)
        elif kind == "operator" and value == "|":
            current = None
    return args

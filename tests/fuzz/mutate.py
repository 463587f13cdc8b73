"""Mutations of real inputs: text the way it arrives pasted, converted or truncated, and
parsed documents (YAML, JSON) with values of the wrong type, missing or repeated.

Both take a ``random.Random`` so hypothesis drives them (``st.randoms()``: reproducible, and
shrinkable towards fewer and smaller changes) and ``bench/fuzz.py`` can run them by the
hundred thousand.
"""

from __future__ import annotations

import copy
import random
from typing import Any

# What fuzzing found to matter, and its relatives: numbers too long to convert, digits of
# other scripts, characters YAML and JSON refuse, nesting, YAML's aliases and indicators.
HOSTILE_TOKENS = (
    "9" * 4301,
    "0" * 5000 + "443",
    "１" * 30,
    "４４３",
    "٤٤٣",
    "²",
    "0x1F",
    "0x" + "f" * 60,
    "-1",
    "0",
    "65535",
    "65536",
    "70000",
    "1e999",
    "NaN",
    "\x00",
    "\x07",
    "\x1b[31m",
    "\ufeff",
    "\u202e",
    "\u2028",
    "\ud7ff",
    "\t",
    "\r",
    "\r\n",
    "\n\n",
    "[" * 300,
    "{" * 300,
    "]",
    "}",
    "&a ",
    "*a",
    "<<: *a",
    "!!python/object:os.system",
    "- ",
    ": ",
    "? ",
    "|",
    ">",
    "'",
    '"',
    "\\",
    "#",
    "%",
    "…",
    " - ",
    " to ",
    " through ",
    ",",
    "/",
    "+",
    "TCP",
    "UDP/TCP",
    "tcp/",
    "port ",
    "ports 1-65535",
    "<td colspan=99999999>",
    "<table><tr><td rowspan=" + "9" * 50 + ">x</td></tr></table>",
    "| --- |",
    "-A INPUT",
    "--dport ",
    "-m multiport --dports ",
    "-j ",
    ":INPUT",
    "*filter",
    "COMMIT",
)

MAX_REPEAT = 64


def mutate_text(text: str, rng: random.Random, *, window: int = 60) -> str:
    """A few random changes to a random window of ``window`` lines of ``text``."""
    lines = text.splitlines(keepends=True)
    if len(lines) > window:
        start = rng.randrange(len(lines) - window + 1)
        lines = lines[start : start + rng.randint(1, window)]
    out = "".join(lines)
    for _ in range(rng.randint(1, 4)):
        out = _one_change(out, rng)
    return out


def _one_change(text: str, rng: random.Random) -> str:
    at = rng.randint(0, len(text))
    end = min(len(text), at + rng.randint(0, 40))
    choice = rng.randrange(8)
    if choice == 0:  # a hostile token
        return text[:at] + rng.choice(HOSTILE_TOKENS) + text[at:]
    if choice == 1:  # a span removed
        return text[:at] + text[end:]
    if choice == 2:  # a span repeated, as a converter stutters
        return text[:at] + text[at:end] * rng.randint(2, MAX_REPEAT) + text[end:]
    if choice == 3:  # truncated
        return text[:at]
    if choice == 4:  # a number changed
        return text[:at] + str(rng.choice([0, 1, 65535, 65536, 2**31, 2**64, -7])) + text[end:]
    if choice == 5:  # one character of any kind
        return text[:at] + chr(rng.randint(0, 0x2FFF)) + text[at:]
    if choice == 6:  # lines swapped or joined
        lines = text.split("\n")
        if len(lines) > 1:
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        return (" " if rng.random() < 0.3 else "\n").join(lines)
    # case changed, as a converter shouts
    return text[:at] + text[at:end].swapcase() + text[end:]


def mutate_bytes(text: str, rng: random.Random) -> bytes:
    """:func:`mutate_text`, then now and then a raw byte flipped (invalid UTF-8 included)."""
    data = bytearray(mutate_text(text, rng).encode("utf-8", errors="surrogatepass"))
    if data and rng.random() < 0.2:
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


# Values a field may be given instead of the right one.
REPLACEMENTS: tuple[Any, ...] = (
    None,
    True,
    0,
    -1,
    65536,
    2**64,
    10**39,
    1.5,
    float("inf"),
    "",
    "x",
    "9" * 4301,
    "４４３",
    "tcp/0",
    "tcp/1-70000",
    "udp/53,",
    "10.0.0.0/33",
    "::1/129",
    "a:b:c",
    "@nope",
    "0x",
    [],
    [None],
    {},
    {"": None},
    {"range": [1]},
    {"prefix": {"addr": "x/8", "len": 99}},
    {"set": ["a", {"range": ["b"]}]},
    {"concat": "no"},
)


def value_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path (keys and indexes) of every value in ``value``, itself first."""
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += value_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += value_paths(item, (*path, index))
    return found


def _pruned(data: Any, rng: random.Random, keep: int = 4) -> Any:
    """A copy with every list cut to a few of its items (in order), so a mutated document
    stays small and each case is quick."""
    if isinstance(data, dict):
        return {key: _pruned(value, rng, keep) for key, value in data.items()}
    if isinstance(data, list):
        if len(data) > keep:
            data = [data[i] for i in sorted(rng.sample(range(len(data)), rng.randint(1, keep)))]
        return [_pruned(item, rng, keep) for item in data]
    return data


def mutate_tree(data: Any, rng: random.Random) -> Any:
    """A copy of parsed ``data`` with one to four values replaced, removed, repeated or
    wrapped — types and keys the loader must check, not assume."""
    # Half the cases keep every item (references between lists stay whole), half are cut
    # short: quicker, and parts go missing as they do in a pasted excerpt.
    data = _pruned(data, rng) if rng.random() < 0.5 else copy.deepcopy(data)
    for _ in range(rng.randint(1, 4)):
        paths = value_paths(data)[1:]
        if not paths:
            return rng.choice(REPLACEMENTS)
        path = rng.choice(paths)
        parent: Any = data
        for key in path[:-1]:
            parent = parent[key]
        key = path[-1]
        choice = rng.randrange(5)
        if choice == 0:
            parent[key] = copy.deepcopy(rng.choice(REPLACEMENTS))
        elif choice == 1 and isinstance(parent, dict):
            del parent[key]
        elif choice == 1:
            parent.pop(key)
        elif choice == 2:
            parent[key] = [copy.deepcopy(parent[key])] * rng.randint(2, 8)
        elif choice == 3:
            parent[key] = {"x": parent[key]} if rng.random() < 0.5 else [parent[key]]
        elif isinstance(parent[key], str):
            parent[key] = mutate_text(parent[key], rng)
    return data

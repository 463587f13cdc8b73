"""Reading existing rulesets into the evaluator's model.

Three formats: the JSON of ``nft -j list ruleset``; nft text (loaded into a throwaway network
namespace by the real ``nft`` and dumped as JSON, so the kernel's parser decides what it means);
and ``iptables-save`` / ``ip6tables-save`` output (:mod:`portplan.verify.iptables`). Several
files make one ruleset — ``rules.v4`` and ``rules.v6`` side by side.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from portplan.errors import InputError, UnsupportedError
from portplan.io import read_input
from portplan.verify.evaluate import Chain, Ruleset, load_ruleset
from portplan.verify.iptables import IpSet, parse_ipsets, parse_iptables_save
from portplan.verify.netns import Namespace, NetnsGroup, missing_requirements

__all__ = [
    "FORMATS",
    "IpSet",
    "add_devices",
    "dump_ruleset",
    "guess_format",
    "nft_text_to_json",
    "parse_ipsets",
    "parse_iptables_save",
    "read_ruleset",
    "read_rulesets",
]

FORMATS = ("nft-json", "nft", "iptables-save")
_IPTABLES_START = re.compile(r"^(\[\d+:\d+\]\s*)?(\*(filter|nat|mangle|raw|security)\b|:[A-Z]|-A )")


def read_rulesets(
    paths: Sequence[Path], fmt: str | None = None, ipset: Path | None = None
) -> Ruleset:
    """Read one or more ruleset files into one Ruleset (e.g. ``rules.v4`` and ``rules.v6``).
    ``ipset``: ``ipset save`` output for iptables rules that match ``-m set``."""
    sets = parse_ipsets(_text(_read(ipset), ipset)) if ipset is not None else {}
    chains: dict[tuple[str, str, str], Chain] = {}
    notes: list[str] = []
    for path in paths:
        ruleset = read_ruleset(path, fmt, sets)
        for key, chain in ruleset.chains.items():
            if key in chains:
                raise InputError(
                    f"chain {' '.join(key)} is in two of the rulesets — pass each table once "
                    "(for iptables: one file from iptables-save, one from ip6tables-save).",
                    file=str(path),
                )
            chains[key] = chain
        notes += [f"{path.name}: {note}" for note in ruleset.notes]
    return Ruleset(chains, tuple(notes))


def _read(path: Path) -> bytes:
    """The file's bytes, within the input limit (``--max-size``) like every input."""
    return read_input(path)


def _text(data: bytes, path: Path, *, strict: bool = True) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if not strict:
            # iptables reads bytes; only comments and log prefixes carry other encodings.
            return data.decode("utf-8", errors="replace")
        raise InputError(
            f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}) — save the "
            "ruleset as UTF-8.",
            file=str(path),
        ) from None


def read_ruleset(
    path: Path, fmt: str | None = None, ipsets: Mapping[str, IpSet] | None = None
) -> Ruleset:
    """Read ``path`` in ``fmt`` (guessed from the content when None)."""
    data = _read(path)
    fmt = fmt or guess_format(data)
    try:
        if fmt == "nft-json":
            return load_ruleset(data)
        if fmt == "nft":
            return load_ruleset(nft_text_to_json(_text(data, path)))
        if fmt == "iptables-save":
            text = _text(data, path, strict=False)
            return parse_iptables_save(text, ipsets, name=path.name)
    except (InputError, UnsupportedError) as exc:
        if exc.file is None:
            exc.file = str(path)
        raise
    raise InputError(f"unknown ruleset format '{fmt}' — use one of {', '.join(FORMATS)}.")


def guess_format(data: bytes | str) -> str:
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    if text.lstrip().startswith("{"):
        return "nft-json"
    if any(_IPTABLES_START.match(line.strip()) for line in text.splitlines()[:200]):
        return "iptables-save"
    return "nft"


def nft_text_to_json(text: str) -> str:
    """Let the real nft parse ``text`` in a throwaway namespace and return its JSON dump (with
    the devices ingress chains are bound to, which nft's JSON leaves out). Devices the
    ruleset names are made as dummy interfaces there, so it loads as on its own machine."""
    problems = missing_requirements()
    if problems:
        raise UnsupportedError(
            f"reading nft text needs {' and '.join(problems)} (the kernel's own parser "
            "reads it) — run as root, or pass 'nft -j list ruleset' output with --format nft-json."
        )
    with NetnsGroup(prefix="ppa") as group:
        namespace = group.add("audit")
        add_devices(namespace, named_devices(text))
        result = namespace.run("nft", "-f", "-", input=text, check=False)
        if result.returncode != 0:
            first = (result.stderr.strip().splitlines() or ["nft rejected it"])[0]
            raise InputError(f"nft cannot load this ruleset: {first.replace('/dev/stdin', 'line')}")
        return json.dumps(dump_ruleset(namespace))


def named_devices(text: str) -> list[str]:
    """Interface names an nft ruleset needs to exist when it loads: the devices it binds
    chains and flowtables to, and those ``iif``/``oif`` compare by index (variables from
    ``define`` resolved) — at most 15 characters each, never ``lo``."""
    defines = dict(re.findall(r"^\s*define\s+(\w+)\s*=\s*(.+?)\s*$", text, re.M))
    found: list[str] = []
    pattern = r"\b(?:devices?\s*=?|[io]if(?:\s*!=)?)\s*(\{[^}]*\}|\"[^\"]*\"|\$\w+|[\w.@-]+)"
    for match in re.finditer(pattern, text):
        value = match.group(1)
        for _ in range(4):  # a variable may name another
            value = re.sub(r"\$(\w+)", lambda m: defines.get(m.group(1), ""), value)
        for word in re.findall(r"[\"']?([\w.@-]+)[\"']?", value):
            if word not in found and len(word) <= 15 and not word.isdigit():
                found.append(word)
    keywords = {"type", "hook", "priority", "accept", "drop", "name", "lo"}
    return [name for name in found if name not in keywords]


def add_devices(namespace: Namespace, names: Sequence[str]) -> None:
    """Make network devices with these names (dummies, or veth pairs where the kernel has
    no dummy driver), so a ruleset binding chains to them loads."""
    for index, name in enumerate(names):
        made = namespace.run("ip", "link", "add", name, "type", "dummy", check=False)
        if made.returncode != 0:
            peer = f"ppdev{index}"
            namespace.run(
                "ip", "link", "add", name, "type", "veth", "peer", "name", peer, check=False
            )


def dump_ruleset(namespace: Namespace) -> dict[str, Any]:
    """``nft -j list ruleset`` of a namespace, each ingress/egress chain with its devices."""
    data: dict[str, Any] = json.loads(namespace.run("nft", "-j", "list", "ruleset").stdout)
    devices = chain_devices(namespace.run("nft", "list", "ruleset").stdout)
    for item in data.get("nftables", []):
        chain = item.get("chain") if isinstance(item, dict) else None
        if not isinstance(chain, dict) or "dev" in chain:
            continue
        key = (chain.get("family"), chain.get("table"), chain.get("name"))
        if key in devices:
            chain["dev"] = devices[key]
    return data


def chain_devices(listing: str) -> dict[tuple[str, str, str], list[str]]:
    """From ``nft list ruleset`` text: the devices of each chain that names some."""
    found: dict[tuple[str, str, str], list[str]] = {}
    table: tuple[str, str] | None = None
    chain: str | None = None
    for line in listing.splitlines():
        words = line.split()
        if len(words) >= 3 and words[0] == "table":
            table, chain = (words[1], words[2]), None
        elif len(words) >= 2 and words[0] == "chain":
            chain = words[1]
        elif table and chain and "hook" in words and ("device" in words or "devices" in words):
            names = re.search(r"devices?\s*=?\s*(\{[^}]*\}|\"[^\"]*\"|\S+)", line)
            if names:
                found[(*table, chain)] = re.findall(r"[\"']?([\w.@-]+)[\"']?", names.group(1))
    return found

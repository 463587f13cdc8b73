"""Untrusted names and purposes made safe for packet-filter comments.

Product, flow, host and purpose strings come from catalogs and deployments anyone can write.
In an nftables or iptables-restore file a comment is a double-quoted string: a quote, a
backslash or a line break inside it would end the string (or the rule) early, and what followed
would be parsed as syntax. So comments keep printable characters only, never ``"`` or ``\\``,
and are cut to the byte limit of the kernel (nftables: 128 bytes; xt_comment: 255).
"""

from __future__ import annotations

import unicodedata

NFT_COMMENT_BYTES = 128  # NFTNL_UDATA_COMMENT_MAXLEN; nft rejects longer rule comments
IPTABLES_COMMENT_BYTES = 255  # XT_MAX_COMMENT_LEN minus the terminating NUL


def comment_text(text: str, limit: int) -> str:
    """``text`` as one line of printable characters without quotes or backslashes, at most
    ``limit`` UTF-8 bytes (cut at a character boundary, marked with ``...``)."""
    out = []
    for char in text:
        if char == '"':
            out.append("'")
        elif char == "\\":
            out.append("/")
        elif char.isprintable() and unicodedata.category(char) not in ("Zl", "Zp"):
            out.append(char)
        else:
            out.append(" ")  # line breaks, tabs, control and format characters (bidi overrides)
    line = " ".join("".join(out).split())
    encoded = line.encode("utf-8")
    if len(encoded) <= limit:
        return line
    cut = encoded[: limit - 3].decode("utf-8", errors="ignore").rstrip()
    return cut + "..."


def labels_comment(labels: tuple[str, ...], limit: int) -> str:
    """``product/flow`` labels joined for a comment; the tail is summarised when too long."""
    shown: list[str] = []
    for index, label in enumerate(labels):
        rest = len(labels) - index - 1
        candidate = ", ".join([*shown, label]) + (f" +{rest} more" if rest else "")
        if len(comment_text(candidate, 10 * limit).encode("utf-8")) > limit and shown:
            return comment_text(", ".join(shown) + f" +{len(labels) - index} more", limit)
        shown.append(label)
    return comment_text(", ".join(shown), limit)

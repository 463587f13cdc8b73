"""What the workbench serves, and who may use it."""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from pathlib import Path

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class WebSettings:
    """The directories and files the workbench shows, and its access token.

    ``token``: when set, every request must carry it (``?token=``, the cookie the first such
    request sets, or ``Authorization: Bearer``). ``portplan serve`` sets one whenever it binds
    to anything but loopback, so nobody on the network can read or write the catalog.
    """

    catalog_dirs: tuple[Path, ...] = ()
    deployments: tuple[Path, ...] = ()
    documents: tuple[Path, ...] = ()
    token: str | None = None
    warm_up: bool = True  # plan every deployment at start-up, before its page is asked for


def is_loopback(host: str) -> bool:
    """Whether binding to ``host`` keeps the server on this machine."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve anywhere


def access_token(host: str, token: str | None) -> str | None:
    """The token the server requires: the one given, a fresh one off loopback, else none."""
    if token:
        return token
    return None if is_loopback(host) else secrets.token_urlsafe(24)

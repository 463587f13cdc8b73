"""Who may talk to the workbench, and which files a request may name.

Three guards sit in front of every route:

* **Token** — when the settings carry one, a request without it gets 401. A page opened with
  ``?token=…`` sets an HttpOnly, SameSite=Strict cookie and is redirected to the same URL
  without the token, so it does not linger in the address bar or in history.
* **Host** — without a token the server is on loopback; a Host header naming anything else is
  a DNS-rebinding attempt (a web page re-pointing its own name at 127.0.0.1) and gets 421.
* **Origin** — a POST whose Origin header names another site is cross-site request forgery
  and gets 403; every POST body is JSON or an upload from the workbench's own pages.

File parameters never reach ``open`` as given: :func:`inside` resolves a name under one of
the directories the server was started with and refuses anything that leaves it.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from portplan.errors import InputError
from portplan.web.settings import LOOPBACK_NAMES

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "portplan_token"
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
SECURITY_HEADERS = [
    # Scripts, styles and images come from the workbench itself; nothing from the internet.
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        b"object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    ),
    (b"x-content-type-options", b"nosniff"),
    # same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null" on form posts.
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class AccessGuard:
    """ASGI middleware applying the token, Host and Origin rules above."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            status, message = refusal
            await _plain(send, status, message)
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        page = not scope.get("path", "").startswith("/api/")
        if self.token and "token" in query and scope["method"] == "GET" and page:
            await _strip_token(scope, send, query, self.token)
            return

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, secured)

    def _refusal(self, scope: Scope, headers: dict[str, str]) -> tuple[int, str] | None:
        host = headers.get("host", "")
        if self.token is None and _host_name(host) not in LOOPBACK_NAMES:
            return 421, "this workbench answers only on loopback addresses (127.0.0.1, localhost)"
        if self.token is not None and not self._has_token(scope, headers):
            return (
                401,
                "this workbench needs its access token — open the URL portplan serve printed",
            )
        origin = headers.get("origin")
        unsafe = scope["method"] in UNSAFE_METHODS
        if unsafe and origin is not None and urlsplit(origin).netloc.lower() != host.lower():
            return 403, "cross-site request refused — use the workbench's own pages"
        return None

    def _has_token(self, scope: Scope, headers: dict[str, str]) -> bool:
        assert self.token is not None
        offered: list[str] = []
        authorization = headers.get("authorization", "")
        if authorization.lower().startswith("bearer "):
            offered.append(authorization[7:].strip())
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(headers.get("cookie", ""))
        if COOKIE in cookie:
            offered.append(cookie[COOKIE].value)
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        if "token" in query:
            offered.append(query["token"])
        return any(secrets.compare_digest(o.encode(), self.token.encode()) for o in offered)


def _host_name(host: str) -> str:
    """``127.0.0.1`` of ``127.0.0.1:8765``, ``::1`` of ``[::1]:8765``."""
    if host.startswith("["):
        return host[1:].split("]", 1)[0].lower()
    return host.rsplit(":", 1)[0].lower() if host.count(":") == 1 else host.lower()


async def _plain(send: Send, status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), *SECURITY_HEADERS],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _strip_token(scope: Scope, send: Send, query: dict[str, str], token: str) -> None:
    """Set the cookie and send the browser to the same URL without ``token=`` in it."""
    rest = urlencode({k: v for k, v in query.items() if k != "token"})
    location = scope.get("path", "/") + (f"?{rest}" if rest else "")
    cookie = f"{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
    await send(
        {
            "type": "http.response.start",
            "status": 303,
            "headers": [
                (b"location", location.encode("latin-1", "replace")),
                (b"set-cookie", cookie.encode("latin-1")),
                *SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": b""})


def inside(roots: dict[str, Path], root: str, name: str) -> Path:
    """The existing file ``name`` under the directory ``roots[root]``; anything that would
    leave that directory (``..``, an absolute path, a symbolic link pointing out) is refused."""
    base = roots.get(root)
    if base is None:
        raise InputError(f"unknown document folder '{root}' — pick a document from the list.")
    relative = Path(name)
    if not name or "\x00" in name or relative.is_absolute() or ".." in relative.parts:
        raise InputError(f"'{name}' is not a file name inside '{root}' — pick one from the list.")
    resolved = (base / relative).resolve()
    if not resolved.is_relative_to(base.resolve()):
        raise InputError(f"'{name}' leads outside '{root}' — pick a document from the list.")
    if not resolved.is_file():
        raise InputError(f"no document '{name}' in '{root}' — pick one from the list.")
    return resolved

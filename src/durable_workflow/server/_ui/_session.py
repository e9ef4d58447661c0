"""The UI's browser session: the token cookie, the CSRF check, and the in-process API client.

The UI reads and steers workflows only through the server's own HTTP API (an httpx ASGI transport
into the same app), forwarding the token the browser gave at login. So the API's auth, role and
validation rules apply to every UI action unchanged, and the UI knows nothing of the engine.

The token lives in an HttpOnly, SameSite=Strict cookie, never in a URL. State-changing requests
are POSTs that must carry the CSRF token of the double-submit cookie, and an ``Origin`` header,
when the browser sends one, must be this server's.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import httpx
from starlette.requests import Request
from starlette.responses import Response

from durable_workflow.client import Client, TransportRetryPolicy

__all__ = [
    "CSRF_COOKIE",
    "TOKEN_COOKIE",
    "UI_CLIENT",
    "api_client",
    "csrf_token",
    "same_origin",
    "set_cookie",
    "valid_csrf",
]

TOKEN_COOKIE = "dw_ui_token"
CSRF_COOKIE = "dw_ui_csrf"
UI_CLIENT = ("durable-workflow-ui", 0)
"""The ASGI ``client`` of the UI's own API calls (the request log shows them at DEBUG only)."""


def csrf_token(request: Request) -> tuple[str, bool]:
    """The session's CSRF token, and whether it is new (and so must be set as a cookie)."""
    current = request.cookies.get(CSRF_COOKIE, "")
    if len(current) >= 32:
        return current, False
    return secrets.token_urlsafe(32), True


def set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


def same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another site."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    parts = urlsplit(origin)
    return f"{parts.hostname}:{parts.port or _default_port(parts.scheme)}" == _host(request)


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def _host(request: Request) -> str:
    url = request.url
    return f"{url.hostname}:{url.port or _default_port(url.scheme)}"


def valid_csrf(request: Request, submitted: str | None) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not submitted or not same_origin(request):
        return False
    return hmac.compare_digest(cookie.encode(), submitted.encode())


@asynccontextmanager
async def api_client(request: Request, namespace: str, token: str | None = None) -> AsyncIterator[Client]:
    """A `Client` on this server's own API, with the browser's token (or ``token``)."""
    transport = httpx.ASGITransport(app=request.app, raise_app_exceptions=False, client=UI_CLIENT)
    async with Client(
        str(request.base_url).rstrip("/"),
        token or request.cookies.get(TOKEN_COOKIE) or None,
        namespace=namespace,
        timeout=30.0,
        transport=transport,
        retry_policy=TransportRetryPolicy(max_attempts=1),
    ) as client:
        yield client

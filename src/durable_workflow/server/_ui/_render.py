"""Jinja2 templates with autoescaping on for every page: workflow data is user data."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from durable_workflow.server._ui._session import CSRF_COOKIE, TOKEN_COOKIE, csrf_token, set_cookie

__all__ = ["page"]

_HERE = Path(__file__).parent
SECURITY_HEADERS = {
    # No inline script anywhere, so injected markup could not run even if escaping failed.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _pretty(value: Any) -> str:
    """JSON for a <pre> block; the template escapes it like any other text."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


def _compact(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, str) and value:
        return value.replace("T", " ")[:19]
    return ""


_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(_HERE / "templates"),
    autoescape=True,  # every template, whatever its name
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters.update(pretty=_pretty, compact=_compact, when=_when)


def page(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    namespace: str = "default",
) -> HTMLResponse:
    """Render a page with the layout's context (namespace, CSRF token, login state)."""
    token, new = csrf_token(request)
    layout = {
        "request_path": request.url.path,
        "namespace": namespace,
        "csrf": token,
        "logged_in": bool(request.cookies.get(TOKEN_COOKIE)),
        "live": False,
    }
    html = _env.get_template(template).render({**layout, **context})
    response = HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)
    if new:
        set_cookie(request, response, CSRF_COOKIE, token)
    return response

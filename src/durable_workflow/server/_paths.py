"""Route API requests on the raw (still percent-encoded) path, so ids and names may contain ``/``.

ASGI servers put the *decoded* path in ``scope["path"]``; routing on it would split a signal
name like ``approve/2`` (sent as ``approve%2F2``) into two segments. For ``/api/`` requests
`EncodedPaths` routes on ``raw_path`` instead and `decode_path_params` decodes each matched
parameter exactly once.
"""

from __future__ import annotations

from urllib.parse import unquote

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["EncodedPaths", "decode_path_params"]


class EncodedPaths:
    """ASGI middleware: ``scope["path"]`` = the encoded path for ``/api/`` requests."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = scope.get("raw_path") if scope["type"] == "http" else None
        if isinstance(raw, bytes) and raw.startswith(b"/api/") and not scope.get("root_path"):
            try:
                path = raw.split(b"?", 1)[0].decode("ascii")
            except UnicodeDecodeError:
                path = None
            if path is not None:
                scope = {**scope, "path": path, "encoded_path_params": True}
        await self.app(scope, receive, send)


def decode_path_params(scope: Scope) -> None:
    """Decode the matched path parameters in place (once) when routing ran on the raw path."""
    if scope.pop("encoded_path_params", False):
        params = scope.get("path_params") or {}
        scope["path_params"] = {k: unquote(v) if isinstance(v, str) else v for k, v in params.items()}

"""Request logging: one INFO line per request (method, path, status, milliseconds).

The logger is ``durable_workflow.server.requests``. The web UI's own in-process API calls are
logged at DEBUG, so INFO shows what browsers, clients and workers asked for.
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from durable_workflow.server._ui._session import UI_CLIENT

__all__ = ["RequestLog"]

log = logging.getLogger("durable_workflow.server.requests")


class RequestLog:
    """Pure ASGI middleware (it does not buffer bodies, so long polls and streams pass through)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        level = logging.DEBUG if client and client[0] == UI_CLIENT[0] else logging.INFO
        if not log.isEnabledFor(level):
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            log.log(level, "%s %s %d %.1f ms", scope["method"], scope["path"], status, elapsed)

"""The ASGI app: route groups behind the request pipeline, plus JSON 404/405/500 bodies.

Route groups are functions returning Starlette routes; `DEFAULT_ROUTE_GROUPS` lists the built-in
ones and other features (e.g. schedules) add theirs there or pass `extra_route_groups` to
`build_app`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from durable_workflow.server import _routes_admin, _routes_worker, _routes_workflows
from durable_workflow.server._http import CP_HEADER, ServerState
from durable_workflow.server._paths import EncodedPaths
from durable_workflow.server._request_log import RequestLog
from durable_workflow.server._schedules import routes as _schedule_routes  # schedules feature
from durable_workflow.server._ui import routes as _ui_routes  # web UI at / (server/_ui)

__all__ = ["DEFAULT_ROUTE_GROUPS", "RouteGroup", "build_app"]

log = logging.getLogger("durable_workflow.server")

RouteGroup = Callable[[], Sequence[BaseRoute]]
DEFAULT_ROUTE_GROUPS: list[RouteGroup] = [
    _routes_admin.routes,
    _routes_workflows.routes,
    _routes_worker.routes,
    _schedule_routes,  # /api/schedules* (server/_schedules)
    _ui_routes,  # /, /namespaces/..., /login (server/_ui), after the API
]


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    reason = {404: "not_found", 405: "method_not_allowed"}.get(status)
    message = {404: "Not Found", 405: "Method Not Allowed"}.get(status, "Server Error")
    body: dict[str, str] = {"message": message}
    headers = {}
    if reason and request.headers.get(CP_HEADER, "").strip() == "2":
        body["reason"] = reason
        headers[CP_HEADER] = "2"
    return JSONResponse(body, status_code=status, headers=headers)


async def _server_error(request: Request, exc: Exception) -> Response:
    log.exception("dev server request failed: %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"message": "Server Error"}, status_code=500)


def build_app(state: ServerState, extra_route_groups: Sequence[RouteGroup] = ()) -> Starlette:
    """Assemble the Starlette app for one server state."""
    routes: list[BaseRoute] = []
    for group in [*DEFAULT_ROUTE_GROUPS, *extra_route_groups]:
        routes.extend(group())
    app = Starlette(
        routes=routes,
        # The request log is outermost, so it times everything and logs the path as sent.
        middleware=[Middleware(RequestLog), Middleware(EncodedPaths)],
        exception_handlers={
            HTTPException: _http_error,
            Exception: _server_error,
        },
    )
    app.state.server = state
    return app

"""The dev server's web UI at ``/``: server-rendered pages over the server's own API.

See `_session` for how the UI reaches the API (in process, with the browser's token) and why
that keeps auth, roles and validation identical to the API's.
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from durable_workflow.server._ui import _actions, _pages
from durable_workflow.server._ui._pages import guarded

__all__ = ["routes"]

_STATIC = Path(__file__).parent / "static"


def routes() -> list[BaseRoute]:
    """The UI's routes; every URL below ``/namespaces/{namespace}`` is one namespace's view."""
    ns = "/namespaces/{namespace}"
    wf = f"{ns}/workflows/{{workflow_id}}"
    sc = f"{ns}/schedules/{{schedule_id}}"
    pages = [
        ("/namespaces", _pages.namespaces),
        (f"{ns}/workflows", _pages.workflows),
        (wf, _pages.workflow_page),
        (f"{ns}/task-queues", _pages.task_queues),
        (f"{ns}/task-queues/{{name}}", _pages.task_queue),
        (f"{ns}/workers", _pages.workers),
        (f"{ns}/workers/{{worker_id}}", _pages.worker),
        (f"{ns}/schedules", _pages.schedules),
        (sc, _pages.schedule),
    ]
    found: list[BaseRoute] = [
        Route("/", _pages.home, methods=["GET"]),
        Route("/switch-namespace", _pages.switch_namespace, methods=["GET"]),
        Route("/login", _actions.login_form, methods=["GET"]),
        Route("/login", _actions.login, methods=["POST"]),
        Route("/logout", _actions.logout, methods=["POST"]),
        Mount("/ui-static", StaticFiles(directory=_STATIC), name="ui-static"),
    ]
    found += [Route(path, guarded(handler), methods=["GET"]) for path, handler in pages]
    found += [
        Route(f"{wf}/{name}", _actions.action(handler), methods=["POST"])
        for name, handler in _actions.WORKFLOW_ACTIONS.items()
    ]
    found += [
        Route(f"{sc}/{name}", _actions.action(handler), methods=["POST"])
        for name, handler in _actions.SCHEDULE_ACTIONS.items()
    ]
    return found

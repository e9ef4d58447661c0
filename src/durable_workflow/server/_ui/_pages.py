"""Read-only pages: workflows, one workflow, task queues, workers, schedules, namespaces."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from durable_workflow import errors
from durable_workflow.client import Client
from durable_workflow.client._progress import decode_event, progress_of
from durable_workflow.server._ui._render import page
from durable_workflow.server._ui._session import api_client

__all__ = ["PAGE_SIZE", "Handler", "error_page", "guarded", "workflow_context"]

PAGE_SIZE = 20
Handler = Callable[[Request, Client, str], Awaitable[Response]]
_FAILURE_EVENTS = {"WorkflowFailed", "WorkflowTimedOut", "WorkflowCancelled", "WorkflowTerminated"}
_STATUSES = ("running", "completed", "failed")


def error_page(request: Request, exc: errors.DurableWorkflowError, namespace: str) -> Response:
    """The API's refusal shown as a page with the matching status (401 asks for a token)."""
    if isinstance(exc, errors.Unauthorized):
        context: dict[str, Any] = {"next": request.url.path, "message": "This server needs a token."}
        return page(request, "login.html", context, status_code=401, namespace=namespace)
    status = exc.status_code if isinstance(exc, errors.ServerError) and exc.status_code >= 400 else 502
    if isinstance(exc, errors.WorkflowNotFound | errors.ScheduleNotFound | errors.NamespaceNotFound):
        status = 404
    context = {"status": status, "kind": type(exc).__name__, "message": str(exc)}
    return page(request, "error.html", context, status_code=status, namespace=namespace)


def guarded(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Run a page handler with an API client for the URL's namespace; API errors become pages."""

    async def endpoint(request: Request) -> Response:
        namespace = request.path_params.get("namespace", "default")
        try:
            async with api_client(request, namespace) as client:
                return await handler(request, client, namespace)
        except errors.DurableWorkflowError as exc:
            return error_page(request, exc, namespace)

    return endpoint


async def home(request: Request) -> Response:
    return RedirectResponse("/namespaces/default/workflows", status_code=303)


async def switch_namespace(request: Request) -> Response:
    """The namespace picker's plain GET form: go to that namespace's workflows."""
    name = request.query_params.get("namespace", "").strip() or "default"
    return RedirectResponse(f"/namespaces/{_quote(name)}/workflows", status_code=303)


def _quote(segment: str) -> str:
    return quote(segment, safe="")


async def workflows(request: Request, client: Client, ns: str) -> Response:
    q = request.query_params
    filters = {
        "status": q.get("status") if q.get("status") in _STATUSES else "",
        "type": q.get("type", "").strip(),
        "id": q.get("id", "").strip(),
    }
    listing = await client.list_workflows(
        status=filters["status"] or None,
        workflow_type=filters["type"] or None,
        query=filters["id"] or None,
        page_size=PAGE_SIZE,
        next_page_token=q.get("page") or None,
    )
    kept = {k: v for k, v in filters.items() if v}
    next_url = f"?{urlencode({**kept, 'page': listing.next_page_token})}" if listing.next_page_token else None
    context = {
        "executions": listing.executions,
        "filters": filters,
        "statuses": _STATUSES,
        "next_url": next_url,
        "first_url": f"?{urlencode(kept)}" if q.get("page") else None,
        "live": True,
    }
    return page(request, "workflows.html", context, namespace=ns)


async def workflow_context(client: Client, workflow_id: str, run_id: str | None) -> dict[str, Any]:
    """Everything the workflow page shows, for the current run or ``run_id``."""
    current = await client.describe_workflow(workflow_id)
    runs = await client.list_runs(workflow_id)
    run = next((r for r in runs if r.run_id == (run_id or current.run_id)), None)
    if run is None or run.run_id is None:
        raise errors.WorkflowNotFound(f"workflow {workflow_id!r} has no run {run_id!r}", status_code=404)
    events = [decode_event(client.converter, e) for e in await client.get_history(workflow_id, run.run_id)]
    failure = next((e for e in reversed(events) if e.event_type in _FAILURE_EVENTS), None)
    return {
        "wf": run,
        "current": current,
        "runs": runs,
        "events": events,
        "progress": progress_of(events),
        "failure": failure,
        "live": not run.is_terminal,
        "notice": None,
        "error": None,
        "signal_form": {"name": "", "args": "[]"},
    }


_NOTICES = {
    "signalled": "Signal sent.",
    "cancel_requested": "Cancellation requested.",
    "terminated": "Workflow terminated.",
}


async def workflow_page(request: Request, client: Client, ns: str) -> Response:
    context = await workflow_context(
        client, request.path_params["workflow_id"], request.query_params.get("run_id") or None
    )
    context["notice"] = _NOTICES.get(request.query_params.get("done", ""))
    return page(request, "workflow.html", context, namespace=ns)


async def task_queues(request: Request, client: Client, ns: str) -> Response:
    queues = await client.list_task_queues()
    return page(request, "task_queues.html", {"queues": queues, "live": True}, namespace=ns)


async def task_queue(request: Request, client: Client, ns: str) -> Response:
    queue = await client.describe_task_queue(request.path_params["name"])
    return page(request, "task_queue.html", {"queue": queue, "live": True}, namespace=ns)


async def workers(request: Request, client: Client, ns: str) -> Response:
    found = await client.list_workers()
    return page(request, "workers.html", {"workers": found, "live": True}, namespace=ns)


async def worker(request: Request, client: Client, ns: str) -> Response:
    found = await client.describe_worker(request.path_params["worker_id"])
    return page(request, "worker.html", {"worker": found, "live": False}, namespace=ns)


async def schedules(request: Request, client: Client, ns: str) -> Response:
    found = await client.list_schedules(page_size=100)
    return page(request, "schedules.html", {"schedules": found.schedules, "live": True}, namespace=ns)


async def schedule_context(client: Client, schedule_id: str) -> dict[str, Any]:
    described = await client.describe_schedule(schedule_id)
    return {"schedule": described, "live": True, "notice": None, "error": None}


async def schedule(request: Request, client: Client, ns: str) -> Response:
    context = await schedule_context(client, request.path_params["schedule_id"])
    done = request.query_params.get("done", "")
    context["notice"] = {"paused": "Paused.", "resumed": "Resumed.", "triggered": "Triggered."}.get(done)
    return page(request, "schedule.html", context, namespace=ns)


async def namespaces(request: Request, client: Client, ns: str) -> Response:
    found = await client.list_namespaces()
    return page(request, "namespaces.html", {"namespaces": found, "live": False}, namespace=ns)

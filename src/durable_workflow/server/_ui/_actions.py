"""State-changing UI requests: login/logout, signal/cancel/terminate, schedule pause/resume/trigger.

Each is a POST checked for its CSRF token first; the change itself is an API call made with the
browser's token, so the API decides who may do what.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from durable_workflow import errors
from durable_workflow.client import Client
from durable_workflow.server._ui._pages import error_page, schedule_context, workflow_context
from durable_workflow.server._ui._render import page
from durable_workflow.server._ui._session import TOKEN_COOKIE, api_client, set_cookie, valid_csrf

__all__ = ["action", "login", "login_form", "logout"]

Form = dict[str, str]
Action = Callable[[Request, Client, str, Form], Awaitable[Response]]


async def _form(request: Request) -> Form:
    form = await request.form(max_files=0, max_fields=20)
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _forbidden(request: Request, namespace: str = "default") -> Response:
    context = {
        "status": 403,
        "kind": "CSRF check failed",
        "message": "This form is stale or came from another site. Reload the page and try again.",
    }
    return page(request, "error.html", context, status_code=403, namespace=namespace)


def action(handler: Action) -> Callable[[Request], Awaitable[Response]]:
    """A POST endpoint: CSRF check, then ``handler`` with an API client; API errors become pages."""

    async def endpoint(request: Request) -> Response:
        namespace = request.path_params.get("namespace", "default")
        form = await _form(request)
        if not valid_csrf(request, form.get("csrf")):
            return _forbidden(request, namespace)
        try:
            async with api_client(request, namespace) as client:
                return await handler(request, client, namespace, form)
        except errors.DurableWorkflowError as exc:
            return error_page(request, exc, namespace)

    return endpoint


def _back(request: Request, done: str) -> Response:
    return RedirectResponse(f"{request.url.path.rsplit('/', 1)[0]}?done={done}", status_code=303)


async def _workflow_error(
    request: Request, client: Client, ns: str, message: str, status: int, signal: dict[str, str] | None = None
) -> Response:
    """The workflow page again, with the refusal and what the user typed."""
    context = await workflow_context(client, request.path_params["workflow_id"], None)
    context["error"] = message
    if signal is not None:
        context["signal_form"] = signal
    return page(request, "workflow.html", context, status_code=status, namespace=ns)


async def signal(request: Request, client: Client, ns: str, form: Form) -> Response:
    name, raw = form.get("name", "").strip(), form.get("args", "").strip() or "[]"
    typed = {"name": name, "args": raw}
    try:
        args: Any = json.loads(raw)
    except json.JSONDecodeError as exc:
        return await _workflow_error(request, client, ns, f"Arguments are not JSON: {exc}", 400, typed)
    if not isinstance(args, list):
        args = [args]
    if not name:
        return await _workflow_error(request, client, ns, "A signal needs a name.", 400, typed)
    try:
        await client.signal_workflow(request.path_params["workflow_id"], name, args)
    except (errors.SignalFailed, errors.InvalidArgument) as exc:
        return await _workflow_error(
            request, client, ns, f"Signal refused: {exc}", exc.status_code or 409, typed
        )
    return _back(request, "signalled")


def _stop(kind: str) -> Action:
    async def handler(request: Request, client: Client, ns: str, form: Form) -> Response:
        reason = form.get("reason", "").strip() or f"{kind} from the web UI"
        workflow_id = request.path_params["workflow_id"]
        try:
            if kind == "cancel":
                await client.cancel_workflow(workflow_id, reason=reason)
            else:
                await client.terminate_workflow(workflow_id, reason=reason)
        except errors.ServerError as exc:
            if exc.status_code in (401, 403, 404):
                raise
            return await _workflow_error(
                request, client, ns, f"{kind.title()} refused: {exc}", exc.status_code or 409
            )
        return _back(request, "cancel_requested" if kind == "cancel" else "terminated")

    return handler


def _schedule(kind: str) -> Action:
    async def handler(request: Request, client: Client, ns: str, form: Form) -> Response:
        schedule_id = request.path_params["schedule_id"]
        try:
            if kind == "pause":
                await client.pause_schedule(schedule_id, note=form.get("note") or None)
            elif kind == "resume":
                await client.resume_schedule(schedule_id, note=form.get("note") or None)
            else:
                await client.trigger_schedule(schedule_id)
        except (errors.InvalidArgument, errors.ScheduleAlreadyExists) as exc:
            context = await schedule_context(client, schedule_id)
            context["error"] = f"{kind.title()} refused: {exc}"
            return page(request, "schedule.html", context, status_code=exc.status_code or 409, namespace=ns)
        return _back(request, {"pause": "paused", "resume": "resumed"}.get(kind, "triggered"))

    return handler


def _safe_next(value: str | None) -> str:
    """Only a path on this server (no scheme, no ``//host``): no open redirect."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


async def login_form(request: Request) -> Response:
    context = {"next": _safe_next(request.query_params.get("next")), "message": None}
    return page(request, "login.html", context)


async def login(request: Request) -> Response:
    """Check the token against the API; keep it in an HttpOnly cookie (never in a URL)."""
    form = await _form(request)
    if not valid_csrf(request, form.get("csrf")):
        return _forbidden(request)
    token, target = form.get("token", "").strip(), _safe_next(form.get("next"))
    try:
        async with api_client(request, "default", token=token or None) as client:
            await client.list_workflows(page_size=1)
    except errors.Unauthorized:
        context = {"next": target, "message": "That token was refused."}
        return page(request, "login.html", context, status_code=401)
    except errors.DurableWorkflowError:
        pass  # the token is known but may not list workflows here (a role); pages will say so
    response = RedirectResponse(target, status_code=303)
    set_cookie(request, response, TOKEN_COOKIE, token)
    return response


async def logout(request: Request) -> Response:
    form = await _form(request)
    if not valid_csrf(request, form.get("csrf")):
        return _forbidden(request)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(TOKEN_COOKIE, path="/")
    return response


WORKFLOW_ACTIONS: dict[str, Action] = {
    "signal": signal,
    "cancel": _stop("cancel"),
    "terminate": _stop("terminate"),
}
SCHEDULE_ACTIONS: dict[str, Action] = {k: _schedule(k) for k in ("pause", "resume", "trigger")}

"""Turns an HTTP error response into the matching exception of `durable_workflow.errors`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from durable_workflow import errors
from durable_workflow.client._answers import Answer, error_body

_NOT_FOUND = {
    "instance_not_found": errors.WorkflowNotFound,
    "workflow_not_found": errors.WorkflowNotFound,
    "run_not_found": errors.WorkflowNotFound,
    "schedule_not_found": errors.ScheduleNotFound,
    "namespace_not_found": errors.NamespaceNotFound,
    "unknown_signal": errors.SignalFailed,
    "query_not_found": errors.QueryFailed,
    "rejected_unknown_query": errors.QueryFailed,
    "unknown_query": errors.QueryFailed,
}

_CONFLICT = {
    "duplicate_not_allowed": errors.WorkflowAlreadyStarted,
    "instance_already_started": errors.WorkflowAlreadyStarted,
    "workflow_id_reserved_in_namespace": errors.WorkflowAlreadyStarted,
    "schedule_already_exists": errors.ScheduleAlreadyExists,
    "namespace_already_exists": errors.ServerError,
    "query_rejected": errors.QueryFailed,
    "query_worker_unavailable": errors.QueryFailed,
    "query_worker_incompatible": errors.QueryFailed,
    "query_workflow_state_unavailable": errors.QueryFailed,
    "update_rejected": errors.UpdateRejected,
    "update_validator_rejected": errors.UpdateRejected,
    "update_failed": errors.UpdateRejected,
}

_TIMEOUT = {
    "query_worker_timeout": errors.QueryFailed,
    "query_worker_execution_timeout": errors.QueryFailed,
    "query_task_not_claimed": errors.QueryFailed,
}

_UNPROCESSABLE = {
    "invalid_signal_arguments": errors.SignalFailed,
    "invalid_query_arguments": errors.QueryFailed,
    "update_validator_rejected": errors.UpdateRejected,
    "update_failed": errors.UpdateRejected,
    "rejected_validation": errors.UpdateRejected,
}

#: Reasons whose meaning depends on which operation the server was answering.
_RUN_NOT_ACTIVE = {
    "signal": errors.SignalFailed,
    "query": errors.QueryFailed,
    "update": errors.UpdateRejected,
}


def _operation(body: Mapping[str, Any]) -> str | None:
    plane = body.get("control_plane")
    if isinstance(plane, Mapping) and isinstance(plane.get("operation"), str):
        return str(plane["operation"])
    op = body.get("control_plane_operation")
    return op if isinstance(op, str) else None


def _exception_class(status: int, reason: str | None, body: Mapping[str, Any]) -> type[errors.ServerError]:
    outcome = body.get("outcome")
    if status == 401:
        return errors.Unauthorized
    if status == 403:
        return errors.Forbidden
    if status == 404:
        return _NOT_FOUND.get(reason or "", errors.ServerError)
    if status == 409:
        if reason in ("run_not_active", "instance_not_started"):
            return _RUN_NOT_ACTIVE.get(_operation(body) or "", errors.ServerError)
        if outcome == "rejected_duplicate":
            return errors.WorkflowAlreadyStarted
        return _CONFLICT.get(reason or "", errors.ServerError)
    if status == 422:
        if outcome in ("update_failed", "rejected_validation"):
            return errors.UpdateRejected
        return _UNPROCESSABLE.get(reason or "", errors.InvalidArgument)
    if status == 504:
        return _TIMEOUT.get(reason or "", errors.ServerError)
    return errors.ServerError


def _message(body: Any, status: int) -> str:
    if isinstance(body, Mapping):
        for key in ("message", "error"):
            text = body.get(key)
            if isinstance(text, str) and text:
                return text
        reason = body.get("reason")
        if isinstance(reason, str):
            return reason
    if isinstance(body, str) and body:
        return body[:500]
    return f"HTTP {status}"


def error_for_answer(answer: Answer, subject: str | None = None) -> errors.ServerError:
    """The exception for an error answer (status >= 400), with status, reason and body attached.

    ``subject`` (e.g. ``"workflow 'order-1'"``) is named in not-found messages.
    """
    body = error_body(answer)
    mapping = body if isinstance(body, Mapping) else {}
    reason = mapping.get("reason") if isinstance(mapping.get("reason"), str) else None
    cls = _exception_class(answer.status, reason, mapping)
    message = _message(body, answer.status)
    if subject and answer.status == 404 and cls is not errors.ServerError:
        message = f"{subject} not found ({message})"
    elif subject and answer.status == 404:
        message = f"{subject}: {message}"
    return cls(message, status_code=answer.status, reason=reason, body=body, response=answer.response())


def error_for_response(response: httpx.Response, subject: str | None = None) -> errors.ServerError:
    """`error_for_answer` for an `httpx.Response` whose body has been read."""
    answer = Answer(response.status_code, response.headers, response.content, response.request)
    return error_for_answer(answer, subject)

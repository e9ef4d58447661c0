"""Failures in both directions: history events → exceptions, exceptions → ``fail_workflow``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from durable_workflow.errors import ActivityFailed, ChildWorkflowFailed, NonRetryableError
from durable_workflow.workflow._history import event_type, payload_of

__all__ = ["activity_failure", "child_failure", "exception_class_name", "fail_workflow_command"]


def exception_class_name(exc: BaseException) -> str:
    kind = type(exc)
    module = kind.__module__
    return f"{module}.{kind.__qualname__}"


def _pick(payload: Mapping[str, Any], *keys: str) -> Any:
    exception = payload.get("exception")
    nested = exception if isinstance(exception, Mapping) else {}
    for key in keys:
        if payload.get(key) not in (None, ""):
            return payload[key]
    for key in keys:
        short = key.removeprefix("exception_")
        if nested.get(short) not in (None, ""):
            return nested[short]
    return None


def activity_failure(event: Mapping[str, Any], decode: Callable[[Any, Any], Any]) -> ActivityFailed:
    """The `ActivityFailed` thrown into workflow code for an ActivityFailed/ActivityTimedOut event."""
    payload = payload_of(event)
    timed_out = event_type(event) == "ActivityTimedOut"
    message = (
        _pick(payload, "message")
        or payload.get("closed_reason")
        or ("activity timed out" if timed_out else "activity failed")
    )
    activity = payload.get("activity")
    nested_activity = activity if isinstance(activity, Mapping) else {}
    activity_type = (
        payload.get("activity_type")
        or payload.get("activity_name")
        or nested_activity.get("activity_type")
        or nested_activity.get("type")
    )
    exception = payload.get("exception")
    details = None
    if isinstance(exception, Mapping) and exception.get("details") is not None:
        details = decode(exception.get("details"), exception.get("details_payload_codec"))
    return ActivityFailed(
        str(message),
        activity_type=activity_type if isinstance(activity_type, str) else None,
        exception_type=_pick(payload, "exception_type") or ("ActivityTimedOut" if timed_out else None),
        exception_class=_pick(payload, "exception_class"),
        non_retryable=payload.get("non_retryable") is True,
        details=details,
        timed_out=timed_out,
    )


def child_failure(event: Mapping[str, Any]) -> ChildWorkflowFailed:
    """The `ChildWorkflowFailed` thrown into workflow code for a ChildRunFailed/Cancelled/Terminated event."""
    payload = payload_of(event)
    status = {"ChildRunCancelled": "cancelled", "ChildRunTerminated": "terminated"}.get(
        event_type(event), "failed"
    )
    message = _pick(payload, "message") or payload.get("closed_reason") or f"child workflow {status}"
    workflow_type = payload.get("child_workflow_type") or payload.get("workflow_type")
    run_id = payload.get("child_workflow_run_id")
    return ChildWorkflowFailed(
        str(message),
        status=status,
        workflow_type=workflow_type if isinstance(workflow_type, str) else None,
        run_id=run_id if isinstance(run_id, str) else None,
        exception_type=_pick(payload, "exception_type"),
        exception_class=_pick(payload, "exception_class"),
    )


def _activity_cause(exc: BaseException) -> ActivityFailed | None:
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return None
        if isinstance(seen, ActivityFailed):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def fail_workflow_command(exc: BaseException) -> dict[str, Any]:
    """The ``fail_workflow`` command for an exception that escaped workflow code (wire-0.4.md §4.3)."""
    command: dict[str, Any] = {
        "type": "fail_workflow",
        "message": str(exc) or type(exc).__name__,
        "exception_type": type(exc).__name__,
        "exception_class": exception_class_name(exc),
    }
    cause = _activity_cause(exc)
    if cause is not None:
        command["exception_type"] = cause.exception_type or command["exception_type"]
        command["exception_class"] = cause.exception_class or command["exception_class"]
        detail: dict[str, Any] = {
            "type": cause.exception_type or "ActivityFailed",
            "class": cause.exception_class or exception_class_name(cause),
            "message": cause.message,
        }
        if cause.activity_type:
            detail["activity_type"] = cause.activity_type
        command["exception"] = detail
    if isinstance(exc, NonRetryableError):
        command["non_retryable"] = True
    return command

"""Control-plane request bodies parsed into small frozen records (422 naming every bad field).

Routes parse with these before the one engine call, so engine operations never see a raw body.
Arguments stay `Arguments` until the engine knows the run, because the run decides their frame.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from durable_workflow.server._engine._errors import invalid
from durable_workflow.server._engine._inputs import (
    WORKFLOW_ID,
    Arguments,
    Fields,
    arguments,
    check_memo_and_attributes,
    check_operation_name,
)
from durable_workflow.server._ids import new_id
from durable_workflow.server._scalars import digits

__all__ = [
    "ListRequest",
    "QueryRequest",
    "SignalRequest",
    "StartRequest",
    "StopRequest",
    "UpdateRequest",
    "parse_list",
    "parse_query",
    "parse_signal",
    "parse_start",
    "parse_stop",
    "parse_update",
]

MAX_QUERY_CHARS = 2048
_REJECTED_START_FIELDS = (
    "workflow_execution_timeout",
    "workflow_run_timeout",
    "workflow_task_timeout",
    "retry_policy",
    "idempotency_key",
    "request_id",
)


@dataclass(frozen=True)
class StartRequest:
    """``POST /workflows`` (a missing ``workflow_id`` is already replaced by a fresh one)."""

    workflow_type: str
    workflow_id: str
    task_queue: str
    input: Arguments
    business_key: str | None = None
    duplicate_policy: str = "fail"
    execution_timeout_seconds: int | None = None
    run_timeout_seconds: int | None = None
    memo: dict[str, Any] | None = None
    search_attributes: dict[str, Any] | None = None


@dataclass(frozen=True)
class SignalRequest:
    """``POST /workflows/{id}/signal/{name}``."""

    name: str
    input: Arguments
    request_id: str | None = None


@dataclass(frozen=True)
class QueryRequest:
    """``POST /workflows/{id}/query/{name}``."""

    name: str
    input: Arguments


@dataclass(frozen=True)
class UpdateRequest:
    """``POST /workflows/{id}/update/{name}``."""

    name: str
    input: Arguments
    wait_for: str = "accepted"
    wait_timeout_seconds: int | None = None
    request_id: str | None = None


@dataclass(frozen=True)
class StopRequest:
    """``POST /workflows/{id}/cancel`` or ``/terminate``."""

    kind: str
    reason: str | None = None


@dataclass(frozen=True)
class ListRequest:
    """``GET /workflows``: filters and the page asked for (``offset`` decoded from its token)."""

    workflow_type: str | None = None
    status: str | None = None
    query: str = ""
    offset: int = 0
    page_size: int = 50


def parse_list(params: dict[str, Any]) -> ListRequest:
    f = Fields(params)
    buckets = ("running", "completed", "failed")
    status = f.choice("status", buckets, "The status filter must be running, completed or failed.")
    size = f.integer("page_size", minimum=1, maximum=200) or 50
    query = str(params.get("query") or "")
    if len(query) > MAX_QUERY_CHARS:
        f.add("query", f"The query must not be longer than {MAX_QUERY_CHARS} characters.")
    f.done()
    offset = _offset_token(params.get("next_page_token"))
    workflow_type = params.get("workflow_type") or None
    return ListRequest(workflow_type, status, query, offset, size)


def _offset_token(token: Any) -> int:
    if not token:
        return 0
    try:
        offset = digits(base64.b64decode(str(token), validate=True).decode())
    except (ValueError, UnicodeDecodeError):
        offset = None
    if offset is None:
        raise invalid({"next_page_token": ["The next page token is invalid."]})
    return offset


def parse_start(body: dict[str, Any]) -> StartRequest:
    f = Fields(body)
    for name in _REJECTED_START_FIELDS:
        if name in body:
            f.add(name, f"The {name} field is not supported by this server.")
    workflow_type = f.string("workflow_type", required=True)
    workflow_id = f.string("workflow_id", max_len=128, pattern=WORKFLOW_ID) or new_id()
    queue = f.string("task_queue") or "default"
    business_key = f.string("business_key")
    policy = f.choice(
        "duplicate_policy",
        ("fail", "use-existing"),
        "The duplicate policy only supports fail or use-existing.",
    )
    execution_timeout = f.integer("execution_timeout_seconds")
    run_timeout = f.integer("run_timeout_seconds")
    memo, attrs = check_memo_and_attributes(f)
    args = arguments(f, require_list=False)
    f.done()
    assert workflow_type is not None and args is not None
    return StartRequest(
        workflow_type=workflow_type,
        workflow_id=workflow_id,
        task_queue=queue,
        input=args,
        business_key=business_key,
        duplicate_policy=policy or "fail",
        execution_timeout_seconds=execution_timeout,
        run_timeout_seconds=run_timeout,
        memo=memo,
        search_attributes=attrs,
    )


def parse_signal(name: str, body: dict[str, Any]) -> SignalRequest:
    check_operation_name(name, "signal_name")
    f = Fields(body)
    args = arguments(f)
    request_id = f.string("request_id")
    f.done()
    assert args is not None
    return SignalRequest(name=name, input=args, request_id=request_id)


def parse_query(name: str, body: dict[str, Any]) -> QueryRequest:
    check_operation_name(name, "query_name")
    f = Fields(body)
    args = arguments(f)
    f.done()
    assert args is not None
    return QueryRequest(name=name, input=args)


def parse_update(name: str, body: dict[str, Any]) -> UpdateRequest:
    check_operation_name(name, "update_name")
    f = Fields(body)
    if "wait_policy" in body:
        f.add("wait_policy", "The wait_policy field is no longer supported. Use wait_for.")
    wait_for = f.choice(
        "wait_for", ("accepted", "completed"), "The wait for field must be accepted or completed."
    )
    timeout = f.integer("wait_timeout_seconds", minimum=1)
    request_id = f.string("request_id")
    args = arguments(f)
    f.done()
    assert args is not None
    return UpdateRequest(
        name=name,
        input=args,
        wait_for=wait_for or "accepted",
        wait_timeout_seconds=timeout,
        request_id=request_id,
    )


def parse_stop(kind: str, body: dict[str, Any]) -> StopRequest:
    f = Fields(body)
    reason = f.string("reason", max_len=1000)
    f.string("request_id")
    f.done()
    return StopRequest(kind=kind, reason=reason)

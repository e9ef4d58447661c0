"""API paths: building them safely (every segment percent-encoded) and templating them for metrics."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from durable_workflow import errors

__all__ = ["api_path", "check_workflow_id", "expect_object", "listed", "route_template"]

#: What the server accepts as a workflow id (control plane: start validation).
_WORKFLOW_ID = re.compile(r"^[A-Za-z0-9._:-]+$")
_MAX_ID_BYTES = 128


def _refuse(field: str, value: object, why: str) -> errors.InvalidArgument:
    message = f"{field} {value!r} {why}"
    return errors.InvalidArgument(
        message, reason=f"invalid_{field.replace(' ', '_')}", body={"errors": {field: [message]}}
    )


def api_path(*segments: str) -> str:
    """``/a/b/c`` with every segment percent-encoded, so ``?``, ``#``, ``%``, ``/``, spaces and
    non-ASCII text in ids and names reach the server as one literal segment.

    Raises:
        InvalidArgument: a segment is empty, ``.`` or ``..`` (no server could address it).
    """
    out = []
    for segment in segments:
        if not isinstance(segment, str) or segment in ("", ".", ".."):
            raise _refuse("path segment", segment, "cannot be used as a name or id")
        out.append(quote(segment, safe=""))
    return "/" + "/".join(out)


def check_workflow_id(workflow_id: Any) -> str:
    """The id itself, or `InvalidArgument` for one the server would refuse or could not address."""
    if not isinstance(workflow_id, str):
        raise _refuse("workflow id", workflow_id, "must be a string")
    if workflow_id in (".", ".."):
        raise _refuse("workflow id", workflow_id, "cannot be addressed in a URL")
    if not _WORKFLOW_ID.match(workflow_id):
        raise _refuse("workflow id", workflow_id, "may only contain letters, digits, '.', '_', ':' and '-'")
    if len(workflow_id.encode()) > _MAX_ID_BYTES:
        raise _refuse("workflow id", workflow_id, f"is longer than {_MAX_ID_BYTES} bytes")
    return workflow_id


def listed(value: Any) -> list[Any]:
    """``value`` when the server sent a JSON array, else an empty list (a wrong type reads as none)."""
    return value if isinstance(value, list) else []


def expect_object(value: Any, what: str) -> dict[str, Any]:
    """``value`` when it is a JSON object, else `InvalidResponse` naming the answer."""
    if isinstance(value, dict):
        return value
    shown = "empty" if value is None else f"a JSON {type(value).__name__}"
    raise errors.InvalidResponse(
        f"the server's {what} answer is {shown}, not a JSON object",
        reason="invalid_response_shape",
        body=repr(value)[:500],
    )


_NAMED = {"signal", "query", "update"}


def _workflows(parts: list[str]) -> str:
    out = ["workflows"]
    if len(parts) > 1:
        out.append("{workflow_id}")
    rest = parts[2:]
    while rest:
        head = rest[0]
        if head in _NAMED and len(rest) > 1:
            out += [head, "{name}"]
            rest = rest[2:]
        elif head == "runs" and len(rest) > 1:
            out += ["runs", "{run_id}"]
            rest = rest[2:]
        else:
            out.append(head)
            rest = rest[1:]
    return "/" + "/".join(out)


def route_template(path: str) -> str:
    """`/workflows/order-1/signal/approve` → `/workflows/{workflow_id}/signal/{name}`."""
    path = path.split("?", 1)[0]
    parts = [p for p in path.split("/") if p]
    if not parts:
        return "/"
    head = parts[0]
    if head == "workflows":
        return _workflows(parts)
    if head == "schedules" and len(parts) > 1:
        return "/" + "/".join(["schedules", "{schedule_id}", *parts[2:]])
    if head in ("namespaces", "search-attributes") and len(parts) > 1:
        return "/" + "/".join([head, "{name}", *parts[2:]])
    if head == "workers" and len(parts) > 1:
        return "/" + "/".join(["workers", "{worker_id}", *parts[2:]])
    if head == "worker" and len(parts) > 2 and parts[1].endswith("-tasks"):
        if parts[2] == "poll":
            return f"/worker/{parts[1]}/poll"
        return "/" + "/".join(["worker", parts[1], "{task_id}", *parts[3:]])
    return "/" + "/".join(parts)

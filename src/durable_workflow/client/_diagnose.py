"""Why is a workflow not progressing? Ask the server what it knows about the workflow's queues.

Used when `WorkflowHandle.result()`, a stub's ``execute()`` or `Worker.run_until` times out or
waits long: the control plane's task-queue view lists the live workers (pollers) on a queue and
the workflow and activity types each one registered, and the history names the activities
still waiting. Three causes are recognised, in this order:

1. no live worker on the workflow's task queue;
2. live workers there, none registering the workflow's type;
3. an activity scheduled on a queue where no live worker registers its type.

Diagnosis is best effort: any error (e.g. a token without the operator role) yields None.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from durable_workflow import errors

if TYPE_CHECKING:
    from durable_workflow.client._client import Client

__all__ = ["diagnose"]

#: How long a diagnosis may take before it is abandoned.
DIAGNOSIS_TIMEOUT_SECONDS = 5.0
_ACTIVITY_CLOSED = frozenset({"ActivityCompleted", "ActivityFailed", "ActivityTimedOut", "ActivityCancelled"})


async def diagnose(client: Client, workflow_id: str) -> str | None:
    """One sentence naming why the workflow is stuck, or None when nothing explains it."""
    try:
        return await asyncio.wait_for(_diagnose(client, workflow_id), DIAGNOSIS_TIMEOUT_SECONDS)
    except (errors.DurableWorkflowError, asyncio.TimeoutError):
        return None


async def _diagnose(client: Client, workflow_id: str) -> str | None:
    execution = await client.describe_workflow(workflow_id)
    if execution.is_terminal or not execution.task_queue:
        return None
    queue, workflow_type = execution.task_queue, execution.workflow_type or ""
    pollers = await _live_pollers(client, queue)
    if not pollers:
        return (
            f"no worker has polled task queue {queue!r} recently: start a worker with "
            f"task_queue={queue!r} that registers workflow type {workflow_type!r}"
        )
    if not any(_supports(p, "supported_workflow_types", workflow_type) for p in pollers):
        return (
            f"no registered worker supports workflow type {workflow_type!r} on task queue {queue!r} "
            f"(its workers register {_types(pollers, 'supported_workflow_types')})"
        )
    if execution.run_id:
        events = await client.get_history(workflow_id, execution.run_id)
        for activity_type, activity_queue in _waiting_activities(events):
            hint = await _activity_hint(client, activity_type, activity_queue or queue)
            if hint:
                return hint
    return None


async def _activity_hint(client: Client, activity_type: str, queue: str) -> str | None:
    pollers = await _live_pollers(client, queue)
    if not pollers:
        return (
            f"activity type {activity_type!r} is scheduled on task queue {queue!r}, but no worker "
            "has polled that queue recently"
        )
    if any(_supports(p, "supported_activity_types", activity_type) for p in pollers):
        return None
    return (
        f"activity type {activity_type!r} is scheduled on task queue {queue!r}, but no worker there "
        f"supports it (its workers register {_types(pollers, 'supported_activity_types')})"
    )


async def _live_pollers(client: Client, queue: str) -> list[Mapping[str, Any]]:
    described = await client.describe_task_queue(queue)
    pollers = described.get("pollers")
    return [
        p
        for p in (pollers if isinstance(pollers, list) else [])
        if isinstance(p, Mapping) and p.get("is_stale") is not True and p.get("status") != "stale"
    ]


def _supports(poller: Mapping[str, Any], field: str, type_name: str) -> bool:
    types = poller.get(field)
    # The server routes any type to a worker that registered none.
    return not types or (isinstance(types, list) and type_name in types)


def _types(pollers: list[Mapping[str, Any]], field: str) -> list[str]:
    found: set[str] = set()
    for poller in pollers:
        types = poller.get(field)
        found.update(t for t in (types if isinstance(types, list) else []) if isinstance(t, str))
    return sorted(found)


def _waiting_activities(events: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    """(activity type, task queue) of each activity scheduled and not yet started or closed."""
    scheduled: dict[str, tuple[str, str | None]] = {}
    for event in events:
        payload = event.get("payload")
        payload = payload if isinstance(payload, Mapping) else {}
        key = str(payload.get("activity_execution_id") or "")
        kind = event.get("event_type")
        if kind == "ActivityScheduled" and isinstance(payload.get("activity_type"), str):
            queue = payload.get("task_queue")
            scheduled[key] = (payload["activity_type"], queue if isinstance(queue, str) else None)
        elif kind == "ActivityStarted" or kind in _ACTIVITY_CLOSED:
            scheduled.pop(key, None)
    return list(scheduled.values())

"""Worker plane: ``/api/worker/*`` (register, heartbeat, workflow/activity/query tasks).

Each handler parses with the protocol layer, makes one engine operation and renders.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.routing import Route

from durable_workflow.server._engine import EngineError
from durable_workflow.server._http import Call, Spec, api_route
from durable_workflow.server._ids import new_id
from durable_workflow.server._protocol import (
    history_page_size,
    parse_register,
    poll_timeout,
    required_text,
)

__all__ = ["routes"]

WORKER = Spec(plane="worker", roles=("worker",))


async def register(call: Call) -> tuple[int, dict[str, Any]]:
    worker_id = parse_register(call.body) or new_id()
    worker = await call.ops.register_worker(call.namespace, call.body, worker_id)
    config = call.engine.config
    return 201, {
        "worker_id": worker.worker_id,
        "registered": True,
        "task_queue": worker.task_queue,
        "runtime": worker.runtime,
        "status": worker.status,
        "heartbeat_interval_seconds": config.heartbeat_interval_seconds,
        "stale_after_seconds": int(config.worker_stale_after_seconds),
    }


async def heartbeat(call: Call) -> tuple[int, dict[str, Any]]:
    worker_id = required_text(call.body, "worker_id")
    await call.ops.heartbeat_worker(call.namespace, worker_id)
    return 200, {
        "worker_id": worker_id,
        "acknowledged": True,
        "heartbeat_interval_seconds": call.engine.config.heartbeat_interval_seconds,
    }


async def _long_poll(call: Call, kind: str, claim: Callable[[Any], dict[str, Any] | None]) -> dict[str, Any]:
    """Wait for a task of this kind on the worker's queue; ``claim(worker)`` takes one if ready."""
    timeout = poll_timeout(call.body, call.engine.config.long_poll_timeout)
    body = call.body
    task = await call.ops.poll(
        kind,
        call.namespace,
        body.get("worker_id"),
        body.get("task_queue"),
        claim,
        timeout,
        call.request.is_disconnected,
    )
    if call.current_shapes:  # the current generation says why a poll came back empty
        return {"task": task, "poll_status": "leased" if task is not None else "timeout"}
    return {"task": task}


async def poll_workflow(call: Call) -> tuple[int, dict[str, Any]]:
    size = history_page_size(call.body)
    poll_id = call.body.get("poll_request_id")
    return 200, await _long_poll(
        call, "wf", lambda w: call.engine.workflow_tasks.claim_workflow_task(w, poll_id, size)
    )


async def poll_activity(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, await _long_poll(call, "act", call.engine.activity_tasks.claim_activity_task)


async def poll_query(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, await _long_poll(call, "query", call.engine.messages.claim_query_task)


async def deregister(call: Call) -> tuple[int, dict[str, Any]]:
    """``DELETE /worker/registrations/{worker_id}`` (current generation): a worker's goodbye."""
    worker_id = call.params["worker_id"]
    if call.engine.config.wire_generation == "seed":
        raise EngineError("not_found", "not_found", "The requested route does not exist.")
    recovered = await call.ops.release_worker(call.namespace, worker_id)
    body = {"worker_id": worker_id, "outcome": "deregistered", "recovered_workflow_task_count": recovered}
    return 200, body


def _task_op(method: str) -> Any:
    async def handler(call: Call) -> tuple[int, dict[str, Any]]:
        return 200, await call.ops.task_operation(method, call.namespace, call.params["task_id"], call.body)

    return handler


def _activity_op(method: str) -> Any:
    async def handler(call: Call) -> tuple[int, dict[str, Any]]:
        task_id = call.params["task_id"]
        try:
            return 200, await call.ops.task_operation(method, call.namespace, task_id, call.body)
        except EngineError as exc:
            if exc.reason in ("run_cancelled", "run_terminated", "stale_attempt"):
                exc.details.setdefault("recorded", False)
            raise

    return handler


def routes() -> list[Route]:
    wf, act, q = (
        "/worker/workflow-tasks/{task_id}",
        "/worker/activity-tasks/{task_id}",
        "/worker/query-tasks/{task_id}",
    )
    table: list[tuple[str, Any]] = [
        ("/worker/register", register),
        ("/worker/heartbeat", heartbeat),
        ("/worker/workflow-tasks/poll", poll_workflow),
        (f"{wf}/history", _task_op("workflow_task_history")),
        (f"{wf}/heartbeat", _task_op("heartbeat_workflow_task")),
        (f"{wf}/complete", _task_op("complete_workflow_task")),
        (f"{wf}/fail", _task_op("fail_workflow_task")),
        ("/worker/activity-tasks/poll", poll_activity),
        (f"{act}/complete", _activity_op("complete_activity_task")),
        (f"{act}/fail", _activity_op("fail_activity_task")),
        (f"{act}/heartbeat", _activity_op("heartbeat_activity_task")),
        ("/worker/query-tasks/poll", poll_query),
        (f"{q}/complete", _task_op("complete_query_task")),
        (f"{q}/fail", _task_op("fail_query_task")),
    ]
    return [
        *(api_route(path, ["POST"], WORKER, handler) for path, handler in table),
        api_route("/worker/registrations/{worker_id}", ["DELETE"], WORKER, deregister),
    ]

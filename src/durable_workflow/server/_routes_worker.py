"""Worker plane: ``/api/worker/*`` (register, heartbeat, workflow/activity/query tasks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.routing import Route

from durable_workflow.server._engine import EngineError
from durable_workflow.server._engine._errors import invalid
from durable_workflow.server._engine._inputs import Fields
from durable_workflow.server._engine._validate import as_int
from durable_workflow.server._engine._workers import RUNTIMES
from durable_workflow.server._http import Call, Spec, api_route
from durable_workflow.server._ids import new_id

__all__ = ["routes"]

WORKER = Spec(plane="worker", roles=("worker",))


async def register(call: Call) -> tuple[int, dict[str, Any]]:
    f = Fields(call.body)
    worker_id = f.string("worker_id") or new_id()
    f.string("task_queue", required=True)
    f.choice("runtime", RUNTIMES, "The selected runtime is invalid.")
    if call.body.get("runtime") is None:
        f.add("runtime", "The runtime field is required.")
    f.string("sdk_version", max_len=64)
    f.string("build_id")
    f.integer("max_concurrent_workflow_tasks")
    f.integer("max_concurrent_activity_tasks")
    f.done()
    async with call.engine.op():
        worker = call.engine.register_worker(call.namespace, call.body, worker_id)
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
    worker_id = call.body.get("worker_id")
    if not isinstance(worker_id, str) or not worker_id:
        raise invalid({"worker_id": ["The worker id field is required."]})
    async with call.engine.op():
        call.engine.heartbeat_worker(call.namespace, worker_id)
    return 200, {
        "worker_id": worker_id,
        "acknowledged": True,
        "heartbeat_interval_seconds": call.engine.config.heartbeat_interval_seconds,
    }


def _poll_timeout(call: Call) -> float:
    limit = call.engine.config.long_poll_timeout
    requested = as_int(call.body.get("timeout_seconds"))
    return float(limit) if requested is None else float(max(0, min(requested, 60, limit)))


async def _worker(call: Call) -> Any:
    async with call.engine.op():
        return call.engine.polling_worker(
            call.namespace, call.body.get("worker_id"), call.body.get("task_queue")
        )


async def _long_poll(call: Call, kind: str, claim: Callable[[Any], dict[str, Any] | None]) -> dict[str, Any]:
    """Wait for a task of this kind on the worker's queue; ``claim(worker)`` takes one if ready."""
    worker = await _worker(call)
    task = await call.engine.long_poll(
        (kind, call.namespace, worker.task_queue),
        lambda: claim(worker),
        _poll_timeout(call),
        abandoned=call.request.is_disconnected,
    )
    if call.current_shapes:  # the current generation says why a poll came back empty
        return {"task": task, "poll_status": "leased" if task is not None else "timeout"}
    return {"task": task}


async def poll_workflow(call: Call) -> tuple[int, dict[str, Any]]:
    size = as_int(call.body.get("history_page_size"))
    size = None if size is None else min(max(size, 1), 1000)
    poll_id = call.body.get("poll_request_id")
    return 200, await _long_poll(call, "wf", lambda w: call.engine.claim_workflow_task(w, poll_id, size))


async def poll_activity(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, await _long_poll(call, "act", call.engine.claim_activity_task)


async def poll_query(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, await _long_poll(call, "query", call.engine.claim_query_task)


async def deregister(call: Call) -> tuple[int, dict[str, Any]]:
    """``DELETE /worker/registrations/{worker_id}`` (current generation): a worker's goodbye."""
    worker_id = call.params["worker_id"]
    if call.engine.config.wire_generation == "seed":
        raise EngineError("not_found", "not_found", "The requested route does not exist.")
    async with call.engine.op():
        recovered = call.engine.release_worker(call.namespace, worker_id)
    body = {"worker_id": worker_id, "outcome": "deregistered", "recovered_workflow_task_count": recovered}
    return 200, body


def _task_op(method: str) -> Any:
    async def handler(call: Call) -> tuple[int, dict[str, Any]]:
        task_id = call.params["task_id"]
        async with call.engine.op():
            out: dict[str, Any] = getattr(call.engine, method)(call.namespace, task_id, call.body)
        return 200, out

    return handler


def _activity_op(method: str) -> Any:
    async def handler(call: Call) -> tuple[int, dict[str, Any]]:
        task_id = call.params["task_id"]
        try:
            async with call.engine.op():
                out: dict[str, Any] = getattr(call.engine, method)(call.namespace, task_id, call.body)
        except EngineError as exc:
            if exc.reason in ("run_cancelled", "run_terminated", "stale_attempt"):
                exc.details.setdefault("recorded", False)
            raise
        return 200, out

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

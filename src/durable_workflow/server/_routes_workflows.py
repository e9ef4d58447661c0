"""Control plane: ``/api/workflows*``."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from starlette.routing import Route

from durable_workflow.server._engine import EngineError
from durable_workflow.server._http import Call, Spec, api_route
from durable_workflow.server._storage import EventRow

__all__ = ["routes"]

_OUTCOME_STATUS = {"started_new": 201, "returned_existing_active": 200}


def _spec(operation: str | None) -> Spec:
    return Spec(plane="control", operation=operation)


async def start(call: Call) -> tuple[int, dict[str, Any]]:
    async with call.engine.op():
        outcome, body = call.engine.start_workflow(call.namespace, call.body)
    return _OUTCOME_STATUS[outcome], body


async def list_workflows(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, call.engine.list_workflows(call.namespace, call.query)


async def describe(call: Call) -> tuple[int, dict[str, Any]]:
    run = call.engine.current_run(call.namespace, call.params["workflow_id"])
    return 200, call.engine.describe_run(run)


async def list_runs(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, call.engine.list_runs(call.namespace, call.params["workflow_id"])


async def describe_run(call: Call) -> tuple[int, dict[str, Any]]:
    run = call.engine.run_of(call.namespace, call.params["workflow_id"], call.params["run_id"])
    return 200, call.engine.describe_run(run)


def _event(e: EventRow) -> dict[str, Any]:
    return {
        "id": e.id,
        "sequence": e.sequence,
        "event_type": e.event_type,
        "timestamp": e.recorded_at,
        "recorded_at": e.recorded_at,
        "payload": e.payload,
        "workflow_task_id": e.workflow_task_id,
        "workflow_command_id": e.workflow_command_id,
    }


async def history(call: Call) -> tuple[int, dict[str, Any]]:
    engine = call.engine
    run = engine.run_of(call.namespace, call.params["workflow_id"], call.params["run_id"])
    wait = call.query.get("wait_new_event")
    if wait not in (None, "0", "1"):
        raise EngineError(
            "invalid",
            "validation_failed",
            "The wait new event field must be true or false.",
            errors={"wait_new_event": ["The wait new event field must be 1 or 0."]},
            validation_errors={"wait_new_event": ["The wait new event field must be 1 or 0."]},
        )
    events, token = engine.history_page(run, call.query)
    if not events and wait == "1" and not run.is_terminal:
        async with engine.op():
            event = engine.waiter(("history", run.run_id))
            events, token = engine.history_page(run, call.query)
        if not events:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(event.wait(), engine.config.long_poll_timeout)
            events, token = engine.history_page(run, call.query)
    return 200, {
        "workflow_id": run.workflow_id,
        "run_id": run.run_id,
        "events": [_event(e) for e in events],
        "next_page_token": token,
    }


async def export(call: Call) -> tuple[int, dict[str, Any]]:
    run = call.engine.run_of(call.namespace, call.params["workflow_id"], call.params["run_id"])
    return 200, call.engine.export_history(run)


async def signal(call: Call) -> tuple[int, dict[str, Any]]:
    async with call.engine.op():
        body = call.engine.signal_workflow(
            call.namespace, call.params["workflow_id"], call.params["name"], call.body
        )
    return 202, body


async def query(call: Call) -> tuple[int, dict[str, Any]]:
    body = await call.engine.query_workflow(
        call.namespace, call.params["workflow_id"], call.params["name"], call.body
    )
    return 200, body


async def update(call: Call) -> tuple[int, dict[str, Any]]:
    status, body = await call.engine.update_workflow(
        call.namespace, call.params["workflow_id"], call.params["name"], call.body
    )
    return {"completed": 200, "failed": 422}.get(status, 202), body


def _stop(kind: str) -> Any:
    async def handler(call: Call) -> tuple[int, dict[str, Any]]:
        async with call.engine.op():
            body = call.engine.stop_workflow(call.namespace, call.params["workflow_id"], call.body, kind=kind)
        return 200, body

    return handler


def routes() -> list[Route]:
    wf, run = "/workflows/{workflow_id}", "/workflows/{workflow_id}/runs/{run_id}"
    return [
        api_route("/workflows", ["GET"], _spec("list"), list_workflows),
        api_route("/workflows", ["POST"], _spec("start"), start),
        api_route(wf, ["GET"], _spec("describe"), describe),
        api_route(f"{wf}/runs", ["GET"], _spec("list_runs"), list_runs),
        api_route(run, ["GET"], _spec("describe_run"), describe_run),
        api_route(f"{run}/history", ["GET"], _spec("history"), history),
        api_route(f"{run}/history/export", ["GET"], Spec(plane="control"), export),
        api_route(f"{wf}/signal/{{name}}", ["POST"], _spec("signal"), signal),
        api_route(f"{wf}/query/{{name}}", ["POST"], _spec("query"), query),
        api_route(f"{wf}/update/{{name}}", ["POST"], _spec("update"), update),
        api_route(f"{wf}/cancel", ["POST"], _spec("cancel"), _stop("cancel")),
        api_route(f"{wf}/terminate", ["POST"], _spec("terminate"), _stop("terminate")),
    ]

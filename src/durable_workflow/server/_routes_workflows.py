"""Control plane: ``/api/workflows*`` (parse, one engine operation, render)."""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from durable_workflow.server._http import Call, Spec, api_route
from durable_workflow.server._protocol import history_event, parse_flag

__all__ = ["routes"]

_OUTCOME_STATUS = {"started_new": 201, "returned_existing_active": 200}


def _spec(operation: str | None) -> Spec:
    return Spec(plane="control", operation=operation)


async def start(call: Call) -> tuple[int, dict[str, Any]]:
    outcome, body = await call.ops.start_workflow(call.namespace, call.body)
    return _OUTCOME_STATUS[outcome], body


async def list_workflows(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, await call.ops.list_workflows(call.namespace, call.query)


async def describe(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, await call.ops.describe_workflow(call.namespace, call.params["workflow_id"])


async def list_runs(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, await call.ops.list_runs(call.namespace, call.params["workflow_id"])


async def describe_run(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, await call.ops.describe_run(call.namespace, call.params["workflow_id"], call.params["run_id"])


async def history(call: Call) -> tuple[int, dict[str, Any]]:
    wait = parse_flag(call.query, "wait_new_event")
    run_id = call.params["run_id"]
    workflow_id, events, token = await call.ops.history(
        call.namespace, call.params["workflow_id"], run_id, call.query, wait
    )
    return 200, {
        "workflow_id": workflow_id,
        "run_id": run_id,
        "events": [history_event(e) for e in events],
        "next_page_token": token,
    }


async def export(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, await call.ops.export_history(
        call.namespace, call.params["workflow_id"], call.params["run_id"]
    )


async def signal(call: Call) -> tuple[int, dict[str, Any]]:
    p = call.params
    return 202, await call.ops.signal(call.namespace, p["workflow_id"], p["name"], call.body)


async def query(call: Call) -> tuple[int, dict[str, Any]]:
    p = call.params
    return 200, await call.ops.query(call.namespace, p["workflow_id"], p["name"], call.body)


async def update(call: Call) -> tuple[int, dict[str, Any]]:
    p = call.params
    status, body = await call.ops.update(call.namespace, p["workflow_id"], p["name"], call.body)
    return {"completed": 200, "failed": 422}.get(status, 202), body


def _stop(kind: str) -> Any:
    async def handler(call: Call) -> tuple[int, dict[str, Any]]:
        return 200, await call.ops.stop(call.namespace, call.params["workflow_id"], call.body, kind)

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

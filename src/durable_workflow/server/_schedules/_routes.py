"""Control plane: ``/api/schedules*`` (plain JSON answers, no ``control_plane`` object)."""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute

from durable_workflow.server._http import Call, Spec, api_route
from durable_workflow.server._schedules._registry import service_for

__all__ = ["routes"]

_SPEC = Spec(plane="control")


async def create(call: Call) -> tuple[int, dict[str, Any]]:
    return 201, await service_for(call.engine).create(call.namespace, call.body)


async def list_schedules(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, await service_for(call.engine).list(call.namespace, call.query)


async def describe(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, await service_for(call.engine).describe(call.namespace, call.params["schedule_id"])


async def update(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, await service_for(call.engine).update(call.namespace, call.params["schedule_id"], call.body)


async def delete(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, await service_for(call.engine).remove(call.namespace, call.params["schedule_id"])


async def pause(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, await service_for(call.engine).pause(call.namespace, call.params["schedule_id"], call.body)


async def resume(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, await service_for(call.engine).resume(call.namespace, call.params["schedule_id"], call.body)


async def trigger(call: Call) -> tuple[int, dict[str, Any]]:
    body = await service_for(call.engine).trigger(call.namespace, call.params["schedule_id"], call.body)
    return (500 if body["outcome"] == "trigger_failed" else 200), body


async def backfill(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, await service_for(call.engine).backfill(call.namespace, call.params["schedule_id"], call.body)


async def history(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, await service_for(call.engine).history(call.namespace, call.params["schedule_id"], call.query)


def routes() -> list[BaseRoute]:
    one = "/schedules/{schedule_id}"
    return [
        api_route("/schedules", ["POST"], _SPEC, create),
        api_route("/schedules", ["GET"], _SPEC, list_schedules),
        api_route(one, ["GET"], _SPEC, describe),
        api_route(one, ["PUT"], _SPEC, update),
        api_route(one, ["DELETE"], _SPEC, delete),
        api_route(f"{one}/pause", ["POST"], _SPEC, pause),
        api_route(f"{one}/resume", ["POST"], _SPEC, resume),
        api_route(f"{one}/trigger", ["POST"], _SPEC, trigger),
        api_route(f"{one}/backfill", ["POST"], _SPEC, backfill),
        api_route(f"{one}/history", ["GET"], _SPEC, history),
    ]

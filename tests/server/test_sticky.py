"""Sticky execution on the wire: routing to the owner, warm delivery after the retained point,
the bounded hold and the fallback to the normal queue (worker protocol 1.20, plain httpx)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from durable_workflow.payloads import encode_value_v1
from durable_workflow.server import DevServer

CP = {"X-Durable-Workflow-Control-Plane-Version": "2"}
WP = {"X-Durable-Workflow-Protocol-Version": "1.20"}


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with (
        DevServer(serve_http=False, long_poll_timeout=0.5, sticky_schedule_to_start_seconds=0.3) as server,
        httpx.AsyncClient(transport=server.asgi_transport(), base_url="http://dev") as client,
    ):
        yield client


async def register(http: httpx.AsyncClient, worker_id: str, sticky: bool = True) -> None:
    body: dict[str, Any] = {"worker_id": worker_id, "task_queue": "q", "runtime": "python"}
    if sticky:
        body["capabilities"] = ["sticky_execution"]
    assert (await http.post("/api/worker/register", json=body, headers=WP)).status_code == 201


async def poll(http: httpx.AsyncClient, worker_id: str, **extra: Any) -> dict[str, Any] | None:
    body = {"worker_id": worker_id, "task_queue": "q", "timeout_seconds": 0, **extra}
    resp = await http.post("/api/worker/workflow-tasks/poll", json=body, headers=WP)
    assert resp.status_code == 200, resp.text
    task: dict[str, Any] | None = resp.json()["task"]
    return task


def claim(worker_id: str, task: dict[str, Any]) -> dict[str, Any]:
    return {
        "worker_id": worker_id,
        "workflow_id": task["workflow_id"],
        "run_id": task["run_id"],
        "ttl_seconds": 60,
    }


async def complete(
    http: httpx.AsyncClient, worker_id: str, task: dict[str, Any], sticky: bool = True
) -> None:
    command = {"type": "schedule_activity", "activity_type": "a", "arguments": None}
    body: dict[str, Any] = {
        "lease_owner": worker_id,
        "workflow_task_attempt": task["workflow_task_attempt"],
        "commands": [command],
    }
    if sticky:
        body["sticky_cache"] = claim(worker_id, task)
    path = f"/api/worker/workflow-tasks/{task['task_id']}/complete"
    assert (await http.post(path, json=body, headers=WP)).status_code == 200


async def finish_activity(http: httpx.AsyncClient, worker_id: str) -> None:
    body = {"worker_id": worker_id, "task_queue": "q", "timeout_seconds": 0}
    act = (await http.post("/api/worker/activity-tasks/poll", json=body, headers=WP)).json()["task"]
    done = {
        "lease_owner": worker_id,
        "activity_attempt_id": act["activity_attempt_id"],
        "result": {"codec": "avro", "blob": encode_value_v1(1)},
    }
    resp = await http.post(f"/api/worker/activity-tasks/{act['task_id']}/complete", json=done, headers=WP)
    assert resp.status_code == 200, resp.text


async def start(http: httpx.AsyncClient) -> None:
    body = {"workflow_id": "wf", "workflow_type": "t", "task_queue": "q"}
    assert (await http.post("/api/workflows", json=body, headers=CP)).status_code == 201


async def test_warm_task_starts_after_the_retained_point_and_pages_once_from_its_token(
    http: httpx.AsyncClient,
) -> None:
    await register(http, "owner")
    await start(http)
    first = await poll(http, "owner")
    assert first is not None and first["sticky_replay_mode"] == "cold_replay"
    assert first["history_events"][0]["sequence"] == 1
    retained = first["history_events"][-1]["sequence"]
    await complete(http, "owner", first)
    await finish_activity(http, "owner")

    warm = await poll(http, "owner", history_page_size=2)
    assert warm is not None and warm["sticky_replay_mode"] == "sticky_hit_expected"
    assert warm["sticky_worker_id"] == "owner" and warm["sticky_until"]
    assert [e["sequence"] for e in warm["history_events"]] == [retained + 1, retained + 2]
    token = warm["next_history_page_token"]
    assert token is not None
    page = await http.post(
        f"/api/worker/workflow-tasks/{warm['task_id']}/history",
        json={"lease_owner": "owner", "workflow_task_attempt": 1, "next_history_page_token": token},
        headers=WP,
    )
    body = page.json()
    assert body["next_history_page_token"] is None  # one page after the token holds the rest
    sequences = [e["sequence"] for e in [*warm["history_events"], *body["history_events"]]]
    assert sequences == list(range(retained + 1, warm["last_history_sequence"] + 1))


async def test_a_held_task_waits_for_its_owner_then_falls_back_to_the_queue_cold(
    http: httpx.AsyncClient,
) -> None:
    await register(http, "owner")
    await register(http, "other")
    await start(http)
    first = await poll(http, "owner")
    assert first is not None
    await complete(http, "owner", first)
    await finish_activity(http, "other")
    assert await poll(http, "other") is None  # held for the owner
    await asyncio.sleep(0.35)
    fallback = await poll(http, "other")
    assert fallback is not None and fallback["sticky_replay_mode"] == "forced_cold_replay"
    assert fallback["history_events"][0]["sequence"] == 1  # the whole history


async def test_a_long_poll_wakes_when_the_hold_ends(http: httpx.AsyncClient) -> None:
    await register(http, "owner")
    await register(http, "other")
    await start(http)
    first = await poll(http, "owner")
    assert first is not None
    await complete(http, "owner", first)
    await finish_activity(http, "other")
    task = await poll(http, "other", timeout_seconds=1)
    assert task is not None and task["sticky_replay_mode"] == "forced_cold_replay"


async def test_a_deregistered_owner_holds_nothing(http: httpx.AsyncClient) -> None:
    await register(http, "owner")
    await register(http, "other")
    await start(http)
    first = await poll(http, "owner")
    assert first is not None
    await complete(http, "owner", first)
    await finish_activity(http, "other")
    assert (await http.delete("/api/worker/registrations/owner", headers=WP)).status_code == 200
    task = await poll(http, "other")
    assert task is not None and task["sticky_replay_mode"] == "forced_cold_replay"


@pytest.mark.parametrize("case", ["no claim", "not sticky-capable", "other run"])
async def test_without_a_valid_claim_the_next_task_is_cold(http: httpx.AsyncClient, case: str) -> None:
    await register(http, "owner", sticky=case != "not sticky-capable")
    await start(http)
    first = await poll(http, "owner")
    assert first is not None
    body: dict[str, Any] = {
        "lease_owner": "owner",
        "workflow_task_attempt": 1,
        "commands": [{"type": "schedule_activity", "activity_type": "a"}],
    }
    if case != "no claim":
        body["sticky_cache"] = {
            **claim("owner", first),
            "run_id": "x" if case == "other run" else first["run_id"],
        }
    path = f"/api/worker/workflow-tasks/{first['task_id']}/complete"
    assert (await http.post(path, json=body, headers=WP)).status_code == 200
    await finish_activity(http, "owner")
    task = await poll(http, "owner")
    assert task is not None and task["sticky_replay_mode"] == "cold_replay"
    assert task["history_events"][0]["sequence"] == 1

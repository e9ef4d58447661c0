"""The dev server's worker plane in the current generation (worker-plane.md, Profile C, 1.19/1.20).

Plain httpx against the in-process server: what a 2.x worker sends, and what it must get back.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from durable_workflow.payloads import decode_value_v1, encode_value_v1, encode_wrapper, framing_of
from durable_workflow.server import DevServer, FakeClock

CP = {"X-Durable-Workflow-Control-Plane-Version": "2"}


def wp(version: str = "1.20") -> dict[str, str]:
    return {"X-Durable-Workflow-Protocol-Version": version}


def v1(value: Any) -> dict[str, str]:
    return {"codec": "avro", "blob": encode_value_v1(value)}


REGISTER_1_20 = {
    "worker_id": "py2-worker",
    "task_queue": "q",
    "runtime": "python",
    "sdk_version": "durable-workflow-python/2.12.0",
    "supported_workflow_types": [],
    "supported_activity_types": [],
    "workflow_definition_fingerprints": {"greeter": "sha256:" + "0" * 64},
    "capabilities": ["query_tasks", "workflow_updates"],
    "workflow_command_contracts": {"greeter": {"queries": [], "signals": ["go"], "updates": []}},
    "task_slots": {"workflow_available": 10, "activity_available": 10},
    "process_metrics": {"process_id": 1, "host": "h"},
    "heartbeat_interval_seconds": 15,
    "max_concurrent_workflow_tasks": 10,
    "max_concurrent_activity_tasks": 10,
}


@contextlib.asynccontextmanager
async def _http(wire_generation: str) -> AsyncIterator[httpx.AsyncClient]:
    server = DevServer(
        serve_http=False,
        wire_generation="seed" if wire_generation == "seed" else "current",
        long_poll_timeout=1.0,
        clock=FakeClock(),
    )
    async with (
        server,
        httpx.AsyncClient(transport=server.asgi_transport(), base_url="http://dev") as client,
    ):
        client.headers["X-Test-Generation"] = wire_generation
        yield client


@pytest.fixture(params=["current", "seed"])
async def http(request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    async with _http(str(request.param)) as client:
        yield client


@pytest.fixture
async def current() -> AsyncIterator[httpx.AsyncClient]:
    """A server of the current generation only (what a 1.20 worker needs)."""
    async with _http("current") as client:
        yield client


def generation(http: httpx.AsyncClient) -> str:
    return str(http.headers["X-Test-Generation"])


async def register(http: httpx.AsyncClient, version: str = "1.20", **extra: Any) -> httpx.Response:
    return await http.post("/api/worker/register", json={**REGISTER_1_20, **extra}, headers=wp(version))


async def start(http: httpx.AsyncClient, workflow_id: str, input: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"workflow_id": workflow_id, "workflow_type": "greeter", "task_queue": "q"}
    if input is not None:
        body["input"] = input
    resp = await http.post("/api/workflows", json=body, headers=CP)
    assert resp.status_code == 201, resp.text
    out: dict[str, Any] = resp.json()
    return out


async def test_cluster_info_is_exact_about_each_generation(http: httpx.AsyncClient) -> None:
    info = (await http.get("/api/cluster/info")).json()
    protocol = info["worker_protocol"]
    caps = protocol["server_capabilities"]
    if generation(http) == "current":
        assert protocol["version"] == "1.20"
        assert caps["update_validation_tasks"] is False  # not done here, so said false
        assert "open_condition_wait" in caps["supported_workflow_task_commands"]
    else:
        assert protocol["version"] == "1.1"
        assert "update_validation_tasks" not in caps
    assert caps["query_tasks"] is True and caps["response_compression"] == []
    assert "cooperative_cancellation" not in caps and "worker_deregistration_fencing" not in caps
    assert "sticky_execution" not in caps


@pytest.mark.parametrize("version", ["1.0", "1.1", "1.13", "1.19", "1.20"])
async def test_every_1x_version_up_to_the_advertised_one_is_accepted(
    http: httpx.AsyncClient, version: str
) -> None:
    resp = await register(http, version)
    advertised = "1.20" if generation(http) == "current" else "1.1"
    if generation(http) == "seed" and version not in ("1.0", "1.1"):
        assert resp.status_code == 400
        assert resp.json()["reason"] == "unsupported_protocol_version"
        assert resp.json()["supported_version"] == "1.1"
        return
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert resp.headers["X-Durable-Workflow-Protocol-Version"] == advertised
    assert body["protocol_version"] == advertised and isinstance(body["server_capabilities"], dict)
    assert body["worker_id"] == "py2-worker" and body["registered"] is True
    assert body["heartbeat_interval_seconds"] > 0 and body["stale_after_seconds"] > 0


@pytest.mark.parametrize(
    ("sent", "reason"),
    [
        ("1.21", "unsupported_protocol_version"),
        ("2.0", "unsupported_protocol_version"),
        ("1.x", "unsupported_protocol_version"),
        ("", "missing_protocol_version"),
    ],
)
async def test_versions_beyond_it_are_refused(http: httpx.AsyncClient, sent: str, reason: str) -> None:
    resp = await register(http, sent)
    assert resp.status_code == 400
    body = resp.json()
    assert body["reason"] == reason
    assert body["requested_version"] == (sent or None)


async def test_polls_say_why_they_came_back_empty_to_current_workers(http: httpx.AsyncClient) -> None:
    assert (await register(http, "1.1")).status_code == 201
    body = {"worker_id": "py2-worker", "task_queue": "q", "timeout_seconds": 0, "poll_request_id": "p1"}
    old = (await http.post("/api/worker/workflow-tasks/poll", json=body, headers=wp("1.1"))).json()
    assert old["task"] is None and "poll_status" not in old  # seed shapes for a seed request
    if generation(http) == "seed":
        return
    for route in ("workflow-tasks", "activity-tasks", "query-tasks"):
        resp = await http.post(f"/api/worker/{route}/poll", json=body, headers=wp())
        assert resp.status_code == 200, resp.text
        assert (resp.json()["task"], resp.json()["poll_status"]) == (None, "timeout")


async def test_a_current_worker_gets_a_value_v1_task_and_answers_in_it(current: httpx.AsyncClient) -> None:
    http = current
    await register(http)
    await start(http, "c1", v1(["Ada"]))
    poll = {"worker_id": "py2-worker", "task_queue": "q", "timeout_seconds": 0, "task_kinds": ["workflow"]}
    answer = (await http.post("/api/worker/workflow-tasks/poll", json=poll, headers=wp())).json()
    task = answer["task"]
    assert answer["poll_status"] == "leased"
    assert task["payload_codec"] == "avro" and framing_of(task["arguments"]) == "value-v1"
    assert decode_value_v1(task["arguments"]["blob"]) == ["Ada"]
    fence = {"lease_owner": "py2-worker", "workflow_task_attempt": task["workflow_task_attempt"]}
    command = {"type": "complete_workflow", "result": v1("Hello, Ada!"), "payload_codec": "avro"}
    done = await http.post(
        f"/api/worker/workflow-tasks/{task['task_id']}/complete",
        json={**fence, "commands": [command]},
        headers=wp(),
    )
    assert done.status_code == 200 and done.json()["outcome"] == "completed", done.text
    described = (await http.get("/api/workflows/c1", headers=CP)).json()
    assert described["status"] == "completed" and described["output"] == "Hello, Ada!"


async def test_deregistration_hands_leases_on(http: httpx.AsyncClient) -> None:
    await register(http, "1.1")
    path = "/api/worker/registrations/py2-worker"
    if generation(http) == "seed":
        assert (await http.delete(path, headers=wp("1.1"))).status_code == 404
        return
    await start(http, "d1", v1([]))
    poll = {"worker_id": "py2-worker", "task_queue": "q", "timeout_seconds": 0}
    task = (await http.post("/api/worker/workflow-tasks/poll", json=poll, headers=wp())).json()["task"]
    assert task is not None
    resp = await http.delete(path, headers=wp())
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["worker_id"], body["outcome"], body["recovered_workflow_task_count"]) == (
        "py2-worker",
        "deregistered",
        1,
    )
    again = await http.delete(path, headers=wp())
    assert again.status_code == 404 and again.json()["reason"] == "worker_not_found"
    await register(http, worker_id="py2-other")
    poll["worker_id"] = "py2-other"
    handed = (await http.post("/api/worker/workflow-tasks/poll", json=poll, headers=wp())).json()["task"]
    assert handed["task_id"] == task["task_id"]  # the released lease is claimable at once


@pytest.mark.parametrize("run_frame", ["wrapper", "value-v1"])
async def test_payloads_the_server_makes_follow_the_run(http: httpx.AsyncClient, run_frame: str) -> None:
    encode = encode_value_v1 if run_frame == "value-v1" else encode_wrapper
    await register(http, "1.1")
    await start(http, "m1", {"codec": "avro", "blob": encode(["x"])})
    signal = await http.post("/api/workflows/m1/signal/go", json={}, headers=CP)  # no arguments
    assert signal.status_code == 202, signal.text
    history = await http.get("/api/workflows/m1/runs/" + signal.json()["run_id"] + "/history", headers=CP)
    received = next(e for e in history.json()["events"] if e["event_type"] == "SignalReceived")
    assert framing_of(received["payload"]["arguments"]) == run_frame


async def test_a_start_without_input_uses_the_servers_generation(http: httpx.AsyncClient) -> None:
    out = await start(http, "n1")
    described = (await http.get(f"/api/workflows/{out['workflow_id']}", headers=CP)).json()
    wanted = "value-v1" if generation(http) == "current" else "wrapper"
    assert framing_of(described["input_envelope"]) == wanted and described["input"] == []


async def test_a_1_20_heartbeat_reports_slots_and_metrics(http: httpx.AsyncClient) -> None:
    version = "1.20" if generation(http) == "current" else "1.1"
    await register(http, version)
    body = {
        "worker_id": "py2-worker",
        "task_slots": {"workflow_available": 9, "activity_available": 10},
        "process_metrics": {"cpu_percent": 1.5, "memory_bytes": 1024},
        "heartbeat_interval_seconds": 15,
    }
    resp = await http.post("/api/worker/heartbeat", json=body, headers=wp(version))
    assert resp.status_code == 200, resp.text
    assert (resp.json()["worker_id"], resp.json()["acknowledged"]) == ("py2-worker", True)
    unknown = await http.post("/api/worker/heartbeat", json={"worker_id": "nobody"}, headers=wp(version))
    assert unknown.status_code == 404 and unknown.json()["reason"] == "worker_not_registered"


async def test_a_query_task_round_trip_at_1_20(current: httpx.AsyncClient) -> None:
    http = current
    await register(http)
    await start(http, "q1", v1([]))
    asked = asyncio.create_task(http.post("/api/workflows/q1/query/status", json={}, headers=CP))
    poll = {"worker_id": "py2-worker", "task_queue": "q", "timeout_seconds": 5, "poll_request_id": "qp"}
    answer = (await http.post("/api/worker/query-tasks/poll", json=poll, headers=wp())).json()
    task = answer["task"]
    assert answer["poll_status"] == "leased"
    assert (task["query_name"], task["workflow_id"], task["payload_codec"]) == ("status", "q1", "avro")
    assert framing_of(task["workflow_arguments"]) == "value-v1"
    fence = {"lease_owner": "py2-worker", "query_task_attempt": task["query_task_attempt"]}
    done = await http.post(
        f"/api/worker/query-tasks/{task['query_task_id']}/complete",
        json={**fence, "result": {"step": 3}, "result_envelope": v1({"step": 3})},
        headers=wp(),
    )
    assert done.status_code == 200 and done.json()["outcome"] == "completed", done.text
    result = (await asked).json()
    assert decode_value_v1(result["result_envelope"]["blob"]) == {"step": 3}


async def test_plain_json_a_value_v1_run_cannot_hold_is_a_422(current: httpx.AsyncClient) -> None:
    # The wrapper carries JSON text (any integer); Value v1 carries 64-bit integers only.
    huge = 2**63
    resp = await current.post(
        "/api/workflows",
        json={"workflow_id": "big", "workflow_type": "t", "task_queue": "q", "input": [huge]},
        headers=CP,
    )
    assert resp.status_code == 422 and "input" in resp.json()["errors"], resp.text
    await start(current, "small", v1([]))
    signal = await current.post("/api/workflows/small/signal/go", json={"input": [huge]}, headers=CP)
    assert signal.status_code == 422 and "input" in signal.json()["errors"], signal.text


async def test_a_schedule_with_plain_json_input_starts_runs_in_the_servers_frame(
    http: httpx.AsyncClient,
) -> None:
    action = {"workflow_type": "greeter", "task_queue": "q", "input": ["Ada"]}
    spec = {"intervals": [{"every": "PT1H"}]}
    created = await http.post(
        "/api/schedules", json={"schedule_id": "s1", "spec": spec, "action": action}, headers=CP
    )
    assert created.status_code == 201, created.text
    fired = (await http.post("/api/schedules/s1/trigger", json={}, headers=CP)).json()
    described = (await http.get(f"/api/workflows/{fired['workflow_id']}", headers=CP)).json()
    wanted = "value-v1" if generation(http) == "current" else "wrapper"
    assert framing_of(described["input_envelope"]) == wanted and described["input"] == ["Ada"]

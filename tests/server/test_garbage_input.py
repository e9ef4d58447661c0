"""A client mistake is never a 500: every field of every request replaced by odd values."""

from __future__ import annotations

from typing import Any

import httpx

from tests.server.helpers import Api, activity, env

ODD: list[Any] = [
    None,
    0,
    -1,
    10**30,
    1.5,
    True,
    "",
    "x",
    [],
    [1, "a"],
    {},
    {"a": {"b": 1}},
    {"codec": "avro", "blob": "%%"},
    {"codec": "nope", "blob": "AA=="},
]


async def _fuzz(client: httpx.AsyncClient, method: str, url: str, body: dict[str, Any]) -> None:
    bodies: list[Any] = [*ODD]
    for key in body:
        bodies += [{**body, key: value} for value in ODD]
        nested = body[key]
        if isinstance(nested, list) and nested and isinstance(nested[0], dict):
            for inner in nested[0]:
                bodies += [{**body, key: [{**nested[0], inner: value}]} for value in ODD]
        if isinstance(nested, dict):
            bodies += [{**body, key: {**nested, inner: value}} for inner in nested for value in ODD]
    for candidate in bodies:
        resp = await client.request(method, url, json=candidate)
        assert resp.status_code < 500, (method, url, candidate, resp.text)
        assert isinstance(resp.json(), dict)


async def test_control_plane_garbage(api: Api) -> None:
    await api.start("fz", args=[1])
    cases: list[tuple[str, str, dict[str, Any]]] = [
        (
            "POST",
            "/api/workflows",
            {
                "workflow_id": "fz2",
                "workflow_type": "t",
                "task_queue": "q",
                "input": env([]),
                "memo": {"a": 1},
                "search_attributes": {"A": 1},
                "duplicate_policy": "fail",
                "execution_timeout_seconds": 5,
                "run_timeout_seconds": 5,
                "business_key": "b",
            },
        ),
        ("POST", "/api/workflows/fz/signal/s", {"input": env([1]), "request_id": "r"}),
        (
            "POST",
            "/api/workflows/fz/update/u",
            {"input": env([1]), "wait_for": "accepted", "wait_timeout_seconds": 1},
        ),
        ("POST", "/api/namespaces", {"name": "n1", "description": "d", "retention_days": 3}),
        ("PUT", "/api/namespaces/default", {"description": "d", "retention_days": 3}),
        (
            "PUT",
            "/api/namespaces/default/external-storage",
            {"driver": "local", "threshold_bytes": 5, "config": {"uri": "x"}},
        ),
        ("POST", "/api/search-attributes", {"name": "Abc", "type": "keyword"}),
    ]
    for method, url, body in cases:
        await _fuzz(api.control, method, url, body)
    for params in ({"page_size": "x"}, {"status": "x"}, {"next_page_token": "%%"}, {"query": "a = = b"}):
        resp = await api.control.get("/api/workflows", params=params)
        assert resp.status_code < 500
    run_id = (await api.describe("fz"))["run_id"]
    for params in ({"page_size": "0"}, {"next_page_token": "%%"}, {"wait_new_event": "yes"}):
        resp = await api.control.get(f"/api/workflows/fz/runs/{run_id}/history", params=params)
        assert resp.status_code < 500, resp.text
    await _fuzz(api.control, "POST", "/api/workflows/fz/cancel", {"reason": "r"})


async def _contiguous(api: Api, workflow_id: str) -> None:
    history = await api.history(workflow_id)
    assert [e["sequence"] for e in history] == list(range(1, len(history) + 1))


async def test_worker_plane_garbage(api: Api) -> None:
    api.server.config.long_poll_timeout = 0.05
    await _fuzz(
        api.worker,
        "POST",
        "/api/worker/register",
        {
            "worker_id": "w9",
            "task_queue": "q",
            "runtime": "python",
            "supported_workflow_types": ["a"],
            "workflow_definition_fingerprints": {"a": "b"},
            "max_concurrent_workflow_tasks": 2,
        },
    )
    await api.register("w1", "q")
    await _fuzz(
        api.worker,
        "POST",
        "/api/worker/workflow-tasks/poll",
        {
            "worker_id": "w1",
            "task_queue": "q",
            "timeout_seconds": 0,
            "history_page_size": 2,
            "poll_request_id": "p",
        },
    )
    commands = [
        activity(
            "a",
            [1],
            retry_policy={"max_attempts": 2, "backoff_seconds": [1], "non_retryable_error_types": ["X"]},
            start_to_close_timeout=5,
        ),
        {
            "type": "start_child_workflow",
            "workflow_type": "c",
            "arguments": env([]),
            "parent_close_policy": "abandon",
        },
        {"type": "upsert_search_attributes", "attributes": {"A": 1}},
        {
            "type": "record_version_marker",
            "change_id": "c",
            "version": 1,
            "min_supported": 0,
            "max_supported": 1,
        },
        {"type": "open_condition_wait", "condition_key": "k", "timeout_seconds": 3},
        {"type": "fail_workflow", "message": "m", "exception_type": "E", "exception": {"a": 1}},
        {"type": "complete_update", "update_id": "u", "result": env(1)},
    ]
    for i, command in enumerate(commands):
        await api.start(f"fw-{i}", args=[1])
        task = await api.wf_task()
        fence = {"lease_owner": "w1", "workflow_task_attempt": task["workflow_task_attempt"]}
        await _fuzz(
            api.worker,
            "POST",
            f"/api/worker/workflow-tasks/{task['task_id']}/complete",
            {**fence, "commands": [command]},
        )
        await _contiguous(api, f"fw-{i}")
    await api.start("fw", args=[1])
    task = await api.wf_task()
    fence = {"lease_owner": "w1", "workflow_task_attempt": task["workflow_task_attempt"]}
    url = f"/api/worker/workflow-tasks/{task['task_id']}"
    await _fuzz(api.worker, "POST", f"{url}/history", {**fence, "next_history_page_token": "MQ=="})
    await _fuzz(api.worker, "POST", f"{url}/heartbeat", fence)
    await api.complete(task, [activity("a")])
    act = await api.act_task()
    afence = {"activity_attempt_id": act["activity_attempt_id"], "lease_owner": "w1"}
    aurl = f"/api/worker/activity-tasks/{act['task_id']}"
    await _fuzz(api.worker, "POST", f"{aurl}/heartbeat", {**afence, "details": {"a": 1}, "message": "m"})
    await _fuzz(
        api.worker,
        "POST",
        f"{aurl}/fail",
        {**afence, "failure": {"message": "m", "type": "T", "details": env(1), "code": 1}},
    )
    await _contiguous(api, "fw")
    await api.start("fx")
    task = await api.wf_task()
    fence = {"lease_owner": "w1", "workflow_task_attempt": task["workflow_task_attempt"]}
    await _fuzz(
        api.worker,
        "POST",
        f"/api/worker/workflow-tasks/{task['task_id']}/fail",
        {**fence, "failure": {"message": "m", "type": "t"}},
    )

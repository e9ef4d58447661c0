"""Worker plane step by step: registration, headers, fencing, leases, failures, paging."""

from __future__ import annotations

from typing import Any

from durable_workflow.server import DevServer
from tests.server.helpers import WP, Api, activity, complete_wf, env


async def test_register_and_heartbeat(api: Api) -> None:
    resp = await api.worker.post(
        "/api/worker/register",
        json={
            "worker_id": "w1",
            "task_queue": "q",
            "runtime": "python",
            "capabilities": ["query_tasks"],
            "process_metrics": {"cpu_percent": 1.0},
            "unknown_extra": {"x": 1},
        },
    )
    assert resp.status_code == 201
    body = resp.json()
    assert body["registered"] is True and body["heartbeat_interval_seconds"] == 15
    assert body["protocol_version"] == "1.1" and body["server_capabilities"]["query_tasks"] is True
    assert resp.headers["X-Durable-Workflow-Protocol-Version"] == "1.1"
    resp = await api.worker.post("/api/worker/heartbeat", json={"worker_id": "w1", "task_slots": {}})
    assert resp.status_code == 200 and resp.json()["acknowledged"] is True
    resp = await api.worker.post("/api/worker/heartbeat", json={"worker_id": "nobody"})
    assert resp.status_code == 404 and resp.json()["reason"] == "worker_not_registered"


async def test_register_rejects_changed_fingerprint(api: Api) -> None:
    base = {"worker_id": "w1", "task_queue": "q", "runtime": "python"}
    ok = await api.worker.post(
        "/api/worker/register", json={**base, "workflow_definition_fingerprints": {"greeter": "sha256:a"}}
    )
    assert ok.status_code == 201
    resp = await api.worker.post(
        "/api/worker/register", json={**base, "workflow_definition_fingerprints": {"greeter": "sha256:b"}}
    )
    assert resp.status_code == 409 and resp.json()["reason"] == "workflow_definition_changed"
    bad = await api.worker.post("/api/worker/register", json={**base, "runtime": "cobol"})
    assert bad.status_code == 422 and "runtime" in bad.json()["errors"]


async def test_poll_requires_registration_and_queue(api: Api) -> None:
    resp = await api.worker.post(
        "/api/worker/workflow-tasks/poll", json={"worker_id": "x", "task_queue": "q"}
    )
    assert resp.status_code == 412 and resp.json()["reason"] == "worker_not_registered"
    await api.register("w1", "q")
    resp = await api.worker.post(
        "/api/worker/activity-tasks/poll", json={"worker_id": "w1", "task_queue": "other"}
    )
    assert resp.status_code == 409 and resp.json()["reason"] == "task_queue_mismatch"


async def test_protocol_version_header(api: Api, make_client: Any) -> None:
    body = {"worker_id": "w1", "task_queue": "q", "runtime": "python"}
    async with make_client({"Content-Type": "application/json"}) as bare:
        resp = await bare.post("/api/worker/register", json=body)
        assert resp.status_code == 400 and resp.json()["reason"] == "missing_protocol_version"
        for version, status in (("1.0", 201), ("1.1", 201), ("1.2", 400), ("2.0", 400), ("x", 400)):
            resp = await bare.post(
                "/api/worker/register", json=body, headers={"X-Durable-Workflow-Protocol-Version": version}
            )
            assert resp.status_code == status, version
            assert resp.headers["X-Durable-Workflow-Protocol-Version"] == "1.1"
            if status == 400:
                assert resp.json()["reason"] == "unsupported_protocol_version"
                assert resp.json()["requested_version"] == version


async def test_fencing_errors(api: Api) -> None:
    await api.start("wf-f")
    task = await api.wf_task()
    url = f"/api/worker/workflow-tasks/{task['task_id']}/complete"
    cmds = [complete_wf(1)]
    checks = [
        ({"lease_owner": "other", "workflow_task_attempt": 1}, 409, "lease_owner_mismatch"),
        ({"lease_owner": "w1", "workflow_task_attempt": 2}, 409, "workflow_task_attempt_mismatch"),
    ]
    for fence, status, reason in checks:
        resp = await api.worker.post(url, json={**fence, "commands": cmds})
        assert (resp.status_code, resp.json()["reason"]) == (status, reason)
    resp = await api.worker.post(
        "/api/worker/workflow-tasks/nope/complete",
        json={"lease_owner": "w1", "workflow_task_attempt": 1, "commands": cmds},
    )
    assert resp.status_code == 404 and resp.json()["reason"] == "task_not_found"
    resp = await api.worker.post(url, json={"lease_owner": "w1", "commands": cmds})
    assert resp.status_code == 422 and "workflow_task_attempt" in resp.json()["errors"]
    await api.complete(task, cmds)
    resp = await api.worker.post(
        url, json={"lease_owner": "w1", "workflow_task_attempt": 1, "commands": cmds}
    )
    assert resp.status_code == 409 and resp.json()["reason"] == "run_closed"
    assert resp.json()["stop_reason"] == "run_completed"


async def test_lease_expiry_redelivers_same_task(api: Api, server: DevServer) -> None:
    await api.start("wf-l")
    first = await api.wf_task()
    await server.advance(301)
    second = await api.wf_task(worker_id="w2")
    assert second["task_id"] == first["task_id"] and second["workflow_task_attempt"] == 2
    resp = await api.worker.post(
        f"/api/worker/workflow-tasks/{first['task_id']}/complete",
        json={"lease_owner": "w1", "workflow_task_attempt": 1, "commands": [complete_wf(1)]},
    )
    assert resp.status_code == 409 and resp.json()["reason"] == "lease_owner_mismatch"
    await api.complete(second, [complete_wf(2)])


async def test_expired_lease_is_refused(api: Api, server: DevServer) -> None:
    await api.start("wf-e")
    task = await api.wf_task()
    # Move time without waking the sweeper, so the completion itself finds the expired lease.
    server.clock._now += 400  # type: ignore[attr-defined]
    resp = await api.worker.post(
        f"/api/worker/workflow-tasks/{task['task_id']}/complete",
        json={"lease_owner": "w1", "workflow_task_attempt": 1, "commands": [complete_wf(1)]},
    )
    assert resp.status_code == 409 and resp.json()["reason"] == "lease_expired"
    again = await api.wf_task()
    assert again["task_id"] == task["task_id"] and again["workflow_task_attempt"] == 2


async def test_poll_request_id_is_idempotent(api: Api) -> None:
    await api.register()
    await api.start("wf-i")
    body = {"worker_id": "w1", "task_queue": "q", "poll_request_id": "wf-poll-1", "timeout_seconds": 1}
    a = (await api.worker.post("/api/worker/workflow-tasks/poll", json=body)).json()["task"]
    b = (await api.worker.post("/api/worker/workflow-tasks/poll", json=body)).json()["task"]
    assert a["task_id"] == b["task_id"] and b["workflow_task_attempt"] == 1


async def test_failed_workflow_task_is_retried_later(api: Api, server: DevServer) -> None:
    await api.start("wf-x")
    task = await api.wf_task()
    resp = await api.worker.post(
        f"/api/worker/workflow-tasks/{task['task_id']}/fail",
        json={
            "lease_owner": "w1",
            "workflow_task_attempt": 1,
            "failure": {"message": "replay failed", "type": "NonDeterministicReplayError"},
        },
    )
    assert resp.status_code == 200 and resp.json()["outcome"] == "failed"
    await api.no_wf_task()
    await server.advance(1)
    retry = await api.wf_task()
    assert retry["task_id"] != task["task_id"]
    assert await api.types("wf-x") == ["StartAccepted", "WorkflowStarted"]


async def test_command_validation(api: Api) -> None:
    await api.start("wf-v")
    task = await api.wf_task()
    bad: list[tuple[list[dict[str, Any]], str]] = [
        ([], "commands"),
        ([{"type": "teleport"}], "commands.0.type"),
        ([{"type": "schedule_activity"}], "commands.0.activity_type"),
        ([{"type": "start_timer", "delay_seconds": -1}], "commands.0.delay_seconds"),
        ([activity(arguments=["raw", "json"])], "commands.0.arguments"),
        ([activity(start_to_close_timeout=5, heartbeat_timeout=10)], "commands.0.heartbeat_timeout"),
        ([{"type": "fail_workflow"}], "commands.0.message"),
    ]
    for commands, field in bad:
        out = await api.complete(task, commands, expect=422)
        assert out["reason"] == "validation_failed" and field in out["errors"], (commands, out)
        assert out["validation_errors"] == out["errors"]
    out = await api.complete(task, [complete_wf(1), complete_wf(2)], expect=409)
    assert out["reason"] == "invalid_commands"
    out = await api.complete(task, [{"type": "start_timer", "delay_seconds": "5", "extra": True}])
    assert out["recorded"] is True


async def test_history_paging_on_worker_plane(api: Api) -> None:
    await api.start("wf-p")
    task = await api.wf_task()
    await api.complete(
        task,
        [{"type": "record_side_effect", "result": env(i)["blob"]} for i in range(5)]
        + [{"type": "start_timer", "delay_seconds": 0}],
    )
    resp = await api.worker.post(
        "/api/worker/workflow-tasks/poll",
        json={"worker_id": "w1", "task_queue": "q", "history_page_size": 3, "timeout_seconds": 2},
    )
    task = resp.json()["task"]
    events = task["history_events"]
    token = task["next_history_page_token"]
    assert len(events) == 3 and token
    while token:
        page = await api.worker.post(
            f"/api/worker/workflow-tasks/{task['task_id']}/history",
            json={
                "lease_owner": "w1",
                "workflow_task_attempt": task["workflow_task_attempt"],
                "next_history_page_token": token,
                "history_page_size": 3,
            },
        )
        assert page.status_code == 200, page.text
        events += page.json()["history_events"]
        token = page.json()["next_history_page_token"]
    assert [e["sequence"] for e in events] == list(range(1, task["total_history_events"] + 1))
    bad = await api.worker.post(
        f"/api/worker/workflow-tasks/{task['task_id']}/history",
        json={
            "lease_owner": "w1",
            "workflow_task_attempt": task["workflow_task_attempt"],
            "next_history_page_token": "!!",
        },
    )
    assert bad.status_code == 400 and bad.json()["reason"] == "invalid_page_token"


async def test_worker_envelope_on_errors(api: Api) -> None:
    resp = await api.worker.post("/api/worker/heartbeat", json={})
    body = resp.json()
    assert resp.status_code == 422 and body["protocol_version"] == "1.1" and "server_capabilities" in body
    assert WP["X-Durable-Workflow-Protocol-Version"] == resp.headers["X-Durable-Workflow-Protocol-Version"]

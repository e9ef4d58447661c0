"""Updates on dedicated tasks and queries routed through query tasks."""

from __future__ import annotations

import asyncio
from typing import Any

from durable_workflow.server import DevServer
from tests.server.helpers import Api, activity, complete_wf, env, events_of, unblob


async def _waiting_run(api: Api, workflow_id: str) -> None:
    await api.start(workflow_id)
    task = await api.wf_task()
    await api.complete(
        task, [{"type": "open_condition_wait", "condition_definition_fingerprint": "sha256:u"}]
    )


async def test_update_completed(api: Api) -> None:
    await _waiting_run(api, "wf-u")
    call = asyncio.create_task(
        api.control.post(
            "/api/workflows/wf-u/update/approve",
            json={
                "input": env(["bob"]),
                "wait_for": "completed",
                "wait_timeout_seconds": 5,
                "request_id": "r1",
            },
        )
    )
    task = await api.wf_task()
    update_id = task["workflow_update_id"]
    accepted = events_of(task["history_events"], "UpdateAccepted")[0]["payload"]
    assert accepted["update_id"] == update_id and accepted["update_name"] == "approve"
    assert unblob(accepted["arguments"]) == ["bob"]
    await api.complete(task, [{"type": "complete_update", "update_id": update_id, "result": env({"ok": 1})}])
    resp = await call
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["outcome"] == "update_completed" and body["result"] == {"ok": 1}
    assert body["update_id"] == update_id and body["control_plane"]["update_id"] == update_id
    main = await api.wf_task()  # the run was blocked on a condition: the main line re-evaluates
    assert main["workflow_update_id"] is None
    types = [e["event_type"] for e in main["history_events"]]
    assert types[-2:] == ["UpdateApplied", "UpdateCompleted"]


async def test_update_accepted_and_failed(api: Api) -> None:
    await _waiting_run(api, "wf-uf")
    resp = await api.control.post("/api/workflows/wf-uf/update/bad", json={})
    assert resp.status_code == 202 and resp.json()["update_status"] == "accepted"
    task = await api.wf_task()
    await api.complete(
        task,
        [
            {
                "type": "fail_update",
                "update_id": task["workflow_update_id"],
                "message": "update handler failed: no",
                "non_retryable": True,
            }
        ],
    )
    updates = events_of(await api.history("wf-uf"), "UpdateCompleted")
    assert updates[0]["payload"]["message"] == "update handler failed: no"
    resp = await api.control.post("/api/workflows/wf-uf/update/x", json={"wait_for": "sometime"})
    assert resp.status_code == 422 and "wait_for" in resp.json()["errors"]
    resp = await api.control.post("/api/workflows/wf-uf/update/x", json={"wait_policy": "x"})
    assert resp.status_code == 422


async def test_update_waits_for_open_main_task(api: Api) -> None:
    await api.start("wf-uq")
    first = await api.wf_task()
    resp = await api.control.post("/api/workflows/wf-uq/update/u", json={})
    assert resp.status_code == 202
    await api.complete(first, [activity("a")])
    task = await api.wf_task()
    assert task["workflow_update_id"] == resp.json()["update_id"]
    wrong = await api.complete(
        task, [{"type": "complete_update", "update_id": "other", "result": env(1)}], expect=409
    )
    assert wrong["reason"] == "invalid_commands"
    missing = await api.complete(task, [{"type": "start_timer", "delay_seconds": 1}], expect=409)
    assert missing["reason"] == "invalid_commands"
    await api.complete(
        task, [{"type": "complete_update", "update_id": task["workflow_update_id"], "result": env(1)}]
    )
    await api.no_wf_task()  # blocked on the activity: no main-line wake


async def test_update_on_closed_run(api: Api) -> None:
    await api.start("wf-uc")
    await api.complete(await api.wf_task(), [complete_wf(1)])
    resp = await api.control.post("/api/workflows/wf-uc/update/u", json={})
    assert resp.status_code == 409 and resp.json()["reason"] == "run_not_active"


async def _answer_query(
    api: Api, result: Any = None, failure: dict[str, Any] | None = None
) -> dict[str, Any]:
    resp = await api.worker.post(
        "/api/worker/query-tasks/poll", json={"worker_id": "w1", "task_queue": "q", "timeout_seconds": 5}
    )
    task: dict[str, Any] = resp.json()["task"]
    fence = {"lease_owner": "w1", "query_task_attempt": task["query_task_attempt"]}
    if failure is None:
        body = {**fence, "result": result, "result_envelope": env(result)}
        answer = await api.worker.post(f"/api/worker/query-tasks/{task['query_task_id']}/complete", json=body)
    else:
        answer = await api.worker.post(
            f"/api/worker/query-tasks/{task['query_task_id']}/fail", json={**fence, "failure": failure}
        )
    assert answer.status_code == 200, answer.text
    return task


async def test_query_round_trip(api: Api) -> None:
    await _waiting_run(api, "wf-q")
    call = asyncio.create_task(api.control.post("/api/workflows/wf-q/query/status", json={"input": env([1])}))
    task = await _answer_query(api, {"stage": "waiting"})
    assert task["query_name"] == "status" and task["payload_codec"] == "avro"
    assert unblob(task["query_arguments"]["blob"]) == [1]
    assert task["history_events"][0]["event_type"] == "StartAccepted"
    resp = await call
    assert resp.status_code == 200 and resp.json()["result"] == {"stage": "waiting"}
    assert resp.json()["control_plane"]["result"] == {"stage": "waiting"}


async def test_query_failures(api: Api, server: DevServer) -> None:
    await _waiting_run(api, "wf-qf")
    call = asyncio.create_task(api.control.post("/api/workflows/wf-qf/query/nope", json={}))
    await _answer_query(api, failure={"message": "unknown query 'nope'", "reason": "rejected_unknown_query"})
    resp = await call
    assert resp.status_code == 404 and resp.json()["reason"] == "rejected_unknown_query"
    call = asyncio.create_task(api.control.post("/api/workflows/wf-qf/query/boom", json={}))
    await _answer_query(api, failure={"message": "handler raised"})
    resp = await call
    assert resp.status_code == 409 and resp.json()["reason"] == "query_rejected"
    server.config.query_timeout_seconds = 0.2
    resp = await api.control.post("/api/workflows/wf-qf/query/slow", json={})
    assert resp.status_code == 504 and resp.json()["reason"] == "query_worker_timeout"


async def test_query_without_live_worker(api: Api, server: DevServer) -> None:
    await _waiting_run(api, "wf-qn")
    await server.advance(61)  # the only registration goes stale
    resp = await api.control.post("/api/workflows/wf-qn/query/status", json={})
    assert resp.status_code == 409 and resp.json()["reason"] == "query_worker_unavailable"
    assert resp.json()["control_plane"]["operation"] == "query"


async def test_query_task_fencing(api: Api) -> None:
    await _waiting_run(api, "wf-qx")
    call = asyncio.create_task(api.control.post("/api/workflows/wf-qx/query/s", json={}))
    resp = await api.worker.post("/api/worker/query-tasks/poll", json={"worker_id": "w1", "task_queue": "q"})
    task = resp.json()["task"]
    url = f"/api/worker/query-tasks/{task['query_task_id']}/complete"
    bad = await api.worker.post(url, json={"lease_owner": "w9", "query_task_attempt": 1, "result": 1})
    assert bad.status_code == 409 and bad.json()["reason"] == "lease_owner_mismatch"
    bad = await api.worker.post(url, json={"lease_owner": "w1", "query_task_attempt": 3, "result": 1})
    assert bad.status_code == 409 and bad.json()["reason"] == "query_task_attempt_mismatch"
    gone = await api.worker.post(
        "/api/worker/query-tasks/x/complete", json={"lease_owner": "w1", "query_task_attempt": 1}
    )
    assert gone.status_code == 404 and gone.json()["reason"] == "query_task_not_found"
    ok = await api.worker.post(url, json={"lease_owner": "w1", "query_task_attempt": 1, "result": 5})
    assert ok.status_code == 200
    assert (await call).json()["result"] == 5

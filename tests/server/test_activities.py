"""Activity retries, non-retryable failures, the four timeouts, heartbeats and lease expiry."""

from __future__ import annotations

from typing import Any

from durable_workflow.server import DevServer
from tests.server.helpers import Api, activity, events_of


async def _schedule(api: Api, workflow_id: str, **options: Any) -> dict[str, Any]:
    await api.start(workflow_id)
    task = await api.wf_task()
    await api.complete(task, [activity("charge", [1], **options)])
    return await api.act_task()


async def test_retry_with_backoff_then_success(api: Api, server: DevServer) -> None:
    policy = {"max_attempts": 3, "backoff_seconds": [5, 10], "non_retryable_error_types": []}
    act = await _schedule(api, "wf-r", retry_policy=policy)
    assert act["retry_policy"]["max_attempts"] == 3
    out = await api.act_fail(act, {"message": "boom", "type": "ValueError"})
    assert out["next_task_id"] != act["task_id"]
    await api.no_act_task()
    await api.no_wf_task()
    await server.advance(4)
    await api.no_act_task()
    await server.advance(1)
    second = await api.act_task()
    assert second["attempt_number"] == 2 and second["task_id"] == out["next_task_id"]
    await api.act_fail(second, {"message": "boom again", "type": "ValueError"})
    await server.advance(10)
    third = await api.act_task()
    assert third["attempt_number"] == 3
    await api.act_complete(third, "ok")
    task = await api.wf_task()
    types = [e["event_type"] for e in task["history_events"]]
    assert types.count("ActivityRetryScheduled") == 2 and types[-1] == "ActivityCompleted"
    retries = events_of(task["history_events"], "ActivityRetryScheduled")
    assert [r["payload"]["retry_backoff_seconds"] for r in retries] == [5, 10]
    assert {r["payload"]["sequence"] for r in retries} == {3}


async def test_attempts_exhausted_fails_step(api: Api) -> None:
    act = await _schedule(api, "wf-ex", retry_policy={"max_attempts": 1})
    await api.act_fail(act, {"message": "nope", "type": "KeyError", "class": "builtins.KeyError"})
    task = await api.wf_task()
    failed = events_of(task["history_events"], "ActivityFailed")[0]["payload"]
    assert failed["message"] == "nope" and failed["exception_type"] == "KeyError"
    assert failed["exception_class"] == "builtins.KeyError" and failed["sequence"] == 3


async def test_non_retryable_failures_stop_at_once(api: Api) -> None:
    policy = {"max_attempts": 5, "backoff_seconds": [1], "non_retryable_error_types": ["CardDeclined"]}
    act = await _schedule(api, "wf-n1", retry_policy=policy)
    await api.act_fail(act, {"message": "declined", "type": "CardDeclined"})
    task = await api.wf_task()
    assert events_of(task["history_events"], "ActivityFailed")
    await api.complete(task, [{"type": "fail_workflow", "message": "x"}])
    act = await _schedule(api, "wf-n2", retry_policy=policy)
    await api.act_fail(act, {"message": "flag", "type": "Other", "non_retryable": True})
    task = await api.wf_task()
    failed = events_of(task["history_events"], "ActivityFailed")[0]["payload"]
    assert failed["non_retryable"] is True


async def test_default_policy_is_one_attempt(api: Api) -> None:
    act = await _schedule(api, "wf-d")
    await api.act_fail(act, {"message": "once"})
    task = await api.wf_task()
    assert events_of(task["history_events"], "ActivityFailed")


async def test_start_to_close_timeout_retries(api: Api, server: DevServer) -> None:
    act = await _schedule(
        api, "wf-stc", start_to_close_timeout=10, retry_policy={"max_attempts": 2, "backoff_seconds": [0]}
    )
    await server.advance(11)
    second = await api.act_task()
    assert second["attempt_number"] == 2
    late = await api.act_complete(act, "late", expect=409)
    assert late["reason"] == "stale_attempt"
    await server.advance(11)
    task = await api.wf_task()
    timed_out = events_of(task["history_events"], "ActivityTimedOut")[0]["payload"]
    assert timed_out["timeout_kind"] == "start_to_close" and timed_out["sequence"] == 3


async def test_schedule_to_start_timeout(api: Api, server: DevServer) -> None:
    await api.start("wf-s2s")
    task = await api.wf_task()
    await api.complete(task, [activity("charge", queue="nobody-polls", schedule_to_start_timeout=5)])
    await server.advance(6)
    task = await api.wf_task()
    assert (
        events_of(task["history_events"], "ActivityTimedOut")[0]["payload"]["timeout_kind"]
        == "schedule_to_start"
    )


async def test_schedule_to_close_timeout_is_never_retried(api: Api, server: DevServer) -> None:
    await _schedule(api, "wf-s2c", schedule_to_close_timeout=20, retry_policy={"max_attempts": 9})
    await server.advance(21)
    task = await api.wf_task()
    types = [e["event_type"] for e in task["history_events"]]
    assert "ActivityRetryScheduled" not in types
    assert (
        events_of(task["history_events"], "ActivityTimedOut")[0]["payload"]["timeout_kind"]
        == "schedule_to_close"
    )


async def test_heartbeat_timeout_and_heartbeats(api: Api, server: DevServer) -> None:
    act = await _schedule(api, "wf-hb", start_to_close_timeout=100, heartbeat_timeout=10)
    url = f"/api/worker/activity-tasks/{act['task_id']}/heartbeat"
    fence = {"activity_attempt_id": act["activity_attempt_id"], "lease_owner": "w1"}
    for _ in range(3):
        await server.advance(8)
        resp = await api.worker.post(url, json={**fence, "details": {"step": 1}})
        assert resp.status_code == 200 and resp.json()["can_continue"] is True
        assert resp.json()["cancel_requested"] is False
    await server.advance(11)
    task = await api.wf_task()
    timed_out = events_of(task["history_events"], "ActivityTimedOut")[0]["payload"]
    assert timed_out["timeout_kind"] == "heartbeat"
    assert len(events_of(task["history_events"], "ActivityHeartbeatRecorded")) == 3


async def test_cancel_reaches_activity_heartbeat(api: Api) -> None:
    act = await _schedule(api, "wf-c")
    resp = await api.control.post("/api/workflows/wf-c/cancel", json={"reason": "stop"})
    assert resp.status_code == 200 and resp.json()["outcome"] == "cancelled"
    fence = {"activity_attempt_id": act["activity_attempt_id"], "lease_owner": "w1"}
    beat = await api.worker.post(f"/api/worker/activity-tasks/{act['task_id']}/heartbeat", json=fence)
    assert beat.status_code == 200
    assert beat.json()["cancel_requested"] is True and beat.json()["can_continue"] is False
    assert beat.json()["reason"] == "run_cancelled"
    late = await api.act_complete(act, "x", expect=409)
    assert late["reason"] == "run_cancelled" and late["outcome"] == "ignored"
    assert "ActivityCancelled" in await api.types("wf-c")


async def test_activity_lease_expiry_redelivers(api: Api, server: DevServer) -> None:
    act = await _schedule(api, "wf-le")
    await server.advance(301)
    again = await api.act_task(worker_id="w2")
    assert again["task_id"] == act["task_id"] and again["attempt_number"] == 2
    assert again["activity_attempt_id"] != act["activity_attempt_id"]
    stale = await api.act_complete(act, "old", expect=409)
    assert stale["reason"] == "stale_attempt"
    await api.act_complete(again, "new")


async def test_activity_fencing(api: Api) -> None:
    act = await _schedule(api, "wf-af")
    url = f"/api/worker/activity-tasks/{act['task_id']}/complete"
    resp = await api.worker.post(url, json={"activity_attempt_id": "nope", "lease_owner": "w1"})
    assert resp.status_code == 404 and resp.json()["reason"] == "attempt_not_found"
    resp = await api.worker.post(
        url, json={"activity_attempt_id": act["activity_attempt_id"], "lease_owner": "x"}
    )
    assert resp.status_code == 409 and resp.json()["reason"] == "lease_owner_mismatch"
    resp = await api.worker.post(
        "/api/worker/activity-tasks/none/complete", json={"activity_attempt_id": "a", "lease_owner": "w1"}
    )
    assert resp.status_code == 404 and resp.json()["reason"] == "task_not_found"
    await api.act_complete(act, "done")
    again = await api.act_complete(act, "dup", expect=409)
    assert again["reason"] == "stale_attempt"

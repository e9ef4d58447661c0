"""Child workflows (results, retries, parent-close policy), continue-as-new and run timeouts."""

from __future__ import annotations

from typing import Any

from durable_workflow.server import DevServer
from tests.server.helpers import Api, complete_wf, env, events_of, unblob


def child(**extra: Any) -> dict[str, Any]:
    return {
        "type": "start_child_workflow",
        "workflow_type": "child",
        "queue": "q",
        "arguments": env(["c"]),
        **extra,
    }


async def _task_for(api: Api, workflow_id: str) -> dict[str, Any]:
    task = await api.wf_task()
    assert task["workflow_id"] == workflow_id, task["workflow_id"]
    return task


async def test_child_completes_into_parent(api: Api) -> None:
    await api.start("parent")
    await api.complete(await api.wf_task(), [child()])
    parent_history = await api.history("parent")
    scheduled = events_of(parent_history, "ChildWorkflowScheduled")[0]["payload"]
    child_id = scheduled["child_workflow_instance_id"]
    child_task = await _task_for(api, child_id)
    started = child_task["history_events"][0]
    assert started["event_type"] == "WorkflowStarted"
    assert started["payload"]["parent_workflow_instance_id"] == "parent"
    assert unblob(child_task["arguments"]["blob"]) == ["c"]
    await api.complete(child_task, [complete_wf("child-result")])
    task = await _task_for(api, "parent")
    done = events_of(task["history_events"], "ChildRunCompleted")[0]["payload"]
    assert unblob(done["output"]) == "child-result" and done["sequence"] == scheduled["sequence"]


async def test_child_retry_then_failure(api: Api, server: DevServer) -> None:
    await api.start("parent-r")
    await api.complete(await api.wf_task(), [child(retry_policy={"max_attempts": 2, "backoff_seconds": [3]})])
    first = await api.wf_task()
    await api.complete(first, [{"type": "fail_workflow", "message": "boom", "exception_type": "ValueError"}])
    await api.no_wf_task()
    await server.advance(3)
    second = await api.wf_task()
    assert second["workflow_id"] == first["workflow_id"] and second["run_id"] != first["run_id"]
    await api.complete(
        second, [{"type": "fail_workflow", "message": "boom2", "exception_type": "ValueError"}]
    )
    task = await _task_for(api, "parent-r")
    failed = events_of(task["history_events"], "ChildRunFailed")[0]["payload"]
    assert failed["message"] == "boom2" and failed["exception_type"] == "ValueError"
    assert len(events_of(task["history_events"], "ChildRunStarted")) == 2


async def test_parent_close_policy(api: Api) -> None:
    await api.start("parent-p")
    await api.complete(await api.wf_task(), [child(parent_close_policy="terminate"), child()])
    ids = [
        e["payload"]["child_workflow_instance_id"]
        for e in events_of(await api.history("parent-p"), "ChildWorkflowScheduled")
    ]
    resp = await api.control.post("/api/workflows/parent-p/terminate", json={"reason": "done"})
    assert resp.status_code == 200
    assert (await api.describe(ids[0]))["status"] == "terminated"
    assert (await api.describe(ids[1]))["status"] in ("pending", "running")
    applied = events_of(await api.history("parent-p"), "ParentClosePolicyApplied")
    assert [a["payload"]["child_instance_id"] for a in applied] == [ids[0]]
    assert (await api.history("parent-p"))[-1]["event_type"] == "WorkflowTerminated"
    # Only the abandoned child's first task is left: the closed parent gets no task.
    task = await api.wf_task()
    assert task["workflow_id"] == ids[1]
    await api.no_wf_task()


async def test_continue_as_new(api: Api) -> None:
    started = await api.start("wf-can", args=[1], memo={"k": "v"})
    task = await api.wf_task()
    await api.complete(
        task, [{"type": "continue_as_new", "queue": "q2", "workflow_type": "other", "arguments": env([2])}]
    )
    described = await api.describe("wf-can")
    assert described["run_id"] != started["run_id"] and described["run_number"] == 2
    assert described["workflow_type"] == "other" and described["task_queue"] == "q2"
    assert described["memo"] == {"k": "v"} and described["input"] == [2]
    old = await api.history("wf-can", started["run_id"])
    assert old[-1]["event_type"] == "WorkflowContinuedAsNew"
    assert old[-1]["payload"]["continued_to_run_id"] == described["run_id"]
    new_task = await api.wf_task(worker_id="w2", queue="q2")
    assert new_task["run_id"] == described["run_id"] and new_task["workflow_type"] == "other"
    first = new_task["history_events"][0]
    assert (
        first["event_type"] == "WorkflowStarted"
        and first["payload"]["continued_from_run_id"] == started["run_id"]
    )
    runs = (await api.control.get("/api/workflows/wf-can/runs")).json()
    assert runs["run_count"] == 2 and [r["status"] for r in runs["runs"]] == ["completed", "running"]
    assert runs["runs"][0]["closed_reason"] == "continued"


async def test_run_timeout(api: Api, server: DevServer) -> None:
    await api.start("wf-rt", run_timeout_seconds=30, execution_timeout_seconds=100)
    task = await api.wf_task()
    await api.complete(task, [{"type": "start_timer", "delay_seconds": 1000}])
    await server.advance(31)
    described = await api.describe("wf-rt")
    assert described["status"] == "failed" and described["closed_reason"] == "timed_out"
    history = await api.history("wf-rt")
    assert history[-1]["event_type"] == "WorkflowTimedOut"
    assert history[-1]["payload"]["timeout_kind"] == "run_timeout"
    assert "TimerCancelled" in [e["event_type"] for e in history]


async def test_completion_after_deadline_is_refused(api: Api, server: DevServer) -> None:
    await api.start("wf-dl", execution_timeout_seconds=10)
    task = await api.wf_task()
    server.clock.advance(11)  # type: ignore[attr-defined]
    out = await api.complete(task, [complete_wf(1)], expect=409)
    assert out["reason"] in ("run_timed_out", "run_closed")
    history = await api.history("wf-dl")
    assert history[-1]["payload"]["timeout_kind"] == "execution_timeout"


async def test_child_timeout_fails_parent_step(api: Api, server: DevServer) -> None:
    await api.start("parent-t")
    await api.complete(
        await api.wf_task(), [child(execution_timeout_seconds=5, retry_policy={"max_attempts": 3})]
    )
    await api.wf_task()  # child task, never completed
    await server.advance(6)
    task = await _task_for(api, "parent-t")
    failed = events_of(task["history_events"], "ChildRunFailed")
    assert failed and failed[0]["payload"]["closed_reason"] == "timed_out"

"""Finished work leaves memory once committed, and is still there on disk when asked for."""

from __future__ import annotations

from tests.server.helpers import Api, env


async def test_completed_runs_leave_memory_but_stay_readable(api: Api) -> None:
    engine = api.server.engine
    for i in range(30):
        await api.start(f"ws-{i}")
        task = await api.wf_task()
        await api.complete(task, [{"type": "complete_workflow", "result": env(i)}])
    await api.start("ws-open")
    assert dict.__len__(engine.runs) <= 2  # the open run (and at most one read back)
    assert dict.__len__(engine.wf_tasks) <= 2
    described = await api.describe("ws-7")
    assert described["status"] == "completed"
    listed = (await api.control.get("/api/workflows", params={"page_size": 40})).json()["workflows"]
    assert len(listed) == 31 and listed[0]["workflow_id"] == "ws-open"
    completed = (await api.control.get("/api/workflows", params={"status": "completed"})).json()
    assert {w["workflow_id"] for w in completed["workflows"]} == {f"ws-{i}" for i in range(30)}
    page = await api.control.get("/api/workflows", params={"page_size": 20})
    token = page.json()["next_page_token"]
    rest = (
        await api.control.get("/api/workflows", params={"next_page_token": token, "page_size": 20})
    ).json()
    assert len(rest["workflows"]) == 11
    assert dict.__len__(engine.runs) <= 2  # reads do not pull finished runs back for good
    again = await api.control.post(
        "/api/workflows", json={"workflow_id": "ws-3", "workflow_type": "greeter", "task_queue": "q"}
    )
    # The evicted instance is read back: a duplicate start of a closed id is still refused.
    assert again.status_code == 409 and again.json()["reason"] == "duplicate_not_allowed"

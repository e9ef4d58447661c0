"""Memo upserts: ``ctx.upsert_memo`` through the dev server (merge, describe/list, restart,
continue-as-new, replay) and what a seed-era server does with it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Generator
from typing import Any

import pytest

from durable_workflow import Client, Worker, activity, workflow
from durable_workflow.payloads import DEFAULT_CONVERTER
from durable_workflow.server import DevServer
from durable_workflow.workflow import WorkflowContext
from tests.worker._harness import assert_replays, connect, running


@activity.defn(name="memo-charge")
async def charge(cents: int) -> int:
    return cents


@workflow.defn(name="memo-order")
class MemoOrder:
    def __init__(self) -> None:
        self.shipped = False

    @workflow.signal
    def ship(self) -> None:
        self.shipped = True

    def run(self, ctx: WorkflowContext, cents: int, wait: bool = False) -> Generator[Any, Any, int]:
        yield ctx.upsert_memo({"stage": "charging", "owner": {"name": "Ada"}, "note": "first"})
        charged = yield from ctx.activity(charge)(cents)
        yield ctx.upsert_memo({"stage": "charged", "note": None, "cents": charged})
        if wait:
            yield ctx.wait_condition(lambda: self.shipped)
            yield ctx.upsert_memo({"stage": "shipped"})
        return int(charged)


@workflow.defn(name="memo-chain")
class MemoChain:
    def run(self, ctx: WorkflowContext, left: int) -> Generator[Any, Any, Any]:
        yield ctx.upsert_memo({f"run-{left}": True, "left": left})
        if left > 0:
            return ctx.continue_as_new(left - 1)
        return "done"


async def test_upserts_merge_and_show_in_describe_list_and_history() -> None:
    async with running([MemoOrder], [charge]) as env:
        handle = await env.start("memo-order", 250)
        assert await handle.result(timeout=10) == 250
        described = await handle.describe()
        listed = await env.client.list_workflows(workflow_type="memo-order")
        history = await handle.history()
        await assert_replays(handle, MemoOrder, 250)
    expected = {"cents": 250, "owner": {"name": "Ada"}, "stage": "charged"}
    assert described.memo == expected
    assert [w.memo for w in listed.executions] == [expected]
    upserts = [e["payload"] for e in history if e["event_type"] == "MemoUpserted"]
    merged = [DEFAULT_CONVERTER.decode(u["merged"]) for u in upserts]  # envelopes, like entries
    assert [m["stage"] for m in merged] == ["charging", "charged"]
    assert merged[-1] == expected
    assert all(set(u["entries"]) == {"codec", "blob"} for u in upserts)
    assert upserts[0]["sequence"] < upserts[1]["sequence"]


async def test_memo_survives_a_worker_restart() -> None:
    async with (
        DevServer(serve_http=False, sticky_schedule_to_start_seconds=0.1) as server,
        connect(server) as client,
    ):
        options: dict[str, Any] = {"workflows": [MemoOrder], "activities": [charge], "poll_timeout": 0.5}
        async with Worker(client, task_queue="q", **options):
            handle = await client.start_workflow("memo-order", "q", "restart", [7, True])
            while (await handle.describe()).wait_kind != "condition":
                await asyncio.sleep(0.05)
        async with Worker(client, task_queue="q", **options) as replacement:
            await handle.signal("ship")
            assert await handle.result(timeout=10) == 7
            assert replacement.sticky_cache_metrics()["miss"] >= 1  # it replayed the memo steps cold
        assert (await handle.describe()).memo == {"cents": 7, "owner": {"name": "Ada"}, "stage": "shipped"}
        await assert_replays(handle, MemoOrder, 7, True)


async def test_continue_as_new_inherits_the_memo() -> None:
    async with running([MemoChain]) as env:
        handle = await env.start("memo-chain", 2)
        assert await handle.result(timeout=10) == "done"
        described = await handle.describe()
    assert described.run_number == 3
    assert described.memo == {"left": 0, "run-0": True, "run-1": True, "run-2": True}


@pytest.mark.parametrize(
    "entries",
    [{}, {"1": "numeric key"}, {"has space": 1}, {f"k{i}": i for i in range(101)}, {"x" * 65: 1}],
)
def test_bad_entries_are_refused_when_the_command_is_made(entries: dict[str, Any]) -> None:
    ctx = WorkflowContext.__new__(WorkflowContext)
    with pytest.raises(ValueError, match=r"memo|upsert_memo"):
        ctx.upsert_memo(entries)


async def test_a_seed_era_server_fails_the_task_saying_why(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="durable_workflow.worker")
    async with DevServer(serve_http=False, wire_generation="seed") as server, connect(server) as client:
        async with Worker(
            client, task_queue="q", workflows=[MemoOrder], activities=[charge], poll_timeout=0.5
        ):
            handle = await client.start_workflow("memo-order", "q", "seed-memo", [1])
            for _ in range(100):
                if any("upsert_memo" in r.getMessage() for r in caplog.records):
                    break
                await asyncio.sleep(0.05)
        assert (await handle.describe()).status == "running"  # never completed, nothing recorded
        assert not any(e["event_type"] == "MemoUpserted" for e in await handle.history())
    assert any(
        "needs a server that supports the upsert_memo command" in r.getMessage() for r in caplog.records
    )


async def test_the_server_refuses_a_malformed_upsert(client: Client, dev_server: DevServer) -> None:
    del client
    import httpx

    wp = {"X-Durable-Workflow-Protocol-Version": "1.20"}
    async with httpx.AsyncClient(transport=dev_server.asgi_transport(), base_url="http://dev") as http:
        body = {"worker_id": "w", "task_queue": "q", "runtime": "python"}
        await http.post("/api/worker/register", json=body, headers=wp)
        start = {"workflow_id": "m", "workflow_type": "t", "task_queue": "q"}
        await http.post(
            "/api/workflows", json=start, headers={"X-Durable-Workflow-Control-Plane-Version": "2"}
        )
        poll = {"worker_id": "w", "task_queue": "q", "timeout_seconds": 0}
        task = (await http.post("/api/worker/workflow-tasks/poll", json=poll, headers=wp)).json()["task"]
        bad = {
            "lease_owner": "w",
            "workflow_task_attempt": 1,
            "commands": [{"type": "upsert_memo", "entries": {"a": 1}}],
        }
        resp = await http.post(f"/api/worker/workflow-tasks/{task['task_id']}/complete", json=bad, headers=wp)
    assert resp.status_code == 422
    assert "commands.0.entries" in resp.json()["errors"]

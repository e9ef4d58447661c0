"""Updates through the client, answered by a bare worker."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydantic import BaseModel

from durable_workflow import Client, UpdateRejected
from tests.client._worker_plane import BareWorker


class Approval(BaseModel):
    approved: bool
    by: str


async def waiting_workflow(client: Client, workflow_id: str) -> BareWorker:
    """Start a workflow and park it on a condition wait, as workflow code awaiting a signal would."""
    worker = BareWorker(client)
    await worker.register(["approvals"])
    await client.start_workflow("approvals", "q", workflow_id, [])
    wait = {
        "type": "open_condition_wait",
        "condition_key": "approved",
        "condition_definition_fingerprint": "sha256:x",
    }
    await worker.finish_with([wait])
    return worker


async def answer_update(worker: BareWorker, client: Client, command: dict[str, Any]) -> dict[str, Any]:
    task = await worker.poll(timeout=5)
    update_id = task.get("workflow_update_id")
    assert update_id, f"expected an update task, got {task}"
    await worker.complete(task, [{**command, "update_id": update_id}])
    return task


async def test_update_waits_for_completion_and_types_the_result(client: Client) -> None:
    worker = await waiting_workflow(client, "upd-1")
    result_value = {"approved": True, "by": "ada"}
    command = {"type": "complete_update", "result": client.converter.envelope(result_value)}
    task, outcome = await asyncio.gather(
        answer_update(worker, client, command),
        client.update_workflow(
            "upd-1", "approve", [{"by": "ada"}], wait_for="completed", result_type=Approval
        ),
    )
    assert outcome.status == "completed"
    assert outcome.result == Approval(approved=True, by="ada")
    assert outcome.update_id == task["workflow_update_id"]
    accepted = [e for e in task["history_events"] if e["event_type"] == "UpdateAccepted"]
    assert accepted[-1]["payload"]["update_name"] == "approve"


async def test_update_wait_for_accepted_returns_before_the_worker_runs(client: Client) -> None:
    await waiting_workflow(client, "upd-2")
    outcome = await client.update_workflow("upd-2", "approve", [], wait_for="accepted")
    assert outcome.status == "accepted"
    assert outcome.result is None
    assert outcome.update_id


async def test_rejected_update_raises(client: Client) -> None:
    worker = await waiting_workflow(client, "upd-3")
    command = {"type": "fail_update", "message": "not allowed", "exception_type": "ValueError"}
    with pytest.raises(UpdateRejected) as info:
        await asyncio.gather(
            answer_update(worker, client, command),
            client.update_workflow("upd-3", "approve", [], wait_for="completed"),
        )
    assert "not allowed" in str(info.value.body)

"""The client's workflow operations against the embedded dev server."""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import BaseModel

from durable_workflow import (
    Client,
    NamespaceNotFound,
    SignalFailed,
    WorkflowAlreadyStarted,
    WorkflowCancelled,
    WorkflowContext,
    WorkflowFailed,
    WorkflowNotFound,
    WorkflowResultTimeout,
    WorkflowTerminated,
    workflow,
)
from durable_workflow.server import DevServer
from tests.client._worker_plane import BareWorker


class Receipt(BaseModel):
    order_id: str
    total: float


@dataclass
class Point:
    x: int
    y: int


def complete(client: Client, value: object) -> dict[str, object]:
    return {"type": "complete_workflow", "result": client.converter.envelope(value)}


async def test_start_describe_roundtrips_input(client: Client) -> None:
    handle = await client.start_workflow("greeter", "q", "wf-1", ["world", {"n": 1}])
    assert handle.workflow_id == "wf-1"
    assert handle.run_id
    execution = await handle.describe()
    assert execution.workflow_type == "greeter"
    assert execution.status in ("pending", "running", "waiting")
    assert not execution.is_terminal
    assert execution.input == ["world", {"n": 1}]
    assert execution.task_queue == "q"


async def test_start_converts_typed_input(client: Client) -> None:
    await client.start_workflow("greeter", "q", "wf-typed", [Point(1, 2), Receipt(order_id="o", total=2.5)])
    execution = await client.describe_workflow("wf-typed")
    assert execution.input == [{"x": 1, "y": 2}, {"order_id": "o", "total": 2.5}]


async def test_duplicate_start_is_rejected_and_use_existing_returns_the_run(client: Client) -> None:
    first = await client.start_workflow("greeter", "q", "dup-1", [])
    with pytest.raises(WorkflowAlreadyStarted) as info:
        await client.start_workflow("greeter", "q", "dup-1", [])
    assert info.value.status_code == 409
    again = await client.start_workflow("greeter", "q", "dup-1", [], duplicate_policy="use-existing")
    assert again.run_id == first.run_id


async def test_result_is_rebuilt_into_the_result_type(client: Client) -> None:
    worker = BareWorker(client)
    await worker.register(["checkout"])
    await client.start_workflow("checkout", "q", "wf-receipt", [])
    await worker.finish_with([complete(client, {"order_id": "o-1", "total": 9.5})])
    handle = client.get_workflow_handle("wf-receipt", result_type=Receipt)
    receipt = await handle.result(timeout=5)
    assert receipt == Receipt(order_id="o-1", total=9.5)
    plain = await client.get_workflow_handle("wf-receipt").result(timeout=5)
    assert plain == {"order_id": "o-1", "total": 9.5}


async def test_result_raises_workflow_failed_with_details(client: Client) -> None:
    worker = BareWorker(client)
    await worker.register(["boom"])
    handle = await client.start_workflow("boom", "q", "wf-fail", [])
    failure = {
        "type": "fail_workflow",
        "message": "card declined",
        "exception_type": "PaymentError",
        "exception_class": "shop.PaymentError",
    }
    await worker.finish_with([failure])
    with pytest.raises(WorkflowFailed) as info:
        await handle.result(timeout=5)
    assert info.value.message == "card declined"
    assert info.value.exception_type == "PaymentError"
    assert info.value.workflow_id == "wf-fail"


async def test_result_raises_cancelled_and_terminated(client: Client) -> None:
    cancelled = await client.start_workflow("w", "q", "wf-cancel", [])
    await cancelled.cancel(reason="customer asked")
    with pytest.raises(WorkflowCancelled) as c_info:
        await cancelled.result(timeout=5)
    assert c_info.value.reason == "customer asked"
    assert (await cancelled.describe()).status == "cancelled"

    terminated = await client.start_workflow("w", "q", "wf-term", [])
    await terminated.terminate(reason="stuck")
    with pytest.raises(WorkflowTerminated) as t_info:
        await terminated.result(timeout=5)
    assert t_info.value.reason == "stuck"


async def test_result_times_out(client: Client) -> None:
    handle = await client.start_workflow("w", "q", "wf-slow", [])
    with pytest.raises(WorkflowResultTimeout):
        await handle.result(timeout=0.1)
    with pytest.raises(TimeoutError):  # also a builtin TimeoutError
        await handle.result(timeout=0.05)


async def test_result_follows_continue_as_new(client: Client) -> None:
    worker = BareWorker(client)
    await worker.register(["poller"])
    handle = await client.start_workflow("poller", "q", "wf-can", [0])
    can = {"type": "continue_as_new", "queue": "q", "arguments": client.converter.envelope([1])}
    await worker.finish_with([can])
    second = await worker.poll()
    assert second["run_id"] != handle.run_id
    assert client.converter.decode(second["arguments"]) == [1]
    await worker.complete(second, [complete(client, "done after 2 runs")])
    assert await handle.result(timeout=5) == "done after 2 runs"


async def test_result_is_found_at_the_end_of_a_long_history(client: Client) -> None:
    worker = BareWorker(client)
    await worker.register(["chatty"])
    handle = await client.start_workflow("chatty", "q", "wf-long", [])
    for i in range(150):
        await handle.signal("tick", [i])
    await worker.finish_with([complete(client, "finished")])
    assert await handle.result(timeout=5) == "finished"
    events = await handle.history()
    assert len(events) > 150
    ticks = [e for e in events if e["event_type"] == "SignalReceived"]
    assert len(ticks) == 150


async def test_signal_is_recorded_with_its_arguments(client: Client) -> None:
    handle = await client.start_workflow("w", "q", "wf-signal", [])
    await handle.signal("approve", [{"by": "ada"}, 2])
    events = await handle.history()
    received = [e for e in events if e["event_type"] == "SignalReceived"]
    assert len(received) == 1
    payload = received[0]["payload"]
    assert payload["signal_name"] == "approve"
    decoded = client.converter.decode(payload["arguments"], default_codec=payload.get("payload_codec"))
    assert decoded == [{"by": "ada"}, 2]


async def test_unknown_workflow_raises_not_found(client: Client) -> None:
    with pytest.raises(WorkflowNotFound) as info:
        await client.describe_workflow("missing")
    assert info.value.status_code == 404
    assert info.value.reason == "instance_not_found"
    with pytest.raises(WorkflowNotFound):
        await client.signal_workflow("missing", "x")


async def test_signal_to_closed_workflow_fails(client: Client) -> None:
    handle = await client.start_workflow("w", "q", "wf-closed", [])
    await handle.terminate()
    with pytest.raises(SignalFailed) as info:
        await handle.signal("late")
    assert info.value.reason == "run_not_active"


async def test_list_workflows_filters_and_pages(client: Client) -> None:
    for i in range(5):
        await client.start_workflow("alpha", "q", f"a-{i}", [])
    await client.start_workflow("beta", "q", "b-0", [])
    await client.terminate_workflow("a-0")

    alphas = await client.list_workflows(workflow_type="alpha")
    assert sorted(e.workflow_id for e in alphas.executions) == [f"a-{i}" for i in range(5)]

    running = await client.list_workflows(workflow_type="alpha", status="running")
    assert sorted(e.workflow_id for e in running.executions) == [f"a-{i}" for i in range(1, 5)]

    seen: list[str] = []
    token: str | None = None
    while True:
        page = await client.list_workflows(page_size=2, next_page_token=token)
        assert len(page.executions) <= 2
        seen += [e.workflow_id for e in page.executions]
        token = page.next_page_token
        if not token:
            break
    assert sorted(seen) == sorted([f"a-{i}" for i in range(5)] + ["b-0"])


async def test_unknown_namespace_is_refused(dev_server: DevServer, client: Client) -> None:
    other = Client(client.base_url, namespace="nope", transport=dev_server.asgi_transport())
    with pytest.raises(NamespaceNotFound) as info:
        await other.start_workflow("w", "q", "wf-ns", [])
    assert info.value.reason == "namespace_not_found"
    await client.create_namespace("nope", description="now it exists")
    handle = await other.start_workflow("w", "q", "wf-ns", [])
    assert (await handle.describe()).namespace == "nope"
    with pytest.raises(WorkflowNotFound):  # a namespace never sees another's workflows
        await client.describe_workflow("wf-ns")
    await other.aclose()


async def test_query_is_answered_by_a_live_worker(client: Client) -> None:
    worker = BareWorker(client)
    await worker.register(["w"])
    await client.start_workflow("w", "q", "wf-query", [])

    async def answer_one_query() -> None:
        body = {"worker_id": worker.worker_id, "task_queue": "q", "timeout_seconds": 5}
        answer = await worker._post("/worker/query-tasks/poll", body)
        task = answer["task"]
        assert task["query_name"] == "status"
        await worker._post(
            f"/worker/query-tasks/{task['query_task_id']}/complete",
            {
                "lease_owner": worker.worker_id,
                "query_task_attempt": task.get("query_task_attempt", 1),
                "result": {"stage": "waiting"},
                "result_envelope": client.converter.envelope({"stage": "waiting"}),
            },
        )

    _, result = await asyncio.gather(answer_one_query(), client.query_workflow("wf-query", "status"))
    assert result == {"stage": "waiting"}


async def test_timeouts_default_to_the_upstream_values_and_none_disables_them(client: Client) -> None:
    await client.start_workflow("w", "q", "timeouts-default", [])
    described = await client.describe_workflow("timeouts-default")
    assert described.raw["execution_timeout_seconds"] == 3600
    assert described.raw["run_timeout_seconds"] == 600
    await client.start_workflow(
        "w", "q", "timeouts-off", [], execution_timeout_seconds=None, run_timeout_seconds=None
    )
    assert (await client.describe_workflow("timeouts-off")).raw["run_timeout_seconds"] is None


@workflow.defn(name="typed-checkout")
class TypedCheckout:
    def run(
        self, ctx: WorkflowContext, order: Receipt, express: bool = False
    ) -> Generator[Any, Any, Receipt]:
        yield ctx.start_timer(0)
        return order


async def test_typed_stub_binds_keywords_and_passes_options(client: Client) -> None:
    stub = client.workflow(TypedCheckout, workflow_id="stub-1", task_queue="q", run_timeout_seconds=None)
    assert stub.workflow_type == "typed-checkout"
    handle = await stub.start(Receipt(order_id="o-9", total=1.0), express=True)
    assert handle.result_type is Receipt
    described = await handle.describe()
    assert described.input == [{"order_id": "o-9", "total": 1.0}, True]
    assert described.raw["run_timeout_seconds"] is None
    assert described.raw["execution_timeout_seconds"] == 3600

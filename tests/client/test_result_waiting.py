"""`WorkflowHandle.result()` follows the history with long polls instead of polling describe."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from durable_workflow import Client, WorkflowFailed, WorkflowResultTimeout
from durable_workflow.payloads import encode_value_v1, encode_wrapper
from durable_workflow.server import DevServer
from tests.client._misbehaving import Act, Misbehaving, reply
from tests.client._worker_plane import BareWorker


class Counting(httpx.AsyncBaseTransport):
    """The real in-process server, with a log of requests and an optional refusal of long polls."""

    def __init__(self, inner: httpx.AsyncBaseTransport, *, refuse_long_polls: bool = False) -> None:
        self.inner = inner
        self.refuse_long_polls = refuse_long_polls
        self.seen: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if self.refuse_long_polls and "wait_new_event" in request.url.params:
            body = {"reason": "validation_failed", "errors": {"wait_new_event": ["unknown field"]}}
            return httpx.Response(422, json=body, request=request)
        return await self.inner.handle_async_request(request)


def complete(client: Client, value: object) -> dict[str, object]:
    return {"type": "complete_workflow", "result": client.converter.envelope(value)}


async def test_a_waiting_result_follows_continue_as_new_to_the_end(client: Client) -> None:
    worker = BareWorker(client)
    await worker.register(["chain"])
    handle = await client.start_workflow("chain", "q", "chain-1", [])
    waiting = asyncio.create_task(handle.result(timeout=10))
    await asyncio.sleep(0.05)
    can = {"type": "continue_as_new", "queue": "q", "arguments": client.converter.envelope([2])}
    await worker.finish_with([can])
    await asyncio.sleep(0.05)
    assert not waiting.done()
    await worker.finish_with([{"type": "fail_workflow", "message": "second run failed"}])
    with pytest.raises(WorkflowFailed) as info:
        await waiting
    assert info.value.message == "second run failed"
    assert info.value.run_id != handle.run_id


async def test_an_idle_wait_costs_a_few_requests_not_a_poll_loop(dev_server: DevServer) -> None:
    counting = Counting(dev_server.asgi_transport())
    async with Client(dev_server.base_url, transport=counting) as client:
        handle = await client.start_workflow("idle", "q", "idle-1", [])
        before = len(counting.seen)
        with pytest.raises(WorkflowResultTimeout):
            await handle.result(timeout=1.0)
    waits = counting.seen[before:]
    # one or two long polls, then the timeout's diagnosis (describe + task queue)
    polls = [r for r in waits if "wait_new_event" in r.url.params]
    assert 1 <= len(polls) <= 2 and len(waits) <= 5, [str(r.url) for r in waits]
    assert waits[-1].url.path == "/api/task-queues/q"


async def test_servers_without_history_long_polls_are_polled(dev_server: DevServer) -> None:
    counting = Counting(dev_server.asgi_transport(), refuse_long_polls=True)
    async with Client(dev_server.base_url, transport=counting) as client:
        worker = BareWorker(client)
        await worker.register(["plain"])
        handle = await client.start_workflow("plain", "q", "plain-1", [])
        waiting = asyncio.create_task(handle.result(timeout=10))
        await asyncio.sleep(0.1)
        await worker.finish_with([complete(client, {"ok": True})])
        assert await waiting == {"ok": True}
    describes = [r for r in counting.seen if r.url.path == "/api/workflows/plain-1"]
    assert len(describes) >= 2


async def test_a_handle_from_a_start_waits_without_describe(dev_server: DevServer) -> None:
    counting = Counting(dev_server.asgi_transport())
    async with Client(dev_server.base_url, transport=counting) as client:
        worker = BareWorker(client)
        await worker.register(["quick"])
        handle = await client.start_workflow("quick", "q", "quick-1", [])
        waiting = asyncio.create_task(handle.result(timeout=10))
        await worker.finish_with([complete(client, {"ok": 1})])
        assert await waiting == {"ok": 1}
        # A handle without a run id asks for the current run first.
        assert await client.get_workflow_handle("quick-1").result(timeout=10) == {"ok": 1}
    describes = [r for r in counting.seen if r.url.path == "/api/workflows/quick-1"]
    assert len(describes) == 1


@pytest.mark.parametrize(
    ("blob", "value"),
    [
        ('{"json": ["codec"]}', {"json": ["codec"]}),
        (encode_wrapper({"wrapper": 1}), {"wrapper": 1}),
        (encode_value_v1({"value": b"v1"}), {"value": b"v1"}),
    ],
    ids=["json", "avro-wrapper", "avro-value-v1"],
)
async def test_a_bare_output_blob_is_read_in_the_codec_it_is_in(blob: str, value: object) -> None:
    completed = {"sequence": 9, "event_type": "WorkflowCompleted", "payload": {"output": blob}}
    history = {"workflow_id": "w", "run_id": "r", "events": [completed], "next_page_token": None}
    async with Misbehaving(lambda method, path: reply(200, history)) as server:
        async with Client(server.base_url) as client:
            assert await client.get_workflow_handle("w", run_id="r").result(timeout=5) == value
        assert server.requests == [("GET", "/api/workflows/w/runs/r/history")]


async def test_a_busy_workflow_is_followed_at_a_bounded_rate() -> None:
    sequence = 0

    def one_more_event(method: str, path: str) -> Act:
        nonlocal sequence
        sequence += 1
        event = {"sequence": sequence, "event_type": "SignalReceived", "payload": {}}
        return reply(200, {"events": [event], "next_page_token": None})

    async with Misbehaving(one_more_event) as server, Client(server.base_url) as client:
        with pytest.raises(WorkflowResultTimeout):
            await client.get_workflow_handle("w", run_id="r").result(timeout=2)
    polls = [p for _, p in server.requests if p.endswith("/history")]
    # ten at once, then two a second: an unbounded follower would make hundreds
    assert 10 <= len(polls) <= 16, len(polls)

"""Odd answers from a loopback server each end in a typed error, in bounded time."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from durable_workflow import (
    Client,
    DurableWorkflowError,
    InvalidResponse,
    RequestTimeout,
    ServerError,
    TransportRetryPolicy,
    WorkflowResultTimeout,
)
from tests.client._misbehaving import Act, Misbehaving, drip, raw, reply, stream

QUICK = TransportRetryPolicy(max_attempts=3, initial_backoff_seconds=0.01, maximum_backoff_seconds=0.02)


def always(act: Act) -> Callable[[str, str], Act]:
    return lambda method, path: act


async def test_a_slow_drip_ends_at_the_call_deadline() -> None:
    async with Misbehaving(always(drip(0.2))) as server, Client(server.base_url, timeout=1) as client:
        began = time.monotonic()
        with pytest.raises(RequestTimeout, match="no answer in time"):
            await client.describe_workflow("w")
        assert time.monotonic() - began < 2.5


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 300 + b"1" + b"}" * 300],
    ids=["beyond-the-parser", "beyond-the-limit"],
)
async def test_deeply_nested_json_is_an_invalid_response(body: bytes) -> None:
    async with Misbehaving(always(raw(200, body))) as server, Client(server.base_url) as client:
        with pytest.raises(InvalidResponse) as caught:
            await client.describe_workflow("w")
    assert caught.value.reason == "response_too_deep"
    assert caught.value.status_code == 200
    assert isinstance(caught.value.body, str) and caught.value.body.startswith(body[:10].decode())


async def test_a_deep_error_body_still_maps_to_a_server_error() -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    async with Misbehaving(always(raw(404, body))) as server, Client(server.base_url) as client:
        with pytest.raises(ServerError) as caught:
            await client.describe_workflow("w")
    assert caught.value.status_code == 404 and isinstance(caught.value.body, str)


async def test_a_list_body_is_an_invalid_response() -> None:
    async with (
        Misbehaving(always(reply(201, ["not", "an", "object"]))) as server,
        Client(server.base_url) as client,
    ):
        with pytest.raises(InvalidResponse) as caught:
            await client.start_workflow("t", "q", "w")
    assert caught.value.reason == "invalid_response_shape"
    assert caught.value.status_code == 201
    assert caught.value.body == '["not", "an", "object"]'
    assert "JSON list, not an object" in str(caught.value)


async def test_a_redirect_is_an_error_and_is_not_followed() -> None:
    act = raw(307, b"", {"location": "http://elsewhere.example/api/workflows"})
    # A forced encoding: no discovery call first, so the start is the only request.
    async with (
        Misbehaving(always(act)) as server,
        Client(server.base_url, payload_encoding="wrapper") as client,
    ):
        with pytest.raises(InvalidResponse) as caught:
            await client.start_workflow("t", "q", "w")
    assert caught.value.reason == "unexpected_redirect" and caught.value.status_code == 307
    assert "elsewhere.example" in str(caught.value)
    assert server.requests == [("POST", "/api/workflows")]


async def test_retry_after_is_honoured_within_the_deadline() -> None:
    answers = [raw(503, b"{}", {"retry-after": "1"}), reply(200, {"status": "ok"})]
    async with (
        Misbehaving(lambda method, path: answers.pop(0)) as server,
        Client(server.base_url, retry_policy=QUICK, timeout=5) as client,
    ):
        began = time.monotonic()
        assert await client.health() == {"status": "ok"}
        assert time.monotonic() - began >= 0.95


async def test_retry_after_beyond_the_deadline_fails_at_once() -> None:
    act = raw(429, b'{"message": "slow down"}', {"retry-after": "120"})
    async with (
        Misbehaving(always(act)) as server,
        Client(server.base_url, retry_policy=QUICK, timeout=3) as client,
    ):
        began = time.monotonic()
        with pytest.raises(ServerError, match=r"retry after 120\.0 s") as caught:
            await client.health()
        assert time.monotonic() - began < 1
    assert caught.value.status_code == 429 and len(server.requests) == 1


async def test_an_oversize_answer_is_refused_by_its_declared_length() -> None:
    act = raw(200, b"", {"content-length": str(300 * 1024 * 1024)})
    async with Misbehaving(always(act)) as server, Client(server.base_url) as client:
        with pytest.raises(InvalidResponse, match="declares 314572800 bytes") as caught:
            await client.health()
    assert caught.value.reason == "response_too_large"


async def test_an_oversize_stream_is_cut_at_the_cap() -> None:
    async with (
        Misbehaving(always(stream(8 * 1024 * 1024))) as server,
        Client(server.base_url, max_response_bytes=1024 * 1024) as client,
    ):
        with pytest.raises(InvalidResponse, match="exceeds 1048576 bytes") as caught:
            await client.health()
    assert caught.value.reason == "response_too_large" and caught.value.status_code == 200


WRONG_SHAPES: list[Any] = [
    None,
    [],
    "text",
    7,
    {},
    {
        "workflow_id": 5,
        "run_id": [],
        "status": {},
        "workflow_type": 1,
        "task_queue": [],
        "events": "x",
        "workflows": 7,
        "input": 3,
        "output": {"a": 1},
        "input_envelope": "x",
        "output_envelope": 5,
        "result_envelope": [],
        "next_page_token": 5,
        "namespaces": {},
        "task_queues": "x",
        "workers": 3,
        "pollers": "x",
        "schedules": 4,
        "memo": [],
        "search_attributes": 5,
        "update_id": [],
        "created_at": 5,
        "closed_at": [],
    },
    {"events": [{"event_type": 5, "payload": [], "sequence": "x"}], "workflows": [{"status": 5}]},
    {"result_envelope": {"blob": 5, "codec": []}, "result": {"x": 1}},
    {"output_envelope": {"blob": "@@@", "codec": "avro"}, "status": "completed"},
]

Call = Callable[[Client], Awaitable[Any]]
CALLS: dict[str, Call] = {
    "start": lambda c: c.start_workflow("t", "q", "w"),
    "describe": lambda c: c.describe_workflow("w"),
    "list": lambda c: c.list_workflows(),
    "history": lambda c: c.get_history("w", "r"),
    "signal": lambda c: c.signal_workflow("w", "s", [1]),
    "query": lambda c: c.query_workflow("w", "q"),
    "update": lambda c: c.update_workflow("w", "u"),
    "cancel": lambda c: c.cancel_workflow("w"),
    "health": lambda c: c.health(),
    "cluster": lambda c: c.get_cluster_info(),
    "result": lambda c: c.get_workflow_handle("w").result(timeout=0.05),
    "schedules": lambda c: c.list_schedules(),
    "schedule": lambda c: c.describe_schedule("s"),
    "namespaces": lambda c: c.list_namespaces(),
    "task_queue": lambda c: c.describe_task_queue("q"),
    "workers": lambda c: c.list_workers(),
}


@pytest.mark.parametrize("name", sorted(CALLS))
async def test_wrong_shapes_raise_only_typed_errors(name: str) -> None:
    shapes = [json.dumps(s).encode() for s in WRONG_SHAPES] + [b"", b"not json", b"\xff\xfe"]
    answers = [raw(status, body) for status in (200, 404, 409, 500) for body in shapes]
    current: list[Act] = []
    once = TransportRetryPolicy(max_attempts=1)
    async with (
        Misbehaving(lambda method, path: current[0]) as server,
        Client(server.base_url, retry_policy=once, timeout=2) as client,
    ):
        for answer in answers:
            current[:] = [answer]
            with contextlib.suppress(DurableWorkflowError):
                await CALLS[name](client)


async def test_result_idles_at_a_bounded_rate_when_polls_return_at_once() -> None:
    running = {"workflow_id": "w", "run_id": "r", "status": "running", "task_queue": "q"}

    def script(method: str, path: str) -> Act:
        return reply(200, running if path == "/api/workflows/w" else {"events": []})

    async with Misbehaving(script) as server, Client(server.base_url) as client:
        with pytest.raises(WorkflowResultTimeout):
            await client.get_workflow_handle("w").result(timeout=3)
    polls = [p for _, p in server.requests if p.endswith("/history")]
    assert 5 <= len(polls) <= 30, len(polls)  # an unbounded loop makes thousands


async def test_a_body_that_does_not_match_its_content_encoding_is_an_invalid_response() -> None:
    act = raw(200, b"definitely not gzip", {"content-encoding": "gzip"})
    async with Misbehaving(always(act)) as server, Client(server.base_url) as client:
        with pytest.raises(InvalidResponse, match="cannot be decoded") as caught:
            await client.health()
    assert caught.value.reason == "invalid_content_encoding"

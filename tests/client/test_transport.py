"""Transport behaviour: headers, retries, idempotent starts, error mapping, metrics."""

from __future__ import annotations

import httpx
import pytest

from durable_workflow import Client, InMemoryMetrics, ServerError, TransportError
from durable_workflow.client import TransportRetryPolicy
from durable_workflow.server import DevServer

FAST = TransportRetryPolicy(initial_backoff_seconds=0.001, maximum_backoff_seconds=0.002)


class Faulty(httpx.AsyncBaseTransport):
    """Wraps the real in-process server and injects faults into chosen requests.

    ``drop_before`` fails a request before it reaches the server; ``drop_after`` lets the server
    handle it and then loses the answer, which is the ambiguous case retries must survive.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.drop_before: dict[str, int] = {}
        self.drop_after: dict[str, int] = {}
        self.status_503: dict[str, int] = {}
        self.seen: list[httpx.Request] = []

    @staticmethod
    def _take(budget: dict[str, int], key: str) -> bool:
        if budget.get(key, 0) > 0:
            budget[key] -= 1
            return True
        return False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        key = f"{request.method} {request.url.path}"
        if self._take(self.drop_before, key):
            raise httpx.ConnectError("injected: connection refused", request=request)
        if self._take(self.status_503, key):
            return httpx.Response(503, json={"message": "busy", "reason": "unavailable"}, request=request)
        response = await self.inner.handle_async_request(request)
        if self._take(self.drop_after, key):
            await response.aread()
            raise httpx.ReadError("injected: connection reset after the server answered", request=request)
        return response


@pytest.fixture
async def faulty(dev_server: DevServer) -> Faulty:
    return Faulty(dev_server.asgi_transport())


async def test_headers_per_plane(dev_server: DevServer, faulty: Faulty) -> None:
    async with Client(
        dev_server.base_url, control_token="ctl", worker_token="wrk", namespace="default", transport=faulty
    ) as client:
        await client.health()
        control = faulty.seen[-1]
        assert control.url.path == "/api/health"
        assert control.headers["authorization"] == "Bearer ctl"
        assert control.headers["x-durable-workflow-control-plane-version"] == "2"
        assert control.headers["x-namespace"] == "default"
        assert "x-durable-workflow-protocol-version" not in control.headers
        with pytest.raises(ServerError):
            await client._transport.request(
                "POST", "/worker/workflow-tasks/poll", plane="worker", json={}, retry=False
            )
        worker = faulty.seen[-1]
        assert worker.headers["authorization"] == "Bearer wrk"
        assert worker.headers["x-durable-workflow-protocol-version"] == "1.1"
        assert "x-durable-workflow-control-plane-version" not in worker.headers


async def test_base_url_with_api_suffix_is_refused() -> None:
    with pytest.raises(ValueError, match="/api"):
        Client("http://localhost:8080/api")


async def test_connection_errors_and_503_are_retried(dev_server: DevServer, faulty: Faulty) -> None:
    faulty.drop_before["POST /api/workflows"] = 1
    faulty.status_503["POST /api/workflows"] = 1
    async with Client(dev_server.base_url, transport=faulty, retry_policy=FAST) as client:
        handle = await client.start_workflow("w", "q", "retried", [])
        assert handle.run_id
    starts = [r for r in faulty.seen if r.method == "POST" and r.url.path == "/api/workflows"]
    assert len(starts) == 3


async def test_retries_give_up_with_a_typed_error(dev_server: DevServer, faulty: Faulty) -> None:
    faulty.drop_before["GET /api/health"] = 5
    async with Client(dev_server.base_url, transport=faulty, retry_policy=FAST) as client:
        with pytest.raises(TransportError) as info:
            await client.health()
    assert info.value.request is not None
    faulty.status_503["GET /api/health"] = 5
    async with Client(dev_server.base_url, transport=faulty, retry_policy=FAST) as client:
        with pytest.raises(ServerError) as server_info:
            await client.health()
    assert server_info.value.status_code == 503
    assert server_info.value.attempts == 3


async def test_a_start_whose_answer_was_lost_is_not_duplicated(dev_server: DevServer, faulty: Faulty) -> None:
    faulty.drop_after["POST /api/workflows"] = 1
    async with Client(dev_server.base_url, transport=faulty, retry_policy=FAST) as client:
        handle = await client.start_workflow("w", "q", "lost-answer", ["x"])
        runs = await client.list_workflows(query="lost-answer")
        assert [e.run_id for e in runs.executions] == [handle.run_id]


async def test_4xx_are_not_retried(dev_server: DevServer, faulty: Faulty) -> None:
    async with Client(dev_server.base_url, transport=faulty, retry_policy=FAST) as client:
        with pytest.raises(ServerError):
            await client.describe_workflow("nope")
    assert len([r for r in faulty.seen if r.url.path == "/api/workflows/nope"]) == 1


async def test_client_metrics_carry_the_documented_tags(dev_server: DevServer) -> None:
    metrics = InMemoryMetrics()
    async with Client(dev_server.base_url, transport=dev_server.asgi_transport(), metrics=metrics) as client:
        await client.start_workflow("w", "q", "metered", [])
        with pytest.raises(ServerError):
            await client.describe_workflow("absent")
    tags = metrics.tag_sets("durable_workflow_client_requests")
    assert {
        "method": "POST",
        "route": "/workflows",
        "plane": "control",
        "status_code": "201",
        "outcome": "ok",
    } in tags
    assert {
        "method": "GET",
        "route": "/workflows/{workflow_id}",
        "plane": "control",
        "status_code": "404",
        "outcome": "http_error",
    } in tags
    # The third request is the one-time GET /cluster/info that settles the payload encoding.
    assert len(metrics.values("durable_workflow_client_request_duration_seconds")) == 3

"""Auth drivers, version headers and bad input (400/413/415/422/404), with 0.2.10's bodies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from durable_workflow.server import DevServer
from tests.server.helpers import CP, WP, Api

REGISTER = {"worker_id": "w1", "task_queue": "q", "runtime": "python"}


@pytest.fixture
async def roles_server() -> AsyncIterator[DevServer]:
    async with DevServer(
        serve_http=False,
        auth_driver="roles",
        token="legacy",
        admin_token="adm",
        operator_token="op",
        worker_token="wk",
        long_poll_timeout=1,
    ) as srv:
        yield srv


def _client(server: DevServer, headers: dict[str, str], token: str | None) -> httpx.AsyncClient:
    auth = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(
        transport=server.asgi_transport(), base_url="http://dev", headers={**headers, **auth}
    )


async def _status(
    server: DevServer, token: str | None, method: str, url: str, plane: dict[str, str], body: Any = None
) -> httpx.Response:
    async with _client(server, plane, token) as client:
        return await client.request(method, url, json=body)


async def test_roles_driver(roles_server: DevServer) -> None:
    s = roles_server
    resp = await _status(s, None, "GET", "/api/workflows", CP)
    assert resp.status_code == 401 and resp.json()["reason"] == "unauthorized"
    assert resp.headers["X-Durable-Workflow-Control-Plane-Version"] == "2"
    assert (await _status(s, "wrong", "GET", "/api/workflows", CP)).status_code == 401
    resp = await _status(s, "wk", "GET", "/api/workflows", CP)
    assert resp.status_code == 403 and resp.json()["allowed_roles"] == ["operator", "admin"]
    assert resp.json()["role"] == "worker" and "control_plane" in resp.json()
    assert (await _status(s, "op", "GET", "/api/workflows", CP)).status_code == 200
    assert (await _status(s, "adm", "GET", "/api/workflows", CP)).status_code == 200
    assert (await _status(s, "op", "POST", "/api/namespaces", CP, {"name": "x"})).status_code == 403
    assert (await _status(s, "adm", "POST", "/api/namespaces", CP, {"name": "x"})).status_code == 201
    assert (await _status(s, "wk", "POST", "/api/worker/register", WP, REGISTER)).status_code == 201
    resp = await _status(s, "adm", "POST", "/api/worker/register", WP, REGISTER)
    assert resp.status_code == 403 and resp.json()["protocol_version"] == "1.20"
    assert (await _status(s, "legacy", "POST", "/api/worker/register", WP, REGISTER)).status_code == 403
    assert (await _status(s, "legacy", "GET", "/api/workflows", CP)).status_code == 200
    for token in ("wk", "op", "adm"):
        assert (await _status(s, token, "GET", "/api/cluster/info", CP)).status_code == 200
    assert (await _status(s, None, "GET", "/api/health", {})).status_code == 200
    assert (await _status(s, None, "GET", "/api/ready", {})).status_code == 200


async def test_token_driver_grants_full_access() -> None:
    async with DevServer(serve_http=False, auth_driver="token", token="t") as s:
        assert (await _status(s, "t", "POST", "/api/worker/register", WP, REGISTER)).status_code == 201
        assert (await _status(s, "t", "POST", "/api/namespaces", CP, {"name": "n"})).status_code == 201
        assert (await _status(s, "x", "GET", "/api/workflows", CP)).status_code == 401


def test_misconfigured_auth_is_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="token"):
        DevServer(serve_http=False, auth_driver="token")
    with pytest.raises(ValueError, match="roles"):
        DevServer(serve_http=False, auth_driver="roles")
    with pytest.raises(ValueError, match="driver"):
        DevServer(serve_http=False, auth_driver="signature")


async def test_middleware_order(roles_server: DevServer) -> None:
    s = roles_server
    resp = await _status(s, None, "GET", "/api/workflows", {"X-Namespace": "ghost"})
    assert resp.status_code == 401  # auth before version header and namespace
    resp = await _status(s, "op", "GET", "/api/workflows", {"X-Namespace": "ghost"})
    assert resp.status_code == 400 and resp.json()["reason"] == "missing_control_plane_version"
    resp = await _status(s, "op", "GET", "/api/workflows", {**CP, "X-Namespace": "ghost"})
    assert resp.status_code == 404 and resp.json()["reason"] == "namespace_not_found"
    resp = await _status(s, "op", "GET", "/api/workflows", {"X-Durable-Workflow-Control-Plane-Version": "3"})
    assert resp.json()["reason"] == "unsupported_control_plane_version"


async def test_bad_input(api: Api) -> None:
    resp = await api.control.post("/api/workflows", content=b"{not json", headers=CP)
    assert resp.status_code == 400 and resp.json()["reason"] == "malformed_json"
    resp = await api.control.post(
        "/api/workflows", content=b"<x/>", headers={**CP, "Content-Type": "text/xml"}
    )
    assert resp.status_code == 415 and resp.json()["reason"] == "unsupported_media_type"
    resp = await api.control.post("/api/workflows", content=b'{"a":"' + b"x" * (2 * 1024 * 1024) + b'"}')
    assert resp.status_code == 413 and resp.json()["reason"] == "payload_too_large"
    assert resp.json()["limit"] == 2 * 1024 * 1024
    resp = await api.control.post("/api/workflows", json=[1, 2])
    assert resp.status_code == 422
    resp = await api.control.get("/api/nowhere")
    assert resp.status_code == 404 and resp.json()["reason"] == "not_found"
    resp = await api.control.delete("/api/workflows")
    assert resp.status_code == 405 and resp.json()["reason"] == "method_not_allowed"
    resp = await api.control.post(
        "/api/workflows/x/signal/s", json={"input": {"codec": "avro", "blob": "%%"}}
    )
    assert resp.status_code in (404, 422)
    await api.start("bad-in")
    resp = await api.control.post(
        "/api/workflows/bad-in/signal/s", json={"input": {"codec": "avro", "blob": "%%"}}
    )
    assert resp.status_code == 422 and "input.blob" in resp.json()["errors"]
    resp = await api.control.post("/api/workflows/bad-in/signal/s", json={"input": 5})
    assert resp.status_code == 422
    assert (await api.describe("bad-in"))["status"] == "pending"
    assert [e["event_type"] for e in await api.history("bad-in")] == ["StartAccepted", "WorkflowStarted"]


async def test_small_body_limit() -> None:
    async with DevServer(serve_http=False, max_body_bytes=100) as s, _client(s, WP, None) as c:
        resp = await c.post("/api/worker/register", json={**REGISTER, "pad": "x" * 200})
        assert resp.status_code == 413 and resp.json()["protocol_version"] == "1.20"


async def test_out_of_range_values_are_422_not_500(api: Api) -> None:
    resp = await api.control.post("/api/workflows", content=b'{"workflow_type": "t", "memo": {"x": NaN}}')
    assert resp.status_code == 400 and resp.json()["reason"] == "malformed_json"
    resp = await api.control.post(
        "/api/workflows", json={"workflow_type": "t", "run_timeout_seconds": 10**20}
    )
    assert resp.status_code == 422
    await api.start("big")
    task = await api.wf_task()
    out = await api.complete(task, [{"type": "start_timer", "delay_seconds": 10**18}], expect=422)
    assert "commands.0.delay_seconds" in out["errors"]
    out = await api.complete(
        task,
        [{"type": "schedule_activity", "activity_type": "a", "retry_policy": {"backoff_seconds": [10**19]}}],
        expect=422,
    )
    assert "commands.0.retry_policy.backoff_seconds" in out["errors"]

"""The web UI over HTTP without a browser: pages, escaping, CSRF, auth and roles, request log."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator

import httpx
import pytest

from durable_workflow import Client, ScheduleAction, ScheduleSpec
from durable_workflow.server import DevServer

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
async def web(dev_server: DevServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=dev_server.asgi_transport(), base_url="http://ui.test") as c:
        yield c


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, "the page has no CSRF field"
    return found.group(1)


async def test_every_page_renders_and_escapes_workflow_data(web: httpx.AsyncClient, client: Client) -> None:
    await client.start_workflow("t", "q", "wf-1", [HOSTILE], memo={"m": HOSTILE})
    await client.create_schedule(
        "sched-1",
        spec=ScheduleSpec(cron_expressions=["0 * * * *"]),
        action=ScheduleAction("t", task_queue="q", input=[HOSTILE]),
        note=HOSTILE,
    )
    assert (await web.get("/")).headers["location"] == "/namespaces/default/workflows"
    paths = [
        "/namespaces/default/workflows",
        "/namespaces/default/workflows?status=running&type=t&id=wf-",
        "/namespaces/default/workflows/wf-1",
        "/namespaces/default/task-queues",
        "/namespaces/default/task-queues/q",
        "/namespaces/default/workers",
        "/namespaces/default/schedules",
        "/namespaces/default/schedules/sched-1",
        "/namespaces",
        "/login",
    ]
    for path in paths:
        page = await web.get(path)
        assert page.status_code == 200, path
        assert "<script>alert" not in page.text and "<img src=x" not in page.text and "<b>" not in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
    detail = await web.get("/namespaces/default/workflows/wf-1")
    assert "&lt;script&gt;alert(\\&#34;x\\&#34;)&lt;/script&gt;" in detail.text  # JSON text, escaped
    assert (await web.get("/namespaces/default/workflows/nope")).status_code == 404
    assert (await web.get("/namespaces/nope/workflows")).status_code == 404
    assert (await web.get("/namespaces/default/workflows?status=bogus")).status_code == 200  # ignored


async def test_posts_need_the_csrf_token_and_this_origin(web: httpx.AsyncClient, client: Client) -> None:
    await client.start_workflow("t", "q", "csrf-1", [])
    page = await web.get("/namespaces/default/workflows/csrf-1")
    token = csrf_of(page)
    url = "/namespaces/default/workflows/csrf-1/terminate"
    assert (await web.post(url, data={})).status_code == 403
    assert (await web.post(url, data={"csrf": "forged" * 8})).status_code == 403
    other_site = await web.post(url, data={"csrf": token}, headers={"Origin": "http://evil.test"})
    assert other_site.status_code == 403
    assert (await client.describe_workflow("csrf-1")).status != "terminated"
    done = await web.post(url, data={"csrf": token, "reason": "test"}, headers={"Origin": "http://ui.test"})
    assert done.status_code == 303 and done.headers["location"].endswith("/workflows/csrf-1?done=terminated")
    assert (await client.describe_workflow("csrf-1")).status == "terminated"


async def test_bad_signal_input_is_shown_not_sent(web: httpx.AsyncClient, client: Client) -> None:
    await client.start_workflow("t", "q", "sig-1", [])
    token = csrf_of(await web.get("/namespaces/default/workflows/sig-1"))
    url = "/namespaces/default/workflows/sig-1/signal"
    bad = await web.post(url, data={"csrf": token, "name": "go", "args": "[1,"})
    assert bad.status_code == 400 and "Arguments are not JSON" in bad.text and 'value="[1,"' in bad.text
    sent = await web.post(url, data={"csrf": token, "name": "go", "args": '[1, {"a": 2}]'})
    assert sent.status_code == 303
    history = await client.get_history("sig-1", str((await client.describe_workflow("sig-1")).run_id))
    signals = [e for e in history if e["event_type"] == "SignalReceived"]
    assert len(signals) == 1 and signals[0]["payload"]["signal_name"] == "go"


@pytest.fixture
async def roles_server() -> AsyncIterator[DevServer]:
    async with DevServer(
        serve_http=False, auth_driver="roles", operator_token="op-token", worker_token="wk-token"
    ) as server:
        yield server


async def test_roles_apply_to_the_ui_as_to_the_api(roles_server: DevServer) -> None:
    async with httpx.AsyncClient(transport=roles_server.asgi_transport(), base_url="http://ui.test") as web:
        refused = await web.get("/namespaces/default/workflows")
        assert refused.status_code == 401 and 'name="token"' in refused.text
        token = csrf_of(await web.get("/login"))
        wrong = await web.post("/login", data={"csrf": token, "token": "nope", "next": "/"})
        assert wrong.status_code == 401 and "That token was refused." in wrong.text
        worker = await web.post("/login", data={"csrf": token, "token": "wk-token", "next": "//evil.test/"})
        assert worker.status_code == 303 and worker.headers["location"] == "/"  # no open redirect
        cookie = worker.headers["set-cookie"]
        assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
        assert (await web.get("/namespaces/default/workflows")).status_code == 403  # worker role
        await web.post("/login", data={"csrf": token, "token": "op-token", "next": "/namespaces"})
        assert (await web.get("/namespaces/default/workflows")).status_code == 200
        out = await web.post("/logout", data={"csrf": token})
        assert out.status_code == 303
        assert (await web.get("/namespaces/default/workflows")).status_code == 401


async def test_one_info_line_per_request(
    web: httpx.AsyncClient, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="durable_workflow.server.requests")
    await client.health()
    await web.get("/namespaces/default/workflows")
    lines = [r.getMessage() for r in caplog.records if r.name == "durable_workflow.server.requests"]
    assert len(lines) == 2, lines
    assert re.fullmatch(r"GET /api/health 200 \d+\.\d ms", lines[0])
    assert re.fullmatch(r"GET /namespaces/default/workflows 200 \d+\.\d ms", lines[1])

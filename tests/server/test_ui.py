"""The web UI over HTTP without a browser: pages, escaping, CSRF, auth and roles, request log."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Generator
from typing import Any

import httpx
import pytest

from durable_workflow import Client, ScheduleAction, ScheduleSpec, Worker, WorkflowContext, workflow
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


@workflow.defn(name="ui_chain")
class Chain:
    def run(self, ctx: WorkflowContext, round: int) -> Generator[Any, Any, Any]:
        if round == 0:
            return ctx.continue_as_new(1)
        return (yield ctx.start_child_workflow("ui_child", ["<i>kid</i>"]))


@workflow.defn(name="ui_child")
class Child:
    def run(self, ctx: WorkflowContext, name: str) -> Generator[Any, Any, str]:
        yield ctx.sleep(0)
        return f"done {name}"


async def test_workflow_page_links_the_run_chain_and_children(web: httpx.AsyncClient, client: Client) -> None:
    await client.start_workflow("ui_chain", "q", "chain-1", [0])
    worker = Worker(client, task_queue="q", workflows=[Chain, Child])
    await worker.run_until(workflow_id="chain-1", timeout=30)
    runs = await client.list_runs("chain-1")
    assert [r.run_number for r in runs] == [1, 2]
    last = await web.get("/namespaces/default/workflows/chain-1")
    assert "Runs (continue-as-new chain)" in last.text and "2 of 2" in last.text
    assert f"?run_id={runs[0].run_id}" in last.text
    child = re.search(r'href="/namespaces/default/workflows/([^"]+)">[^<]+</a></td><td>ui_child', last.text)
    assert child, "no link to the child"
    assert "&#34;done &lt;i&gt;kid&lt;/i&gt;&#34;" in last.text  # the decoded result, escaped
    first = await web.get(f"/namespaces/default/workflows/chain-1?run_id={runs[0].run_id}")
    assert "1 of 2" in first.text and "WorkflowContinuedAsNew" in first.text
    child_page = await web.get(f"/namespaces/default/workflows/{child.group(1)}")
    assert child_page.status_code == 200 and "Parent" in child_page.text
    assert 'href="/namespaces/default/workflows/chain-1"' in child_page.text
    missing_run = await web.get("/namespaces/default/workflows/chain-1?run_id=nope")
    assert missing_run.status_code == 404

"""Hostile input, one test per vector class: each gets a 4xx and ordinary work carries on.

Every test ends with `_still_serving`: a fresh start answers 201, the list and a describe 200.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from durable_workflow.server import DevServer
from tests.server.helpers import CP, WP, Api, env

_counter = iter(range(1_000_000))


async def _still_serving(api: Api) -> None:
    workflow_id = f"ok-{next(_counter)}"
    body = {"workflow_id": workflow_id, "workflow_type": "t", "task_queue": "q", "input": env([])}
    resp = await api.control.post("/api/workflows", json=body)
    assert resp.status_code == 201, resp.text
    resp = await api.control.get("/api/workflows")
    assert resp.status_code == 200, resp.text
    assert workflow_id in [w["workflow_id"] for w in resp.json()["workflows"]]
    resp = await api.control.get(f"/api/workflows/{workflow_id}")
    assert resp.status_code == 200, resp.text
    reg = {"worker_id": "w-ok", "task_queue": "q", "runtime": "python"}
    assert (await api.worker.post("/api/worker/register", json=reg)).status_code == 201


def _nested(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for _ in range(depth):
        value = {"k": value}
    return value


def _raw(value: Any) -> bytes:
    """JSON text as a hostile client writes it (lone surrogates escaped, no validation)."""
    return json.dumps(value).encode()


async def test_deep_nesting_in_free_form_fields_is_422_naming_the_limit(api: Api) -> None:
    for field in ("memo", "search_attributes"):
        body = {"workflow_type": "t", "task_queue": "q", field: {"a": _nested(500)}}
        resp = await api.control.post("/api/workflows", content=_raw(body))
        assert resp.status_code == 422, resp.text
        assert "32 levels" in resp.json()["message"]
        assert any(key.startswith(f"{field}.a") for key in resp.json()["errors"])
    resp = await api.control.post("/api/workflows", content=_raw({"workflow_type": "t", "x": [[[[[]]]]] * 3}))
    assert resp.status_code != 500
    await _still_serving(api)


async def test_deep_upsert_search_attributes_from_a_worker_is_refused(api: Api) -> None:
    await api.start("deep-upsert")
    task = await api.wf_task()
    command = {"type": "upsert_search_attributes", "attributes": {"a": _nested(500)}}
    resp = await api.worker.post(
        f"/api/worker/workflow-tasks/{task['task_id']}/complete",
        content=_raw(
            {
                "lease_owner": task["lease_owner"],
                "workflow_task_attempt": task["workflow_task_attempt"],
                "commands": [command],
            }
        ),
    )
    assert resp.status_code == 422, resp.text
    await _still_serving(api)


async def test_lone_surrogates_are_refused_in_every_string_field(api: Api) -> None:
    bad = "x\udc80"
    bodies = [
        {"workflow_type": "t", "memo": {"note": bad}},
        {"workflow_type": "t", "memo": {bad: 1}},
        {"workflow_type": bad},
        {"workflow_type": "t", "workflow_id": bad},
        {"workflow_type": "t", "task_queue": bad},
        {"workflow_type": "t", "search_attributes": {"Key": bad}},
        {"workflow_type": "t", "business_key": bad},
    ]
    for body in bodies:
        resp = await api.control.post("/api/workflows", content=_raw(body))
        assert resp.status_code == 422, (body, resp.text)
        assert "surrogate" in resp.json()["message"] or "Unicode" in resp.json()["message"]
    reg = {"worker_id": bad, "task_queue": "q", "runtime": "python"}
    resp = await api.worker.post("/api/worker/register", content=_raw(reg))
    assert resp.status_code == 422
    await _still_serving(api)


async def test_control_characters_are_refused_in_ids_names_and_queues(api: Api) -> None:
    for field in ("workflow_id", "workflow_type", "task_queue"):
        body = {"workflow_id": "cc", "workflow_type": "t", "task_queue": "q", field: "a\x00b"}
        resp = await api.control.post("/api/workflows", json=body)
        assert resp.status_code == 422, (field, resp.text)
        assert field in resp.json()["errors"]
    await api.start("cc-target")
    resp = await api.control.post("/api/workflows/cc-target/signal/a%00b", json={})
    assert resp.status_code == 422
    resp = await api.control.get("/api/workflows/a%01b")
    assert resp.status_code == 422 and "workflow_id" in resp.json()["errors"]
    reg = {"worker_id": "w\x07", "task_queue": "q", "runtime": "python"}
    assert (await api.worker.post("/api/worker/register", json=reg)).status_code == 422
    await _still_serving(api)


async def test_integers_are_parsed_strictly(api: Api) -> None:
    for value in ("--5", "²", "1" * 5000, "0x10", " 5 5", "5.0", True):
        resp = await api.control.get("/api/workflows", params={"page_size": value})
        assert resp.status_code == 422, (value, resp.text)
        body = {"workflow_type": "t", "task_queue": "q", "run_timeout_seconds": value}
        resp = await api.control.post("/api/workflows", json=body)
        assert resp.status_code == 422, (value, resp.text)
        reg = {"task_queue": "q", "runtime": "python", "max_concurrent_workflow_tasks": value}
        assert (await api.worker.post("/api/worker/register", json=reg)).status_code == 422
    resp = await api.control.post(
        "/api/workflows", content=b'{"workflow_type": "t", "x": ' + b"9" * 5000 + b"}"
    )
    assert resp.status_code == 400
    await api.start("ints")
    run_id = (await api.describe("ints"))["run_id"]
    for value in ("--5", "²", "9" * 5000):
        resp = await api.control.get(
            f"/api/workflows/ints/runs/{run_id}/history", params={"page_size": value}
        )
        assert resp.status_code == 422, resp.text
        resp = await api.worker.post("/api/worker/workflow-tasks/poll", json={"timeout_seconds": value})
        assert resp.status_code < 500
    await _still_serving(api)


async def test_bad_page_tokens_and_list_filters_are_4xx(api: Api) -> None:
    await api.start("tok")
    run_id = (await api.describe("tok"))["run_id"]
    tokens = ["%%%", "wrEw", "LS01", "wrI=", "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=", "\u00b2", "a\x00"]
    for token in tokens:
        resp = await api.control.get("/api/workflows", params={"next_page_token": token})
        assert resp.status_code in (400, 422), (token, resp.text)
        resp = await api.control.get(
            f"/api/workflows/tok/runs/{run_id}/history", params={"next_page_token": token, "page_size": 1}
        )
        assert resp.status_code in (400, 422), (token, resp.text)
    deep = "Key = " + "[" * 5000 + "]" * 5000
    resp = await api.control.get("/api/workflows", params={"query": deep})
    assert resp.status_code == 422
    resp = await api.control.get("/api/workflows", params={"query": "Key = " + "[" * 900 + "]" * 900})
    assert resp.status_code == 200
    resp = await api.control.get(
        "/api/workflows", params={"status": "\udc80".encode("utf-8", "surrogatepass")}
    )
    assert resp.status_code == 422
    await _still_serving(api)


async def test_a_bearer_token_that_cannot_match_is_401() -> None:
    async with DevServer(serve_http=False, auth_driver="token", token="secret") as server:
        transport = server.asgi_transport()
        async with httpx.AsyncClient(transport=transport, base_url="http://dev") as client:
            for token in ("tökén".encode(), b"\xff\xfe", "\u00e9".encode("latin-1"), b"secret\x00"):
                auth = [(b"Authorization", b"Bearer " + token)]
                cp = [(k.encode(), v.encode()) for k, v in CP.items()] + auth
                resp = await client.get("/api/workflows", headers=cp)
                assert resp.status_code == 401, (token, resp.text)
                wp = [(k.encode(), v.encode()) for k, v in WP.items()] + auth
                resp = await client.post("/api/worker/register", headers=wp, json={})
                assert resp.status_code == 401
            good = {**CP, "Authorization": "Bearer secret"}
            resp = await client.post(
                "/api/workflows", headers=good, json={"workflow_id": "auth-ok", "workflow_type": "t"}
            )
            assert resp.status_code == 201
            assert (await client.get("/api/workflows", headers=good)).status_code == 200
            assert (await client.get("/api/workflows/auth-ok", headers=good)).status_code == 200


async def test_whatever_is_stored_can_be_rendered(api: Api) -> None:
    """Records written by an older server (before these checks) still list and describe."""
    await api.start("old-record")
    db = api.server.storage.db
    body = json.loads(db.execute("SELECT body FROM docs WHERE kind = 'run'").fetchone()[0])
    body["memo"] = {"note": "bad \udc80 text", "deep": _nested(300)}
    db.execute(
        "UPDATE docs SET body = ? WHERE kind = 'run' AND key = ?",
        (json.dumps(body), body["run_id"]),
    )
    api.server.engine.runs.drop(body["run_id"])
    api.server.engine.live["run"].discard(body["run_id"])
    resp = await api.control.get("/api/workflows/old-record")
    assert resp.status_code == 200, resp.text
    assert resp.json()["memo"]["note"] == "bad \udc80 text"
    resp = await api.control.get("/api/workflows")
    assert resp.status_code == 200
    await _still_serving(api)

"""Control plane: start/duplicates, list, describe, history, cancel/terminate, admin resources."""

from __future__ import annotations

from typing import Any

from tests.server.helpers import Api, complete_wf, env, unblob


async def test_duplicate_start_policies(api: Api) -> None:
    first = await api.start("dup")
    resp = await api.control.post(
        "/api/workflows",
        json={"workflow_id": "dup", "workflow_type": "greeter", "task_queue": "q", "input": env([])},
    )
    assert resp.status_code == 409
    body = resp.json()
    assert body["reason"] == "duplicate_not_allowed" and body["outcome"] == "rejected_duplicate"
    assert body["run_id"] == first["run_id"] and body["control_plane"]["operation"] == "start"
    again = await api.start("dup", duplicate_policy="use-existing")
    assert again["outcome"] == "returned_existing_active" and again["run_id"] == first["run_id"]
    await api.complete(await api.wf_task(), [complete_wf(1)])
    resp = await api.control.post(
        "/api/workflows",
        json={"workflow_id": "dup", "workflow_type": "greeter", "duplicate_policy": "use-existing"},
    )
    assert resp.status_code == 409 and resp.json()["reason"] == "duplicate_not_allowed"
    assert (await api.history("dup"))[-1]["event_type"] == "WorkflowCompleted"


async def test_start_validation(api: Api) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({}, "workflow_type"),
        ({"workflow_type": "t", "workflow_id": "bad id!"}, "workflow_id"),
        ({"workflow_type": "t", "duplicate_policy": "allow"}, "duplicate_policy"),
        ({"workflow_type": "t", "execution_timeout_seconds": 0}, "execution_timeout_seconds"),
        ({"workflow_type": "t", "retry_policy": {}}, "retry_policy"),
        ({"workflow_type": "t", "input": {"codec": "json", "blob": "[]"}}, "input.codec"),
        ({"workflow_type": "t", "search_attributes": {"1bad": "x"}}, "search_attributes.1bad"),
    ]
    for body, field in cases:
        resp = await api.control.post("/api/workflows", json=body)
        assert resp.status_code == 422, body
        out = resp.json()
        assert out["reason"] == "validation_failed" and field in out["errors"], out
        assert "control_plane" in out
    resp = await api.control.post(
        "/api/workflows", json={"workflow_type": "t", "input": ["plain"], "priority": 3, "fairness_key": "x"}
    )
    assert resp.status_code == 201
    assert (await api.describe(resp.json()["workflow_id"]))["input"] == ["plain"]


async def test_list_filters_and_paging(api: Api) -> None:
    for i in range(5):
        await api.start(
            f"list-{i}",
            workflow_type="a" if i % 2 else "b",
            business_key=f"order-{i}",
            search_attributes={"Region": "eu" if i < 2 else "us"},
        )
    await api.complete(await api.wf_task(), [complete_wf(1)])
    resp = await api.control.get("/api/workflows", params={"page_size": 2})
    body = resp.json()
    assert len(body["workflows"]) == 2 and body["next_page_token"]
    seen = [w["workflow_id"] for w in body["workflows"]]
    while body["next_page_token"]:
        body = (
            await api.control.get(
                "/api/workflows", params={"page_size": 2, "next_page_token": body["next_page_token"]}
            )
        ).json()
        seen += [w["workflow_id"] for w in body["workflows"]]
    assert sorted(seen) == [f"list-{i}" for i in range(5)]
    by_type = (await api.control.get("/api/workflows", params={"workflow_type": "a"})).json()["workflows"]
    assert {w["workflow_id"] for w in by_type} == {"list-1", "list-3"}
    done = (await api.control.get("/api/workflows", params={"status": "completed"})).json()["workflows"]
    assert len(done) == 1 and done[0]["status_bucket"] == "completed"
    query = (await api.control.get("/api/workflows", params={"query": "order-4"})).json()["workflows"]
    assert [w["workflow_id"] for w in query] == ["list-4"]
    query = await api.control.get("/api/workflows", params={"query": 'Region = "eu" AND WorkflowType = "a"'})
    assert [w["workflow_id"] for w in query.json()["workflows"]] == ["list-1"]
    bad = await api.control.get("/api/workflows", params={"status": "cancelled"})
    assert bad.status_code == 422


async def test_describe_and_history_paging(api: Api) -> None:
    started = await api.start("wf-h", args=["x"], execution_timeout_seconds=3600, run_timeout_seconds=600)
    described = await api.describe("wf-h")
    assert described["input"] == ["x"] and unblob(described["input_envelope"]["blob"]) == ["x"]
    assert described["payload_codec"] == "avro" and described["execution_deadline_at"]
    assert described["control_plane"]["workflow_id"] == "wf-h"
    task = await api.wf_task()
    await api.complete(
        task,
        [{"type": "record_side_effect", "result": env(i)["blob"]} for i in range(4)] + [complete_wf(None)],
    )
    url = f"/api/workflows/wf-h/runs/{started['run_id']}/history"
    whole = (await api.control.get(url)).json()
    assert whole["next_page_token"] is None and len(whole["events"]) == 7
    page = (await api.control.get(url, params={"page_size": 3})).json()
    assert [e["sequence"] for e in page["events"]] == [1, 2, 3] and page["next_page_token"]
    rest = (
        await api.control.get(url, params={"page_size": 10, "next_page_token": page["next_page_token"]})
    ).json()
    assert rest["events"][0]["sequence"] == 4 and rest["next_page_token"] is None
    run = (await api.control.get(f"/api/workflows/wf-h/runs/{started['run_id']}")).json()
    assert run["run_id"] == started["run_id"] and run["control_plane"]["operation"] == "describe_run"
    export = (await api.control.get(f"{url}/export")).json()
    assert export["schema"] == "durable-workflow.v2.history-export" and len(export["history_events"]) == 7
    assert export["history_events"][0]["type"] == "StartAccepted" and export["integrity"]["checksum"]
    missing = await api.control.get("/api/workflows/wf-h/runs/nope/history")
    assert missing.status_code == 404 and missing.json()["reason"] == "run_not_found"


async def test_unknown_workflow(api: Api) -> None:
    for method, url in (
        ("GET", "/api/workflows/ghost"),
        ("POST", "/api/workflows/ghost/signal/s"),
        ("POST", "/api/workflows/ghost/cancel"),
    ):
        resp = await api.control.request(method, url, json={} if method == "POST" else None)
        assert resp.status_code == 404 and resp.json()["reason"] == "instance_not_found"
        assert resp.json()["control_plane"]["workflow_id"] == "ghost"


async def test_cancel_and_terminate(api: Api) -> None:
    await api.start("wf-k")
    resp = await api.control.post("/api/workflows/wf-k/cancel", json={"reason": "user"})
    assert resp.status_code == 200 and resp.json()["outcome"] == "cancelled"
    history = await api.history("wf-k")
    assert [e["event_type"] for e in history][-2:] == ["CancelRequested", "WorkflowCancelled"]
    assert history[-1]["payload"]["reason"] == "user"
    again = await api.control.post("/api/workflows/wf-k/terminate", json={})
    assert again.status_code == 409 and again.json()["reason"] == "run_not_active"
    signal = await api.control.post("/api/workflows/wf-k/signal/s", json={})
    assert signal.status_code == 409 and signal.json()["control_plane"]["operation"] == "signal"
    await api.start("wf-term")
    resp = await api.control.post("/api/workflows/wf-term/terminate", json={})
    assert resp.json()["outcome"] == "terminated"
    assert (await api.describe("wf-term"))["status"] == "terminated"


async def test_namespaces(api: Api, make_client: Any) -> None:
    listed = (await api.control.get("/api/namespaces")).json()["namespaces"]
    assert [n["name"] for n in listed] == ["default"]
    resp = await api.control.post(
        "/api/namespaces", json={"name": "Billing", "description": None, "retention_days": 90}
    )
    assert resp.status_code == 201 and resp.json()["name"] == "billing"
    assert (await api.control.post("/api/namespaces", json={"name": "billing"})).status_code == 409
    resp = await api.control.put("/api/namespaces/billing", json={"description": "B"})
    assert resp.json()["description"] == "B" and resp.json()["retention_days"] == 90
    assert (await api.control.get("/api/namespaces/nope")).json()["reason"] == "namespace_not_found"
    async with make_client({**api.control.headers, "X-Namespace": "billing"}) as billing:
        resp = await billing.post("/api/workflows", json={"workflow_id": "ns-wf", "workflow_type": "t"})
        assert resp.status_code == 201 and resp.json()["namespace"] == "billing"
    assert (await api.control.get("/api/workflows/ns-wf")).status_code == 404
    reserved = await api.control.post("/api/workflows", json={"workflow_id": "ns-wf", "workflow_type": "t"})
    assert reserved.status_code == 409 and reserved.json()["reason"] == "workflow_id_reserved_in_namespace"
    async with make_client({**api.control.headers, "X-Namespace": "ghost"}) as ghost:
        resp = await ghost.get("/api/workflows")
        assert resp.status_code == 404 and resp.json()["reason"] == "namespace_not_found"


async def test_search_attributes_task_queues_workers(api: Api) -> None:
    attrs = (await api.control.get("/api/search-attributes")).json()
    assert attrs["system_attributes"]["WorkflowId"] == "keyword" and attrs["custom_attributes"] == {}
    resp = await api.control.post("/api/search-attributes", json={"name": "Region", "type": "keyword"})
    assert resp.status_code == 201 and resp.json()["outcome"] == "created"
    assert (
        await api.control.post("/api/search-attributes", json={"name": "Region", "type": "keyword"})
    ).json()["reason"] == "attribute_already_exists"
    assert (
        await api.control.post("/api/search-attributes", json={"name": "RunId", "type": "keyword"})
    ).json()["reason"] == "name_reserved"
    assert (await api.control.delete("/api/search-attributes/Region")).json()["outcome"] == "deleted"
    assert (await api.control.delete("/api/search-attributes/Region")).status_code == 404
    await api.register("w1", "q", supported_workflow_types=["greeter"])
    await api.start("tq-wf")
    queues = (await api.control.get("/api/task-queues")).json()["task_queues"]
    assert [q["name"] for q in queues] == ["q"]
    queue = (await api.control.get("/api/task-queues/q")).json()
    assert queue["stats"]["ready_workflow_tasks"] == 1 and queue["pollers"][0]["worker_id"] == "w1"
    workers = (await api.control.get("/api/workers")).json()
    assert workers["workers"][0]["status"] == "active"
    assert (await api.control.get("/api/workers/w1")).json()["supported_workflow_types"] == ["greeter"]
    assert (await api.control.delete("/api/workers/w1")).json()["outcome"] == "deregistered"
    assert (await api.control.get("/api/workers/w1")).json()["reason"] == "worker_not_found"


async def test_cluster_info_contract(api: Api) -> None:
    info = (await api.control.get("/api/cluster/info")).json()
    assert info["control_plane"]["version"] == "2"
    assert (
        info["control_plane"]["request_contract"]["schema"]
        == "durable-workflow.v2.control-plane-request.contract"
    )
    assert info["worker_protocol"]["version"] == "1.1"
    caps = info["worker_protocol"]["server_capabilities"]
    assert caps["query_tasks"] is True and caps["long_poll_timeout"] == 2
    contract = info["auth_composition_contract"]
    assert contract["version"] == 1 and contract["auth_material"]["token"]["status"] == "supported"
    wait_for = info["control_plane"]["request_contract"]["operations"]["update"]["fields"]["wait_for"]
    assert wait_for["canonical_values"] == ["accepted", "completed"]


async def test_a_retried_signal_with_the_same_request_id_is_recorded_once(api: Api) -> None:
    await api.start("sig-dedupe")
    body = {"input": env(["first"]), "request_id": "req-1"}
    first = await api.control.post("/api/workflows/sig-dedupe/signal/go", json=body)
    again = await api.control.post("/api/workflows/sig-dedupe/signal/go", json=body)
    other = await api.control.post(
        "/api/workflows/sig-dedupe/signal/go", json={**body, "request_id": "req-2"}
    )
    assert first.status_code == again.status_code == other.status_code == 202
    assert again.json()["command_id"] == first.json()["command_id"] != other.json()["command_id"]
    received = [e for e in await api.history("sig-dedupe") if e["event_type"] == "SignalReceived"]
    assert len(received) == 2


async def test_a_retried_update_with_the_same_request_id_is_accepted_once(api: Api) -> None:
    await api.start("upd-dedupe")
    body = {"input": env([1]), "request_id": "upd-req-1", "wait_for": "accepted"}
    first = await api.control.post("/api/workflows/upd-dedupe/update/bump", json=body)
    again = await api.control.post("/api/workflows/upd-dedupe/update/bump", json=body)
    assert first.status_code == again.status_code == 202
    assert again.json()["update_id"] == first.json()["update_id"]
    accepted = [e for e in await api.history("upd-dedupe") if e["event_type"] == "UpdateAccepted"]
    assert len(accepted) == 1

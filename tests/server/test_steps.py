"""Timers, condition waits, signals with arguments, batch gating and non-blocking steps."""

from __future__ import annotations

from durable_workflow.server import DevServer
from tests.server.helpers import Api, activity, complete_wf, env, events_of, unblob


async def test_timer_fires(api: Api, server: DevServer) -> None:
    await api.start("wf-t")
    task = await api.wf_task()
    await api.complete(task, [{"type": "start_timer", "delay_seconds": 60}])
    assert (await api.describe("wf-t"))["wait_kind"] == "timer"
    await server.advance(59)
    await api.no_wf_task()
    await server.advance(1)
    task = await api.wf_task()
    scheduled = events_of(task["history_events"], "TimerScheduled")[0]["payload"]
    fired = events_of(task["history_events"], "TimerFired")[0]["payload"]
    assert scheduled["sequence"] == fired["sequence"] == 3 and "timer_kind" not in fired


async def test_batch_gating_appends_in_command_order(api: Api) -> None:
    await api.start("wf-b")
    task = await api.wf_task()
    await api.complete(task, [activity("a", ["first"]), activity("b", ["second"])])
    first, second = await api.act_task(), await api.act_task()
    assert {first["activity_type"], second["activity_type"]} == {"a", "b"}
    by_type = {t["activity_type"]: t for t in (first, second)}
    await api.act_complete(by_type["b"], "B")
    await api.no_wf_task()
    assert "ActivityCompleted" not in await api.types("wf-b")
    await api.act_complete(by_type["a"], "A")
    task = await api.wf_task()
    done = events_of(task["history_events"], "ActivityCompleted")
    assert [unblob(e["payload"]["result"]) for e in done] == ["A", "B"]
    scheduled = events_of(task["history_events"], "ActivityScheduled")
    assert [e["payload"]["sequence"] for e in done] == [e["payload"]["sequence"] for e in scheduled]


async def test_mixed_batch_waits_for_failures_too(api: Api, server: DevServer) -> None:
    await api.start("wf-mb")
    task = await api.wf_task()
    await api.complete(task, [activity("a"), {"type": "start_timer", "delay_seconds": 30}])
    act = await api.act_task()
    await api.act_fail(act, {"message": "bad"})
    await api.no_wf_task()
    await server.advance(30)
    task = await api.wf_task()
    types = [e["event_type"] for e in task["history_events"]]
    assert types[-2:] == ["ActivityFailed", "TimerFired"]


async def test_signal_arguments_and_no_wake_while_blocked(api: Api) -> None:
    await api.start("wf-s")
    task = await api.wf_task()
    await api.complete(task, [activity("slow")])
    resp = await api.control.post("/api/workflows/wf-s/signal/approve", json={"input": env(["bob", 2])})
    assert resp.status_code == 202 and resp.json()["outcome"] == "signal_received"
    assert resp.json()["control_plane"]["operation_name"] == "approve"
    await api.no_wf_task()
    act = await api.act_task()
    await api.act_complete(act, None)
    task = await api.wf_task()
    signal = events_of(task["history_events"], "SignalReceived")[0]["payload"]
    assert signal["signal_name"] == "approve" and signal["payload_codec"] == "avro"
    assert unblob(signal["arguments"]) == ["bob", 2]


async def test_signal_with_plain_list_and_no_args(api: Api) -> None:
    await api.start("wf-s2")
    await api.control.post("/api/workflows/wf-s2/signal/a", json={"input": ["x"]})
    await api.control.post("/api/workflows/wf-s2/signal/b", json={})
    signals = events_of(await api.history("wf-s2"), "SignalReceived")
    assert [unblob(s["payload"]["arguments"]) for s in signals] == [["x"], []]


async def test_condition_wait_satisfied_by_signal(api: Api) -> None:
    await api.start("wf-cw")
    task = await api.wf_task()
    wait = {
        "type": "open_condition_wait",
        "condition_key": "approved",
        "condition_definition_fingerprint": "sha256:abc",
        "timeout_seconds": 60,
    }
    await api.complete(task, [wait])
    assert (await api.describe("wf-cw"))["wait_kind"] == "condition"
    await api.control.post("/api/workflows/wf-cw/signal/nudge", json={})
    task = await api.wf_task()
    await api.complete(task, [wait])  # predicate still false: the same wait is re-opened
    await api.control.post("/api/workflows/wf-cw/signal/approve", json={"input": ["yes"]})
    task = await api.wf_task()
    await api.complete(task, [complete_wf("done")])
    history = await api.history("wf-cw")
    opened = events_of(history, "ConditionWaitOpened")
    assert (
        len(opened) == 2
        and opened[0]["payload"]["condition_wait_id"] != opened[1]["payload"]["condition_wait_id"]
    )
    cancelled = events_of(history, "TimerCancelled")
    assert [c["payload"]["timer_kind"] for c in cancelled] == ["condition_timeout", "condition_timeout"]
    satisfied = events_of(history, "ConditionWaitSatisfied")
    assert [s["payload"]["condition_wait_id"] for s in satisfied] == [
        opened[1]["payload"]["condition_wait_id"]
    ]
    timers = events_of(history, "TimerScheduled")
    assert all(t["payload"]["timer_kind"] == "condition_timeout" for t in timers)
    assert timers[0]["payload"]["sequence"] == opened[0]["payload"]["sequence"]


async def test_condition_wait_times_out(api: Api, server: DevServer) -> None:
    await api.start("wf-ct")
    task = await api.wf_task()
    await api.complete(
        task,
        [
            {
                "type": "open_condition_wait",
                "condition_definition_fingerprint": "sha256:x",
                "timeout_seconds": 5,
            }
        ],
    )
    await server.advance(5)
    task = await api.wf_task()
    fired = events_of(task["history_events"], "TimerFired")[0]["payload"]
    opened = events_of(task["history_events"], "ConditionWaitOpened")[0]["payload"]
    assert fired["timer_kind"] == "condition_timeout"
    assert fired["condition_wait_id"] == opened["condition_wait_id"]
    await api.complete(task, [complete_wf(False)])
    assert "ConditionWaitSatisfied" not in await api.types("wf-ct")


async def test_non_blocking_steps(api: Api) -> None:
    await api.start("wf-nb", search_attributes={"Tier": "gold"}, memo={"m": 1})
    task = await api.wf_task()
    await api.complete(
        task,
        [
            {
                "type": "record_version_marker",
                "change_id": "chg",
                "version": 2,
                "min_supported": 1,
                "max_supported": 2,
            },
            {"type": "record_side_effect", "result": env(42)["blob"]},
            {"type": "upsert_search_attributes", "attributes": {"Customer": "c-1", "Tier": None}},
            complete_wf("ok"),
        ],
    )
    history = await api.history("wf-nb")
    marker = events_of(history, "VersionMarkerRecorded")[0]
    side = events_of(history, "SideEffectRecorded")[0]
    upsert = events_of(history, "SearchAttributesUpserted")[0]
    assert marker["payload"]["sequence"] == marker["sequence"] and marker["payload"]["version"] == 2
    assert unblob(side["payload"]["result"]) == 42 and side["payload"]["payload_codec"] == "avro"
    assert upsert["payload"]["merged"] == {"Customer": "c-1"}
    described = await api.describe("wf-nb")
    assert described["search_attributes"] == {"Customer": "c-1"} and described["memo"] == {"m": 1}


async def test_wakes_are_coalesced(api: Api) -> None:
    await api.start("wf-co")
    for name in ("a", "b", "c"):
        await api.control.post(f"/api/workflows/wf-co/signal/{name}", json={})
    task = await api.wf_task()
    assert [e["event_type"] for e in task["history_events"]].count("SignalReceived") == 3
    wait = {"type": "open_condition_wait", "condition_definition_fingerprint": "sha256:c"}
    await api.complete(task, [wait])
    await api.no_wf_task()


async def test_signal_while_leased_wakes_after_completion_into_a_wait(api: Api) -> None:
    await api.start("wf-sl")
    task = await api.wf_task()
    await api.control.post("/api/workflows/wf-sl/signal/late", json={"input": ["x"]})
    await api.no_wf_task()
    await api.complete(
        task, [{"type": "open_condition_wait", "condition_definition_fingerprint": "sha256:l"}]
    )
    again = await api.wf_task()
    assert events_of(again["history_events"], "SignalReceived")


async def test_signal_while_leased_waits_for_the_batch(api: Api) -> None:
    await api.start("wf-sb")
    task = await api.wf_task()
    await api.control.post("/api/workflows/wf-sb/signal/late", json={})
    await api.complete(task, [activity("a")])
    await api.no_wf_task()
    await api.act_complete(await api.act_task(), 1)
    task = await api.wf_task()
    types = [e["event_type"] for e in task["history_events"]]
    assert types.index("SignalReceived") < types.index("ActivityCompleted")


async def test_late_activity_result_after_run_closed(api: Api) -> None:
    await api.start("wf-late")
    task = await api.wf_task()
    await api.complete(task, [activity("a")])
    act = await api.act_task()
    await api.control.post("/api/workflows/wf-late/terminate", json={})
    out = await api.act_complete(act, 1, expect=409)
    assert out["reason"] == "run_terminated"
    assert (await api.history("wf-late"))[-1]["event_type"] == "WorkflowTerminated"


async def test_history_long_poll_wakes_on_new_event(api: Api) -> None:
    import asyncio
    import base64

    started = await api.start("wf-lp")
    token = base64.b64encode(b"2").decode()
    url = f"/api/workflows/wf-lp/runs/{started['run_id']}/history"
    call = asyncio.create_task(
        api.control.get(url, params={"wait_new_event": "1", "next_page_token": token, "page_size": 10})
    )
    await asyncio.sleep(0.05)
    assert not call.done()
    await api.control.post("/api/workflows/wf-lp/signal/s", json={})
    resp = await call
    assert [e["event_type"] for e in resp.json()["events"]] == ["SignalReceived"]


async def test_next_due_at_drives_time_skipping(api: Api, server: DevServer) -> None:
    await api.start("wf-skip")
    task = await api.wf_task()
    await api.complete(task, [{"type": "start_timer", "delay_seconds": 3600}])
    due = server.next_due_at()
    assert due is not None
    await server.advance(due - server.clock.now())
    task = await api.wf_task()
    assert events_of(task["history_events"], "TimerFired")

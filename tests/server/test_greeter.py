"""The vertical slice: start → workflow task → activity → workflow task → completed."""

from __future__ import annotations

from tests.server.helpers import Api, activity, complete_wf, env, events_of, unblob


async def test_greeter_round_trip(api: Api) -> None:
    started = await api.start("wf-1", args=["Ada"])
    assert started["outcome"] == "started_new" and started["payload_codec"] == "avro"
    task = await api.wf_task()
    assert task["workflow_type"] == "greeter" and task["payload_codec"] == "avro"
    assert unblob(task["arguments"]["blob"]) == ["Ada"]
    assert [e["event_type"] for e in task["history_events"]] == ["StartAccepted", "WorkflowStarted"]
    assert task["history_events"][1]["payload"]["timestamp"].endswith("Z")
    assert task["next_history_page_token"] is None

    await api.complete(task, [activity("greet", ["Ada"])])
    act = await api.act_task()
    assert act["activity_type"] == "greet" and act["attempt_number"] == 1
    assert unblob(act["arguments"]["blob"]) == ["Ada"]
    await api.act_complete(act, "Hello, Ada!")

    task2 = await api.wf_task()
    scheduled = events_of(task2["history_events"], "ActivityScheduled")[0]
    completed = events_of(task2["history_events"], "ActivityCompleted")[0]
    assert scheduled["payload"]["sequence"] == scheduled["sequence"] == 3
    assert completed["payload"]["sequence"] == 3 and completed["payload"]["payload_codec"] == "avro"
    assert unblob(completed["payload"]["result"]) == "Hello, Ada!"
    await api.complete(task2, [complete_wf("Hello, Ada!")])

    described = await api.describe("wf-1")
    assert described["status"] == "completed" and described["output"] == "Hello, Ada!"
    assert described["input"] == ["Ada"] and described["output_envelope"]["codec"] == "avro"
    assert described["control_plane"]["operation"] == "describe"
    history = await api.history("wf-1")
    assert history[-1]["event_type"] == "WorkflowCompleted"
    assert unblob(history[-1]["payload"]["output"]) == "Hello, Ada!"


async def test_long_poll_wakes_when_work_arrives(api: Api) -> None:
    import asyncio

    await api.register()
    poll = asyncio.create_task(api.wf_task(timeout=10))
    await asyncio.sleep(0.05)
    assert not poll.done()
    loop = asyncio.get_running_loop()
    began = loop.time()
    await api.start("wf-2", args=[])
    task = await poll
    assert loop.time() - began < 1.0
    assert task["workflow_id"] == "wf-2"
    assert env([])["blob"] == task["arguments"]["blob"]

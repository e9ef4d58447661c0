"""`replay`: exported histories from real runs replay; changed code raises NonDeterminismError."""

from __future__ import annotations

import base64
import inspect
import json
from collections.abc import Generator
from pathlib import Path
from typing import Any, Literal

import pytest

from durable_workflow import activity, workflow
from durable_workflow.errors import NonDeterminismError
from durable_workflow.payloads import DataConverter
from durable_workflow.testing import WorkflowEnvironment, load_history, parse_history, replay
from durable_workflow.workflow import WorkflowContext

DAY = 24 * 3600
Encoding = Literal["wrapper", "value-v1"]
LONG: dict[str, Any] = {"execution_timeout_seconds": 30 * DAY, "run_timeout_seconds": 30 * DAY}


@activity.defn(name="lookup-order")
async def lookup_order(order_id: str) -> dict[str, Any]:
    return {"order_id": order_id, "total": 42}


@activity.defn(name="lookup-customer")
async def lookup_customer(order_id: str) -> dict[str, Any]:
    return {"customer": "ann"}


@workflow.defn(name="order-flow")
class OrderFlow:
    def __init__(self) -> None:
        self.items: list[str] = []

    @workflow.signal("add")
    def add(self, item: str) -> None:
        self.items.append(item)

    def run(self, ctx: WorkflowContext, order_id: str) -> Generator[Any, Any, dict[str, Any]]:
        order = yield ctx.schedule_activity("lookup-order", [order_id])
        yield ctx.sleep(DAY)
        yield ctx.wait_condition(lambda: len(self.items) >= 1, timeout=2 * DAY)
        return {"order": order, "items": self.items}


@workflow.defn(name="order-flow")
class OrderFlowChanged(OrderFlow):
    def run(self, ctx: WorkflowContext, order_id: str) -> Generator[Any, Any, dict[str, Any]]:
        order = yield ctx.schedule_activity("lookup-customer", [order_id])  # changed-step
        yield ctx.sleep(DAY)
        yield ctx.wait_condition(lambda: len(self.items) >= 1, timeout=2 * DAY)
        return {"order": order, "items": self.items}


@workflow.defn(name="order-flow")
class OrderFlowLonger(OrderFlow):
    def run(self, ctx: WorkflowContext, order_id: str) -> Generator[Any, Any, dict[str, Any]]:
        order = yield ctx.schedule_activity("lookup-order", [order_id])
        yield ctx.sleep(DAY)
        yield ctx.wait_condition(lambda: len(self.items) >= 1, timeout=2 * DAY)
        yield ctx.sleep(60)  # added-step
        return {"order": order, "items": self.items}


@workflow.defn(name="order-flow")
class OrderFlowShorter(OrderFlow):
    def run(self, ctx: WorkflowContext, order_id: str) -> Generator[Any, Any, dict[str, Any]]:
        order = yield ctx.schedule_activity("lookup-order", [order_id])
        return {"order": order, "items": self.items}


def site_of(marker: str) -> str:
    """``file:line`` of the line in this module that carries ``marker``."""
    lines = inspect.getsource(inspect.getmodule(site_of)).splitlines()  # type: ignore[arg-type]
    number = next(i for i, line in enumerate(lines, 1) if line.endswith(f"# {marker}"))
    return f"{__file__}:{number}"


async def recorded_run(encoding: Encoding = "wrapper", *, finish: bool = True) -> tuple[dict[str, Any], Any]:
    """Run OrderFlow for real (time skipped) and return its history export and GET history."""
    async with (
        WorkflowEnvironment(payload_encoding=encoding) as env,
        env.worker(task_queue="q", workflows=[OrderFlow], activities=[lookup_order]),
    ):
        handle = await env.client.workflow(OrderFlow, workflow_id="o-1", task_queue="q", **LONG).start("o-1")
        if finish:
            await env.sleep(DAY)
            await handle.signal("add", ["book"])
            assert (await handle.result())["items"] == ["book"]
        else:
            await env.wait_idle()
        run_id = (await handle.describe()).run_id
        assert run_id is not None
        export = await env.client.export_history("o-1", run_id)
        events = await handle.history()
    return export, events


@pytest.mark.parametrize("encoding", ["wrapper", "value-v1"])
async def test_an_exported_history_replays_to_its_recorded_ending(encoding: Encoding, tmp_path: Path) -> None:
    export, _ = await recorded_run(encoding)
    frame = base64.b64decode(export["payloads"]["arguments"]["data"])
    assert frame.startswith(b"\xc3\x01" if encoding == "value-v1" else b"\x00")  # Value v1 / wrapper
    completed = next(e for e in export["history_events"] if e["type"] == "WorkflowCompleted")

    commands = replay(OrderFlow, export)
    assert [c["type"] for c in commands] == ["complete_workflow"]
    converter = DataConverter()
    recorded = converter.decode(completed["payload"]["output"])
    assert (
        converter.decode(commands[0]["result"])
        == recorded
        == {"order": {"order_id": "o-1", "total": 42}, "items": ["book"]}
    )
    same_encoding = replay(OrderFlow, export, converter=DataConverter(encoding=encoding))
    assert same_encoding[0]["result"]["blob"] == completed["payload"]["output"]

    path = tmp_path / "order.json"
    path.write_text(json.dumps(export))
    assert replay(OrderFlow, load_history(path)) == commands
    assert replay(OrderFlow, json.loads(path.read_text())) == commands


async def test_history_pages_and_event_lists_replay_with_explicit_input() -> None:
    export, events = await recorded_run()
    assert "event_type" in events[0]
    expected = replay(OrderFlow, export)
    assert replay(OrderFlow, {"events": events}, start_input=["o-1"]) == expected
    assert replay(OrderFlow, events, start_input=["o-1"]) == expected
    parsed = parse_history(events)
    assert (parsed.workflow_type, parsed.workflow_id, parsed.task_queue) == ("order-flow", "o-1", "q")

    # Histories whose WorkflowStarted event carries the input (as an envelope or plain JSON).
    started = next(e for e in events if e["event_type"] == "WorkflowStarted")
    blob = export["payloads"]["arguments"]["data"]
    for value in ({"codec": "avro", "blob": blob}, blob, ["o-1"]):
        started["payload"]["input"] = value
        assert replay(OrderFlow, events) == expected


async def test_an_open_run_replays_to_its_pending_state() -> None:
    export, _ = await recorded_run(finish=False)
    assert export["history_complete"] is False
    assert replay(OrderFlow, export) == []  # waiting on the one-day timer: nothing new to send
    with pytest.raises(NonDeterminismError):
        replay(OrderFlowChanged, export)


async def test_a_changed_step_raises_with_the_yield_site() -> None:
    export, _ = await recorded_run()
    with pytest.raises(NonDeterminismError) as info:
        replay(OrderFlowChanged, export)
    error = info.value
    assert error.site == site_of("changed-step")
    assert "lookup-order" in str(error.expected) and "lookup-customer" in str(error.actual)
    assert error.site in str(error)


async def test_code_that_runs_past_or_short_of_the_recorded_end_raises() -> None:
    export, _ = await recorded_run()
    with pytest.raises(NonDeterminismError) as longer:
        replay(OrderFlowLonger, export)
    assert longer.value.site == site_of("added-step")
    assert longer.value.expected == "complete_workflow"
    with pytest.raises(NonDeterminismError) as shorter:
        replay(OrderFlowShorter, export)
    assert "timer" in str(shorter.value.expected)


def test_bad_history_shapes_are_rejected() -> None:
    for bad in ("not a history", {"something": 1}, [1, 2]):
        with pytest.raises(ValueError):
            parse_history(bad)


async def test_child_workflow_and_continue_as_new_histories_replay() -> None:
    from tests.testing.test_environment import MonthlyBilling, ReminderChild, ReminderParent

    async with (
        WorkflowEnvironment() as env,
        env.worker(task_queue="q", workflows=[ReminderParent, ReminderChild, MonthlyBilling]),
    ):
        parent = await env.client.workflow(ReminderParent, workflow_id="parent", task_queue="q").start()
        await parent.result()
        parent_export = await env.client.export_history("parent", str(parent.run_id))
        chain = await env.client.workflow(MonthlyBilling, workflow_id="chain", task_queue="q").start(2, 0)
        await chain.result()
        first = await env.client.export_history("chain", str(chain.run_id))
        last = await env.client.export_history("chain", first["workflow"]["current_run_id"])
    assert [e["type"] for e in parent_export["history_events"]].count("ChildRunCompleted") == 2
    assert [c["type"] for c in replay(ReminderParent, parent_export)] == ["complete_workflow"]
    assert first["history_events"][-1]["type"] == "WorkflowContinuedAsNew"
    assert [c["type"] for c in replay(MonthlyBilling, first)] == ["continue_as_new"]  # input (2, 0)
    assert [c["type"] for c in replay(MonthlyBilling, last)] == ["complete_workflow"]  # input (1, 1)
    with pytest.raises(NonDeterminismError):
        replay(MonthlyBilling, first, start_input=[1, 1])  # the last run's code path ends differently


@workflow.defn(name="order-flow")
class OrderFlowTagged(OrderFlow):
    def run(self, ctx: WorkflowContext, order_id: str) -> Generator[Any, Any, dict[str, Any]]:
        order = yield ctx.schedule_activity("lookup-order", [order_id])
        yield ctx.sleep(DAY)
        yield ctx.wait_condition(lambda: len(self.items) >= 1, timeout=2 * DAY)
        yield ctx.upsert_search_attributes({"Stage": "done"})  # instant-step
        return {"order": order, "items": self.items}


async def test_a_new_instant_step_before_the_recorded_end_raises() -> None:
    export, _ = await recorded_run()
    with pytest.raises(NonDeterminismError) as info:
        replay(OrderFlowTagged, export)
    assert info.value.expected == "complete_workflow"
    assert info.value.actual is not None and "upsert" in info.value.actual

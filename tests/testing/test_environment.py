"""`WorkflowEnvironment`: real server engine, client and workers in-process, on a skippable clock."""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from durable_workflow import ActivityRetryPolicy, Client, activity, workflow
from durable_workflow.errors import ActivityFailed, WorkflowTimedOut
from durable_workflow.testing import WorkflowEnvironment, mock_activity
from durable_workflow.workflow import WorkflowContext

DAY = 24 * 3600
#: Explicit timeouts pass through (without them, the environment's client sets none).
LONG: dict[str, Any] = {"execution_timeout_seconds": 400 * DAY, "run_timeout_seconds": 400 * DAY}


@workflow.defn(name="thirty-days")
class ThirtyDays:
    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, float]:
        began = ctx.now()
        yield ctx.start_timer(30 * DAY)
        return (ctx.now() - began).total_seconds()


async def test_a_thirty_day_timer_takes_milliseconds() -> None:
    async with WorkflowEnvironment.start_time_skipping() as env:
        before = env.now()
        async with env.worker(task_queue="q", workflows=[ThirtyDays]):
            wall = time.monotonic()
            waited = await env.client.workflow(ThirtyDays, workflow_id="t30", task_queue="q").execute()
            elapsed = time.monotonic() - wall
        assert waited == 30 * DAY
        assert env.now() - before >= timedelta(days=30)
    assert elapsed < 1.0


async def test_time_skipping_also_fires_the_run_timeout() -> None:
    async with WorkflowEnvironment.start_time_skipping() as env:
        before = env.now()
        async with env.worker(task_queue="q", workflows=[ThirtyDays]):
            stub = env.client.workflow(
                ThirtyDays, workflow_id="t-timeout", task_queue="q", run_timeout_seconds=600
            )
            with pytest.raises(WorkflowTimedOut):
                await stub.execute()  # the run timeout comes first, in skipped time
        assert env.now() - before == timedelta(seconds=600)


tries: dict[str, int] = {}


@activity.defn(name="flaky-charge")
async def flaky_charge(key: str) -> int:
    tries[key] = tries.get(key, 0) + 1
    if tries[key] < 3:
        raise RuntimeError(f"declined {tries[key]}")
    return tries[key]


@workflow.defn(name="backoff")
class Backoff:
    def run(self, ctx: WorkflowContext, key: str) -> Generator[Any, Any, dict[str, Any]]:
        began = ctx.now()
        yield ctx.sleep(3600)
        policy = ActivityRetryPolicy(max_attempts=3, initial_interval_seconds=600, backoff_coefficient=2)
        attempt = yield ctx.schedule_activity("flaky-charge", [key], retry_policy=policy)
        return {"attempt": attempt, "elapsed": (ctx.now() - began).total_seconds()}


async def test_timer_then_activity_retry_backoff_is_skipped() -> None:
    async with (
        WorkflowEnvironment.start_time_skipping() as env,
        env.worker(task_queue="q", workflows=[Backoff], activities=[flaky_charge]),
    ):
        wall = time.monotonic()
        result = await env.client.workflow(Backoff, workflow_id="b1", task_queue="q").execute("b1")
        elapsed = time.monotonic() - wall
    assert result["attempt"] == 3
    assert result["elapsed"] >= 3600 + 600 + 1200  # the timer plus both backoffs, in server time
    assert elapsed < 2.0


@workflow.defn(name="approval-window")
class ApprovalWindow:
    def __init__(self) -> None:
        self.approved_by: str | None = None

    @workflow.signal("approve")
    def approve(self, by: str) -> None:
        self.approved_by = by

    @workflow.query("status")
    def status(self) -> str:
        return f"approved by {self.approved_by}" if self.approved_by else "waiting"

    @workflow.update("extend")
    def extend(self, note: str) -> str:
        return f"noted: {note}"

    def run(self, ctx: WorkflowContext, days: int) -> Generator[Any, Any, dict[str, Any]]:
        began = ctx.now()
        ok = yield ctx.wait_condition(lambda: self.approved_by is not None, timeout=days * DAY)
        return {"approved": ok, "by": self.approved_by, "waited": (ctx.now() - began).total_seconds()}


async def test_a_condition_wait_times_out_in_skipped_time() -> None:
    async with (
        WorkflowEnvironment.start_time_skipping() as env,
        env.worker(task_queue="q", workflows=[ApprovalWindow]),
    ):
        stub = env.client.workflow(ApprovalWindow, workflow_id="cw1", task_queue="q")
        result = await stub.execute(7)
    assert result == {"approved": False, "by": None, "waited": 7 * DAY}


async def test_signals_queries_and_updates_from_the_test() -> None:
    async with (
        WorkflowEnvironment.start_time_skipping() as env,
        env.worker(task_queue="q", workflows=[ApprovalWindow]),
    ):
        handle = await env.client.workflow(ApprovalWindow, workflow_id="cw2", task_queue="q", **LONG).start(7)
        assert await handle.query("status") == "waiting"
        await env.sleep(2 * DAY)  # explicit time: the 7-day window is still open
        assert await handle.query("status") == "waiting"
        assert (await handle.update("extend", ["please"])).result == "noted: please"
        await handle.signal("approve", ["ann"])
        assert await handle.query("status") == "approved by ann"
        result = await handle.result()
    assert result["approved"] is True and result["by"] == "ann"
    assert 2 * DAY <= result["waited"] < 3 * DAY


@dataclass
class Order:
    order_id: str
    cents: int


@activity.defn(name="charge-card")
async def charge_card(order: Order) -> str:
    raise AssertionError("the real payment gateway must not be called in tests")


@activity.defn(name="send-receipt")
def send_receipt(order_id: str, receipt: str) -> None:
    raise AssertionError("no e-mail in tests")


@workflow.defn(name="checkout")
class Checkout:
    def run(self, ctx: WorkflowContext, order: Order) -> Generator[Any, Any, str]:
        receipt = yield from ctx.activity(charge_card)(order)
        yield from ctx.activity(send_receipt)(order.order_id, receipt)
        return receipt


async def test_activities_are_replaced_by_mocks() -> None:
    seen: list[Any] = []

    def fake_charge(order: Order) -> str:
        seen.append(order)
        return f"rcpt-{order.order_id}-{order.cents}"

    charge = mock_activity(charge_card, fake_charge)
    receipt = mock_activity(send_receipt)  # returns None
    async with (
        WorkflowEnvironment.start_time_skipping() as env,
        env.worker(task_queue="q", workflows=[Checkout], activities=[charge, receipt]),
    ):
        result = await env.client.workflow(Checkout, workflow_id="c1", task_queue="q").execute(
            Order("o-7", 250)
        )
    assert result == "rcpt-o-7-250"
    assert seen == [Order("o-7", 250)]  # decoded with the real activity's types
    assert receipt.calls == [("o-7", "rcpt-o-7-250")]


async def test_mocks_given_as_a_mapping_and_failing_mocks() -> None:
    @workflow.defn(name="checkout-guarded")
    class Guarded:
        def run(self, ctx: WorkflowContext) -> Generator[Any, Any, str]:
            try:
                yield ctx.schedule_activity(
                    "charge-card",
                    [{"order_id": "x", "cents": 1}],
                    retry_policy=ActivityRetryPolicy(max_attempts=1),
                )
            except ActivityFailed as exc:
                return f"failed: {exc.message}"
            return "charged"

    async with WorkflowEnvironment.start_time_skipping() as env:
        async with env.worker(task_queue="ok", workflows=[Guarded], activities={"charge-card": "rcpt"}):
            assert (
                await env.client.workflow(Guarded, workflow_id="g1", task_queue="ok").execute() == "charged"
            )
        declined = mock_activity("charge-card", raises=RuntimeError("card declined"))
        async with env.worker(task_queue="bad", workflows=[Guarded], activities=[declined]):
            result = await env.client.workflow(Guarded, workflow_id="g2", task_queue="bad").execute()
    assert result == "failed: card declined"
    assert len(declined.calls) == 1


@workflow.defn(name="reminder-child")
class ReminderChild:
    def run(self, ctx: WorkflowContext, name: str, days: int) -> Generator[Any, Any, str]:
        yield ctx.sleep(days * DAY)
        return f"reminded {name}"


@workflow.defn(name="reminder-parent")
class ReminderParent:
    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, list[str]]:
        first = yield from ctx.child(ReminderChild, **LONG)("ann", 3)
        second = yield from ctx.child(ReminderChild, **LONG)("bob", 10)
        return [first, second]


async def test_child_workflows_with_long_timers() -> None:
    async with WorkflowEnvironment.start_time_skipping() as env:
        before = env.now()
        async with env.worker(task_queue="q", workflows=[ReminderParent, ReminderChild]):
            result = await env.client.workflow(
                ReminderParent, workflow_id="p1", task_queue="q", **LONG
            ).execute()
        assert env.now() - before >= timedelta(days=13)
    assert result == ["reminded ann", "reminded bob"]


@workflow.defn(name="monthly-billing")
class MonthlyBilling:
    def run(self, ctx: WorkflowContext, months_left: int, billed: int) -> Generator[Any, Any, Any]:
        yield ctx.sleep(30 * DAY)
        if months_left > 1:
            return ctx.continue_as_new(months_left - 1, billed + 1)
        return {"billed": billed + 1, "at": ctx.now().isoformat()}


async def test_a_continue_as_new_chain() -> None:
    async with (
        WorkflowEnvironment.start_time_skipping() as env,
        env.worker(task_queue="q", workflows=[MonthlyBilling]),
    ):
        stub = env.client.workflow(MonthlyBilling, workflow_id="bill", task_queue="q")
        result = await stub.execute(12, 0)
    assert result == {"billed": 12, "at": "2026-12-27T00:00:00+00:00"}  # 360 days after 2026-01-01


async def test_explicit_sleep_and_advance_without_waiting_on_a_result() -> None:
    async with (
        WorkflowEnvironment.start_time_skipping() as env,
        env.worker(task_queue="q", workflows=[ThirtyDays]),
    ):
        handle = await env.client.workflow(ThirtyDays, workflow_id="t-sleep", task_queue="q", **LONG).start()
        assert await env.wait_idle()
        assert (await handle.describe()).status == "waiting"  # no result() awaited: time holds still
        await env.sleep(29 * DAY)
        assert (await handle.describe()).status == "waiting"
        await env.advance(DAY)
        assert await handle.result(timeout=5) == 30 * DAY


async def test_a_local_environment_uses_the_real_clock() -> None:
    @workflow.defn(name="short-nap")
    class ShortNap:
        def run(self, ctx: WorkflowContext) -> Generator[Any, Any, str]:
            yield ctx.sleep(1)
            return "rested"

    async with WorkflowEnvironment.start_local() as env:
        async with env.worker(task_queue="q", workflows=[ShortNap]):
            wall = time.monotonic()
            assert await env.client.workflow(ShortNap, workflow_id="n", task_queue="q").execute() == "rested"
        assert time.monotonic() - wall >= 1.0
        with pytest.raises(RuntimeError):
            await env.advance(1)


async def test_value_v1_environment_round_trips() -> None:
    async with (
        WorkflowEnvironment(payload_encoding="value-v1") as env,
        env.worker(task_queue="q", workflows=[ApprovalWindow]),
    ):
        handle = await env.client.workflow(ApprovalWindow, workflow_id="v1", task_queue="q", **LONG).start(1)
        await handle.signal("approve", ["v1-user"])
        assert (await handle.result())["by"] == "v1-user"


async def test_plugin_fixtures(workflow_env: WorkflowEnvironment, dev_server_client: Client) -> None:
    assert workflow_env.time_skipping
    async with workflow_env.worker(task_queue="q", workflows=[ThirtyDays]):
        stub = workflow_env.client.workflow(ThirtyDays, workflow_id="fx", task_queue="q")
        assert await stub.execute() == 30 * DAY
    assert (await dev_server_client.health())["status"] in ("ok", "serving", "healthy")


@pytest.mark.parametrize("in_process", [True, False])
async def test_dev_server_client(in_process: bool) -> None:
    from durable_workflow.testing import dev_server_client

    async with dev_server_client(in_process=in_process) as client:
        info = await client.get_cluster_info()
        assert info
        assert client.base_url.startswith("http://127.0.0.1:")
        if not in_process:
            assert not client.base_url.endswith(":0")


async def test_a_stalled_wait_names_what_it_waits_for(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from durable_workflow.errors import WorkflowResultTimeout
    from durable_workflow.testing import _clock

    monkeypatch.setattr(_clock, "_STALL_WARNING_SECONDS", 0.05)
    async with WorkflowEnvironment.start_time_skipping() as env:
        handle = await env.client.workflow(
            ThirtyDays, workflow_id="orphan", task_queue="nobody", **LONG
        ).start()
        with pytest.raises(WorkflowResultTimeout):
            await handle.result(timeout=0.3)  # no worker polls "nobody": time must not move
        assert (await handle.describe()).status != "completed"
    assert "waiting for: workflow task on queue 'nobody' (is a worker for it running?)" in caplog.text


def test_mock_activity_needs_a_name() -> None:
    def plain(x: int) -> int:
        return x

    with pytest.raises(TypeError):
        mock_activity(plain)
    with pytest.raises(ValueError):
        mock_activity(" ")

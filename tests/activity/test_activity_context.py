"""`activity.context()`: throttled heartbeats, cancellation, and the sync variant."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, cast

import pytest

from durable_workflow import activity
from durable_workflow.activity import ActivityContext, ActivityInfo
from durable_workflow.activity._context import _reset_context, _set_context
from durable_workflow.errors import ActivityCancelled

INFO = ActivityInfo(
    activity_type="a", task_id="t", activity_attempt_id="aa", attempt_number=1, task_queue="q"
)


class Recorder:
    """Stands in for the heartbeat request and answers like the server would."""

    def __init__(self, cancel_after: int | None = None) -> None:
        self.sent: list[Mapping[str, Any] | None] = []
        self.cancel_after = cancel_after

    async def __call__(self, details: Mapping[str, Any] | None) -> Mapping[str, Any]:
        self.sent.append(details)
        cancel = self.cancel_after is not None and len(self.sent) >= self.cancel_after
        return {"cancel_requested": cancel, "can_continue": not cancel}


async def test_heartbeats_are_throttled_and_the_latest_details_win() -> None:
    sender = Recorder()
    ctx = ActivityContext(INFO, sender, loop=asyncio.get_running_loop(), heartbeat_interval=0.2)
    for i in range(10):
        await ctx.heartbeat({"i": i})
    assert sender.sent == [{"i": 0}]
    await asyncio.sleep(0.3)
    assert sender.sent == [{"i": 0}, {"i": 9}]
    await ctx.close()


async def test_cancel_requested_raises_activity_cancelled() -> None:
    ctx = ActivityContext(
        INFO, Recorder(cancel_after=1), loop=asyncio.get_running_loop(), heartbeat_interval=0
    )
    assert not ctx.is_cancelled
    with pytest.raises(ActivityCancelled):
        await ctx.heartbeat({"x": 1})
    assert ctx.is_cancelled
    with pytest.raises(ActivityCancelled):
        await ctx.heartbeat()
    with pytest.raises(TypeError, match="dict"):
        await ActivityContext(INFO, Recorder(), loop=asyncio.get_running_loop()).heartbeat(cast(Any, [1]))


async def test_heartbeat_sync_from_a_worker_thread() -> None:
    sender = Recorder()
    ctx = ActivityContext(INFO, sender, loop=asyncio.get_running_loop(), heartbeat_interval=0)
    await asyncio.to_thread(ctx.heartbeat_sync, {"from": "thread"})
    assert sender.sent == [{"from": "thread"}]


async def test_context_is_only_available_inside_an_activity() -> None:
    with pytest.raises(RuntimeError, match="outside of an activity"):
        activity.context()
    ctx = ActivityContext(INFO, Recorder(), loop=asyncio.get_running_loop())
    token = _set_context(ctx)
    try:
        assert activity.context() is ctx and activity.context().info.attempt_number == 1
    finally:
        _reset_context(token)


def test_default_interval_follows_the_heartbeat_timeout() -> None:
    loop = asyncio.new_event_loop()
    try:
        info = ActivityInfo("a", "t", "aa", 1, "q", heartbeat_timeout=4)
        assert ActivityContext(info, Recorder(), loop=loop)._interval == 2
        assert ActivityContext(INFO, Recorder(), loop=loop)._interval == 30
    finally:
        loop.close()

"""Each overlap policy, on scheduled fires and on manual triggers (with per-trigger overrides)."""

from __future__ import annotations

import pytest

from durable_workflow.client import Client
from durable_workflow.client._schedule_models import OverlapPolicy, ScheduleAction, ScheduleSpec
from durable_workflow.client._schedules import ScheduleHandle
from tests.schedules._support import Advance, eventually

HOURLY = ScheduleSpec(cron_expressions=["0 * * * *"])
ACTION = ScheduleAction(workflow_type="job", task_queue="q", input=[])


async def make(client: Client, policy: OverlapPolicy) -> ScheduleHandle:
    return await client.create_schedule(f"s-{policy}", spec=HOURLY, action=ACTION, overlap_policy=policy)


async def statuses(client: Client, handle: ScheduleHandle) -> list[str]:
    """Status of every workflow the schedule started, oldest first."""
    ids = [a.workflow_id for a in (await handle.describe()).recent_actions if a.workflow_id]
    return [(await client.describe_workflow(i)).status for i in ids]


async def test_skip_skips_while_the_last_run_is_open(client: Client, advance: Advance) -> None:
    handle = await make(client, "skip")
    await advance(3600)
    await advance(3600)
    desc = await handle.describe()
    assert desc.fires_count == 1 and desc.skipped_trigger_count == 1
    assert desc.raw["info"]["last_skip_reason"] == "overlap_policy_skip"
    assert desc.next_fire_at is not None and desc.next_fire_at.hour == 3
    skipped = await handle.trigger()
    assert (skipped.outcome, skipped.reason) == ("skipped", "overlap_policy_skip")
    await client.terminate_workflow(desc.latest_workflow_instance_id or "")
    assert (await handle.trigger()).outcome == "triggered"
    events = [e.event_type for e in (await handle.history()).events]
    assert events.count("ScheduleTriggerSkipped") == 2


async def test_allow_all_overlaps(client: Client, advance: Advance) -> None:
    handle = await make(client, "allow_all")
    await advance(3600)
    await advance(3600)
    assert (await handle.trigger()).outcome == "triggered"
    assert await statuses(client, handle) == ["pending", "pending", "pending"]


@pytest.mark.parametrize(
    ("policy", "closed"), [("cancel_other", "cancelled"), ("terminate_other", "terminated")]
)
async def test_cancel_and_terminate_other_stop_the_running_workflow(
    client: Client, advance: Advance, policy: OverlapPolicy, closed: str
) -> None:
    handle = await make(client, policy)
    await advance(3600)
    await advance(3600)
    assert await statuses(client, handle) == [closed, "pending"]
    first = (await handle.describe()).recent_actions[0].workflow_id or ""
    history = await client.get_history(first, (await client.describe_workflow(first)).run_id or "")
    terminal = history[-1]
    assert f"Schedule overlap: {policy} policy applied." in str(terminal["payload"])


async def test_buffer_one_buffers_a_single_fire_and_starts_it_when_the_run_closes(
    client: Client, advance: Advance
) -> None:
    handle = await make(client, "buffer_one")
    await advance(3600)
    await advance(3600)
    desc = await handle.describe()
    assert desc.fires_count == 1 and len(desc.buffered_actions) == 1
    full = await handle.trigger()
    assert full.outcome == "buffer_full" and full.reason
    assert (await handle.describe()).skipped_trigger_count == 1
    await client.terminate_workflow(desc.latest_workflow_instance_id or "")
    await advance(0)
    desc = await handle.describe()
    assert desc.fires_count == 2 and desc.buffered_actions == []
    assert [a.outcome for a in desc.recent_actions] == ["scheduled", "drained"]
    assert await statuses(client, handle) == ["terminated", "pending"]


async def test_buffer_all_keeps_every_fire_and_drains_them_one_by_one(
    client: Client, advance: Advance
) -> None:
    handle = await make(client, "buffer_all")
    await advance(3600)
    await advance(3600)
    buffered = await handle.trigger()
    assert (buffered.outcome, buffered.buffer_depth) == ("buffered", 2)
    for expected_fires in (2, 3):
        latest = (await handle.describe()).latest_workflow_instance_id or ""
        await client.terminate_workflow(latest)
        await advance(0)
        assert (await handle.describe()).fires_count == expected_fires
    assert (await handle.describe()).buffered_actions == []


async def test_the_loop_drains_a_buffer_on_its_own_when_the_run_closes(
    client: Client, advance: Advance
) -> None:
    handle = await make(client, "buffer_one")
    await advance(3600)
    await advance(3600)
    latest = (await handle.describe()).latest_workflow_instance_id or ""
    await client.terminate_workflow(latest)  # no clock change, no manual pass: the run-closed wake does it

    async def drained() -> bool:
        return (await handle.describe()).fires_count == 2

    await eventually(drained)


@pytest.mark.parametrize(
    ("override", "outcome"),
    [
        ("skip", "skipped"),
        ("buffer_one", "buffered"),
        ("buffer_all", "buffered"),
        ("allow_all", "triggered"),
        ("cancel_other", "triggered"),
        ("terminate_other", "triggered"),
    ],
)
async def test_trigger_overrides_the_policy_for_one_fire(
    client: Client, override: OverlapPolicy, outcome: str
) -> None:
    handle = await make(client, "allow_all")
    await handle.trigger()
    result = await handle.trigger(overlap_policy=override)
    assert result.outcome == outcome
    assert (await handle.describe()).overlap_policy == "allow_all"

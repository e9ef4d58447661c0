"""Backfill: every occurrence of a range fired now, in order, with the overlap rules of a backfill."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from durable_workflow.client import Client
from durable_workflow.client._schedule_models import OverlapPolicy, ScheduleAction, ScheduleSpec
from durable_workflow.errors import InvalidArgument
from tests.schedules._support import Advance

ACTION = ScheduleAction(workflow_type="job", task_queue="q", input=["x"])


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


async def test_backfill_a_day_of_hourly_fires(client: Client) -> None:
    handle = await client.create_schedule(
        "hourly",
        spec=ScheduleSpec(cron_expressions=["0 * * * *"]),
        action=ACTION,
        overlap_policy="allow_all",
        jitter_seconds=600,
    )
    result = await handle.backfill(start_time="2024-01-01T00:00:00Z", end_time="2024-01-02T00:00:00Z")
    assert result.schedule_id == "hourly" and result.outcome == "backfill_started"
    assert result.fires_attempted == 24
    assert [r.fire_time for r in result.results][:2] == [at("2024-01-01T00:00:00"), at("2024-01-01T01:00:00")]
    assert result.results[-1].fire_time == at("2024-01-01T23:00:00")  # the end is exclusive; no jitter
    assert all(r.outcome == "started" and r.workflow_id for r in result.results)
    assert len({r.workflow_id for r in result.results}) == 24
    desc = await handle.describe()
    assert desc.fires_count == 24
    assert desc.recent_actions[-1].outcome == "backfilled"
    assert len(desc.recent_actions) == 10
    started = await client.describe_workflow(result.results[0].workflow_id or "")
    assert started.input == ["x"]


async def test_backfill_accepts_datetimes_and_repeats_start_new_workflows(client: Client) -> None:
    handle = await client.create_schedule(
        "half",
        spec=ScheduleSpec(cron_expressions=["*/30 * * * *"]),
        action=ACTION,
        overlap_policy="allow_all",
    )
    first = await handle.backfill(at("2025-06-01T10:00:00"), datetime(2025, 6, 1, 11, 0))
    second = await handle.backfill(at("2025-06-01T10:00:00"), at("2025-06-01T11:00:00"))
    assert first.fires_attempted == second.fires_attempted == 2
    assert {r.workflow_id for r in first.results}.isdisjoint({r.workflow_id for r in second.results})


@pytest.mark.parametrize("policy", ["skip", "buffer_one"])
async def test_skip_skips_overlaps_and_buffers_act_like_allow_all(
    client: Client, policy: OverlapPolicy
) -> None:
    handle = await client.create_schedule(
        f"b-{policy}", spec=ScheduleSpec(cron_expressions=["0 * * * *"]), action=ACTION, overlap_policy=policy
    )
    result = await handle.backfill("2025-01-01T00:00:00Z", "2025-01-01T03:00:00Z")
    outcomes = [r.outcome for r in result.results]
    if policy == "skip":
        assert outcomes == ["started", "skipped", "skipped"]
        assert result.results[1].workflow_id is None
        assert result.results[1].reason == "overlap_policy_skip"
    else:
        assert outcomes == ["started", "started", "started"]
    assert (await handle.describe()).buffered_actions == []


async def test_backfill_override_and_paused_schedule(client: Client) -> None:
    handle = await client.create_schedule(
        "paused", spec=ScheduleSpec(cron_expressions=["0 * * * *"]), action=ACTION, overlap_policy="skip"
    )
    result = await handle.backfill("2025-01-01T00:00:00Z", "2025-01-01T02:00:00Z", overlap_policy="allow_all")
    assert [r.outcome for r in result.results] == ["started", "started"]
    await handle.pause()
    paused = await handle.backfill("2025-01-01T00:00:00Z", "2025-01-01T02:00:00Z")
    assert [(r.outcome, r.reason) for r in paused.results] == [("skipped", "status_not_triggerable")] * 2


async def test_backfill_stops_when_max_runs_is_reached(client: Client) -> None:
    handle = await client.create_schedule(
        "capped",
        spec=ScheduleSpec(cron_expressions=["0 * * * *"]),
        action=ACTION,
        overlap_policy="allow_all",
        max_runs=3,
    )
    result = await handle.backfill("2025-01-01T00:00:00Z", "2025-01-01T10:00:00Z")
    assert result.fires_attempted == 3
    assert (await handle.history()).events[-1].payload["reason"] == "max_runs_exhausted"


async def test_backfill_range_errors(client: Client, advance: Advance) -> None:
    handle = await client.create_schedule(
        "r", spec=ScheduleSpec(cron_expressions=["* * * * *"]), action=ACTION
    )
    with pytest.raises(InvalidArgument) as caught:
        await handle.backfill("2025-01-02T00:00:00Z", "2025-01-01T00:00:00Z")
    assert caught.value.reason == "invalid_time_range"
    assert "end_time" in caught.value.errors
    with pytest.raises(InvalidArgument) as caught:
        await handle.backfill("not a date", "2025-01-01T00:00:00Z")
    assert "start_time" in caught.value.errors
    with pytest.raises(InvalidArgument) as caught:
        await handle.backfill("2025-01-01T00:00:00Z", "2025-01-03T00:00:00Z")  # 2880 minutes
    assert "end_time" in caught.value.errors
    desc = await handle.describe()
    assert desc.fires_count == 0
    assert [e.event_type for e in (await handle.history()).events] == ["ScheduleCreated"]

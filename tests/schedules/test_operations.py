"""Every schedule operation through the client against the dev server on a fake clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, cast

import pytest

from durable_workflow.client import Client
from durable_workflow.client._schedule_models import (
    ScheduleAction,
    ScheduleInterval,
    ScheduleSpec,
)
from durable_workflow.errors import InvalidArgument, ScheduleAlreadyExists, ScheduleNotFound
from durable_workflow.server import DevServer
from tests.schedules._support import Advance

HOURLY = ScheduleSpec(cron_expressions=["0 * * * *"])


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def action(workflow_type: str = "report", *args: Any) -> ScheduleAction:
    return ScheduleAction(
        workflow_type=workflow_type, task_queue="q", input=list(args) or [{"format": "pdf"}]
    )


async def test_create_and_describe_roundtrip(client: Client) -> None:
    handle = await client.create_schedule(
        "hourly-report",
        spec=ScheduleSpec(cron_expressions=["15 * * * *"], timezone="UTC"),
        action=ScheduleAction(
            workflow_type="report",
            task_queue="reports",
            input=[{"format": "pdf"}, 3],
            execution_timeout_seconds=900,
            run_timeout_seconds=600,
        ),
        overlap_policy="buffer_one",
        max_runs=5,
        memo={"team": "ops"},
        search_attributes={"Region": "eu"},
        note="nightly",
    )
    assert handle.schedule_id == "hourly-report"
    desc = await handle.describe()
    assert desc.schedule_id == "hourly-report"
    assert desc.status == "active" and not desc.paused
    assert desc.spec.cron_expressions == ["15 * * * *"] and desc.spec.timezone == "UTC"
    assert desc.action == ScheduleAction(
        workflow_type="report",
        task_queue="reports",
        input=[{"format": "pdf"}, 3],
        execution_timeout_seconds=900,
        run_timeout_seconds=600,
    )
    assert desc.overlap_policy == "buffer_one"
    assert desc.note == "nightly"
    assert (desc.max_runs, desc.remaining_actions, desc.fires_count, desc.failures_count) == (5, 5, 0, 0)
    assert desc.next_fire_at == at("2026-01-01T00:15:00")
    assert desc.last_fired_at is None and desc.paused_at is None
    assert desc.memo == {"team": "ops"} and desc.search_attributes == {"Region": "eu"}
    assert desc.created_at == at("2026-01-01T00:00:00")
    # 0.2.10's nested blocks are there too.
    assert desc.raw["state"]["status"] == "active"
    assert desc.raw["info"]["next_fire"] == "2026-01-01T00:15:00+00:00"


async def test_the_server_generates_an_id_when_none_is_given(client: Client) -> None:
    handle = await client.create_schedule(spec=HOURLY, action=action())
    assert len(handle.schedule_id) == 26
    assert (await handle.describe()).status == "active"


async def test_fires_start_workflows_with_the_action(client: Client, advance: Advance) -> None:
    handle = await client.create_schedule(
        "s",
        spec=HOURLY,
        action=action("report", {"format": "pdf"}),
        memo={"m": 1},
        search_attributes={"Team": "ops"},
    )
    await advance(3600)
    desc = await handle.describe()
    assert desc.fires_count == 1
    assert desc.last_fired_at == at("2026-01-01T01:00:00")
    assert desc.next_fire_at == at("2026-01-01T02:00:00")
    [recent] = desc.recent_actions
    assert recent.outcome == "scheduled" and recent.fired_at == at("2026-01-01T01:00:00")
    assert recent.workflow_id == desc.latest_workflow_instance_id
    assert recent.workflow_id is not None
    execution = await client.describe_workflow(recent.workflow_id)
    assert execution.workflow_type == "report"
    assert execution.task_queue == "q"
    assert execution.input == [{"format": "pdf"}]
    assert execution.memo == {"m": 1}
    assert execution.search_attributes == {"Team": "ops"}
    history = await client.get_history(recent.workflow_id, execution.run_id or "")
    assert any(e["event_type"] == "ScheduleTriggered" for e in history)


async def test_duplicate_id_is_rejected_until_deleted(client: Client) -> None:
    handle = await client.create_schedule("dup", spec=HOURLY, action=action())
    with pytest.raises(ScheduleAlreadyExists):
        await client.create_schedule("dup", spec=HOURLY, action=action())
    await handle.delete()
    again = await client.create_schedule(
        "dup", spec=ScheduleSpec(intervals=[timedelta(minutes=5)]), action=action()
    )
    desc = await again.describe()
    assert desc.spec.intervals == [ScheduleInterval(every="PT5M")]
    assert desc.fires_count == 0


async def test_unknown_schedule_raises_not_found(client: Client) -> None:
    handle = client.get_schedule_handle("missing")
    for call in (
        handle.describe(),
        handle.pause(),
        handle.resume(),
        handle.trigger(),
        handle.delete(),
        handle.update(note="x"),
        handle.backfill("2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z"),
        handle.history(),
    ):
        with pytest.raises(ScheduleNotFound):
            await call


async def test_deleted_schedule_is_gone_but_keeps_its_history(client: Client, advance: Advance) -> None:
    handle = await client.create_schedule("gone", spec=HOURLY, action=action())
    await advance(3600)
    await handle.delete()
    with pytest.raises(ScheduleNotFound):
        await handle.describe()
    with pytest.raises(ScheduleNotFound):
        await handle.delete()
    assert (await client.list_schedules()).schedules == []
    [deleted] = (await client.list_schedules(status="deleted")).schedules
    assert deleted.status == "deleted" and deleted.next_fire_at is None
    events = (await handle.history()).events
    assert [e.event_type for e in events] == ["ScheduleCreated", "ScheduleTriggered", "ScheduleDeleted"]
    assert events[-1].payload["reason"] == "deleted"
    # The workflow it started is untouched, and nothing fires any more.
    latest = deleted.latest_workflow_instance_id or ""
    assert not (await client.describe_workflow(latest)).is_terminal
    await advance(7200)
    assert (await handle.history()).events[-1].event_type == "ScheduleDeleted"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"spec": ScheduleSpec(cron_expressions=["99 * * * *"])}, "spec.cron_expressions.0"),
        ({"spec": ScheduleSpec(cron_expressions=["0 * * * *"], timezone="Nowhere/Land")}, "spec.timezone"),
        ({"spec": ScheduleSpec(intervals=[{"every": "often"}])}, "spec.intervals.0.every"),
        ({"spec": ScheduleSpec()}, "spec.cron_expressions"),
        ({"overlap_policy": cast(Any, "sometimes")}, "overlap_policy"),
        ({"jitter_seconds": 7200}, "jitter_seconds"),
        ({"max_runs": 0}, "max_runs"),
        ({"action": ScheduleAction(workflow_type="")}, "action.workflow_type"),
        ({"search_attributes": {"bad key": 1}}, "search_attributes.bad key"),
    ],
)
async def test_invalid_create_is_422_naming_the_field_and_stores_nothing(
    client: Client, kwargs: dict[str, Any], field: str
) -> None:
    options: dict[str, Any] = {"spec": HOURLY, "action": action(), **kwargs}
    with pytest.raises(InvalidArgument) as caught:
        await client.create_schedule("bad", **options)
    assert caught.value.reason == "validation_failed"
    assert field in caught.value.errors, caught.value.errors
    assert (await client.list_schedules(status="deleted")).schedules == []
    assert (await client.list_schedules()).schedules == []


async def test_too_large_memo_is_rejected(client: Client) -> None:
    with pytest.raises(InvalidArgument) as caught:
        await client.create_schedule("big", spec=HOURLY, action=action(), memo={"x": "y" * 300_000})
    assert caught.value.reason == "memo_too_large"


async def test_create_paused_does_not_fire(client: Client, advance: Advance) -> None:
    handle = await client.create_schedule("p", spec=HOURLY, action=action(), paused=True, note="later")
    desc = await handle.describe()
    assert desc.status == "paused" and desc.paused and desc.note == "later"
    assert desc.paused_at == at("2026-01-01T00:00:00")
    await advance(3 * 3600)
    assert (await handle.describe()).fires_count == 0


async def test_pause_and_resume_with_notes(client: Client, advance: Advance) -> None:
    handle = await client.create_schedule("pr", spec=HOURLY, action=action(), note="first")
    await handle.pause(note="maintenance window")
    desc = await handle.describe()
    assert (desc.status, desc.note) == ("paused", "maintenance window")
    await advance(5 * 3600 + 1800)  # 05:30: five fires missed while paused
    assert (await handle.describe()).fires_count == 0
    await handle.resume(note="maintenance complete")
    desc = await handle.describe()
    assert (desc.status, desc.note, desc.paused_at) == ("active", "maintenance complete", None)
    assert desc.next_fire_at == at("2026-01-01T06:00:00")  # from now on; missed fires are not made up
    await handle.resume()  # resuming an active schedule is harmless
    await advance(1800)
    assert (await handle.describe()).fires_count == 1
    types = [e.event_type for e in (await handle.history()).events]
    assert types == ["ScheduleCreated", "SchedulePaused", "ScheduleResumed", "ScheduleTriggered"]


async def test_trigger_starts_now_and_skips_when_paused(client: Client) -> None:
    handle = await client.create_schedule("t", spec=HOURLY, action=action(), overlap_policy="allow_all")
    result = await handle.trigger()
    assert result.outcome == "triggered" and result.schedule_id == "t"
    assert result.workflow_id and result.run_id
    execution = await client.describe_workflow(result.workflow_id)
    assert execution.run_id == result.run_id
    again = await handle.trigger()
    assert again.workflow_id != result.workflow_id
    desc = await handle.describe()
    assert desc.fires_count == 2 and desc.next_fire_at == at("2026-01-01T01:00:00")
    await handle.pause()
    skipped = await handle.trigger()
    assert (skipped.outcome, skipped.reason) == ("skipped", "status_not_triggerable")
    assert (await handle.describe()).skipped_trigger_count == 1


async def test_update_changes_the_given_parts(client: Client, advance: Advance) -> None:
    handle = await client.create_schedule("u", spec=HOURLY, action=action(), note="hourly", max_runs=10)
    await advance(3600)
    await handle.update(
        spec=ScheduleSpec(cron_expressions=["*/30 * * * *"]),
        note="Changed to every 30 minutes",
        overlap_policy="allow_all",
        jitter_seconds=0,
        max_runs=4,
    )
    desc = await handle.describe()
    assert desc.spec.cron_expressions == ["*/30 * * * *"]
    assert desc.note == "Changed to every 30 minutes"
    assert desc.overlap_policy == "allow_all"
    assert desc.next_fire_at == at("2026-01-01T01:30:00")
    assert (desc.max_runs, desc.remaining_actions) == (4, 3)
    await handle.update(action=ScheduleAction(workflow_type="report-v2", task_queue="q2", input=[1]))
    desc = await handle.describe()
    assert desc.action.workflow_type == "report-v2" and desc.action.input == [1]
    assert desc.spec.cron_expressions == ["*/30 * * * *"]  # untouched
    event = (await handle.history()).events[-2]
    assert event.event_type == "ScheduleUpdated"
    assert event.payload["changed_fields"] == ["jitter_seconds", "max_runs", "note", "overlap_policy", "spec"]
    with pytest.raises(InvalidArgument) as caught:
        await handle.update(spec=ScheduleSpec(cron_expressions=["0 * * * *"], timezone="Atlantis/Capital"))
    assert "spec.timezone" in caught.value.errors
    assert (await handle.describe()).spec.cron_expressions == ["*/30 * * * *"]


async def test_max_runs_exhausts_and_deletes(client: Client, advance: Advance) -> None:
    handle = await client.create_schedule(
        "m", spec=HOURLY, action=action(), max_runs=2, overlap_policy="allow_all"
    )
    await advance(3600)
    await advance(3600)
    with pytest.raises(ScheduleNotFound):
        await handle.describe()
    events = (await handle.history()).events
    assert events[-1].event_type == "ScheduleDeleted"
    assert events[-1].payload["reason"] == "max_runs_exhausted"
    assert sum(e.event_type == "ScheduleTriggered" for e in events) == 2


async def test_list_filters_and_pages(client: Client) -> None:
    await client.create_schedule("a-report", spec=HOURLY, action=action("report"), note="finance")
    await client.create_schedule("b-cleanup", spec=HOURLY, action=action("cleanup"))
    await client.create_schedule("c-report", spec=HOURLY, action=action("report"), paused=True)
    d = await client.create_schedule("d-old", spec=HOURLY, action=action("report"))
    await d.delete()

    everything = await client.list_schedules()
    assert [s.schedule_id for s in everything.schedules] == ["c-report", "b-cleanup", "a-report"]
    assert everything.next_page_token is None
    assert everything.schedules[0].action.workflow_type == "report"
    assert [s.schedule_id for s in (await client.list_schedules(status="paused")).schedules] == ["c-report"]
    reports = await client.list_schedules(workflow_type="report", status="active")
    assert [s.schedule_id for s in reports.schedules] == ["a-report"]
    assert [s.schedule_id for s in (await client.list_schedules(query="FINANCE")).schedules] == ["a-report"]
    assert [s.schedule_id for s in (await client.list_schedules(query="cleanup")).schedules] == ["b-cleanup"]

    first = await client.list_schedules(page_size=2)
    assert [s.schedule_id for s in first.schedules] == ["c-report", "b-cleanup"]
    assert first.next_page_token
    second = await client.list_schedules(page_size=2, next_page_token=first.next_page_token)
    assert [s.schedule_id for s in second.schedules] == ["a-report"]
    assert second.next_page_token is None


async def test_list_rejects_bad_parameters(client: Client) -> None:
    from durable_workflow.errors import ServerError

    with pytest.raises(ServerError) as caught:
        await client.list_schedules(status="sleeping")
    assert caught.value.status_code == 422
    with pytest.raises(ServerError):
        await client.list_schedules(next_page_token="garbage")


async def test_history_pages(client: Client) -> None:
    handle = await client.create_schedule("h", spec=HOURLY, action=action(), overlap_policy="allow_all")
    for _ in range(4):
        await handle.trigger()
    first = await handle.history(limit=2)
    assert [e.sequence for e in first.events] == [1, 2]
    assert first.has_more and first.next_cursor == 2
    assert first.schedule_id == "h" and first.namespace == "default"
    rest = await handle.history(after_sequence=first.next_cursor)
    assert [e.sequence for e in rest.events] == [3, 4, 5]
    assert not rest.has_more and rest.next_cursor is None
    triggered = rest.events[0]
    assert triggered.event_type == "ScheduleTriggered"
    assert triggered.payload["trigger_number"] == 2
    assert triggered.recorded_at == at("2026-01-01T00:00:00")
    with pytest.raises(ValueError):
        await handle.history(limit=0)
    with pytest.raises(ValueError):
        await handle.history(after_sequence=-1)


async def test_history_rejects_a_bad_cursor_on_the_wire(client: Client, server: DevServer) -> None:
    await client.create_schedule("hc", spec=HOURLY, action=action())
    with pytest.raises(InvalidArgument) as caught:
        await client._control("GET", "/schedules/hc/history", params={"after_sequence": "x"})
    assert caught.value.reason == "invalid_after_sequence"


async def test_intervals_timezones_and_jitter(client: Client, advance: Advance) -> None:
    every = await client.create_schedule(
        "every",
        spec=ScheduleSpec(intervals=[ScheduleInterval(every=timedelta(minutes=45), offset=600)]),
        action=action(),
    )
    # 45-minute boundaries since the epoch, shifted by 10 minutes: 00:10 is one of them today.
    assert (await every.describe()).next_fire_at == at("2026-01-01T00:10:00")
    tz = await client.create_schedule(
        "ny", spec=ScheduleSpec(cron_expressions=["0 9 * * *"], timezone="America/New_York"), action=action()
    )
    assert (await tz.describe()).next_fire_at == at("2026-01-01T14:00:00")
    jittered = await client.create_schedule("j", spec=HOURLY, action=action(), jitter_seconds=600)
    desc = await jittered.describe()
    assert desc.jitter_seconds == 600
    assert desc.next_fire_at is not None
    offset = desc.next_fire_at - at("2026-01-01T01:00:00")
    assert timedelta(0) <= offset <= timedelta(seconds=600)
    await advance(3600 + offset.total_seconds() - 1)
    assert (await jittered.describe()).fires_count == 0
    await advance(1)
    assert (await jittered.describe()).fires_count == 1


async def test_bounded_spec_stops_firing(client: Client, advance: Advance) -> None:
    handle = await client.create_schedule(
        "bounded",
        spec=ScheduleSpec(
            cron_expressions=["0 * * * *"], start_at=at("2026-01-01T02:00:00"), end_at="2026-01-01T03:00:00Z"
        ),
        action=action(),
        overlap_policy="allow_all",
    )
    desc = await handle.describe()
    assert desc.next_fire_at == at("2026-01-01T02:00:00")
    assert desc.spec.start_at == at("2026-01-01T02:00:00")
    for _ in range(4):
        await advance(3600)
    desc = await handle.describe()
    assert desc.fires_count == 2 and desc.next_fire_at is None

"""The synchronous client's schedule surface, against a live dev server over HTTP."""

from __future__ import annotations

import pytest

from durable_workflow import sync
from durable_workflow.client._schedule_models import ScheduleAction, ScheduleSpec
from durable_workflow.errors import ScheduleAlreadyExists, ScheduleNotFound


def test_sync_schedule_lifecycle(live_server_url: str) -> None:
    with sync.Client(live_server_url) as client:
        handle = client.create_schedule(
            "sync-hourly",
            spec=ScheduleSpec(cron_expressions=["0 * * * *"]),
            action=ScheduleAction(workflow_type="report", task_queue="q", input=[{"format": "pdf"}]),
            overlap_policy="allow_all",
        )
        assert isinstance(handle, sync.ScheduleHandle)
        with pytest.raises(ScheduleAlreadyExists):
            client.create_schedule(
                "sync-hourly", spec=ScheduleSpec(cron_expressions=["@daily"]), action=ScheduleAction("x")
            )
        desc = handle.describe()
        assert desc.status == "active" and desc.next_fire_at is not None
        assert [s.schedule_id for s in client.list_schedules().schedules] == ["sync-hourly"]
        handle.pause(note="hold")
        assert handle.describe().note == "hold"
        handle.resume()
        triggered = handle.trigger()
        assert triggered.outcome == "triggered" and triggered.workflow_id
        backfill = handle.backfill("2025-01-01T00:00:00Z", "2025-01-01T02:00:00Z")
        assert backfill.fires_attempted == 2
        handle.update(note="updated", spec=ScheduleSpec(cron_expressions=["*/30 * * * *"]))
        assert handle.describe().spec.cron_expressions == ["*/30 * * * *"]
        assert handle.history(limit=1).has_more
        handle.delete()
        with pytest.raises(ScheduleNotFound):
            client.get_schedule_handle("sync-hourly").describe()
        generated = client.create_schedule(
            spec=ScheduleSpec(cron_expressions=["@daily"]), action=ScheduleAction("x")
        )
        assert client.describe_schedule(generated.schedule_id).schedule_id == generated.schedule_id

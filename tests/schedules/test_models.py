"""Client-side schedule models: wire encoding and reading both server answer shapes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from durable_workflow.client._schedule_models import (
    ScheduleAction,
    ScheduleDescription,
    ScheduleHistory,
    ScheduleInterval,
    ScheduleSpec,
    duration_to_iso,
)
from durable_workflow.payloads import DataConverter


def test_durations_become_iso_strings() -> None:
    assert duration_to_iso(timedelta(minutes=90)) == "PT1H30M"
    assert duration_to_iso(timedelta(days=1, seconds=5)) == "P1DT5S"
    assert duration_to_iso(timedelta(days=2)) == "P2D"
    assert duration_to_iso(0) == "PT0S"
    assert duration_to_iso(1.5) == "PT1.5S"
    assert duration_to_iso("PT5M") == "PT5M"
    with pytest.raises(ValueError):
        duration_to_iso(-1)


def test_spec_wire_shape() -> None:
    spec = ScheduleSpec(
        cron_expressions=["0 * * * *"],
        intervals=[
            ScheduleInterval(every=timedelta(hours=1), offset=timedelta(minutes=5)),
            timedelta(minutes=10),
            {"every": "PT2H"},
        ],
        timezone="Europe/Paris",
        start_at=datetime(2026, 1, 1),
        end_at="2026-02-01T00:00:00Z",
    )
    assert spec.to_wire() == {
        "cron_expressions": ["0 * * * *"],
        "intervals": [{"every": "PT1H", "offset": "PT5M"}, {"every": "PT10M"}, {"every": "PT2H"}],
        "timezone": "Europe/Paris",
        "start_at": "2026-01-01T00:00:00+00:00",
        "end_at": "2026-02-01T00:00:00Z",
    }
    assert ScheduleSpec(cron_expressions=["@hourly"]).to_wire() == {"cron_expressions": ["@hourly"]}


def test_action_wire_shape_sends_an_envelope() -> None:
    converter = DataConverter()
    wire = ScheduleAction("greeter", "q", ["world"], execution_timeout_seconds=60).to_wire(converter)
    assert wire["workflow_type"] == "greeter" and wire["task_queue"] == "q"
    assert wire["execution_timeout_seconds"] == 60 and "run_timeout_seconds" not in wire
    assert wire["input"]["codec"] == "avro"
    assert converter.decode(wire["input"]) == ["world"]
    assert ScheduleAction.from_wire(wire, converter).input == ["world"]


def test_description_reads_the_nested_shape_of_server_0_2_10() -> None:
    body = {
        "schedule_id": "daily-order-rollup",
        "spec": {"cron_expressions": ["0 6 * * *"], "timezone": "UTC"},
        "action": {
            "workflow_type": "orders.rollup",
            "task_queue": "orders",
            "execution_timeout_seconds": 600,
        },
        "overlap_policy": "skip",
        "state": {"status": "active", "paused": False, "note": None},
        "info": {
            "next_fire": "2026-04-23T06:00:12+00:00",
            "last_fire": "2026-04-22T06:00:07+00:00",
            "fires_count": 42,
            "failures_count": 1,
            "recent_actions": [
                {
                    "workflow_id": "w",
                    "run_id": "r",
                    "outcome": "scheduled",
                    "fired_at": "2026-04-22T06:00:07+00:00",
                }
            ],
            "buffered_actions": [],
            "skipped_trigger_count": 1,
        },
        "jitter_seconds": 30,
        "max_runs": 50,
        "remaining_actions": 8,
    }
    desc = ScheduleDescription.from_wire(body, DataConverter())
    assert desc.status == "active" and not desc.paused
    assert desc.fires_count == 42 and desc.failures_count == 1 and desc.skipped_trigger_count == 1
    assert desc.next_fire_at == datetime(2026, 4, 23, 6, 0, 12, tzinfo=timezone.utc)
    assert desc.last_fired_at == datetime(2026, 4, 22, 6, 0, 7, tzinfo=timezone.utc)
    assert desc.recent_actions[0].workflow_id == "w"
    assert desc.action.execution_timeout_seconds == 600 and desc.action.input == []
    assert (desc.jitter_seconds, desc.max_runs, desc.remaining_actions) == (30, 50, 8)


def test_history_cursor_is_coerced_to_int() -> None:
    history = ScheduleHistory.from_wire({"events": [], "has_more": True, "next_cursor": "6"}, "s")
    assert history.next_cursor == 6 and history.has_more and history.schedule_id == "s"

"""Malformed schedule requests get 4xx answers naming the field, never a 500, and store nothing."""

from __future__ import annotations

from typing import Any

import pytest

from durable_workflow.client import Client
from durable_workflow.errors import InvalidArgument, ServerError

VALID_SPEC = {"cron_expressions": ["0 * * * *"]}
VALID_ACTION = {"workflow_type": "job"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"spec": "hourly", "action": VALID_ACTION}, "spec"),
        ({"spec": {"cron_expressions": "0 * * * *"}, "action": VALID_ACTION}, "spec.cron_expressions"),
        ({"spec": {"cron_expressions": [5]}, "action": VALID_ACTION}, "spec.cron_expressions.0"),
        ({"spec": {"intervals": [{"every": 30}]}, "action": VALID_ACTION}, "spec.intervals.0.every"),
        ({"spec": {"intervals": "PT1M"}, "action": VALID_ACTION}, "spec.intervals"),
        ({"spec": {**VALID_SPEC, "timezone": 3}, "action": VALID_ACTION}, "spec.timezone"),
        ({"spec": {**VALID_SPEC, "start_at": 17}, "action": VALID_ACTION}, "spec.start_at"),
        ({"spec": VALID_SPEC, "action": 5}, "action"),
        ({"spec": VALID_SPEC, "action": {"workflow_type": 1}}, "action.workflow_type"),
        ({"spec": VALID_SPEC, "action": {**VALID_ACTION, "input": "x"}}, "action.input"),
        (
            {"spec": VALID_SPEC, "action": {**VALID_ACTION, "run_timeout_seconds": 0}},
            "action.run_timeout_seconds",
        ),
        ({"spec": VALID_SPEC, "action": VALID_ACTION, "schedule_id": 7}, "schedule_id"),
        ({"spec": VALID_SPEC, "action": VALID_ACTION, "jitter_seconds": "lots"}, "jitter_seconds"),
        ({"spec": VALID_SPEC, "action": VALID_ACTION, "paused": "yes"}, "paused"),
        ({"spec": VALID_SPEC, "action": VALID_ACTION, "memo": [1]}, "memo"),
        ({"spec": VALID_SPEC, "action": VALID_ACTION, "note": "n" * 1001}, "note"),
        ({"action": VALID_ACTION}, "spec"),
        ({"spec": VALID_SPEC}, "action"),
    ],
)
async def test_garbage_create(client: Client, body: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        await client._control("POST", "/schedules", json=body)
    assert field in caught.value.errors, caught.value.errors
    assert (await client._control("GET", "/schedules"))["schedules"] == []


async def test_garbage_on_existing_schedule(client: Client) -> None:
    await client._control(
        "POST", "/schedules", json={"schedule_id": "g", "spec": VALID_SPEC, "action": VALID_ACTION}
    )
    cases: list[tuple[str, str, dict[str, Any]]] = [
        ("PUT", "/schedules/g", {"action": "x"}),
        ("PUT", "/schedules/g", {"spec": {"cron_expressions": []}}),
        ("PUT", "/schedules/g", {"max_runs": -1}),
        ("POST", "/schedules/g/pause", {"note": 5}),
        ("POST", "/schedules/g/resume", {"note": ["x"]}),
        ("POST", "/schedules/g/trigger", {"overlap_policy": 5}),
        ("POST", "/schedules/g/backfill", {"start_time": 5, "end_time": "2026-01-01T00:00:00Z"}),
        ("POST", "/schedules/g/backfill", {"start_time": "2026-01-01T00:00:00Z"}),
        (
            "POST",
            "/schedules/g/backfill",
            {"start_time": "2026-01-01", "end_time": "2026-01-02", "overlap_policy": 1},
        ),
    ]
    for method, path, body in cases:
        with pytest.raises(InvalidArgument):
            await client._control(method, path, json=body)
    described = await client._control("GET", "/schedules/g")
    assert (described["status"], described["fires_count"], described["note"]) == ("active", 0, None)
    assert described["spec"] == VALID_SPEC
    for params in ({"page_size": "abc"}, {"page_size": "0"}):
        with pytest.raises(ServerError) as caught:
            await client._control("GET", "/schedules", params=params)
        assert caught.value.status_code == 422
    history = await client._control("GET", "/schedules/g/history", params={"limit": "lots"})
    assert len(history["events"]) == 1  # a bad limit falls back to the default

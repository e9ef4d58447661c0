"""Schedules survive restarts (same SQLite file), catch up once, and never start a fire twice."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from datetime import datetime, timezone

from durable_workflow.client import Client
from durable_workflow.client._schedule_models import ScheduleAction, ScheduleSpec
from durable_workflow.server import DevServer, FakeClock
from durable_workflow.server._schedules import service_for
from tests.schedules._support import START, eventually, server_options

HOURLY = ScheduleSpec(cron_expressions=["0 * * * *"])
ACTION = ScheduleAction(workflow_type="job", task_queue="q", input=[1])


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


@asynccontextmanager
async def running(db_path: str, clock: FakeClock) -> AsyncIterator[tuple[DevServer, Client]]:
    async with (
        DevServer(db_path, serve_http=False, clock=clock, **server_options()) as server,
        Client(server.base_url, transport=server.asgi_transport()) as client,
    ):
        yield server, client


async def test_the_loop_fires_on_its_own_when_the_clock_moves(db_path: str) -> None:
    clock = FakeClock(START)
    async with running(db_path, clock) as (_, client):
        handle = await client.create_schedule("loop", spec=HOURLY, action=ACTION)
        clock.advance(3600)  # only the clock: the sleeping loop wakes and fires

        async def fired() -> bool:
            return (await handle.describe()).fires_count == 1

        await eventually(fired)


async def test_state_survives_a_restart(db_path: str) -> None:
    clock = FakeClock(START)
    async with running(db_path, clock) as (_, client):
        handle = await client.create_schedule(
            "keep", spec=HOURLY, action=ACTION, note="n", jitter_seconds=900
        )
        paused = await client.create_schedule("sleepy", spec=HOURLY, action=ACTION)
        await paused.pause(note="held")
        before = await handle.describe()
    async with running(db_path, clock) as (_, client):
        after = await client.get_schedule_handle("keep").describe()
        assert after.next_fire_at == before.next_fire_at  # jitter is fixed, not re-drawn
        assert after.note == "n" and after.created_at == before.created_at
        sleepy = await client.get_schedule_handle("sleepy").describe()
        assert (sleepy.status, sleepy.note) == ("paused", "held")
        assert len((await client.get_schedule_handle("keep").history()).events) == 1


async def test_fires_missed_while_down_are_caught_up_once(db_path: str) -> None:
    clock = FakeClock(START)
    async with running(db_path, clock) as (server, client):
        handle = await client.create_schedule("catch", spec=HOURLY, action=ACTION, overlap_policy="allow_all")
        clock.advance(3600)
        await service_for(server.engine).tick()
        assert (await handle.describe()).fires_count == 1
    clock.advance(5 * 3600 + 1200)  # down from 01:00 to 06:20: fires at 02:00..06:00 were missed
    async with running(db_path, clock) as (server, client):
        handle = client.get_schedule_handle("catch")

        async def caught_up() -> bool:
            return (await handle.describe()).fires_count == 2

        await eventually(caught_up)  # the loop's first pass after start-up
        desc = await handle.describe()
        assert desc.next_fire_at == at("2026-01-01T07:00:00")
        triggered = [e for e in (await handle.history()).events if e.event_type == "ScheduleTriggered"]
        assert triggered[-1].payload["occurrence_time"] == "2026-01-01T02:00:00+00:00"


async def test_a_fire_repeated_after_a_crash_finds_its_workflow(db_path: str) -> None:
    """The engine committed the start but the schedule row did not: the repeat derives the same id."""
    clock = FakeClock(START)
    async with running(db_path, clock) as (_, client):
        await client.create_schedule("crash", spec=HOURLY, action=ACTION)
    with closing(sqlite3.connect(db_path)) as db, db:
        (before,) = db.execute("SELECT body FROM schedules WHERE schedule_id = 'crash'").fetchone()
    clock.advance(3600)
    async with running(db_path, clock) as (server, client):
        await service_for(server.engine).tick()
        first = await client.get_schedule_handle("crash").describe()
        assert first.fires_count == 1
    with closing(sqlite3.connect(db_path)) as db, db:  # roll the schedule tables back to before the fire
        db.execute("UPDATE schedules SET body = ? WHERE schedule_id = 'crash'", (before,))
        db.execute("DELETE FROM schedule_events WHERE schedule_id = 'crash' AND sequence > 1")
    async with running(db_path, clock) as (server, client):
        await service_for(server.engine).tick()
        again = await client.get_schedule_handle("crash").describe()
        assert again.fires_count == 1
        assert again.latest_workflow_instance_id == first.latest_workflow_instance_id
        workflows = await client.list_workflows(workflow_type="job")
        assert len(workflows.executions) == 1

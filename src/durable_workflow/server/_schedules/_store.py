"""Schedule records and their SQLite tables (in the dev server's database file).

Schedules live in their own two tables next to the engine's: one JSON document per schedule and an
append-only audit history, written inside the engine's unit-of-work transaction.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Schedule", "ScheduleEventRow", "ScheduleStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS schedules (
    namespace TEXT NOT NULL,
    schedule_id TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (namespace, schedule_id)
);
CREATE TABLE IF NOT EXISTS schedule_events (
    namespace TEXT NOT NULL,
    schedule_id TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    workflow_instance_id TEXT,
    workflow_run_id TEXT,
    PRIMARY KEY (namespace, schedule_id, sequence)
);
"""


@dataclass
class Schedule:
    """One schedule: its definition plus the scheduler's state (times are epoch seconds)."""

    namespace: str
    schedule_id: str
    spec: dict[str, Any]
    action: dict[str, Any]
    incarnation: str  # new on every create, so a re-created id derives new workflow ids
    overlap_policy: str = "skip"
    jitter_seconds: int = 0
    max_runs: int | None = None
    remaining_actions: int | None = None
    memo: dict[str, Any] | None = None
    search_attributes: dict[str, Any] | None = None
    status: str = "active"  # active | paused | deleted
    note: str | None = None
    paused_at: float | None = None
    next_occurrence: float | None = None  # the spec's next time, before jitter
    next_fire_at: float | None = None  # next_occurrence + jitter
    last_fired_at: float | None = None
    fires_count: int = 0
    failures_count: int = 0
    skipped_trigger_count: int = 0
    last_skip_reason: str | None = None
    last_skipped_at: float | None = None
    recent_actions: list[dict[str, Any]] = field(default_factory=list)
    buffered_actions: list[dict[str, Any]] = field(default_factory=list)
    latest_workflow_instance_id: str | None = None
    created_at: float = 0.0
    updated_at: float = 0.0
    deleted_at: float | None = None
    created_order: int = 0
    last_sequence: int = 0

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.schedule_id)


@dataclass(frozen=True)
class ScheduleEventRow:
    """One audit-history entry of a schedule."""

    namespace: str
    schedule_id: str
    sequence: int
    id: str
    event_type: str
    payload: dict[str, Any]
    recorded_at: str
    workflow_instance_id: str | None = None
    workflow_run_id: str | None = None


def _schedule(body: dict[str, Any]) -> Schedule:
    names = {f.name for f in dataclasses.fields(Schedule)}
    return Schedule(**{k: v for k, v in body.items() if k in names})


class ScheduleStore:
    """Reads and writes schedule tables on an open SQLite connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        db.executescript(_SCHEMA)

    def load(self) -> list[Schedule]:
        """Every schedule, with its history sequence taken from the event table itself."""
        rows = self.db.execute("SELECT body FROM schedules").fetchall()
        schedules = [_schedule(json.loads(body)) for (body,) in rows]
        last = {
            (ns, sid): seq
            for ns, sid, seq in self.db.execute(
                "SELECT namespace, schedule_id, MAX(sequence) FROM schedule_events"
                " GROUP BY namespace, schedule_id"
            )
        }
        for s in schedules:
            s.last_sequence = max(s.last_sequence, last.get(s.key, 0))
        return schedules

    @staticmethod
    def write(
        db: sqlite3.Connection, schedules: Iterable[Schedule], events: Iterable[ScheduleEventRow]
    ) -> None:
        """Write schedules and append events inside the caller's open transaction."""
        db.executemany(
            "INSERT OR REPLACE INTO schedules (namespace, schedule_id, body) VALUES (?, ?, ?)",
            [(s.namespace, s.schedule_id, json.dumps(dataclasses.asdict(s))) for s in schedules],
        )
        db.executemany(
            "INSERT INTO schedule_events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    e.namespace,
                    e.schedule_id,
                    e.sequence,
                    e.id,
                    e.event_type,
                    json.dumps(e.payload, separators=(",", ":")),
                    e.recorded_at,
                    e.workflow_instance_id,
                    e.workflow_run_id,
                )
                for e in events
            ],
        )

    def events(self, namespace: str, schedule_id: str, after: int, limit: int) -> list[ScheduleEventRow]:
        """Up to `limit` events with sequence > `after`, ascending."""
        rows = self.db.execute(
            "SELECT * FROM schedule_events WHERE namespace = ? AND schedule_id = ? AND sequence > ?"
            " ORDER BY sequence LIMIT ?",
            (namespace, schedule_id, after, limit),
        ).fetchall()
        return [
            ScheduleEventRow(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6], r[7], r[8]) for r in rows
        ]

"""The SQLite store (WAL mode; one transaction per engine operation)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["EventRow", "Storage"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE TABLE IF NOT EXISTS events (
    run_id TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    workflow_task_id TEXT,
    workflow_command_id TEXT,
    PRIMARY KEY (run_id, sequence)
);
"""


@dataclass(frozen=True)
class EventRow:
    """One stored history event."""

    run_id: str
    sequence: int
    id: str
    event_type: str
    payload: dict[str, Any]
    recorded_at: str
    workflow_task_id: str | None = None
    workflow_command_id: str | None = None


class Storage:
    """Documents plus history events in one SQLite file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("storage is not open")
        return self._db

    def open(self) -> None:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives a killed process (commits are in the OS page cache).
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(_SCHEMA)
        self._db = db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def load(self, kind: str) -> list[dict[str, Any]]:
        """Return every document of one kind."""
        rows = self.db.execute("SELECT body FROM docs WHERE kind = ?", (kind,)).fetchall()
        return [json.loads(body) for (body,) in rows]

    def commit(
        self, docs: Mapping[tuple[str, str], dict[str, Any] | None], events: Iterable[EventRow]
    ) -> None:
        """Write documents (None deletes) and append events in one transaction."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            for (kind, key), body in docs.items():
                if body is None:
                    db.execute("DELETE FROM docs WHERE kind = ? AND key = ?", (kind, key))
                else:
                    db.execute(
                        "INSERT OR REPLACE INTO docs (kind, key, body) VALUES (?, ?, ?)",
                        (kind, key, json.dumps(body, separators=(",", ":"))),
                    )
            db.executemany(
                "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        e.run_id,
                        e.sequence,
                        e.id,
                        e.event_type,
                        json.dumps(e.payload, separators=(",", ":")),
                        e.recorded_at,
                        e.workflow_task_id,
                        e.workflow_command_id,
                    )
                    for e in events
                ],
            )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def events(self, run_id: str, after: int = 0, limit: int | None = None) -> list[EventRow]:
        """Return events of a run with sequence > `after`, ascending."""
        sql = "SELECT * FROM events WHERE run_id = ? AND sequence > ? ORDER BY sequence"
        params: tuple[Any, ...] = (run_id, after)
        if limit is not None:
            sql += " LIMIT ?"
            params = (run_id, after, limit)
        rows = self.db.execute(sql, params).fetchall()
        return [EventRow(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6], r[7]) for r in rows]

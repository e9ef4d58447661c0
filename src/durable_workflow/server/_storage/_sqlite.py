"""The SQLite store: WAL mode, one transaction per unit of work, nothing that waits on the event loop.

A commit runs on the event loop only when it cannot wait: the write lock is taken without waiting
(``busy_timeout`` 0) and nothing is fsynced (``normal`` durability in WAL mode appends to the log;
WAL checkpoints, the only fsyncs, run on the writer thread). Every other commit (the lock is held
by another process, ``full`` durability) runs on a dedicated writer thread, so a slow or locked
disk delays only the requests that write, never health checks or long polls. Reads use their own
connection (WAL readers never wait for the writer).

Durability: ``normal`` (``synchronous=NORMAL``) keeps every acknowledged commit across a process
kill; after a power loss or OS crash the last few commits may be missing (never a torn database).
``full`` (``synchronous=FULL``) also survives power loss, at the cost of an fsync per commit.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

from durable_workflow.server._storage._lock import DatabaseLock

__all__ = [
    "DURABILITY_MODES",
    "Commit",
    "Durability",
    "EventRow",
    "RunRow",
    "Storage",
    "StorageError",
    "Writer",
    "dumps",
]

log = logging.getLogger("durable_workflow.server")
CHECKPOINT_EVERY = 200
"""Inline commits between two WAL checkpoints on the writer thread."""

Durability = Literal["normal", "full"]
DURABILITY_MODES: tuple[Durability, ...] = ("normal", "full")

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
CREATE TABLE IF NOT EXISTS aliases (
    alias TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    key TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    namespace TEXT NOT NULL,
    workflow_type TEXT NOT NULL,
    bucket TEXT NOT NULL,
    started_at REAL NOT NULL,
    created_order INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_start ON runs (namespace, started_at DESC, created_order DESC);
CREATE TABLE IF NOT EXISTS queues (
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (namespace, name)
) WITHOUT ROWID;
"""
_LIVE_COLUMN = "ALTER TABLE docs ADD COLUMN live INTEGER NOT NULL DEFAULT 1"
# Files written before the working set existed: derive the live flags and listing indexes once.
_MIGRATE_V1 = """
UPDATE docs SET live = CASE kind
    WHEN 'run' THEN json_extract(body, '$.status') NOT IN ('completed', 'failed', 'cancelled', 'terminated')
    WHEN 'workflow_task' THEN json_extract(body, '$.status') IN ('ready', 'leased')
    WHEN 'activity' THEN json_extract(body, '$.status') IN ('pending', 'running')
    WHEN 'timer' THEN json_extract(body, '$.status') = 'pending'
    WHEN 'update' THEN json_extract(body, '$.status') = 'accepted'
    WHEN 'instance' THEN 0
    ELSE 1 END;
INSERT OR REPLACE INTO runs SELECT
    key, json_extract(body, '$.namespace'), json_extract(body, '$.workflow_type'),
    CASE WHEN json_extract(body, '$.status') IN ('pending', 'running', 'waiting') THEN 'running'
         WHEN json_extract(body, '$.status') = 'completed' THEN 'completed' ELSE 'failed' END,
    json_extract(body, '$.started_at'), json_extract(body, '$.created_order')
    FROM docs WHERE kind = 'run';
INSERT OR IGNORE INTO queues
    SELECT DISTINCT json_extract(body, '$.namespace'), json_extract(body, '$.task_queue')
    FROM docs WHERE kind IN ('workflow_task', 'activity', 'worker');
INSERT OR IGNORE INTO aliases SELECT json_extract(body, '$.task_id'), 'activity', key
    FROM docs WHERE kind = 'activity';
INSERT OR IGNORE INTO aliases SELECT j.value, 'activity', d.key
    FROM docs AS d, json_each(d.body, '$.past_task_ids') AS j WHERE d.kind = 'activity';
PRAGMA user_version = 1;
"""

Writer = Callable[[sqlite3.Connection], None]
"""Extra writes run inside a unit of work's transaction (e.g. the schedule tables)."""


class StorageError(Exception):
    """The database refused or failed a commit (locked, full, read-only, ...): nothing was written."""


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


@dataclass(frozen=True)
class RunRow:
    """The listing columns of one run (kept in the ``runs`` table for SQL filtering and paging)."""

    run_id: str
    namespace: str
    workflow_type: str
    bucket: str
    started_at: float
    created_order: int


@dataclass(frozen=True)
class Commit:
    """Everything one unit of work writes: documents (None deletes) with their live flag, events,
    task-id aliases, run listing rows, queue names and extra writers."""

    docs: Mapping[tuple[str, str], tuple[str, bool] | None]
    events: Sequence[EventRow] = ()
    aliases: Sequence[tuple[str, str, str]] = ()
    runs: Sequence[RunRow] = ()
    queues: Sequence[tuple[str, str]] = ()
    writers: Sequence[Writer] = ()


class Storage:
    """Documents, history events and listing indexes in one SQLite file."""

    def __init__(self, path: str, *, durability: Durability = "normal", busy_timeout: float = 5.0) -> None:
        if durability not in DURABILITY_MODES:
            raise ValueError(f"durability must be one of {', '.join(DURABILITY_MODES)}, not {durability!r}")
        self.path = path
        self.durability = durability
        self.busy_timeout = busy_timeout
        self.last_error: str | None = None
        self._db: sqlite3.Connection | None = None
        self._writer_db: sqlite3.Connection | None = None
        self._inline_db: sqlite3.Connection | None = None
        self._inline_commits = 0
        self._writer: ThreadPoolExecutor | None = None
        self._lock: DatabaseLock | None = None

    @property
    def is_open(self) -> bool:
        return self._db is not None

    @property
    def db(self) -> sqlite3.Connection:
        """The reader connection (event-loop thread)."""
        if self._db is None:
            raise RuntimeError("storage is not open")
        return self._db

    def open(self) -> None:
        """Take the single-server lock, open both connections and create the tables."""
        self._lock = DatabaseLock(self.path)
        self._lock.acquire()
        try:
            writer = self._connect()
            writer.execute("PRAGMA journal_mode=WAL")
            writer.executescript(_SCHEMA)
            columns = {row[1] for row in writer.execute("PRAGMA table_info(docs)")}
            if "live" not in columns:
                writer.execute(_LIVE_COLUMN)
            writer.execute("CREATE INDEX IF NOT EXISTS docs_live ON docs (kind, live)")
            if writer.execute("PRAGMA user_version").fetchone()[0] < 1:
                writer.executescript("BEGIN IMMEDIATE;" + _MIGRATE_V1 + "COMMIT;")
            self._writer_db, self._db = writer, self._connect()
            if self.durability == "normal":
                self._inline_db = self._connect(timeout=0.0)
                self._inline_db.execute("PRAGMA wal_autocheckpoint=0")  # the writer thread checkpoints
        except BaseException:
            self._lock.release()
            raise
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="dw-sqlite-writer")

    def _connect(self, timeout: float | None = None) -> sqlite3.Connection:
        wait = self.busy_timeout if timeout is None else timeout
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=wait)
        db.execute("PRAGMA synchronous=" + ("FULL" if self.durability == "full" else "NORMAL"))
        return db

    def close(self) -> None:
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None
        for db in (self._db, self._writer_db, self._inline_db):
            if db is not None:
                db.close()
        self._db = self._writer_db = self._inline_db = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    # -- reads (reader connection) -------------------------------------------------------------

    def load(self, kind: str, *, live_only: bool = False) -> list[dict[str, Any]]:
        """Documents of one kind (only those flagged live, when asked)."""
        sql = "SELECT body FROM docs WHERE kind = ?" + (" AND live = 1" if live_only else "")
        return [json.loads(body) for (body,) in self.db.execute(sql, (kind,))]

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT body FROM docs WHERE kind = ? AND key = ?", (kind, key)).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def get_many(self, kind: str, keys: list[str]) -> dict[str, dict[str, Any]]:
        """Documents of one kind by key (missing keys are left out), in one query."""
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        rows = self.db.execute(
            f"SELECT key, body FROM docs WHERE kind = ? AND key IN ({marks})", [kind, *keys]
        )
        return {key: json.loads(body) for key, body in rows}

    def resolve_alias(self, alias: str) -> tuple[str, str] | None:
        row = self.db.execute("SELECT kind, key FROM aliases WHERE alias = ?", (alias,)).fetchone()
        return None if row is None else (row[0], row[1])

    def max_order(self) -> int:
        row = self.db.execute("SELECT MAX(created_order) FROM runs").fetchone()
        return int(row[0] or 0)

    def run_page(
        self,
        namespace: str,
        workflow_type: str | None,
        bucket: str | None,
        offset: int = 0,
        limit: int = -1,
    ) -> Iterator[str]:
        """Run ids of a namespace, newest first, optionally filtered (a lazy cursor)."""
        sql = "SELECT run_id FROM runs WHERE namespace = ?"
        params: list[Any] = [namespace]
        if workflow_type:
            sql, params = sql + " AND workflow_type = ?", [*params, workflow_type]
        if bucket:
            sql, params = sql + " AND bucket = ?", [*params, bucket]
        sql += " ORDER BY started_at DESC, created_order DESC LIMIT ? OFFSET ?"
        params += [limit, offset]
        return (row[0] for row in self.db.execute(sql, params))

    def queue_names(self, namespace: str) -> list[str]:
        rows = self.db.execute("SELECT name FROM queues WHERE namespace = ?", (namespace,))
        return [row[0] for row in rows]

    def events(self, run_id: str, after: int = 0, limit: int | None = None) -> list[EventRow]:
        """Return events of a run with sequence > `after`, ascending."""
        sql = "SELECT * FROM events WHERE run_id = ? AND sequence > ? ORDER BY sequence"
        params: tuple[Any, ...] = (run_id, after)
        if limit is not None:
            sql += " LIMIT ?"
            params = (run_id, after, limit)
        rows = self.db.execute(sql, params).fetchall()
        return [EventRow(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6], r[7]) for r in rows]

    # -- writes (writer thread) ------------------------------------------------------------------

    def commit_inline(self, commit: Commit) -> bool:
        """Write one unit of work on the calling thread if that cannot wait; False when it would.

        True: committed (or `StorageError` raised, nothing written). False: the write lock is held
        elsewhere, or durability ``full`` needs an fsync; call `commit_async` instead. Callers
        serialise commits (the engine lock), so this and the writer thread never overlap.
        """
        inline = self._inline_db
        if inline is None:
            return False
        try:
            inline.execute("BEGIN IMMEDIATE")
        except sqlite3.Error:
            return False  # locked (or failing): the writer thread waits for it and reports the outcome
        self._finish(inline, commit)
        self._inline_commits += 1
        if self._inline_commits % CHECKPOINT_EVERY == 0 and self._writer is not None:
            self._writer.submit(self._checkpoint)
        return True

    async def commit_async(self, commit: Commit) -> None:
        """Write one unit of work on the writer thread; raises `StorageError` when nothing was written."""
        if self._writer is None:
            raise RuntimeError("storage is not open")
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._writer, self.commit, commit)

    def _checkpoint(self) -> None:
        """Copy the WAL back into the database file (the fsync), off the event loop."""
        if self._writer_db is not None:
            try:
                self._writer_db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error as exc:
                log.warning("dev server WAL checkpoint failed: %s", exc)

    def commit(self, commit: Commit) -> None:
        """Write one unit of work in one transaction (all or nothing), waiting for the write lock."""
        db = self._writer_db
        if db is None:
            raise RuntimeError("storage is not open")
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise self._failed(exc) from exc
        self._finish(db, commit)

    def _finish(self, db: sqlite3.Connection, commit: Commit) -> None:
        """Write and commit inside the transaction `db` has begun (rolled back on any failure)."""
        try:
            _write(db, commit)
            db.execute("COMMIT")
        except BaseException as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            if isinstance(exc, (sqlite3.Error, ValueError, RecursionError, OverflowError)):
                raise self._failed(exc) from exc
            raise
        self.last_error = None

    def _failed(self, exc: BaseException) -> StorageError:
        self.last_error = f"{type(exc).__name__}: {exc}"
        return StorageError(self.last_error)


def _write(db: sqlite3.Connection, commit: Commit) -> None:
    for (kind, key), doc in commit.docs.items():
        if doc is None:
            db.execute("DELETE FROM docs WHERE kind = ? AND key = ?", (kind, key))
        else:
            db.execute(
                "INSERT OR REPLACE INTO docs (kind, key, body, live) VALUES (?, ?, ?, ?)",
                (kind, key, doc[0], int(doc[1])),
            )
    db.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)", list(_event_rows(commit.events)))
    db.executemany("INSERT OR IGNORE INTO aliases VALUES (?, ?, ?)", commit.aliases)
    db.executemany(
        "INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?, ?)",
        [
            (r.run_id, r.namespace, r.workflow_type, r.bucket, r.started_at, r.created_order)
            for r in commit.runs
        ],
    )
    db.executemany("INSERT OR IGNORE INTO queues VALUES (?, ?)", commit.queues)
    for writer in commit.writers:
        writer(db)


def _event_rows(events: Iterable[EventRow]) -> Iterator[tuple[Any, ...]]:
    for e in events:
        yield (
            e.run_id,
            e.sequence,
            e.id,
            e.event_type,
            dumps(e.payload),
            e.recorded_at,
            e.workflow_task_id,
            e.workflow_command_id,
        )


def dumps(value: Any) -> str:
    """Compact JSON for storage."""
    return json.dumps(value, separators=(",", ":"))

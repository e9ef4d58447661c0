"""Engine base: state, the unit of work around every operation, notifications and the due loop.

Every operation runs under one asyncio lock (`op()`), mutates the in-memory records, and commits
the touched records plus new history events in one SQLite transaction before it returns. If an
operation raises, the transaction is not written and the in-memory state is reloaded from disk,
so a refused or crashed request never leaves half-applied state behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from durable_workflow.server._clock import Clock
from durable_workflow.server._engine._errors import EngineError
from durable_workflow.server._engine._model import (
    ActivityExecution,
    Doc,
    Instance,
    Namespace,
    QueryTask,
    Run,
    SearchAttribute,
    Timer,
    Update,
    Worker,
    WorkflowTask,
    from_doc,
    to_doc,
)
from durable_workflow.server._engine._working_set import (
    AliasIndex,
    Participant,
    WorkingSet,
    is_hot,
    run_row,
)
from durable_workflow.server._ids import iso, new_id
from durable_workflow.server._payload import Encoding, framing_of
from durable_workflow.server._storage import Commit, EventRow, RunRow, Storage, Writer, dumps

__all__ = ["EngineBase", "EngineConfig"]

log = logging.getLogger("durable_workflow.server")
T = TypeVar("T")
D = TypeVar("D", bound=Doc)
_KINDS: tuple[type[Doc], ...] = (
    Namespace,
    SearchAttribute,
    Worker,
    Instance,
    Run,
    WorkflowTask,
    ActivityExecution,
    Timer,
    Update,
)


@dataclass
class EngineConfig:
    """Tunable durations (seconds) and defaults."""

    long_poll_timeout: float = 30.0
    workflow_task_lease_seconds: float = 300.0
    activity_lease_seconds: float = 300.0
    query_task_lease_seconds: float = 60.0
    query_timeout_seconds: float | None = None
    worker_stale_after_seconds: float = 60.0
    heartbeat_interval_seconds: int = 15
    workflow_task_retry_base_seconds: float = 3.0
    workflow_task_retry_max_seconds: float = 60.0
    update_wait_timeout_seconds: float = 10.0
    default_namespace: str = "default"
    #: "current" serves both generations and advertises worker protocol 1.20; "seed" pins the
    #: server to the seed generation (worker protocol 1.0/1.1, the Avro generic wrapper).
    wire_generation: str = "current"


class EngineBase:
    """State, persistence, locking and wake-ups shared by the engine's feature mixins."""

    def __init__(self, storage: Storage, clock: Clock, config: EngineConfig) -> None:
        self.storage = storage
        self.clock = clock
        self.config = config
        self._lock = asyncio.Lock()
        self._dirty: dict[tuple[str, str], Doc | None] = {}
        self._pending_events: list[EventRow] = []
        self._pending_notify: set[Hashable] = set()
        self._waiters: dict[Hashable, asyncio.Event] = {}
        self._due_wake = asyncio.Event()
        # The earliest due time among records saved since the due loop last looked, and whether
        # it must rescan everything (clock moved, records reloaded): saves stay O(1) this way.
        self._due_hint: float | None = None
        self._due_rescan = True
        self._last_due_now = -math.inf
        self._order = 0
        self.query_tasks: dict[str, QueryTask] = {}
        self.participants: list[Participant] = []
        """Other stores (schedules) whose writes join every unit of work's transaction."""
        self.closing = False
        self._reset_state()

    # -- state -------------------------------------------------------------------------------

    def _reset_state(self) -> None:
        loaded: list[tuple[str, str]] = []
        self._loaded_cold = loaded

        def table(cls: type[D]) -> WorkingSet[D]:
            return WorkingSet(cls, self.storage, self._track, loaded)

        self.namespaces = table(Namespace)
        self.search_attributes = table(SearchAttribute)
        self.workers = table(Worker)
        self.instances = table(Instance)
        self.runs = table(Run)
        self.wf_tasks = table(WorkflowTask)
        self.activities = table(ActivityExecution)
        self.timers = table(Timer)
        self.updates = table(Update)
        self.activity_task_index = AliasIndex(self.storage)
        # Keys of records that can still change: ready/leased workflow tasks, open activities,
        # pending timers and open runs (the sweeps and matchers only look at these).
        self.live_by_queue: dict[tuple[str, str, str], set[str]] = {}
        self.live: dict[str, set[str]] = {
            "workflow_task": set(),
            "activity": set(),
            "timer": set(),
            "run": set(),
        }

    def _table(self, kind: str) -> WorkingSet[Any]:
        tables: dict[str, WorkingSet[Any]] = {
            "namespace": self.namespaces,
            "search_attribute": self.search_attributes,
            "worker": self.workers,
            "instance": self.instances,
            "run": self.runs,
            "workflow_task": self.wf_tasks,
            "activity": self.activities,
            "timer": self.timers,
            "update": self.updates,
        }
        return tables[kind]

    def load(self) -> None:
        """(Re)build the in-memory working set from storage: only records that can still change."""
        self._reset_state()
        self._due_rescan = True
        for cls in _KINDS:
            table = self._table(cls.KIND)
            for body in self.storage.load(cls.KIND, live_only=True):
                obj = from_doc(cls, body)
                table.put(obj)
                self._track(obj)
        for act in self.activities.values():
            self._index_activity(act)
        orders = [t.created_order for t in self.wf_tasks.values()]
        self._order = max([self._order, self.storage.max_order(), *orders])
        self._loaded_cold.clear()

    # -- payload framing ---------------------------------------------------------------------

    def default_framing(self) -> Encoding:
        """The frame of payloads the server makes for a new run: its generation's."""
        return "wrapper" if self.config.wire_generation == "seed" else "value-v1"

    def run_framing(self, run: Run | None) -> Encoding:
        """The frame a run's payloads use (read from its start input), for payloads made for it."""
        found = framing_of(run.input_blob) if run is not None else None
        return found or self.default_framing()

    def framing_for(self, namespace: str, workflow_id: str) -> Encoding:
        """`run_framing` of a workflow's current run (the default one if there is no such run)."""
        instance = self.instances.get(workflow_id)
        if instance is None or instance.namespace != namespace or not instance.run_ids:
            return self.default_framing()
        return self.run_framing(self.runs.get(instance.current_run_id))

    def worker_fresh(self, worker: Worker) -> bool:
        return self.clock.now() - worker.last_heartbeat_at <= self.config.worker_stale_after_seconds

    def _index_activity(self, act: ActivityExecution) -> None:
        for task_id in [*act.past_task_ids, act.task_id]:
            self.activity_task_index.remember(task_id, act.execution_id)

    def next_order(self) -> int:
        self._order += 1
        return self._order

    # -- unit of work ------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def op(self, *, internal: bool = False) -> AsyncIterator[None]:
        """Run one serialised operation and commit everything it touched, or nothing.

        The commit runs on the storage's writer thread; if it fails, the in-memory state is
        reloaded from disk and the caller gets a 503 ``storage_unavailable``.
        """
        async with self._lock:
            try:
                yield
            except BaseException as exc:
                if getattr(exc, "commit", False):
                    await self._commit()
                    self._deliver(internal)
                else:
                    self._rollback()
                raise
            await self._commit()
            self._deliver(internal)

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[None]:
        """A read-only operation: sees only committed state (never a commit still in flight)."""
        async with self._lock:
            try:
                yield
            finally:
                self._evict_loaded()

    def _rollback(self) -> None:
        touched = bool(self._dirty or self._pending_events)
        self._dirty.clear()
        self._pending_events.clear()
        self._pending_notify.clear()
        for participant in self.participants:
            participant.discard()
        if touched:
            self.load()
        else:
            self._evict_loaded()

    def _deliver(self, internal: bool) -> None:
        notify, self._pending_notify = self._pending_notify, set()
        for key in notify:
            event = self._waiters.pop(key, None)
            if event is not None:
                event.set()
        if not internal:
            self._due_wake.set()

    async def _commit(self) -> None:
        writers = [w for w in (p.writer() for p in self.participants) if w is not None]
        if not self._dirty and not self._pending_events and not writers:
            self._evict_loaded()
            return
        try:
            await self._write(self._build_commit(writers))
        except Exception as exc:
            log.error("dev server commit failed, nothing of this request was kept: %s", exc)
            self._rollback()
            if self.storage.last_error is None:
                self.storage.last_error = f"{type(exc).__name__}: {exc}"
            raise EngineError(
                "unavailable",
                "storage_unavailable",
                "The server could not store this request; nothing of it was kept. Retry later.",
            ) from exc
        for participant in self.participants:
            participant.committed()
        dirty = list(self._dirty.values())
        self._dirty.clear()
        self._pending_events.clear()
        for obj in dirty:
            if obj is not None and not is_hot(obj):
                self._evict(obj.KIND, obj.key)
        self._evict_loaded()

    async def _write(self, commit: Commit) -> None:
        if self.storage.commit_inline(commit):
            return
        # The writer thread finishes the transaction even if this request is cancelled meanwhile:
        # wait for its outcome so memory and disk never disagree.
        future = asyncio.ensure_future(self.storage.commit_async(commit))
        try:
            await asyncio.shield(future)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await future
            raise

    def _build_commit(self, writers: list[Writer]) -> Commit:
        docs: dict[tuple[str, str], tuple[str, bool] | None] = {}
        aliases: list[tuple[str, str, str]] = []
        runs: list[RunRow] = []
        queues: set[tuple[str, str]] = set()
        for ref, obj in self._dirty.items():
            docs[ref] = None if obj is None else (dumps(to_doc(obj)), is_hot(obj))
            if isinstance(obj, ActivityExecution):
                aliases += [(t, obj.KIND, obj.key) for t in [*obj.past_task_ids, obj.task_id] if t]
            if isinstance(obj, Run):
                runs.append(run_row(obj))
            if isinstance(obj, (WorkflowTask, ActivityExecution, Worker)):
                queues.add((obj.namespace, obj.task_queue))
        return Commit(docs, list(self._pending_events), aliases, runs, sorted(queues), writers)

    def _evict(self, kind: str, key: str) -> None:
        obj = self._table(kind).drop(key)
        if isinstance(obj, ActivityExecution):
            for task_id in [*obj.past_task_ids, obj.task_id]:
                self.activity_task_index.forget(task_id)

    def _evict_loaded(self) -> None:
        """Drop records read lazily for this operation that are finished (they live on disk)."""
        loaded, self._loaded_cold[:] = list(self._loaded_cold), []
        for kind, key in loaded:
            obj = dict.get(self._table(kind), key)
            if obj is not None and not is_hot(obj) and (kind, key) not in self._dirty:
                self._evict(kind, key)

    def save(self, obj: Doc) -> None:
        """Mark a record as changed (and register it in memory)."""
        self._table(obj.KIND).put(obj)
        self._dirty[(obj.KIND, obj.key)] = obj
        if isinstance(obj, ActivityExecution):
            self._index_activity(obj)
        self._track(obj)

    def delete(self, kind: str, key: str) -> None:
        """Remove a record (committed with the rest of the operation)."""
        self._table(kind).drop(key)
        self._dirty[(kind, key)] = None

    def _track(self, obj: Doc) -> None:
        live = self.live.get(obj.KIND)
        if live is None:
            return
        self.note_due(self.item_due(obj, self.clock.now()))
        alive = is_hot(obj)
        if alive:
            live.add(obj.key)
        else:
            live.discard(obj.key)
        if isinstance(obj, (WorkflowTask, ActivityExecution)):
            queue = self.live_by_queue.setdefault((obj.KIND, obj.namespace, obj.task_queue), set())
            if alive:
                queue.add(obj.key)
            else:
                queue.discard(obj.key)

    def live_items(self, kind: str) -> list[Any]:
        """Snapshot of the live records of one kind (safe to mutate while iterating)."""
        table = self._table(kind)
        return [obj for obj in (dict.get(table, key) for key in list(self.live[kind])) if obj is not None]

    def queue_items(self, kind: str, namespace: str, task_queue: str) -> list[Any]:
        """The live workflow tasks or activities of one task queue (what a poll may claim)."""
        get = dict.get.__get__(self._table(kind))  # live records are in memory: no storage fallback
        keys = self.live_by_queue.get((kind, namespace, task_queue), ())
        return [obj for key in list(keys) if (obj := get(key)) is not None]

    def append_event(
        self,
        run: Run,
        event_type: str,
        payload: dict[str, Any],
        *,
        task_id: str | None = None,
        command_id: str | None = None,
    ) -> int:
        """Append one history event to a run and return its history sequence."""
        run.last_sequence += 1
        self._pending_events.append(
            EventRow(
                run.run_id,
                run.last_sequence,
                new_id(),
                event_type,
                payload,
                iso(self.clock.now()) or "",
                task_id,
                command_id,
            )
        )
        self.save(run)
        self.notify(("history", run.run_id))
        return run.last_sequence

    def notify(self, key: Hashable) -> None:
        """Wake waiters on `key` once the current operation has committed."""
        self._pending_notify.add(key)

    def waiter(self, key: Hashable) -> asyncio.Event:
        """The event the next `notify(key)` sets (capture it under the lock, await it outside)."""
        event = self._waiters.get(key)
        if event is None:
            event = self._waiters[key] = asyncio.Event()
        return event

    async def long_poll(
        self,
        key: Hashable,
        attempt: Callable[[], T | None],
        timeout: float,
        *,
        abandoned: Callable[[], Awaitable[bool]] | None = None,
    ) -> T | None:
        """Call `attempt` under the lock until it returns a value, waking on `notify(key)`.

        ``abandoned`` tells whether the caller has gone away (its connection closed); the poll
        then ends without claiming anything, so no task is leased to a worker that cannot get it.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, timeout)
        while True:
            if abandoned is not None and await abandoned():
                return None
            async with self.op():
                result = attempt()
                event = self.waiter(key)
            if result is not None or self.closing:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def wait_for(self, event: asyncio.Event, timeout: float) -> bool:
        """Wait (outside the lock) until `event` is set or `timeout` passes; True if it was set."""
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)
        return event.is_set()

    def close_waiters(self) -> None:
        """Release every long poll (server shutdown)."""
        self.closing = True
        for event in self._waiters.values():
            event.set()
        self._waiters.clear()

    # -- due loop ----------------------------------------------------------------------------

    async def due_loop(self, stop: asyncio.Event) -> None:
        """Fire due timers, expire leases and enforce timeouts; sleep until the next due time.

        A full pass over the live records happens only when something is due or a rescan was
        asked for; an ordinary request merely brings the wake-up forward through the hint.
        """
        next_due: float | None = None
        while not stop.is_set():
            self._due_wake.clear()
            try:
                async with self.op(internal=True):
                    next_due = self._due_pass(next_due)
            except Exception:
                log.exception("dev server due-loop pass failed")
                next_due = self.clock.now() + 1.0
            if stop.is_set():
                return
            await self.clock.sleep_until(next_due, self._due_wake)

    def _due_pass(self, next_due: float | None) -> float | None:
        now = self.clock.now()
        hint, self._due_hint = self._due_hint, None
        if (
            self._due_rescan
            or (next_due is not None and next_due <= now)
            or (hint is not None and hint <= now)
        ):
            self._due_rescan = False
            self.process_due(now)
            return self.next_due(now)
        if hint is not None and (next_due is None or hint < next_due):
            return hint
        return next_due

    def note_due(self, when: float | None) -> None:
        """Tell the due loop that something will need it at ``when``."""
        if when is not None and (self._due_hint is None or when < self._due_hint):
            self._due_hint = when

    def kick(self) -> None:
        """Make the due loop re-check everything now (e.g. after a clock change)."""
        self._due_rescan = True
        self._due_wake.set()

    def item_due(self, obj: Any, now: float) -> float | None:
        raise NotImplementedError

    def process_due(self, now: float) -> None:
        raise NotImplementedError

    def next_due(self, now: float) -> float | None:
        raise NotImplementedError

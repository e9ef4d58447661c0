"""The schedule service: control-plane operations on schedules and the scheduler loop.

Each operation runs under the service lock and inside one engine operation (so workflow starts and
schedule changes are decided together). The service is a participant of the engine's unit of work:
its schedule rows are written in the same SQLite transaction as the workflows a fire starts, so
both are stored or neither is.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from durable_workflow.server._engine._errors import EngineError, invalid
from durable_workflow.server._engine._inputs import Fields
from durable_workflow.server._ids import iso_offset, new_id
from durable_workflow.server._scalars import digits
from durable_workflow.server._schedules._firing import Firing
from durable_workflow.server._schedules._render import describe_body, event_body, list_item
from durable_workflow.server._schedules._requests import (
    check_backfill,
    check_create,
    check_history,
    check_note,
    check_overlap,
    check_update,
)
from durable_workflow.server._schedules._spec import compile_spec, occurrences
from durable_workflow.server._schedules._store import Schedule, ScheduleEventRow, ScheduleStore
from durable_workflow.server._storage import Writer

if TYPE_CHECKING:
    from durable_workflow.server._engine import Engine

__all__ = ["ScheduleService"]

log = logging.getLogger("durable_workflow.server.schedules")
BACKFILL_LIMIT = 1000


def _not_found(namespace: str, schedule_id: str) -> EngineError:
    return EngineError(
        "not_found", "schedule_not_found", f"Schedule [{schedule_id}] not found in namespace [{namespace}]."
    )


def _api(payload: dict[str, Any]) -> dict[str, Any]:
    return {**payload, "command_context": {"source": "control_plane"}}


class ScheduleService(Firing):
    """Schedules of every namespace, persisted next to the engine's state."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.schedules: dict[tuple[str, str], Schedule] = {}
        self._dirty: dict[tuple[str, str], Schedule] = {}
        self._events: list[ScheduleEventRow] = []
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._watchers: dict[str, asyncio.Task[None]] = {}
        self._store: ScheduleStore | None = None
        engine.participants.append(self)

    def open(self) -> None:
        """Create the tables if needed and load every schedule (call once storage is open)."""
        self._store = ScheduleStore(self.engine.storage.db)
        self._reload()

    @property
    def is_open(self) -> bool:
        """True while the tables are bound to the engine's current database connection."""
        try:
            db = self.engine.storage.db
        except RuntimeError:  # storage closed
            return False
        return self._store is not None and self._store.db is db

    @property
    def store(self) -> ScheduleStore:
        if self._store is None:
            raise RuntimeError("the schedule service is not open")
        return self._store

    def _reload(self) -> None:
        self.schedules = {s.key: s for s in self.store.load()}

    @contextlib.asynccontextmanager
    async def _unit(self, *, from_loop: bool = False) -> AsyncIterator[None]:
        """One serialised operation inside one engine unit of work (one transaction for both)."""
        async with self._lock, self.engine.op():
            yield
        if not from_loop:
            self._wake.set()

    # -- unit-of-work participant ------------------------------------------------------------------

    def writer(self) -> Writer | None:
        if not self._dirty and not self._events:
            return None
        schedules, events = list(self._dirty.values()), list(self._events)
        return lambda db: ScheduleStore.write(db, schedules, events)

    def committed(self) -> None:
        self._dirty.clear()
        self._events.clear()

    def discard(self) -> None:
        if self._dirty or self._events:
            self._dirty.clear()
            self._events.clear()
            self._reload()

    def _get(self, namespace: str, schedule_id: str) -> Schedule:
        s = self.schedules.get((namespace, schedule_id))
        if s is None or s.status == "deleted":
            raise _not_found(namespace, schedule_id)
        return s

    # -- create, read ------------------------------------------------------------------------

    async def create(self, namespace: str, body: dict[str, Any]) -> dict[str, Any]:
        req = check_create(body, self.engine.default_framing())  # plain JSON input: this server's frame
        async with self._unit():
            schedule_id = req.get("schedule_id") or new_id()
            old = self.schedules.get((namespace, schedule_id))
            if old is not None and old.status != "deleted":
                raise EngineError(
                    "conflict",
                    "schedule_already_exists",
                    f"Schedule [{schedule_id}] already exists in namespace [{namespace}].",
                    schedule_id=schedule_id,
                )
            s = self._new(namespace, schedule_id, req, old)
            self.schedules[s.key] = s
            self.plan_next(s, s.created_at)
            self.record(
                s,
                "ScheduleCreated",
                _api(
                    {
                        "spec": s.spec,
                        "action": s.action,
                        "overlap_policy": s.overlap_policy,
                        "next_fire_at": iso_offset(s.next_fire_at),
                    }
                ),
            )
            if req["paused"]:
                self._pause(s, None)
        return {"schedule_id": schedule_id, "outcome": "created"}

    def _new(self, namespace: str, schedule_id: str, req: dict[str, Any], old: Schedule | None) -> Schedule:
        now = self.engine.clock.now()
        order = max([0, *(x.created_order for x in self.schedules.values())]) + 1
        return Schedule(
            namespace=namespace,
            schedule_id=schedule_id,
            spec=req["spec"],
            action=req["action"],
            incarnation=new_id(),
            overlap_policy=req.get("overlap_policy") or "skip",
            jitter_seconds=req.get("jitter_seconds") or 0,
            max_runs=req.get("max_runs"),
            remaining_actions=req.get("max_runs"),
            memo=req.get("memo"),
            search_attributes=req.get("search_attributes"),
            note=req.get("note"),
            created_at=now,
            updated_at=now,
            created_order=order,
            last_sequence=old.last_sequence if old is not None else 0,
        )

    async def describe(self, namespace: str, schedule_id: str) -> dict[str, Any]:
        async with self.engine.reading():
            return describe_body(self._get(namespace, schedule_id))

    async def list(self, namespace: str, params: dict[str, Any]) -> dict[str, Any]:
        async with self.engine.reading():
            return self._list(namespace, params)

    def _list(self, namespace: str, params: dict[str, Any]) -> dict[str, Any]:
        """Newest first; without ``status`` deleted schedules are left out; paged when asked."""
        f = Fields(params)
        status = f.choice(
            "status", ("active", "paused", "deleted"), "The status filter must be active, paused or deleted."
        )
        size = f.integer("page_size", minimum=1, maximum=1000)
        before = _decode_token(params.get("next_page_token"), f)
        f.done()
        rows = [
            s
            for s in self.schedules.values()
            if s.namespace == namespace and (s.status == status if status else s.status != "deleted")
        ]
        if params.get("workflow_type"):
            rows = [s for s in rows if s.action.get("workflow_type") == params["workflow_type"]]
        if params.get("query"):
            needle = str(params["query"]).lower()
            rows = [
                s
                for s in rows
                if any(
                    needle in (v or "").lower()
                    for v in (s.schedule_id, s.action.get("workflow_type"), s.note)
                )
            ]
        rows = sorted(
            (s for s in rows if before is None or s.created_order < before),
            key=lambda s: s.created_order,
            reverse=True,
        )
        page = rows if size is None else rows[:size]
        more = size is not None and len(rows) > size
        token = _encode_token(page[-1].created_order) if more else None
        return {"schedules": [list_item(s) for s in page], "next_page_token": token}

    async def history(self, namespace: str, schedule_id: str, params: dict[str, Any]) -> dict[str, Any]:
        async with self.engine.reading():
            return self._history(namespace, schedule_id, params)

    def _history(self, namespace: str, schedule_id: str, params: dict[str, Any]) -> dict[str, Any]:
        """The audit history; deleted schedules keep theirs."""
        limit, after = check_history(params)
        if (namespace, schedule_id) not in self.schedules:
            raise _not_found(namespace, schedule_id)
        rows = self.store.events(namespace, schedule_id, after, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        return {
            "schedule_id": schedule_id,
            "namespace": namespace,
            "events": [event_body(e) for e in rows],
            "next_cursor": rows[-1].sequence if more and rows else None,
            "has_more": more,
        }

    # -- change ------------------------------------------------------------------------------

    async def update(self, namespace: str, schedule_id: str, body: dict[str, Any]) -> dict[str, Any]:
        async with self._unit():
            s = self._get(namespace, schedule_id)
            req = check_update(body, s.action, self.engine.default_framing())
            for name, value in req.items():
                setattr(s, name, value)
            if "max_runs" in req:
                s.remaining_actions = max(0, req["max_runs"] - s.fires_count)
            self.touch(s)
            self.plan_next(s, self.engine.clock.now())
            self.record(
                s,
                "ScheduleUpdated",
                _api(
                    {
                        "changed_fields": sorted(req),
                        "spec": s.spec,
                        "action": s.action,
                        "overlap_policy": s.overlap_policy,
                        "next_fire_at": iso_offset(s.next_fire_at),
                    }
                ),
            )
        return {"schedule_id": schedule_id, "outcome": "updated"}

    async def remove(self, namespace: str, schedule_id: str) -> dict[str, Any]:
        async with self._unit():
            self.delete(self._get(namespace, schedule_id), "deleted")
        return {"schedule_id": schedule_id, "outcome": "deleted"}

    def _pause(self, s: Schedule, note: str | None) -> None:
        s.status = "paused"
        s.paused_at = self.engine.clock.now()
        if note is not None:
            s.note = note
        self.touch(s)
        self.record(s, "SchedulePaused", _api({"reason": note, "paused_at": iso_offset(s.paused_at)}))

    async def pause(self, namespace: str, schedule_id: str, body: dict[str, Any]) -> dict[str, Any]:
        f = Fields(body)
        note = check_note(f)
        f.done()
        async with self._unit():
            self._pause(self._get(namespace, schedule_id), note)
        return {"schedule_id": schedule_id, "outcome": "paused"}

    async def resume(self, namespace: str, schedule_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Fire again from now on; resuming an active schedule only replaces its note."""
        f = Fields(body)
        note = check_note(f)
        f.done()
        async with self._unit():
            s = self._get(namespace, schedule_id)
            if note is not None:
                s.note = note
            self.touch(s)
            if s.status == "paused":
                s.status, s.paused_at = "active", None
                self.plan_next(s, self.engine.clock.now())
                self.record(
                    s, "ScheduleResumed", _api({"note": note, "next_fire_at": iso_offset(s.next_fire_at)})
                )
        return {"schedule_id": schedule_id, "outcome": "resumed"}

    # -- fire on demand ----------------------------------------------------------------------

    async def trigger(self, namespace: str, schedule_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Fire once now; the outcome ``trigger_failed`` means the workflow could not be started."""
        f = Fields(body)
        override = check_overlap(body, f)
        f.done()
        async with self._unit():
            s = self._get(namespace, schedule_id)
            result = self.attempt(
                s,
                policy=override or s.overlap_policy,
                kind="trigger",
                fire_key=f"trigger:{s.last_sequence}",
                occurrence=None,
            )
        outcome = result.pop("outcome")
        if outcome == "failed":
            return {"schedule_id": schedule_id, "outcome": "trigger_failed", **result}
        return {"schedule_id": schedule_id, "outcome": outcome, **result}

    async def backfill(self, namespace: str, schedule_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Fire every occurrence in ``[start_time, end_time)`` now, in order, without jitter."""
        start, end, override = check_backfill(body)
        async with self._unit():
            s = self._get(namespace, schedule_id)
            try:
                times = occurrences(compile_spec(s.spec), start, end, BACKFILL_LIMIT)
            except OverflowError:
                raise invalid(
                    {
                        "end_time": [
                            f"The backfill range holds more than {BACKFILL_LIMIT} occurrences; split it."
                        ]
                    }
                ) from None
            policy = override or s.overlap_policy
            if policy in ("buffer_one", "buffer_all"):
                policy = "allow_all"
            request = s.last_sequence
            results: list[dict[str, Any]] = []
            for t in times:
                if s.remaining_actions is not None and s.remaining_actions <= 0:
                    break
                r = self.attempt(
                    s, policy=policy, kind="backfill", fire_key=f"backfill:{request}:{t:.3f}", occurrence=t
                )
                outcome = "started" if r["outcome"] == "triggered" else r["outcome"]
                results.append(
                    {
                        "fire_time": iso_offset(t),
                        "outcome": outcome,
                        **{k: r[k] for k in ("workflow_id", "reason") if k in r},
                    }
                )
        return {
            "schedule_id": schedule_id,
            "outcome": "backfill_started",
            "fires_attempted": len(results),
            "results": results,
        }

    # -- the scheduler loop ------------------------------------------------------------------

    def wake(self) -> None:
        """Make the scheduler re-check now."""
        self._wake.set()

    def next_due(self) -> float | None:
        times = [
            s.next_fire_at
            for s in self.schedules.values()
            if s.status == "active" and s.next_fire_at is not None
        ]
        return min(times) if times else None

    async def tick(self) -> None:
        """One pass: start buffered fires whose blocker closed, then fire every due schedule."""
        closed_waits: dict[str, asyncio.Event] = {}
        async with self._unit(from_loop=True):
            now = self.engine.clock.now()
            active = sorted(
                (s for s in self.schedules.values() if s.status == "active"), key=lambda s: s.created_order
            )
            for s in active:
                self.drain(s)
            for s in sorted(
                (s for s in active if self.due_time(s) <= now),
                key=lambda s: (self.due_time(s), s.created_order),
            ):
                self.fire_due(s, now)
            for s in active:
                run = self.running_run(s) if s.buffered_actions else None
                if run is not None:
                    closed_waits[run.run_id] = self.engine.waiter(("run_closed", run.run_id))
        self._watch(closed_waits)

    def _watch(self, waits: dict[str, asyncio.Event]) -> None:
        """Wake the loop when a run that blocks buffered fires closes."""
        for run_id, event in waits.items():
            task = self._watchers.get(run_id)
            if task is None or task.done():
                self._watchers[run_id] = asyncio.create_task(self._relay(event))
        for run_id in [r for r, t in self._watchers.items() if t.done()]:
            del self._watchers[run_id]

    async def _relay(self, event: asyncio.Event) -> None:
        await event.wait()
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Fire schedules until `stop` is set, sleeping (on the server's clock) until the next one."""
        stopper = asyncio.create_task(self._relay(stop))
        try:
            while not stop.is_set():
                self._wake.clear()
                try:
                    await self.tick()
                except Exception:
                    log.exception("schedule pass failed")
                if stop.is_set():
                    return
                await self.engine.clock.sleep_until(self.next_due(), self._wake)
        finally:
            watchers = [stopper, *self._watchers.values()]
            self._watchers.clear()
            for task in watchers:
                task.cancel()
            await asyncio.gather(*watchers, return_exceptions=True)


def _encode_token(order: int) -> str:
    return base64.urlsafe_b64encode(f"o:{order}".encode()).decode()


def _decode_token(token: Any, f: Fields) -> int | None:
    if not token:
        return None
    try:
        text = base64.urlsafe_b64decode(str(token).encode()).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        text = ""
    order = digits(text[2:]) if text.startswith("o:") else None
    if order is None:
        f.add("next_page_token", "The next page token is invalid.")
    return order

"""Time skipping: move the dev server's fake clock forward whenever every worker is idle.

The engine's state says whether anything can still happen without time passing: a workflow task,
query or activity that is ready now or leased to a worker. When nothing is, the next event is
a timer, retry backoff or timeout, and the clock can jump straight to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from typing import Any

from durable_workflow.server import DevServer

__all__ = ["TimeSkipper"]

logger = logging.getLogger("durable_workflow.testing")

#: Wall seconds between idle checks while skipping is allowed.
_TICK = 0.001
#: Consecutive idle checks required before the clock moves (lets in-flight work land).
_SETTLE_CHECKS = 3
#: Wall seconds of waiting on unfinished work before the skipper says what it is waiting for.
_STALL_WARNING_SECONDS = 10.0


def busy(server: DevServer, *, running_activities: bool) -> bool:
    """Is there work that can proceed without time passing (or is running right now)?"""
    engine: Any = server.engine
    now = server.clock.now()
    for task in engine.live_items("workflow_task"):
        if task.status == "leased" or (task.status == "ready" and task.available_at <= now):
            return True
    for act in engine.live_items("activity"):
        if not act.is_open:
            continue
        if act.task_status == "ready" and act.available_at <= now:
            return True
        if running_activities and act.task_status == "leased":
            return True
    return any(query.status in ("ready", "leased") for query in engine.query_tasks.values())


def stalled(server: DevServer) -> str:
    """Describe the work that keeps the clock from moving (for the stall warning)."""
    engine: Any = server.engine
    now = server.clock.now()
    ready: set[str] = set()
    for task in engine.live_items("workflow_task"):
        if task.status == "ready" and task.available_at <= now:
            ready.add(f"workflow task on queue {task.task_queue!r}")
    for act in engine.live_items("activity"):
        if act.is_open and act.task_status in ("ready", "leased") and act.available_at <= now:
            state = "running" if act.task_status == "leased" else "ready"
            ready.add(f"{state} activity {act.activity_type!r} on queue {act.task_queue!r}")
    if not ready:
        return "tasks leased to workers"
    return "; ".join(sorted(ready)) + " (is a worker for it running?)"


class TimeSkipper:
    """Owns the clock of a time-skipping environment: automatic and explicit skips."""

    def __init__(self, server: DevServer) -> None:
        self.server = server
        self._lock = asyncio.Lock()
        self._unlocks = 0
        self._unlocked = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._auto_loop(), name="durable-workflow-time-skipper")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    @contextlib.contextmanager
    def unlocked(self) -> Iterator[None]:
        """Allow automatic skipping while the block runs (nests)."""
        self._unlocks += 1
        self._unlocked.set()
        try:
            yield
        finally:
            self._unlocks -= 1
            if self._unlocks == 0:
                self._unlocked.clear()

    async def _auto_loop(self) -> None:
        loop = asyncio.get_running_loop()
        streak = 0
        busy_since: float | None = None
        while True:
            await self._unlocked.wait()
            await asyncio.sleep(_TICK)
            if self._unlocks == 0:
                streak, busy_since = 0, None
            elif busy(self.server, running_activities=True):
                streak = 0
                busy_since = self._warn_if_stalled(busy_since, loop.time())
            else:
                busy_since = None
                streak += 1
                if streak >= _SETTLE_CHECKS:
                    streak = 0
                    await self._skip_to_next_due()

    def _warn_if_stalled(self, since: float | None, now: float) -> float:
        """Log what the clock waits for once it has waited long; returns the new ``since``."""
        if since is None:
            return now
        if now - since > _STALL_WARNING_SECONDS:
            logger.warning("time skipping is waiting for: %s", stalled(self.server))
            return now
        return since

    async def _skip_to_next_due(self) -> None:
        async with self._lock:
            if busy(self.server, running_activities=True):
                return
            now, due = self.server.clock.now(), self.server.next_due_at()
            if due is not None and due > now:
                logger.debug("time skipping: jumping %.3f s", due - now)
                await self.server.advance(due - now)

    async def settle(self, timeout: float, *, running_activities: bool) -> bool:
        """Wait (wall time) until no work is ready or running; False if ``timeout`` passed first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        streak = 0
        while streak < _SETTLE_CHECKS:
            await asyncio.sleep(_TICK)
            if busy(self.server, running_activities=running_activities):
                streak = 0
                if loop.time() >= deadline:
                    return False
            else:
                streak += 1
        return True

    async def sleep(self, seconds: float, *, settle_timeout: float) -> None:
        """Let ``seconds`` of server time pass, stopping at each due item so workflows react."""
        if seconds < 0:
            raise ValueError("cannot sleep a negative duration")
        async with self._lock:
            target = self.server.clock.now() + seconds
            stuck = False
            while True:
                if not await self.settle(settle_timeout, running_activities=False):
                    logger.warning(
                        "time skipping: work still pending after %.1f s; moving on", settle_timeout
                    )
                now, due = self.server.clock.now(), self.server.next_due_at()
                if due is None or due > target or (stuck and due <= now):
                    await self.server.advance(max(0.0, target - now))
                    break
                stuck = due <= now  # overdue items are processed by this advance; never loop on them
                await self.server.advance(max(0.0, due - now))
            await self.settle(settle_timeout, running_activities=False)

    async def advance(self, seconds: float) -> None:
        """Jump the clock by ``seconds`` at once and process everything that became due."""
        if seconds < 0:
            raise ValueError("cannot advance by a negative duration")
        async with self._lock:
            await self.server.advance(seconds)

"""`activity.context()`: what a running activity knows about itself, and heartbeats."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from durable_workflow.errors import ActivityCancelled

__all__ = ["ActivityContext", "ActivityInfo", "context"]

HeartbeatSender = Callable[[Mapping[str, Any] | None], Awaitable[Mapping[str, Any] | None]]

_current: contextvars.ContextVar[ActivityContext] = contextvars.ContextVar(
    "durable_workflow_activity_context"
)

#: Heartbeat throttle when the activity has no heartbeat timeout.
DEFAULT_HEARTBEAT_INTERVAL = 30.0


@dataclass(frozen=True)
class ActivityInfo:
    """Identity and limits of the activity attempt being executed."""

    activity_type: str
    task_id: str
    activity_attempt_id: str
    attempt_number: int
    task_queue: str
    workflow_id: str | None = None
    run_id: str | None = None
    activity_id: str | None = None
    heartbeat_timeout: float | None = None
    deadlines: Mapping[str, datetime] = field(default_factory=dict)

    __module__ = "durable_workflow.activity"


class ActivityContext:
    """Per-attempt context; get it with `activity.context()` inside an activity."""

    __module__ = "durable_workflow.activity"

    def __init__(
        self,
        info: ActivityInfo,
        send_heartbeat: HeartbeatSender,
        *,
        loop: asyncio.AbstractEventLoop,
        heartbeat_interval: float | None = None,
    ) -> None:
        self.info = info
        self._send = send_heartbeat
        self._loop = loop
        if heartbeat_interval is None:
            timeout = info.heartbeat_timeout
            heartbeat_interval = timeout * 0.5 if timeout else DEFAULT_HEARTBEAT_INTERVAL
        self._interval = heartbeat_interval
        self._cancelled = False
        self._last_sent = float("-inf")
        self._pending: Mapping[str, Any] | None = None
        self._has_pending = False
        self._flush_task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    @property
    def is_cancelled(self) -> bool:
        """True once the server has asked for this activity to stop."""
        return self._cancelled

    async def heartbeat(self, details: Mapping[str, Any] | None = None) -> None:
        """Report progress and keep the attempt alive.

        Requests are throttled (at most one per interval; the latest details win). Raises
        `ActivityCancelled` once the server reports that cancellation was requested.
        """
        if self._cancelled:
            raise ActivityCancelled("activity cancelled")
        if details is not None and not isinstance(details, Mapping):
            raise TypeError(f"heartbeat details must be a dict, got {type(details).__name__}")
        self._pending, self._has_pending = details, True
        if time.monotonic() - self._last_sent >= self._interval:
            await self._flush()
        elif self._flush_task is None:
            self._flush_task = self._loop.create_task(self._flush_later())
        if self._cancelled:
            raise ActivityCancelled("activity cancelled")

    def heartbeat_sync(self, details: Mapping[str, Any] | None = None) -> None:
        """`heartbeat` for synchronous activities (which run in worker threads)."""
        future = asyncio.run_coroutine_threadsafe(self.heartbeat(details), self._loop)
        future.result()

    async def _flush_later(self) -> None:
        try:
            await asyncio.sleep(max(0.0, self._last_sent + self._interval - time.monotonic()))
            await self._flush()
        finally:
            self._flush_task = None

    async def _flush(self) -> None:
        async with self._lock:
            if not self._has_pending:
                return
            details, self._has_pending = self._pending, False
            self._last_sent = time.monotonic()
            response = await self._send(details)
        if isinstance(response, Mapping) and response.get("cancel_requested"):
            self._cancelled = True

    async def close(self) -> None:
        """Stop any deferred heartbeat (called by the worker when the attempt ends)."""
        task, self._flush_task = self._flush_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def context() -> ActivityContext:
    """The context of the activity running in this task or thread; RuntimeError outside one."""
    try:
        return _current.get()
    except LookupError:
        raise RuntimeError("activity.context() called outside of an activity") from None


def _set_context(ctx: ActivityContext) -> contextvars.Token[ActivityContext]:
    return _current.set(ctx)


def _reset_context(token: contextvars.Token[ActivityContext]) -> None:
    _current.reset(token)

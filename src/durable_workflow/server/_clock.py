"""Injectable clocks: the engine never reads wall time directly.

Background loops sleep with `Clock.sleep_until(deadline, wake)`: they return when the deadline is
reached or when `wake` is set. A `FakeClock` sets every registered wake event when it advances, so
sleeping loops re-check their due items at once and time-based tests run in milliseconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Protocol

__all__ = ["Clock", "FakeClock", "SystemClock"]


class Clock(Protocol):
    """Source of the current time (epoch seconds) for the engine."""

    def now(self) -> float: ...

    async def sleep_until(self, deadline: float | None, wake: asyncio.Event) -> None:
        """Return when `deadline` (epoch seconds, None = never) has passed or `wake` is set."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> float:
        return time.time()

    async def sleep_until(self, deadline: float | None, wake: asyncio.Event) -> None:
        timeout = None if deadline is None else max(0.0, deadline - self.now())
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout)


class FakeClock:
    """A manually advanced clock; `advance()` wakes every loop sleeping on it."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:  # 2026-01-01T00:00:00Z
        self._now = float(start)
        self._sleepers: set[asyncio.Event] = set()

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward by `seconds` and wake all sleepers so they re-check deadlines."""
        if seconds < 0:
            raise ValueError("a FakeClock cannot go backwards")
        self._now += seconds
        for event in list(self._sleepers):
            event.set()

    def set_time(self, timestamp: float) -> None:
        """Jump to an absolute epoch time (not earlier than now)."""
        self.advance(max(0.0, timestamp - self._now))

    async def sleep_until(self, deadline: float | None, wake: asyncio.Event) -> None:
        if deadline is not None and deadline <= self._now:
            return
        self._sleepers.add(wake)
        try:
            await wake.wait()
        finally:
            self._sleepers.discard(wake)

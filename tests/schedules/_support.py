"""Helpers shared by the schedule tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from durable_workflow.server import _app as server_app, _devserver
from durable_workflow.server._schedules import routes, schedule_loop

START = 1_767_225_600.0  # 2026-01-01T00:00:00Z

Advance = Callable[[float], Awaitable[None]]


def server_options() -> dict[str, Any]:
    """Schedules are built into the dev server; an assembly without them gets them passed in."""
    options: dict[str, Any] = {}
    if routes not in server_app.DEFAULT_ROUTE_GROUPS:
        options["extra_route_groups"] = [routes]
    if schedule_loop not in _devserver.DEFAULT_BACKGROUND_LOOPS:
        options["background_loops"] = [schedule_loop]
    return options


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    """Poll `check` until it is true (for what the background loop does on its own)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)

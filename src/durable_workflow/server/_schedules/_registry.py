"""The engine's schedule service (a participant of its unit of work), plus the loop that drives it."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from durable_workflow.server._schedules._service import ScheduleService

if TYPE_CHECKING:
    from durable_workflow.server._engine import Engine

__all__ = ["schedule_loop", "service_for"]


def service_for(engine: Engine) -> ScheduleService:
    """The engine's schedule service (created on first use), open on the engine's storage."""
    service = next((p for p in engine.participants if isinstance(p, ScheduleService)), None)
    if service is None:
        service = ScheduleService(engine)
    if not service.is_open:
        service.open()
    return service


async def schedule_loop(engine: Engine, stop: asyncio.Event) -> None:
    """A dev-server background loop: fires schedules until `stop` is set."""
    await service_for(engine).run(stop)

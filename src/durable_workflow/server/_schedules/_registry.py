"""One `ScheduleService` per engine, opened on first use, plus the background loop that drives it."""

from __future__ import annotations

import asyncio
import weakref
from typing import TYPE_CHECKING

from durable_workflow.server._schedules._service import ScheduleService

if TYPE_CHECKING:
    from durable_workflow.server._engine import Engine

__all__ = ["schedule_loop", "service_for"]

_SERVICES: weakref.WeakKeyDictionary[Engine, ScheduleService] = weakref.WeakKeyDictionary()


def service_for(engine: Engine) -> ScheduleService:
    """The engine's schedule service, (re)opened on the engine's current storage connection."""
    service = _SERVICES.get(engine)
    if service is None:
        service = _SERVICES[engine] = ScheduleService(engine)
    if not service.is_open:
        service.open()
    return service


async def schedule_loop(engine: Engine, stop: asyncio.Event) -> None:
    """A dev-server background loop: fires schedules until `stop` is set."""
    await service_for(engine).run(stop)

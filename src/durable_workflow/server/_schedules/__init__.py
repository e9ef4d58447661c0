"""Schedules for the dev server: spec math, storage, the trigger algorithm, routes and the loop.

`routes` is a route group for the app and `schedule_loop` a background loop for `DevServer`;
`service_for(engine)` reaches the schedule service of a running server (tests use it to run one
scheduler pass deterministically).
"""

from durable_workflow.server._schedules._registry import (
    schedule_loop as schedule_loop,
    service_for as service_for,
)
from durable_workflow.server._schedules._routes import routes as routes
from durable_workflow.server._schedules._service import ScheduleService as ScheduleService

__all__ = ["ScheduleService", "routes", "schedule_loop", "service_for"]

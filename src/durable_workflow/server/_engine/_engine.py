"""The assembled engine: due-time processing (timers, leases, timeouts) and task-queue views."""

from __future__ import annotations

from typing import Any

from durable_workflow.server._clock import Clock
from durable_workflow.server._engine._activities import ActivityTasks
from durable_workflow.server._engine._commands import Commands
from durable_workflow.server._engine._control import Workflows
from durable_workflow.server._engine._core import EngineConfig
from durable_workflow.server._engine._interact import Messages
from durable_workflow.server._engine._model import ActivityExecution, Run, Timer, WorkflowTask
from durable_workflow.server._engine._runs import RunsMixin
from durable_workflow.server._engine._wftasks import WorkflowTasks
from durable_workflow.server._engine._workers import Directory
from durable_workflow.server._ids import iso
from durable_workflow.server._storage import Storage

__all__ = ["Engine"]


class Engine(RunsMixin):
    """Matching, leases, timers, retries and timeouts over the SQLite store. Knows no HTTP.

    `directory` (namespaces, search attributes, workers, task-queue views), `workflows`
    (control-plane operations) and `messages` (updates, queries) are separate components sharing
    this engine's unit of work.
    """

    def __init__(self, storage: Storage, clock: Clock, config: EngineConfig) -> None:
        super().__init__(storage, clock, config)
        self.directory = Directory(self)
        self.commands = Commands(self)
        self.workflow_tasks = WorkflowTasks(self)
        self.activity_tasks = ActivityTasks(self)
        self.workflows = Workflows(self)
        self.messages = Messages(self, self.workflows)

    def release_worker(self, namespace: str, worker_id: str) -> int:
        """Deregister a worker and put its leased workflow tasks back; returns how many."""
        self.directory.deregister_worker(namespace, worker_id)
        leased = [
            t
            for t in self.live_items("workflow_task")
            if t.namespace == namespace and t.status == "leased" and t.lease_owner == worker_id
        ]
        for task in leased:
            self.workflow_tasks.expire_workflow_task(task)
        return len(leased)

    def process_due(self, now: float) -> None:
        last, self._last_due_now = self._last_due_now, now
        for task in self.live_items("workflow_task"):
            if task.status == "leased" and (task.lease_expires_at or 0) <= now:
                self.workflow_tasks.expire_workflow_task(task)
            elif task.status == "ready" and last < task.available_at <= now:
                self.notify(("wf", task.namespace, task.task_queue))
        for act in self.live_items("activity"):
            if not act.is_open:
                continue
            kind = self.activity_tasks.due_timeout(act, now)
            if kind is not None:
                self.activity_tasks.time_out_activity(act, kind)
            elif act.task_status == "leased" and (act.lease_expires_at or 0) <= now:
                self.activity_tasks.expire_activity_lease(act)
            elif act.task_status == "ready" and last < act.available_at <= now:
                self.notify(("act", act.namespace, act.task_queue))
        for timer in sorted(self.live_items("timer"), key=lambda t: (t.fire_at, t.sequence)):
            if timer.status == "pending" and timer.fire_at <= now:
                self.fire_timer(timer)
        for run in self.live_items("run"):
            if not run.is_terminal and self.workflow_tasks.run_deadline_passed(run):
                self.workflow_tasks.time_out_run(run)
        for query in self.query_tasks.values():
            if query.status == "leased" and (query.lease_expires_at or 0) <= now:
                query.status, query.lease_owner = "ready", None
                self.notify(("query", query.namespace, query.task_queue))

    def next_due(self, now: float) -> float | None:
        times = [
            self.item_due(obj, now)
            for kind in ("workflow_task", "activity", "timer", "run")
            for obj in self.live_items(kind)
        ]
        times.extend(
            q.lease_expires_at
            for q in self.query_tasks.values()
            if q.status == "leased" and q.lease_expires_at is not None
        )
        found = [t for t in times if t is not None]
        return min(found) if found else None

    def item_due(self, obj: Any, now: float) -> float | None:
        """The earliest time at which the due loop must look at this record again (None: never)."""
        if isinstance(obj, WorkflowTask):
            if obj.status == "leased":
                return obj.lease_expires_at
            return obj.available_at if obj.status == "ready" and obj.available_at > now else None
        if isinstance(obj, ActivityExecution):
            return _earliest(self._activity_due_times(obj, now)) if obj.is_open else None
        if isinstance(obj, Timer):
            return obj.fire_at if obj.status == "pending" else None
        if isinstance(obj, Run) and not obj.is_terminal:
            return _earliest((obj.run_deadline_at, obj.execution_deadline_at))
        return None

    @staticmethod
    def _activity_due_times(act: ActivityExecution, now: float) -> tuple[float | None, ...]:
        return (
            act.schedule_to_close_deadline,
            act.schedule_to_start_deadline if act.status == "pending" else None,
            act.heartbeat_deadline,
            act.start_to_close_deadline,
            act.lease_expires_at if act.task_status == "leased" else None,
            act.available_at if act.task_status == "ready" and act.available_at > now else None,
        )

    def fire_timer(self, timer: Timer) -> None:
        timer.status = "fired"
        self.save(timer)
        run = self.runs.get(timer.run_id)
        if run is None or run.is_terminal:
            return
        payload = {**self.commands._timer_payload(timer), "fired_at": iso(self.clock.now())}
        if timer.timer_kind == "condition_timeout":
            self.append_event(run, "TimerFired", payload)
            if (
                run.open_wait is not None
                and run.open_wait.get("condition_wait_id") == timer.condition_wait_id
            ):
                run.open_wait = None
                run.wait_kind = run.wait_reason = None
                self.save(run)
                self.request_wake(run, "condition_timeout")
            return
        self.resolve_step(run, timer.sequence, "TimerFired", payload)


def _earliest(times: tuple[float | None, ...]) -> float | None:
    found = [t for t in times if t is not None]
    return min(found) if found else None

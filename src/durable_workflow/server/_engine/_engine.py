"""The assembled engine: due-time processing (timers, leases, timeouts) and task-queue views."""

from __future__ import annotations

from typing import Any

from durable_workflow.server._engine import _sticky as sticky
from durable_workflow.server._engine._errors import EngineError, invalid
from durable_workflow.server._engine._model import ActivityExecution, Run, Timer, Worker, WorkflowTask
from durable_workflow.server._engine._sessions import parse_options
from durable_workflow.server._engine._validation import ValidationMixin
from durable_workflow.server._engine._workers import AdminMixin
from durable_workflow.server._ids import iso

__all__ = ["Engine"]


class Engine(ValidationMixin, AdminMixin):
    """Matching, leases, timers, retries and timeouts over the SQLite store. Knows no HTTP."""

    def release_worker(self, namespace: str, worker_id: str) -> int:
        """Deregister a worker and put its leased workflow tasks back; returns how many."""
        self.deregister_worker(namespace, worker_id)
        leased = [
            t
            for t in self.live_items("workflow_task")
            if t.namespace == namespace and t.status == "leased" and t.lease_owner == worker_id
        ]
        for task in leased:
            self.expire_workflow_task(task)
        return len(leased)

    # -- worker sessions (see _sessions.py) -----------------------------------------------------

    def _session_worker(self, namespace: str, body: dict[str, Any]) -> Worker:
        worker_id = body.get("worker_id")
        if not isinstance(worker_id, str) or not worker_id:
            raise invalid({"worker_id": ["The worker id field is required."]})
        worker = self.live_worker(namespace, worker_id)
        if worker is None:
            raise EngineError(
                "precondition",
                "worker_not_registered",
                f"Worker [{worker_id}] is not registered.",
                admitted=False,
            )
        return worker

    def create_session(self, namespace: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        worker = self._session_worker(namespace, body)
        outcome, session = self.session_book.acquire(worker, parse_options(body), explicit=True)
        status = 201 if outcome == "created" else 200
        return status, _session_answer(outcome, session.snapshot(), status)

    def heartbeat_session(self, namespace: str, session_id: str, body: dict[str, Any]) -> dict[str, Any]:
        worker = self._session_worker(namespace, body)
        lease = body.get("lease_seconds")
        if lease is not None and (not isinstance(lease, int) or isinstance(lease, bool) or lease < 1):
            raise invalid({"lease_seconds": ["The lease seconds must be an integer of at least 1."]})
        session = self.session_book.renew(namespace, worker.worker_id, session_id, lease)
        return _session_answer("heartbeat_recorded", session.snapshot(), 200)

    def close_session(self, namespace: str, session_id: str, body: dict[str, Any]) -> dict[str, Any]:
        worker_id = body.get("worker_id")
        if not isinstance(worker_id, str) or not worker_id:
            raise invalid({"worker_id": ["The worker id field is required."]})
        outcome, session = self.session_book.close(namespace, worker_id, session_id)
        return _session_answer(outcome, session.snapshot(), 200)

    def process_due(self, now: float) -> None:
        last, self._last_due_now = self._last_due_now, now
        for task in self.live_items("workflow_task"):
            if task.status == "leased" and (task.lease_expires_at or 0) <= now:
                self.expire_workflow_task(task)
            elif task.status == "ready" and (
                last < task.available_at <= now or last < (self.sticky_hold_end(task) or 0) <= now
            ):
                self.notify(("wf", task.namespace, task.task_queue))
        for act in self.live_items("activity"):
            if not act.is_open:
                continue
            kind = self.due_timeout(act, now)
            if kind is not None:
                self.time_out_activity(act, kind)
            elif act.task_status == "leased" and (act.lease_expires_at or 0) <= now:
                self.expire_activity_lease(act)
            elif act.task_status == "ready" and last < act.available_at <= now:
                self.notify(("act", act.namespace, act.task_queue))
        for timer in sorted(self.live_items("timer"), key=lambda t: (t.fire_at, t.sequence)):
            if timer.status == "pending" and timer.fire_at <= now:
                self.fire_timer(timer)
        for run in self.live_items("run"):
            if not run.is_terminal and self.run_deadline_passed(run):
                self.time_out_run(run)
        for query in self.query_tasks.values():
            if query.status == "leased" and (query.lease_expires_at or 0) <= now:
                query.status, query.lease_owner = "ready", None
                self.notify(("query", query.namespace, query.task_queue))

    def sticky_hold_end(self, task: WorkflowTask) -> float | None:
        """When a ready task stops being reserved for its run's sticky owner (pollers wake then)."""
        run = self.runs.get(task.run_id)
        return None if run is None else sticky.hold_ends_at(run, task, self.config.sticky)

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
            if obj.status != "ready":
                return None
            hold = self.sticky_hold_end(obj)
            return _earliest(tuple(t for t in (obj.available_at, hold) if t is not None and t > now))
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
        payload = {**self._timer_payload(timer), "fired_at": iso(self.clock.now())}
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

    # -- task queues -------------------------------------------------------------------------

    def task_queue_names(self, namespace: str) -> list[str]:
        names = {w.task_queue for w in self.workers.values() if w.namespace == namespace}
        names |= set(self.storage.queue_names(namespace))
        return sorted(names)

    def task_queue_view(self, namespace: str, name: str) -> dict[str, Any]:
        wf = [t for t in self.live_items("workflow_task") if (t.namespace, t.task_queue) == (namespace, name)]
        acts = [a for a in self.live_items("activity") if (a.namespace, a.task_queue) == (namespace, name)]
        workers = [w for w in self.workers.values() if (w.namespace, w.task_queue) == (namespace, name)]
        ready_wf, ready_act = (
            sum(t.status == "ready" for t in wf),
            sum(a.task_status == "ready" for a in acts),
        )
        leases = [
            self._lease_view(t.task_id, "workflow", t.lease_owner, t.lease_expires_at)
            for t in wf
            if t.status == "leased"
        ]
        leases += [
            self._lease_view(a.task_id, "activity", a.lease_owner, a.lease_expires_at)
            for a in acts
            if a.task_status == "leased"
        ]
        stats = {
            "ready_workflow_tasks": ready_wf,
            "leased_workflow_tasks": len(wf) - ready_wf,
            "ready_activity_tasks": ready_act,
            "leased_activity_tasks": len(acts) - ready_act,
            "pollers": len(workers),
        }
        return {
            "name": name,
            "namespace": namespace,
            "stats": stats,
            "admission": self._admission(namespace, name, workers, stats),
            "pollers": [self.worker_view(w) for w in workers],
            "current_leases": leases,
        }

    def _lease_view(
        self, task_id: str, kind: str, owner: str | None, expires: float | None
    ) -> dict[str, Any]:
        return {"task_id": task_id, "task_type": kind, "lease_owner": owner, "lease_expires_at": iso(expires)}

    def _admission(
        self, namespace: str, name: str, workers: list[Any], stats: dict[str, int]
    ) -> dict[str, Any]:
        active = sum(self.worker_status(w) == "active" for w in workers)
        admission: dict[str, Any] = {
            f"{kind}_tasks": {
                "active_worker_count": active,
                "ready_count": stats[f"ready_{kind}_tasks"],
                "leased_count": stats[f"leased_{kind}_tasks"],
                "status": "accepting" if active else "no_active_workers",
            }
            for kind in ("workflow", "activity")
        }
        pending = sum((q.namespace, q.task_queue) == (namespace, name) for q in self.query_tasks.values())
        admission["query_tasks"] = {
            "max_pending_per_queue": 1024,
            "approximate_pending_count": pending,
            "remaining_pending_capacity": 1024 - pending,
            "status": "accepting",
        }
        return admission

    def worker_view(self, worker: Any) -> dict[str, Any]:
        return {
            "worker_id": worker.worker_id,
            "namespace": worker.namespace,
            "task_queue": worker.task_queue,
            "runtime": worker.runtime,
            "sdk_version": worker.sdk_version,
            "build_id": worker.build_id,
            "supported_workflow_types": worker.supported_workflow_types,
            "workflow_definition_fingerprints": worker.workflow_definition_fingerprints,
            "supported_activity_types": worker.supported_activity_types,
            "max_concurrent_workflow_tasks": worker.max_concurrent_workflow_tasks,
            "max_concurrent_activity_tasks": worker.max_concurrent_activity_tasks,
            "status": self.worker_status(worker),
            "is_stale": not self.worker_fresh(worker),
            "last_heartbeat_at": iso(worker.last_heartbeat_at),
            "registered_at": iso(worker.registered_at),
            "updated_at": iso(worker.updated_at),
        }


def _session_answer(outcome: str, snapshot: dict[str, Any], status: int) -> dict[str, Any]:
    return {"admitted": True, "outcome": outcome, "session": snapshot, "status": status, "reason": None}


def _earliest(times: tuple[float | None, ...]) -> float | None:
    found = [t for t in times if t is not None]
    return min(found) if found else None

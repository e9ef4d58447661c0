"""Workflow tasks: long-poll claims, fencing, history pages, completion and failure."""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

from durable_workflow.server._engine._errors import EngineError, RecordedRefusal, invalid
from durable_workflow.server._engine._model import Run, Worker, WorkflowTask
from durable_workflow.server._engine._validate import as_int, normalise_commands
from durable_workflow.server._ids import iso, iso_offset, new_id
from durable_workflow.server._payload import CODEC, envelope
from durable_workflow.server._scalars import digits
from durable_workflow.server._storage import EventRow

if TYPE_CHECKING:
    from durable_workflow.server._engine._engine import Engine

__all__ = ["WorkflowTasks", "decode_page_token", "encode_page_token", "worker_event"]

_RESUME_FIELDS = (
    "workflow_wait_kind",
    "open_wait_id",
    "resume_source_kind",
    "resume_source_id",
    "workflow_signal_id",
    "signal_name",
    "signal_wait_id",
    "workflow_command_id",
    "activity_execution_id",
    "activity_attempt_id",
    "activity_type",
    "child_call_id",
    "child_workflow_run_id",
    "workflow_sequence",
    "workflow_event_type",
    "timer_id",
    "condition_wait_id",
    "condition_key",
    "condition_definition_fingerprint",
)
HISTORY_PAGE_DEFAULT = 500
HISTORY_PAGE_MAX = 1000


def encode_page_token(after: int) -> str:
    return base64.b64encode(str(after).encode()).decode()


def decode_page_token(token: Any) -> int:
    """Decode a history page token (base64 of the decimal last sequence)."""
    try:
        text = base64.b64decode(str(token), validate=True).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        text = ""
    after = digits(text)
    if after is None:
        raise EngineError("bad_request", "invalid_page_token", "The history page token is invalid.")
    return after


def worker_event(e: EventRow) -> dict[str, Any]:
    return {
        "id": e.id,
        "sequence": e.sequence,
        "event_type": e.event_type,
        "payload": e.payload,
        "workflow_task_id": e.workflow_task_id,
        "workflow_command_id": e.workflow_command_id,
        "recorded_at": e.recorded_at,
    }


def _fence_fields(body: dict[str, Any]) -> tuple[str, int]:
    errors: dict[str, list[str]] = {}
    owner = body.get("lease_owner")
    attempt = as_int(body.get("workflow_task_attempt"))
    if not isinstance(owner, str) or not owner:
        errors["lease_owner"] = ["The lease owner field is required."]
    if attempt is None or attempt < 1:
        errors["workflow_task_attempt"] = [
            "The workflow task attempt field must be an integer of at least 1."
        ]
    if errors:
        raise invalid(errors)
    return str(owner), int(attempt or 0)


class WorkflowTasks:
    """The workflow-task half of the worker plane: a component over the engine's unit of work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def claim_workflow_task(
        self, worker: Worker, poll_request_id: Any, page_size: int | None
    ) -> dict[str, Any] | None:
        now = self.engine.clock.now()
        candidates: list[WorkflowTask] = []
        for task in self.engine.queue_items("workflow_task", worker.namespace, worker.task_queue):
            if (
                task.status == "leased"
                and poll_request_id
                and task.poll_request_id == poll_request_id
                and task.lease_owner == worker.worker_id
                and (task.lease_expires_at or 0) > now
            ):
                return self.workflow_task_body(task, page_size)
            if task.status == "ready" and task.available_at <= now:
                candidates.append(task)
        types = set(worker.supported_workflow_types)
        runs = self.engine.runs
        get = dict.get.__get__(runs)  # open runs are always in memory: skip WorkingSet.get's fallback
        candidates = [
            t
            for t in candidates
            if (run := get(t.run_id) or runs.get(t.run_id)) is not None
            and not run.is_terminal
            and (not types or run.workflow_type in types)
        ]
        if not candidates:
            return None
        task = min(candidates, key=lambda t: (t.available_at, t.created_order))
        task.status = "leased"
        task.lease_owner = worker.worker_id
        task.lease_expires_at = now + self.engine.config.workflow_task_lease_seconds
        task.attempt_count += 1
        task.poll_request_id = poll_request_id if isinstance(poll_request_id, str) else None
        self.engine.save(task)
        run = self.engine.runs[task.run_id]
        if run.status in ("pending", "waiting"):
            run.status = "running"
            self.engine.save(run)
        return self.workflow_task_body(task, page_size)

    def workflow_task_body(self, task: WorkflowTask, page_size: int | None) -> dict[str, Any]:
        run = self.engine.runs[task.run_id]
        events = self.engine.storage.events(run.run_id, 0, page_size)
        has_more = page_size is not None and events and events[-1].sequence < run.last_sequence
        body: dict[str, Any] = {
            "task_id": task.task_id,
            "workflow_id": run.workflow_id,
            "run_id": run.run_id,
            "workflow_task_attempt": task.attempt_count,
            "workflow_type": run.workflow_type,
            "payload_codec": CODEC,
            "arguments": envelope(run.input_blob),
            "run_status": run.status,
            "last_history_sequence": run.last_sequence,
            "history_events": [worker_event(e) for e in events],
            "total_history_events": run.last_sequence,
            "next_history_page_token": encode_page_token(events[-1].sequence) if has_more else None,
            "task_queue": task.task_queue,
            "connection": None,
            "compatibility": None,
            "lease_owner": task.lease_owner,
            "lease_expires_at": iso(task.lease_expires_at),
            "workflow_update_id": task.workflow_update_id,
        }
        for name in _RESUME_FIELDS:
            body.setdefault(name, None)
        body["workflow_wait_kind"] = "update" if task.workflow_update_id else run.wake_reason
        return body

    # -- fencing -----------------------------------------------------------------------------

    def guard_workflow_task(
        self, namespace: str, task_id: str, owner: str, attempt: int
    ) -> tuple[WorkflowTask, Run]:
        task = self.engine.wf_tasks.get(task_id)
        if task is None or task.namespace != namespace:
            raise EngineError("not_found", "task_not_found", "Workflow task not found.", task_id=task_id)
        run = self.engine.runs[task.run_id]
        if task.status != "leased":
            if run.is_terminal:
                raise EngineError(
                    "conflict", "run_closed", "The workflow run is closed.", **self._closed_fields(task, run)
                )
            raise EngineError(
                "conflict",
                "task_not_leased",
                "The workflow task is not leased.",
                task_id=task_id,
                task_status=task.status,
            )
        lease = {
            "task_id": task_id,
            "task_status": "leased",
            "lease_owner": task.lease_owner,
            "lease_expires_at": iso(task.lease_expires_at),
        }
        if (task.lease_expires_at or 0) <= self.engine.clock.now():
            self.expire_workflow_task(task)
            raise RecordedRefusal("conflict", "lease_expired", "The workflow task lease expired.", **lease)
        if task.lease_owner != owner:
            raise EngineError(
                "conflict", "lease_owner_mismatch", "The task is leased to another worker.", **lease
            )
        if task.attempt_count != attempt:
            raise EngineError(
                "conflict",
                "workflow_task_attempt_mismatch",
                "The workflow task attempt does not match the current attempt.",
                current_attempt=task.attempt_count,
                **lease,
            )
        return task, run

    def _closed_fields(self, task: WorkflowTask, run: Run) -> dict[str, Any]:
        stop = {
            "cancelled": "run_cancelled",
            "terminated": "run_terminated",
            "completed": "run_completed",
            "failed": "run_failed",
        }.get(run.status, "run_closed")
        return {
            "task_id": task.task_id,
            "stop_reason": stop,
            "cancel_requested": run.status in ("cancelled", "terminated"),
            "can_continue": False,
            "run_status": run.status,
            "run_closed_reason": run.closed_reason,
            "run_closed_at": iso(run.closed_at),
            "task_status": task.status,
            "lease_owner": task.lease_owner,
            "lease_expires_at": iso(task.lease_expires_at),
        }

    def expire_workflow_task(self, task: WorkflowTask) -> None:
        """Put an expired lease back to ready on the same row (the next claim bumps the attempt)."""
        task.status = "ready"
        task.lease_owner = task.lease_expires_at = None
        task.poll_request_id = None
        task.available_at = self.engine.clock.now()
        task.repair_count += 1
        self.engine.save(task)
        self.engine.notify(("wf", task.namespace, task.task_queue))

    # -- follow-ups --------------------------------------------------------------------------

    def workflow_task_history(self, namespace: str, task_id: str, body: dict[str, Any]) -> dict[str, Any]:
        owner, attempt = _fence_fields(body)
        token = body.get("next_history_page_token")
        size = as_int(body.get("history_page_size")) or HISTORY_PAGE_DEFAULT
        if token is None:
            raise invalid({"next_history_page_token": ["The next history page token field is required."]})
        after = decode_page_token(token)
        task, run = self.guard_workflow_task(namespace, task_id, owner, attempt)
        events = self.engine.storage.events(run.run_id, after, min(max(size, 1), HISTORY_PAGE_MAX))
        more = bool(events) and events[-1].sequence < run.last_sequence
        return {
            "task_id": task_id,
            "workflow_task_attempt": task.attempt_count,
            "history_events": [worker_event(e) for e in events],
            "total_history_events": run.last_sequence,
            "next_history_page_token": encode_page_token(events[-1].sequence) if more else None,
        }

    def heartbeat_workflow_task(self, namespace: str, task_id: str, body: dict[str, Any]) -> dict[str, Any]:
        owner, attempt = _fence_fields(body)
        task, run = self.guard_workflow_task(namespace, task_id, owner, attempt)
        task.lease_expires_at = self.engine.clock.now() + self.engine.config.workflow_task_lease_seconds
        self.engine.save(task)
        return {
            "task_id": task_id,
            "workflow_task_attempt": task.attempt_count,
            "lease_owner": owner,
            "renewed": True,
            "lease_expires_at": iso(task.lease_expires_at),
            "run_status": run.status,
            "task_status": task.status,
            "reason": None,
        }

    def complete_workflow_task(self, namespace: str, task_id: str, body: dict[str, Any]) -> dict[str, Any]:
        owner, attempt = _fence_fields(body)
        commands = normalise_commands(body.get("commands"))
        task, run = self.guard_workflow_task(namespace, task_id, owner, attempt)
        if self.run_deadline_passed(run):
            self.time_out_run(run)
            raise RecordedRefusal(
                "conflict",
                "run_timed_out",
                "The workflow run timed out.",
                task_id=task_id,
                recorded=False,
                outcome="completed",
                run_id=run.run_id,
            )
        self.engine.commands.check_update_commands(run, task, commands)
        self.engine.close_task(task, "completed")
        run.task_failures = 0
        run.last_progress_at = self.engine.clock.now()
        self.engine.commands.apply_commands(run, task, commands)
        if not run.is_terminal:
            if task.workflow_update_id is None and run.batch:
                run.wake_pending = False
            elif task.workflow_update_id is not None and run.open_wait is not None and not run.batch:
                run.wake_pending = True
            self.engine.save(run)
            self.engine.dispatch_next(run)
        return {
            "task_id": task_id,
            "workflow_task_attempt": attempt,
            "outcome": "completed",
            "recorded": True,
            "run_id": run.run_id,
            "run_status": run.status,
            "created_task_ids": [],
            "reason": None,
        }

    def fail_workflow_task(self, namespace: str, task_id: str, body: dict[str, Any]) -> dict[str, Any]:
        owner, attempt = _fence_fields(body)
        failure = body.get("failure")
        if not isinstance(failure, dict) or not isinstance(failure.get("message"), str):
            raise invalid({"failure.message": ["The failure.message field is required."]})
        task, run = self.guard_workflow_task(namespace, task_id, owner, attempt)
        self.engine.close_task(task, "failed")
        task.reason = failure["message"]
        run.task_failures += 1
        delay = min(
            self.engine.config.workflow_task_retry_max_seconds,
            self.engine.config.workflow_task_retry_base_seconds * 2 ** (run.task_failures - 1),
        )
        self.engine.create_workflow_task(run, update_id=task.workflow_update_id, delay=delay)
        return {
            "task_id": task_id,
            "workflow_task_attempt": attempt,
            "outcome": "failed",
            "recorded": True,
            "reason": None,
            "next_task_id": run.open_task_id,
            "retry_available_at": iso_offset(self.engine.clock.now() + delay),
        }

    # -- run deadlines -----------------------------------------------------------------------

    def run_deadline_passed(self, run: Run) -> bool:
        now = self.engine.clock.now()
        return any(d is not None and d <= now for d in (run.run_deadline_at, run.execution_deadline_at))

    def time_out_run(self, run: Run) -> None:
        now = self.engine.clock.now()
        kind = (
            "execution_timeout"
            if run.execution_deadline_at is not None and run.execution_deadline_at <= now
            else "run_timeout"
        )
        message = f"Workflow {kind.replace('_', ' ')} exceeded."
        exception_class = "Workflow\\V2\\Exceptions\\WorkflowTimeoutException"
        run.failure = {
            "message": message,
            "exception_class": exception_class,
            "exception_type": "WorkflowTimedOut",
        }
        self.engine.close_run(
            run,
            "failed",
            "timed_out",
            "WorkflowTimedOut",
            {
                "failure_id": new_id(),
                "timeout_kind": kind,
                "failure_category": "timeout",
                "message": message,
                "exception_class": exception_class,
                "execution_deadline_at": iso_offset(run.execution_deadline_at),
                "run_deadline_at": iso_offset(run.run_deadline_at),
            },
        )

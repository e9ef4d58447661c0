"""Activity tasks: claims, fencing by attempt, retries with backoff, heartbeats and timeouts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from durable_workflow.server._engine._errors import EngineError, invalid
from durable_workflow.server._engine._model import ActivityExecution, Run, Worker
from durable_workflow.server._ids import iso, iso_offset, new_id
from durable_workflow.server._payload import CODEC, PayloadInvalid, encode_value, envelope, is_envelope

if TYPE_CHECKING:
    from durable_workflow.server._engine._engine import Engine

__all__ = ["ActivityTasks"]

_TIMEOUT_CLASS = "Workflow\\V2\\Exceptions\\ActivityTimeoutException"


class ActivityTasks:
    """The activity half of the worker plane: a component over the engine's unit of work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def claim_activity_task(self, worker: Worker) -> dict[str, Any] | None:
        now = self.engine.clock.now()
        types = set(worker.supported_activity_types)
        ready = [
            a
            for a in self.engine.queue_items("activity", worker.namespace, worker.task_queue)
            if a.task_status == "ready"
            and a.is_open
            and a.available_at <= now
            and (not types or a.activity_type in types)
        ]
        if not ready:
            return None
        act = min(ready, key=lambda a: (a.available_at, a.created_order))
        act.attempt_count += 1
        act.attempt_id = new_id()
        act.attempts[act.attempt_id] = {
            "task_id": act.task_id,
            "attempt_number": act.attempt_count,
            "lease_owner": worker.worker_id,
            "status": "running",
        }
        act.status, act.task_status = "running", "leased"
        act.lease_owner = worker.worker_id
        act.lease_expires_at = now + self.engine.config.activity_lease_seconds
        act.start_to_close_deadline = now + act.start_to_close_timeout if act.start_to_close_timeout else None
        act.heartbeat_deadline = now + act.heartbeat_timeout if act.heartbeat_timeout else None
        self.engine.save(act)
        run = self.engine.runs[act.run_id]
        self.engine.append_event(
            run,
            "ActivityStarted",
            {
                **self._act_ids(act),
                "attempt_number": act.attempt_count,
                "lease_expires_at": iso(act.lease_expires_at),
            },
        )
        return self._activity_task_body(act, run)

    def _act_ids(self, act: ActivityExecution) -> dict[str, Any]:
        return {
            "activity_execution_id": act.execution_id,
            "activity_attempt_id": act.attempt_id,
            "activity_class": act.activity_type,
            "activity_type": act.activity_type,
            "sequence": act.sequence,
        }

    def _activity_task_body(self, act: ActivityExecution, run: Run) -> dict[str, Any]:
        deadlines = {
            "schedule_to_start": iso_offset(act.schedule_to_start_deadline),
            "start_to_close": iso_offset(act.start_to_close_deadline),
            "schedule_to_close": iso_offset(act.schedule_to_close_deadline),
            "heartbeat": iso_offset(act.heartbeat_deadline),
        }
        body = {
            "task_id": act.task_id,
            "workflow_id": run.workflow_id,
            "run_id": run.run_id,
            "activity_execution_id": act.execution_id,
            "activity_attempt_id": act.attempt_id,
            "attempt_number": act.attempt_count,
            "activity_type": act.activity_type,
            "payload_codec": CODEC,
            "arguments": envelope(act.arguments_blob),
            "retry_policy": self.engine.commands.retry_snapshot(act),
            "task_queue": act.task_queue,
            "lease_owner": act.lease_owner,
            "lease_expires_at": iso(act.lease_expires_at),
            "deadlines": {k: v for k, v in deadlines.items() if v is not None} or None,
        }
        return {k: v for k, v in body.items() if v is not None}

    # -- fencing -----------------------------------------------------------------------------

    def _guard_attempt(
        self, namespace: str, task_id: str, body: dict[str, Any]
    ) -> tuple[ActivityExecution, str]:
        attempt_id, owner = body.get("activity_attempt_id"), body.get("lease_owner")
        errors: dict[str, list[str]] = {}
        if not isinstance(attempt_id, str) or not attempt_id:
            errors["activity_attempt_id"] = ["The activity attempt id field is required."]
        if not isinstance(owner, str) or not owner:
            errors["lease_owner"] = ["The lease owner field is required."]
        if errors:
            raise invalid(errors)
        act = self.engine.activities.get(self.engine.activity_task_index.get(task_id, ""))
        if act is None or act.namespace != namespace:
            raise EngineError("not_found", "task_not_found", "Activity task not found.", task_id=task_id)
        attempt = act.attempts.get(str(attempt_id))
        if attempt is None:
            raise EngineError(
                "not_found",
                "attempt_not_found",
                "Activity attempt not found.",
                task_id=task_id,
                activity_attempt_id=attempt_id,
            )
        if attempt["task_id"] != task_id:
            raise EngineError(
                "conflict",
                "task_mismatch",
                "The attempt does not belong to this task.",
                task_id=task_id,
                activity_attempt_id=attempt_id,
            )
        if attempt["lease_owner"] != owner:
            raise EngineError(
                "conflict",
                "lease_owner_mismatch",
                "The attempt is leased to another worker.",
                task_id=task_id,
                lease_owner=attempt["lease_owner"],
            )
        return act, str(attempt_id)

    def _check_reportable(self, act: ActivityExecution, attempt_id: str, task_id: str) -> Run:
        run = self.engine.runs[act.run_id]
        if run.status in ("cancelled", "terminated"):
            reason = f"run_{run.status}"
            raise EngineError(
                "conflict",
                reason,
                "The workflow run was " + run.status + ".",
                task_id=task_id,
                activity_attempt_id=attempt_id,
                outcome="ignored",
                recorded=False,
                cancel_requested=True,
                can_continue=False,
                run_status=run.status,
                run_closed_reason=run.closed_reason,
                run_closed_at=iso(run.closed_at),
                activity_status=act.status,
                error="The workflow run was " + run.status + ".",
            )
        if act.attempt_id != attempt_id or act.status != "running":
            raise EngineError(
                "conflict",
                "stale_attempt",
                "The activity attempt is no longer current.",
                task_id=task_id,
                activity_attempt_id=attempt_id,
                recorded=False,
                outcome="ignored",
                activity_status=act.status,
            )
        return run

    def _close_attempt(self, act: ActivityExecution, status: str) -> None:
        if act.attempt_id in act.attempts:
            act.attempts[act.attempt_id]["status"] = status
        act.task_status = "closed"
        act.lease_owner = act.lease_expires_at = None
        act.start_to_close_deadline = act.heartbeat_deadline = None

    # -- reports -----------------------------------------------------------------------------

    def complete_activity_task(self, namespace: str, task_id: str, body: dict[str, Any]) -> dict[str, Any]:
        act, attempt_id = self._guard_attempt(namespace, task_id, body)
        result = body.get("result")
        if is_envelope(result):
            if result.get("codec") != CODEC:
                raise invalid({"result.codec": [f"Unknown payload codec [{result.get('codec')}]."]})
            blob = result.get("blob")
        else:
            blob = None
        run = self._check_reportable(act, attempt_id, task_id)
        if blob is None and not is_envelope(result):
            try:
                blob = encode_value(result, self.engine.run_framing(run))
            except PayloadInvalid as exc:
                raise invalid({"result": [f"The result cannot be encoded for this run: {exc}"]}) from None
        self._close_attempt(act, "completed")
        act.status = "completed"
        self.engine.save(act)
        self.engine.resolve_step(
            run,
            act.sequence,
            "ActivityCompleted",
            {
                **self._act_ids(act),
                "attempt_number": act.attempt_count,
                "result": blob,
                "payload_codec": CODEC,
            },
        )
        return {
            "task_id": task_id,
            "activity_attempt_id": attempt_id,
            "outcome": "completed",
            "recorded": True,
            "reason": None,
            "next_task_id": run.open_task_id,
        }

    def fail_activity_task(self, namespace: str, task_id: str, body: dict[str, Any]) -> dict[str, Any]:
        act, attempt_id = self._guard_attempt(namespace, task_id, body)
        failure = body.get("failure")
        if not isinstance(failure, dict) or not isinstance(failure.get("message"), str):
            raise invalid({"failure.message": ["The failure.message field is required."]})
        run = self._check_reportable(act, attempt_id, task_id)
        exception = {k: failure.get(k) for k in ("type", "message", "code") if failure.get(k) is not None}
        details = failure.get("details")
        if is_envelope(details):
            exception["details"], exception["details_payload_codec"] = details["blob"], details["codec"]
        elif details is not None:
            exception["details"] = details
        if failure.get("non_retryable"):
            exception["non_retryable"] = True
        info = {
            "exception_type": failure.get("type"),
            "exception_class": failure.get("class") or "RuntimeException",
            "message": failure["message"],
            "code": failure.get("code"),
            "exception": exception,
        }
        listed = set((act.retry_policy or {}).get("non_retryable_error_types") or [])
        names = {v for v in (failure.get("type"), failure.get("class")) if isinstance(v, str)}
        non_retryable = bool(failure.get("non_retryable")) or bool(listed & names)
        self._close_attempt(act, "failed")
        next_id = self._retry_or_fail(act, run, info, non_retryable=non_retryable, timeout_kind=None)
        return {
            "task_id": task_id,
            "activity_attempt_id": attempt_id,
            "outcome": "failed",
            "recorded": True,
            "reason": None,
            "next_task_id": next_id,
        }

    def _retry_or_fail(
        self,
        act: ActivityExecution,
        run: Run,
        info: dict[str, Any],
        *,
        non_retryable: bool,
        timeout_kind: str | None,
    ) -> str | None:
        """After a failed or timed-out attempt: schedule a retry or resolve the step as failed."""
        max_attempts = int((act.retry_policy or {}).get("max_attempts") or 1)
        if not non_retryable and act.attempt_count < max_attempts and timeout_kind != "schedule_to_close":
            self._schedule_retry(act, run, info, timeout_kind, max_attempts)
            return act.task_id
        act.status = "timed_out" if timeout_kind else "failed"
        self.engine.save(act)
        payload = {
            **self._act_ids(act),
            "attempt_number": act.attempt_count,
            "failure_id": new_id(),
            "failure_category": "timeout" if timeout_kind else "application",
            "non_retryable": non_retryable,
            "timeout_kind": timeout_kind,
            **info,
        }
        self.engine.resolve_step(
            run, act.sequence, "ActivityTimedOut" if timeout_kind else "ActivityFailed", payload
        )
        return run.open_task_id

    def _schedule_retry(
        self,
        act: ActivityExecution,
        run: Run,
        info: dict[str, Any],
        timeout_kind: str | None,
        max_attempts: int,
    ) -> None:
        """A new activity task after the policy's backoff; the workflow is not woken."""
        backoff = list((act.retry_policy or {}).get("backoff_seconds") or [])
        delay = backoff[min(act.attempt_count - 1, len(backoff) - 1)] if backoff else 0
        old_task, act.task_id = act.task_id, new_id()
        act.past_task_ids.append(old_task)
        act.status, act.task_status, act.available_at = "pending", "ready", self.engine.clock.now() + delay
        if timeout_kind is not None and act.schedule_to_start_timeout:
            act.schedule_to_start_deadline = act.available_at + act.schedule_to_start_timeout
        self.engine.save(act)
        self.engine.append_event(
            run,
            "ActivityRetryScheduled",
            {
                **self._act_ids(act),
                "retry_task_id": act.task_id,
                "retry_of_task_id": old_task,
                "retry_available_at": iso(act.available_at),
                "retry_backoff_seconds": delay,
                "retry_after_attempt_id": act.attempt_id,
                "retry_after_attempt": act.attempt_count,
                "max_attempts": max_attempts,
                "retry_policy": self.engine.commands.retry_snapshot(act),
                "timeout_kind": timeout_kind,
                **info,
            },
        )
        self.engine.notify(("act", act.namespace, act.task_queue))

    def heartbeat_activity_task(self, namespace: str, task_id: str, body: dict[str, Any]) -> dict[str, Any]:
        act, attempt_id = self._guard_attempt(namespace, task_id, body)
        now = self.engine.clock.now()
        run = self.engine.runs[act.run_id]
        out: dict[str, Any] = {
            "task_id": task_id,
            "activity_attempt_id": attempt_id,
            "lease_owner": body.get("lease_owner"),
            "run_closed_reason": run.closed_reason,
            "run_closed_at": iso(run.closed_at),
        }
        stop = self._heartbeat_stop(act, run, attempt_id)
        if stop is not None:
            cancel, reason = stop
            return {
                **out,
                "cancel_requested": cancel,
                "can_continue": False,
                "reason": reason,
                "heartbeat_recorded": False,
            }
        act.lease_expires_at = now + self.engine.config.activity_lease_seconds
        act.last_heartbeat_at = now
        if act.heartbeat_timeout:
            act.heartbeat_deadline = now + act.heartbeat_timeout
        self.engine.save(act)
        progress = {k: body[k] for k in ("message", "current", "total", "unit", "details") if k in body}
        self.engine.append_event(
            run,
            "ActivityHeartbeatRecorded",
            {
                **self._act_ids(act),
                "attempt_number": act.attempt_count,
                "heartbeat_at": iso(now),
                "lease_expires_at": iso(act.lease_expires_at),
                "progress": progress or None,
            },
        )
        return {
            **out,
            "cancel_requested": False,
            "can_continue": True,
            "reason": None,
            "heartbeat_recorded": True,
            "lease_expires_at": iso(act.lease_expires_at),
            "last_heartbeat_at": iso(now),
        }

    def _heartbeat_stop(self, act: ActivityExecution, run: Run, attempt_id: str) -> tuple[bool, str] | None:
        """(cancel_requested, reason) when the attempt must stop, else None."""
        if run.status in ("cancelled", "terminated"):
            return True, f"run_{run.status}"
        if act.status == "cancelled":
            return True, "activity_cancelled"
        if act.attempt_id != attempt_id:
            return False, "stale_attempt"
        if act.status != "running":
            return False, "activity_not_running"
        return None

    # -- sweeps ------------------------------------------------------------------------------

    def expire_activity_lease(self, act: ActivityExecution) -> None:
        """Lease lost: same task row back to ready; the next claim is a new attempt."""
        if act.attempt_id in act.attempts:
            act.attempts[act.attempt_id]["status"] = "expired"
        act.status, act.task_status, act.available_at = "pending", "ready", self.engine.clock.now()
        act.lease_owner = act.lease_expires_at = None
        act.start_to_close_deadline = act.heartbeat_deadline = None
        self.engine.save(act)
        self.engine.notify(("act", act.namespace, act.task_queue))

    def due_timeout(self, act: ActivityExecution, now: float) -> str | None:
        """Which activity timeout (if any) has expired, in the server's precedence order."""
        if act.schedule_to_close_deadline is not None and act.schedule_to_close_deadline <= now:
            return "schedule_to_close"
        if (
            act.status == "pending"
            and act.schedule_to_start_deadline is not None
            and act.schedule_to_start_deadline <= now
        ):
            return "schedule_to_start"
        if act.status == "running":
            if act.heartbeat_deadline is not None and act.heartbeat_deadline <= now:
                return "heartbeat"
            if act.start_to_close_deadline is not None and act.start_to_close_deadline <= now:
                return "start_to_close"
        return None

    def time_out_activity(self, act: ActivityExecution, kind: str) -> None:
        run = self.engine.runs[act.run_id]
        deadline = {
            "schedule_to_close": act.schedule_to_close_deadline,
            "schedule_to_start": act.schedule_to_start_deadline,
            "heartbeat": act.heartbeat_deadline,
            "start_to_close": act.start_to_close_deadline,
        }[kind]
        info = {
            "message": f"Activity {act.activity_type} {kind} deadline expired at {iso_offset(deadline)}.",
            "exception_class": _TIMEOUT_CLASS,
            "exception_type": "ActivityTimeout",
            "schedule_to_close_deadline_at": iso_offset(act.schedule_to_close_deadline),
            "heartbeat_deadline_at": iso_offset(act.heartbeat_deadline),
            "close_deadline_at": iso_offset(act.start_to_close_deadline),
            "schedule_deadline_at": iso_offset(act.schedule_to_start_deadline),
        }
        if act.status == "running" and act.attempt_id in act.attempts:
            act.attempts[act.attempt_id]["status"] = "timed_out"
        act.task_status = "closed"
        act.lease_owner = act.lease_expires_at = None
        act.start_to_close_deadline = act.heartbeat_deadline = None
        if kind == "schedule_to_close":
            act.schedule_to_close_deadline = None
        if kind == "schedule_to_start":
            act.schedule_to_start_deadline = None
        if kind == "schedule_to_start":
            act.attempt_count += 1  # the attempt that never started still counts toward max_attempts
        self._retry_or_fail(act, run, info, non_retryable=False, timeout_kind=kind)

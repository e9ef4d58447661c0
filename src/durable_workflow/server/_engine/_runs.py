"""Run lifecycle: creating runs, coalesced wake-ups, batch gating and closing runs."""

from __future__ import annotations

from typing import Any

from durable_workflow.server._engine._core import EngineBase
from durable_workflow.server._engine._model import Instance, Run, RunStatus, TaskStatus, WorkflowTask
from durable_workflow.server._ids import iso, iso_offset, new_id
from durable_workflow.server._payload import CODEC

__all__ = ["RunsMixin"]

_CLOSE_EVENT_FOR_CHILD = {
    "cancelled": "ChildRunCancelled",
    "terminated": "ChildRunTerminated",
    "failed": "ChildRunFailed",
}


class RunsMixin(EngineBase):
    """Creating, waking and closing runs."""

    # -- creation ----------------------------------------------------------------------------

    def new_run(
        self,
        instance: Instance,
        workflow_type: str,
        task_queue: str,
        input_blob: str | None,
        *,
        start_accepted: dict[str, Any] | None = None,
        first_task_delay: float = 0.0,
        started_extra: dict[str, Any] | None = None,
        run_id: str | None = None,
        **fields: Any,
    ) -> Run:
        """Create a run with its ``WorkflowStarted`` event and first workflow task."""
        now = self.clock.now()
        run = Run(
            run_id=run_id or new_id(),
            namespace=instance.namespace,
            workflow_id=instance.workflow_id,
            workflow_type=workflow_type,
            task_queue=task_queue,
            input_blob=input_blob,
            run_number=len(instance.run_ids) + 1,
            started_at=now,
            last_progress_at=now,
            created_order=self.next_order(),
            **fields,
        )
        if run.run_timeout_seconds:
            run.run_deadline_at = now + run.run_timeout_seconds
        if run.execution_timeout_seconds and run.execution_deadline_at is None:
            run.execution_deadline_at = now + run.execution_timeout_seconds
        instance.run_ids.append(run.run_id)
        self.save(instance)
        self.save(run)
        self._record_start(run, start_accepted, started_extra or {})
        self.create_workflow_task(run, delay=first_task_delay)
        return run

    def _record_start(self, run: Run, accepted: dict[str, Any] | None, extra: dict[str, Any]) -> None:
        command_id = new_id()
        base = {
            "workflow_class": run.workflow_type,
            "workflow_type": run.workflow_type,
            "workflow_instance_id": run.workflow_id,
            "workflow_run_id": run.run_id,
            "workflow_command_id": command_id,
        }
        if accepted is not None:
            self.append_event(run, "StartAccepted", {**base, **accepted}, command_id=command_id)
        started = {
            **base,
            "business_key": run.business_key,
            "memo": run.memo,
            "search_attributes": run.search_attributes,
            "task_queue": run.task_queue,
            "execution_timeout_seconds": run.execution_timeout_seconds,
            "run_timeout_seconds": run.run_timeout_seconds,
            "execution_deadline_at": iso_offset(run.execution_deadline_at),
            "run_deadline_at": iso_offset(run.run_deadline_at),
            "timestamp": iso(run.started_at),
            **extra,
        }
        self.append_event(run, "WorkflowStarted", started, command_id=command_id)

    def create_workflow_task(self, run: Run, *, update_id: str | None = None, delay: float = 0.0) -> None:
        task = WorkflowTask(
            task_id=new_id(),
            namespace=run.namespace,
            run_id=run.run_id,
            task_queue=run.task_queue,
            available_at=self.clock.now() + delay,
            created_order=self.next_order(),
            workflow_update_id=update_id,
        )
        run.open_task_id = task.task_id
        self.save(task)
        self.save(run)
        self.notify(("wf", run.namespace, run.task_queue))

    # -- wake-ups ----------------------------------------------------------------------------

    def request_wake(self, run: Run, reason: str) -> None:
        """Ask for a main-line workflow task; coalesced with any open task of the run."""
        if run.is_terminal:
            return
        task = self.wf_tasks.get(run.open_task_id or "")
        if task is not None and task.status == "ready" and task.workflow_update_id is None:
            return  # the ready task reads the whole history when it is polled
        run.wake_pending = True
        run.wake_reason = reason
        self.save(run)
        if task is None:
            self.dispatch_next(run)

    def dispatch_next(self, run: Run) -> None:
        """Create the next workflow task for a run that has none open: updates first."""
        if run.is_terminal or run.open_task_id is not None:
            return
        while run.queued_updates:
            update = self.updates.get(run.queued_updates.pop(0))
            if update is not None and update.status == "accepted":
                self.save(run)
                self.create_workflow_task(run, update_id=update.update_id)
                return
        if run.wake_pending:
            run.wake_pending = False
            self.create_workflow_task(run)
        self.save(run)

    def close_task(self, task: WorkflowTask, status: TaskStatus) -> None:
        task.status = status
        task.lease_expires_at = None
        self.save(task)
        run = self.runs.get(task.run_id)
        if run is not None and run.open_task_id == task.task_id:
            run.open_task_id = None
            self.save(run)

    # -- batches -----------------------------------------------------------------------------

    def resolve_step(self, run: Run, sequence: int, event_type: str, payload: dict[str, Any]) -> None:
        """Record a step's resolution; the batch is released (in command order) when complete."""
        if run.is_terminal:
            return  # a closed run's terminal event stays last
        if sequence not in run.batch:
            self.append_event(run, event_type, payload)
            self.request_wake(run, event_type)
            return
        run.batch_results[str(sequence)] = [event_type, payload]
        self.save(run)
        if all(str(seq) in run.batch_results for seq in run.batch):
            self.flush_batch(run)
            run.wait_kind = run.wait_reason = None
            self.request_wake(run, "batch_resolved")

    def flush_batch(self, run: Run) -> None:
        for seq in run.batch:
            result = run.batch_results.get(str(seq))
            if result is not None:
                self.append_event(run, result[0], result[1])
        run.batch = []
        run.batch_kinds = {}
        run.batch_results = {}
        self.save(run)

    # -- closing -----------------------------------------------------------------------------

    def close_run(
        self,
        run: Run,
        status: RunStatus,
        closed_reason: str,
        event_type: str,
        payload: dict[str, Any],
        *,
        requested: tuple[str, dict[str, Any]] | None = None,
        keep_updates: bool = False,
    ) -> None:
        """Close a run: cancel its open work, apply parent-close policy, write the terminal event."""
        now = self.clock.now()
        self.flush_batch(run)
        if requested is not None:
            self.append_event(run, requested[0], requested[1])
        self.cancel_open_work(
            run, "run_cancelled" if status == "cancelled" else f"run_{status}", keep_updates=keep_updates
        )
        run.status = status  # closed before the children, so their closure does not wake this run
        self.apply_parent_close_policy(run)
        run.closed_reason = closed_reason
        run.closed_at = run.last_progress_at = now
        run.wait_kind = run.wait_reason = None
        run.open_wait = None
        run.wake_pending = False
        self.append_event(run, event_type, payload)
        self.save(run)
        self.notify(("run_closed", run.run_id))
        if run.parent_run_id is not None and closed_reason != "continued":
            self.on_child_closed(run)

    def cancel_open_work(self, run: Run, reason: str, *, keep_updates: bool = False) -> None:
        """Cancel a closing run's tasks, activities, timers and open updates."""
        now = self.clock.now()
        task = self.wf_tasks.get(run.open_task_id or "")
        if task is not None:
            self.close_task(task, "cancelled")
        for act in self.live_items("activity"):
            if act.run_id == run.run_id and act.is_open:
                act.status = "cancelled"
                act.task_status = "closed"
                act.cancel_reason = reason
                self.save(act)
                self.append_event(
                    run,
                    "ActivityCancelled",
                    {
                        "activity_execution_id": act.execution_id,
                        "activity_type": act.activity_type,
                        "activity_attempt_id": act.attempt_id,
                        "sequence": act.sequence,
                        "attempt_number": act.attempt_count,
                        "cancelled_at": iso(now),
                    },
                )
        for timer in self.live_items("timer"):
            if timer.run_id == run.run_id:
                self.cancel_timer(run, timer.timer_id)
        run.queued_updates = []
        for update in [] if keep_updates else self.updates.values():
            if update.run_id == run.run_id and update.status == "accepted":
                update.status = "failed"
                update.failure_message = "The workflow run closed before the update was applied."
                update.closed_at = now
                self.save(update)
                self.notify(("update", update.update_id))

    def apply_parent_close_policy(self, run: Run) -> None:
        for seq, child_id in sorted(run.children.items()):
            instance = self.instances.get(child_id)
            if instance is None:
                continue
            child = self.runs[instance.current_run_id]
            if child.is_terminal or child.parent_close_policy == "abandon":
                continue
            policy = child.parent_close_policy
            self.append_event(
                run,
                "ParentClosePolicyApplied",
                {
                    "child_instance_id": child.workflow_id,
                    "child_run_id": child.run_id,
                    "policy": policy,
                    "sequence": int(seq),
                    "reason": "parent_closed",
                },
            )
            if policy == "terminate":
                self.terminate_run(child, "Parent workflow closed.", kind="terminate")
            else:
                self.terminate_run(child, "Parent workflow closed.", kind="cancel")

    def cancel_timer(self, run: Run, timer_id: str | None) -> None:
        """Cancel a pending timer of the run and record `TimerCancelled` (no-op otherwise)."""
        timer = self.timers.get(timer_id or "")
        if timer is None or timer.status != "pending":
            return
        timer.status = "cancelled"
        self.save(timer)
        self.append_event(
            run,
            "TimerCancelled",
            {
                "timer_id": timer.timer_id,
                "sequence": timer.sequence,
                "timer_kind": timer.timer_kind,
                "condition_wait_id": timer.condition_wait_id,
                "cancelled_at": iso(self.clock.now()),
            },
        )

    def terminate_run(self, run: Run, reason: str | None, *, kind: str) -> None:
        """Cancel (kind="cancel") or terminate a run at once."""
        status: RunStatus = "cancelled" if kind == "cancel" else "terminated"
        label = status
        command_id = new_id()
        base = {
            "workflow_command_id": command_id,
            "workflow_instance_id": run.workflow_id,
            "workflow_run_id": run.run_id,
            "command_type": kind,
        }
        if reason:
            base["reason"] = reason
        message = f"Workflow {label}" + (f": {reason}" if reason else ".")
        exception_class = (
            "Workflow\\V2\\Exceptions\\WorkflowCancelledException"
            if kind == "cancel"
            else "Workflow\\V2\\Exceptions\\WorkflowTerminatedException"
        )
        terminal = {
            **base,
            "failure_id": new_id(),
            "failure_category": label,
            "closed_reason": label,
            "exception_class": exception_class,
            "message": message,
        }
        requested = "CancelRequested" if kind == "cancel" else "TerminateRequested"
        event = "WorkflowCancelled" if kind == "cancel" else "WorkflowTerminated"
        run.failure = {"message": message, "exception_class": exception_class}
        self.close_run(run, status, label, event, terminal, requested=(requested, base))

    # -- children ----------------------------------------------------------------------------

    def child_ids(self, child: Run) -> dict[str, Any]:
        return {
            "sequence": child.parent_sequence,
            "child_workflow_instance_id": child.workflow_id,
            "child_workflow_run_id": child.run_id,
            "child_workflow_type": child.workflow_type,
            "child_run_number": child.run_number,
            "child_status": child.status,
        }

    def on_child_closed(self, child: Run) -> None:
        """Resolve (or retry) the parent's step when a child run closes."""
        parent = self.runs.get(child.parent_run_id or "")
        if parent is None or parent.is_terminal or child.parent_sequence is None:
            return
        seq = child.parent_sequence
        ids = {
            **self.child_ids(child),
            "closed_reason": child.closed_reason,
            "closed_at": iso(child.closed_at),
        }
        if child.status == "completed":
            self.resolve_step(
                parent,
                seq,
                "ChildRunCompleted",
                {
                    **ids,
                    "output": child.output_blob,
                    "result": child.output_blob,
                    "payload_codec": CODEC,
                },
            )
            return
        failure = child.failure or {}
        if child.status == "failed" and child.closed_reason == "failed" and self._child_should_retry(child):
            self._retry_child(parent, child)
            return
        self.resolve_step(
            parent,
            seq,
            _CLOSE_EVENT_FOR_CHILD[child.status],
            {
                **ids,
                "failure_id": new_id(),
                "failure_category": child.closed_reason,
                "message": failure.get("message") or f"Child workflow {child.status}.",
                "exception_type": failure.get("exception_type"),
                "exception_class": failure.get("exception_class"),
                "exception": failure.get("exception"),
            },
        )

    def _child_should_retry(self, child: Run) -> bool:
        policy = child.child_retry_policy or {}
        failure = child.failure or {}
        if failure.get("non_retryable"):
            return False
        listed = set(policy.get("non_retryable_error_types") or [])
        names = {failure.get("exception_type"), failure.get("exception_class")} - {None}
        if listed & names:
            return False
        return child.child_attempt < int(policy.get("max_attempts") or 1)

    def _retry_child(self, parent: Run, child: Run) -> None:
        policy = child.child_retry_policy or {}
        backoff = list(policy.get("backoff_seconds") or [])
        delay = float(backoff[min(child.child_attempt - 1, len(backoff) - 1)]) if backoff else 0.0
        instance = self.instances[child.workflow_id]
        retry = self.new_run(
            instance,
            child.workflow_type,
            child.task_queue,
            child.input_blob,
            first_task_delay=delay,
            started_extra=self._child_started_extra(parent, child.parent_sequence or 0, child.workflow_id),
            **self._child_fields(child, attempt=child.child_attempt + 1),
        )
        self.append_event(
            parent,
            "ChildRunStarted",
            {
                **self.child_ids(retry),
                "retry_attempt": retry.child_attempt,
                "retry_of_child_workflow_run_id": child.run_id,
                "retry_backoff_seconds": delay,
            },
        )

    def _child_fields(self, child: Run, *, attempt: int) -> dict[str, Any]:
        return {
            "memo": dict(child.memo),
            "search_attributes": dict(child.search_attributes),
            "business_key": child.business_key,
            "execution_timeout_seconds": child.execution_timeout_seconds,
            "run_timeout_seconds": child.run_timeout_seconds,
            "execution_deadline_at": child.execution_deadline_at,
            "parent_run_id": child.parent_run_id,
            "parent_sequence": child.parent_sequence,
            "child_retry_policy": child.child_retry_policy,
            "child_attempt": attempt,
            "parent_close_policy": child.parent_close_policy,
        }

    def _child_started_extra(self, parent: Run, sequence: int, child_id: str) -> dict[str, Any]:
        return {
            "parent_workflow_instance_id": parent.workflow_id,
            "parent_workflow_run_id": parent.run_id,
            "parent_sequence": sequence,
            "workflow_link_id": f"{parent.run_id}:{sequence}",
            "child_call_id": f"{parent.run_id}:{sequence}",
        }

"""Applying a workflow-task completion's commands to a run."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from durable_workflow.server._engine._command_table import COMMANDS
from durable_workflow.server._engine._errors import EngineError
from durable_workflow.server._engine._model import ActivityExecution, Instance, Run, Timer, WorkflowTask
from durable_workflow.server._engine._validate import TERMINAL_COMMANDS, payload_blob
from durable_workflow.server._ids import iso, new_id
from durable_workflow.server._payload import CODEC, encode_value

if TYPE_CHECKING:
    from durable_workflow.server._engine._engine import Engine

__all__ = ["HANDLERS", "Commands"]


def _invalid(message: str) -> EngineError:
    return EngineError("conflict", "invalid_commands", message)


class Commands:
    """Turns worker commands into history events, steps and run state (a component)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def check_update_commands(self, run: Run, task: WorkflowTask, commands: list[dict[str, Any]]) -> None:
        """Refuse update commands that do not match an accepted update of this run/task."""
        seen: set[str] = set()
        for cmd in commands:
            if cmd["type"] not in ("complete_update", "fail_update"):
                continue
            update_id = cmd["update_id"]
            update = self.engine.updates.get(update_id)
            if update is None or update.run_id != run.run_id or update.status != "accepted":
                raise _invalid(f"Update [{update_id}] is not an accepted update of this run.")
            if update_id in seen:
                raise _invalid(f"Update [{update_id}] appears more than once.")
            if task.workflow_update_id is not None and update_id != task.workflow_update_id:
                raise _invalid(f"Update [{update_id}] does not match the task's update.")
            seen.add(update_id)
        if task.workflow_update_id is not None and task.workflow_update_id not in seen:
            raise _invalid(f"An update task must complete or fail update [{task.workflow_update_id}].")

    def apply_commands(self, run: Run, task: WorkflowTask, commands: list[dict[str, Any]]) -> None:
        """Apply validated commands in order, the terminal one last."""
        if task.workflow_update_id is None:
            self._settle_open_wait(run, commands)
        terminal = None
        for cmd in commands:
            if cmd["type"] in TERMINAL_COMMANDS:
                terminal = cmd
                continue
            HANDLERS[cmd["type"]](self, run, task, cmd)
        if terminal is not None:
            HANDLERS[terminal["type"]](self, run, task, terminal)
        elif not run.is_terminal:
            self._set_waiting(run)

    def _set_waiting(self, run: Run) -> None:
        kinds = sorted(set(run.batch_kinds.values()))
        if run.batch:
            run.wait_kind = kinds[0] if len(kinds) == 1 else "mixed"
            run.wait_reason = f"Waiting for {len(run.batch)} step(s): {', '.join(kinds)}"
        elif run.open_wait is not None:
            run.wait_kind = "condition"
            run.wait_reason = "Waiting for a condition"
        else:
            return
        run.status = "waiting"
        self.engine.save(run)

    def _seq(self, run: Run) -> int:
        return run.last_sequence + 1

    # -- condition waits ---------------------------------------------------------------------

    def _settle_open_wait(self, run: Run, commands: list[dict[str, Any]]) -> None:
        wait = run.open_wait
        if wait is None:
            return
        reopen = next((c for c in commands if c["type"] == "open_condition_wait"), None)
        same = reopen is not None and (
            reopen.get("condition_key") == wait.get("condition_key")
            and reopen.get("condition_definition_fingerprint") == wait.get("condition_definition_fingerprint")
        )
        if not same:
            self.engine.append_event(
                run,
                "ConditionWaitSatisfied",
                {
                    "condition_wait_id": wait["condition_wait_id"],
                    "condition_key": wait.get("condition_key"),
                    "condition_definition_fingerprint": wait.get("condition_definition_fingerprint"),
                    "sequence": wait["sequence"],
                    "timer_id": wait.get("timer_id"),
                    "timeout_seconds": wait.get("timeout_seconds"),
                },
            )
        self.engine.cancel_timer(run, wait.get("timer_id"))
        run.open_wait = None
        self.engine.save(run)

    def _cmd_open_condition_wait(self, run: Run, task: WorkflowTask, cmd: dict[str, Any]) -> None:
        seq = self._seq(run)
        wait = {
            "condition_wait_id": new_id(),
            "condition_key": cmd.get("condition_key"),
            "condition_definition_fingerprint": cmd.get("condition_definition_fingerprint"),
            "sequence": seq,
            "timeout_seconds": cmd.get("timeout_seconds"),
            "timer_id": None,
        }
        payload = {k: v for k, v in wait.items() if k != "timer_id"}
        self.engine.append_event(run, "ConditionWaitOpened", payload, task_id=task.task_id)
        timeout = cmd.get("timeout_seconds") or 0
        if timeout > 0:
            timer = self._new_timer(
                run, seq, timeout, kind="condition_timeout", wait_id=str(wait["condition_wait_id"])
            )
            wait["timer_id"] = timer.timer_id
            self.engine.append_event(
                run,
                "TimerScheduled",
                {
                    **self._timer_payload(timer),
                    "condition_key": wait["condition_key"],
                    "condition_definition_fingerprint": wait["condition_definition_fingerprint"],
                },
                task_id=task.task_id,
            )
        run.open_wait = wait
        self.engine.save(run)

    # -- steps -------------------------------------------------------------------------------

    def _new_timer(
        self, run: Run, seq: int, delay: int, *, kind: str | None = None, wait_id: str | None = None
    ) -> Timer:
        timer = Timer(
            timer_id=new_id(),
            namespace=run.namespace,
            run_id=run.run_id,
            sequence=seq,
            fire_at=self.engine.clock.now() + delay,
            delay_seconds=delay,
            timer_kind=kind,
            condition_wait_id=wait_id,
        )
        self.engine.save(timer)
        return timer

    def _timer_payload(self, timer: Timer) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "timer_id": timer.timer_id,
            "sequence": timer.sequence,
            "delay_seconds": timer.delay_seconds,
            "fire_at": iso(timer.fire_at),
        }
        if timer.timer_kind is not None:
            payload["timer_kind"] = timer.timer_kind
            payload["condition_wait_id"] = timer.condition_wait_id
        return payload

    def _join_batch(self, run: Run, seq: int, kind: str) -> None:
        run.batch.append(seq)
        run.batch_kinds[str(seq)] = kind
        self.engine.save(run)

    def _cmd_start_timer(self, run: Run, task: WorkflowTask, cmd: dict[str, Any]) -> None:
        seq = self._seq(run)
        timer = self._new_timer(run, seq, int(cmd["delay_seconds"]))
        self.engine.append_event(run, "TimerScheduled", self._timer_payload(timer), task_id=task.task_id)
        self._join_batch(run, seq, "timer")

    def _cmd_schedule_activity(self, run: Run, task: WorkflowTask, cmd: dict[str, Any]) -> None:
        seq = self._seq(run)
        now = self.engine.clock.now()
        policy = cmd.get("retry_policy")
        arguments = payload_blob(cmd.get("arguments")) or encode_value([], self.engine.run_framing(run))
        act = ActivityExecution(
            execution_id=new_id(),
            namespace=run.namespace,
            run_id=run.run_id,
            sequence=seq,
            activity_type=cmd["activity_type"],
            task_queue=cmd.get("queue") or run.task_queue,
            arguments_blob=arguments,
            retry_policy=dict(policy) if isinstance(policy, dict) else None,
            start_to_close_timeout=cmd.get("start_to_close_timeout"),
            schedule_to_start_timeout=cmd.get("schedule_to_start_timeout"),
            schedule_to_close_timeout=cmd.get("schedule_to_close_timeout"),
            heartbeat_timeout=cmd.get("heartbeat_timeout"),
            task_id=new_id(),
            available_at=now,
            created_order=self.engine.next_order(),
            scheduled_at=now,
        )
        if act.schedule_to_start_timeout:
            act.schedule_to_start_deadline = now + act.schedule_to_start_timeout
        if act.schedule_to_close_timeout:
            act.schedule_to_close_deadline = now + act.schedule_to_close_timeout
        self.engine.save(act)
        self.engine.append_event(
            run,
            "ActivityScheduled",
            {
                "activity_execution_id": act.execution_id,
                "activity_class": act.activity_type,
                "activity_type": act.activity_type,
                "sequence": seq,
                "task_queue": act.task_queue,
                "retry_policy": self.retry_snapshot(act),
                "arguments": act.arguments_blob,
                "payload_codec": CODEC,
                "workflow_task_id": task.task_id,
            },
            task_id=task.task_id,
        )
        self._join_batch(run, seq, "activity")
        self.engine.notify(("act", act.namespace, act.task_queue))

    def retry_snapshot(self, act: ActivityExecution) -> dict[str, Any] | None:
        policy = act.retry_policy or {}
        timeouts = (
            act.start_to_close_timeout,
            act.schedule_to_start_timeout,
            act.schedule_to_close_timeout,
            act.heartbeat_timeout,
        )
        if not policy and all(t is None for t in timeouts):
            return None
        return {
            "snapshot_version": 1,
            "max_attempts": int(policy.get("max_attempts") or 1),
            "backoff_seconds": list(policy.get("backoff_seconds") or []),
            "start_to_close_timeout": act.start_to_close_timeout,
            "schedule_to_start_timeout": act.schedule_to_start_timeout,
            "schedule_to_close_timeout": act.schedule_to_close_timeout,
            "heartbeat_timeout": act.heartbeat_timeout,
            "non_retryable_error_types": list(policy.get("non_retryable_error_types") or []),
        }

    def _cmd_start_child_workflow(self, run: Run, task: WorkflowTask, cmd: dict[str, Any]) -> None:
        seq = self._seq(run)
        child = self._spawn_child(run, seq, cmd)
        link = f"{run.run_id}:{seq}"
        timeouts = {
            "execution_timeout_seconds": child.execution_timeout_seconds,
            "run_timeout_seconds": child.run_timeout_seconds,
        }
        scheduled = {
            "sequence": seq,
            "workflow_link_id": link,
            "child_call_id": link,
            "child_workflow_instance_id": child.workflow_id,
            "child_workflow_run_id": child.run_id,
            "child_workflow_class": child.workflow_type,
            "child_workflow_type": child.workflow_type,
            "child_run_number": 1,
            "parent_close_policy": child.parent_close_policy,
            "retry_policy": child.child_retry_policy,
            "timeout_policy": timeouts,
        }
        self.engine.append_event(run, "ChildWorkflowScheduled", scheduled, task_id=task.task_id)
        started = {**self.engine.child_ids(child), "retry_attempt": 1, **timeouts}
        self.engine.append_event(run, "ChildRunStarted", started, task_id=task.task_id)
        run.children[str(seq)] = child.workflow_id
        self._join_batch(run, seq, "child")

    def _spawn_child(self, parent: Run, seq: int, cmd: dict[str, Any]) -> Run:
        """Create the child instance (server-generated id) and its first run."""
        child_id = new_id()
        instance = Instance(
            workflow_id=child_id,
            namespace=parent.namespace,
            workflow_type=cmd["workflow_type"],
            created_at=self.engine.clock.now(),
        )
        policy = cmd.get("retry_policy")
        return self.engine.new_run(
            instance,
            cmd["workflow_type"],
            cmd.get("queue") or parent.task_queue,
            payload_blob(cmd.get("arguments")) or encode_value([], self.engine.run_framing(parent)),
            started_extra=self.engine._child_started_extra(parent, seq, child_id),
            execution_timeout_seconds=cmd.get("execution_timeout_seconds"),
            run_timeout_seconds=cmd.get("run_timeout_seconds"),
            parent_run_id=parent.run_id,
            parent_sequence=seq,
            child_retry_policy=dict(policy) if isinstance(policy, dict) else None,
            parent_close_policy=cmd.get("parent_close_policy") or "abandon",
            memo=dict(parent.memo),
            search_attributes=dict(parent.search_attributes),
        )

    # -- non-blocking steps ------------------------------------------------------------------

    def _cmd_record_side_effect(self, run: Run, task: WorkflowTask, cmd: dict[str, Any]) -> None:
        self.engine.append_event(
            run,
            "SideEffectRecorded",
            {
                "sequence": self._seq(run),
                "result": payload_blob(cmd["result"]),
                "payload_codec": CODEC,
            },
            task_id=task.task_id,
        )

    def _cmd_record_version_marker(self, run: Run, task: WorkflowTask, cmd: dict[str, Any]) -> None:
        self.engine.append_event(
            run,
            "VersionMarkerRecorded",
            {
                "sequence": self._seq(run),
                "change_id": cmd["change_id"],
                "version": cmd["version"],
                "min_supported": cmd["min_supported"],
                "max_supported": cmd["max_supported"],
            },
            task_id=task.task_id,
        )

    def _cmd_upsert_search_attributes(self, run: Run, task: WorkflowTask, cmd: dict[str, Any]) -> None:
        merged = dict(run.search_attributes)
        for key, value in cmd["attributes"].items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        run.search_attributes = merged
        self.engine.append_event(
            run,
            "SearchAttributesUpserted",
            {
                "sequence": self._seq(run),
                "attributes": cmd["attributes"],
                "merged": merged,
            },
            task_id=task.task_id,
        )

    # -- updates -----------------------------------------------------------------------------

    def _cmd_complete_update(self, run: Run, task: WorkflowTask, cmd: dict[str, Any]) -> None:
        update = self.engine.updates[cmd["update_id"]]
        now = self.engine.clock.now()
        seq = self._seq(run)
        base = {
            "workflow_command_id": update.command_id,
            "update_id": update.update_id,
            "workflow_instance_id": run.workflow_id,
            "workflow_run_id": run.run_id,
            "update_name": update.update_name,
        }
        self.engine.append_event(
            run,
            "UpdateApplied",
            {
                **base,
                "arguments": update.arguments_blob,
                "payload_codec": CODEC,
                "sequence": seq,
            },
            task_id=task.task_id,
        )
        update.result_blob = payload_blob(cmd.get("result"))
        self.engine.append_event(
            run,
            "UpdateCompleted",
            {
                **base,
                "sequence": seq,
                "result": update.result_blob,
                "payload_codec": CODEC,
            },
            task_id=task.task_id,
        )
        update.status, update.workflow_sequence = "completed", seq
        update.applied_at = update.closed_at = now
        self.engine.save(update)
        self.engine.notify(("update", update.update_id))

    def _cmd_fail_update(self, run: Run, task: WorkflowTask, cmd: dict[str, Any]) -> None:
        update = self.engine.updates[cmd["update_id"]]
        update.failure_id = new_id()
        self.engine.append_event(
            run,
            "UpdateCompleted",
            {
                "workflow_command_id": update.command_id,
                "update_id": update.update_id,
                "workflow_instance_id": run.workflow_id,
                "workflow_run_id": run.run_id,
                "update_name": update.update_name,
                "sequence": self._seq(run),
                "failure_id": update.failure_id,
                "failure_category": "application",
                "non_retryable": bool(cmd.get("non_retryable", True)),
                "exception_type": cmd.get("exception_type"),
                "exception_class": cmd.get("exception_class"),
                "message": cmd["message"],
                "code": 0,
            },
            task_id=task.task_id,
        )
        update.status, update.failure_message = "failed", cmd["message"]
        update.closed_at = self.engine.clock.now()
        self.engine.save(update)
        self.engine.notify(("update", update.update_id))

    # -- terminal ----------------------------------------------------------------------------

    def _cmd_complete_workflow(self, run: Run, task: WorkflowTask, cmd: dict[str, Any]) -> None:
        run.output_blob = payload_blob(cmd.get("result"))
        self.engine.close_run(
            run,
            "completed",
            "completed",
            "WorkflowCompleted",
            {"output": run.output_blob, "payload_codec": CODEC},
        )

    def _cmd_fail_workflow(self, run: Run, task: WorkflowTask, cmd: dict[str, Any]) -> None:
        exception_class = cmd.get("exception_class") or "RuntimeException"
        given = cmd.get("exception")
        exception: dict[str, Any] = {
            "class": exception_class,
            "type": cmd.get("exception_type"),
            "message": cmd["message"],
            "code": 0,
            **(given if isinstance(given, dict) else {}),
        }
        run.failure = {
            "message": cmd["message"],
            "exception_type": cmd.get("exception_type"),
            "exception_class": exception_class,
            "non_retryable": bool(cmd.get("non_retryable")),
            "exception": exception,
        }
        self.engine.close_run(
            run,
            "failed",
            "failed",
            "WorkflowFailed",
            {
                "failure_id": new_id(),
                "source_kind": "workflow_run",
                "source_id": run.run_id,
                "failure_category": "application",
                "non_retryable": bool(cmd.get("non_retryable")),
                "exception_type": cmd.get("exception_type"),
                "exception_class": exception_class,
                "message": cmd["message"],
                "exception": exception,
            },
        )

    def _cmd_continue_as_new(self, run: Run, task: WorkflowTask, cmd: dict[str, Any]) -> None:
        instance = self.engine.instances[run.workflow_id]
        new_run_id = new_id()
        moving = [
            u for u in self.engine.updates.values() if u.run_id == run.run_id and u.status == "accepted"
        ]
        self.engine.close_run(
            run,
            "completed",
            "continued",
            "WorkflowContinuedAsNew",
            {
                "sequence": self._seq(run),
                "continued_to_run_id": new_run_id,
                "continued_to_run_number": run.run_number + 1,
                "workflow_link_id": f"{run.run_id}:continue",
                "closed_reason": "continued",
            },
            keep_updates=True,
        )
        run.continued_to_run_id = new_run_id
        fields = self.engine._child_fields(run, attempt=run.child_attempt)
        fields["memo"], fields["search_attributes"] = dict(run.memo), dict(run.search_attributes)
        new = self.engine.new_run(
            instance,
            cmd.get("workflow_type") or run.workflow_type,
            cmd.get("queue") or run.task_queue,
            payload_blob(cmd.get("arguments")) or run.input_blob,
            run_id=new_run_id,
            started_extra={"continued_from_run_id": run.run_id},
            **fields,
        )
        for update in moving:
            update.run_id = new.run_id
            self.engine.save(update)
            new.queued_updates.append(update.update_id)
        self.engine.save(new)
        parent = self.engine.runs.get(run.parent_run_id or "")
        if parent is not None and not parent.is_terminal:
            self.engine.append_event(
                parent, "ChildRunStarted", {**self.engine.child_ids(new), "continued_from_run_id": run.run_id}
            )


Handler = Callable[[Commands, Run, WorkflowTask, dict[str, Any]], None]
HANDLERS: dict[str, Handler] = {c.kind: getattr(Commands, f"_cmd_{c.kind}") for c in COMMANDS}
"""Command kind -> handler, built from the command table (a kind without a handler fails import)."""
_UNLISTED = {n[5:] for n in dir(Commands) if n.startswith("_cmd_")} - set(HANDLERS)
if _UNLISTED:
    raise RuntimeError(f"command handlers missing from the command table: {sorted(_UNLISTED)}")

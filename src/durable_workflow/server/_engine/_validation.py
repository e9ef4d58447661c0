"""Synchronous update validation (current generation): validators run before an update is accepted.

When a live worker on the run's queue registered the ``update_validation_tasks`` capability and
lists the update in its ``workflow_command_contracts[type].update_validators``, an update request
first becomes an in-memory validation task. A worker that polls workflow tasks with
``task_kinds`` containing ``update_validation`` claims it, replays the run and approves or rejects
it. Approved: the update is accepted as usual (``UpdateAccepted``). Rejected: ``UpdateRejected``
is recorded and the caller gets 422 ``update_validator_rejected``; nothing was ever accepted.
Validation tasks are never persisted (like query tasks): a restart loses only waiting callers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from durable_workflow.server._engine._errors import EngineError, RecordedRefusal, invalid
from durable_workflow.server._engine._interact import PendingUpdate
from durable_workflow.server._engine._model import Run, Worker
from durable_workflow.server._engine._validate import lease_fence
from durable_workflow.server._engine._wftasks import worker_event
from durable_workflow.server._ids import iso, new_id
from durable_workflow.server._payload import CODEC, envelope

if TYPE_CHECKING:
    from durable_workflow.server._engine._engine import Engine

__all__ = ["CAPABILITY", "UpdateValidation", "ValidationTask", "synchronous_validation"]

CAPABILITY = "update_validation_tasks"
TASK_KIND = "update_validation"


def synchronous_validation() -> dict[str, Any]:
    """The ``synchronous_update_validation`` entry of the server capabilities."""
    return {
        "supported": True,
        "acceptance_boundary": "validator_approved",
        "worker_capability": CAPABILITY,
        "workflow_contract_field": "update_validators",
        "task_poll": {
            "strategy": "multiplexed",
            "endpoint": "/worker/workflow-tasks/poll",
            "request_field": "task_kinds",
            "response_discriminator": "task.task_kind",
            "task_kinds": ["workflow", TASK_KIND],
        },
    }


@dataclass
class ValidationTask:
    """One pending validation (in memory only)."""

    task_id: str
    namespace: str
    run_id: str
    workflow_id: str
    workflow_type: str
    task_queue: str
    update_name: str
    arguments_blob: str | None
    status: Literal["ready", "leased", "approved", "rejected"] = "ready"
    attempt: int = 0
    lease_owner: str | None = None
    lease_expires_at: float | None = None
    failure: dict[str, Any] | None = None


class UpdateValidation:
    """Validation tasks: created by update requests, claimed through multiplexed polls."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.tasks: dict[str, ValidationTask] = {}

    def validates(self, worker: Worker, run: Run, name: str) -> bool:
        return (
            worker.namespace == run.namespace
            and worker.task_queue == run.task_queue
            and worker.status == "active"
            and CAPABILITY in worker.capabilities
            and name in worker.update_validators.get(run.workflow_type, ())
            and self.engine.worker_fresh(worker)
        )

    def begin(self, request: PendingUpdate) -> ValidationTask | None:
        if self.engine.config.wire_generation == "seed":
            return None
        run = self.engine.runs[request.run_id]
        if not any(self.validates(w, run, request.name) for w in self.engine.workers.values()):
            return None
        task = ValidationTask(
            task_id=new_id(),
            namespace=run.namespace,
            run_id=run.run_id,
            workflow_id=run.workflow_id,
            workflow_type=run.workflow_type,
            task_queue=run.task_queue,
            update_name=request.name,
            arguments_blob=request.blob,
        )
        self.tasks[task.task_id] = task
        self.engine.notify(("wf", run.namespace, run.task_queue))
        return task

    def settle(self, task: ValidationTask) -> None:
        """Raise unless the validator approved; a rejection is recorded in history first."""
        self.tasks.pop(task.task_id, None)
        if task.status == "approved":
            return
        run = self.engine.runs[task.run_id]
        if task.status != "rejected":
            raise EngineError(
                "timeout",
                "update_validation_timeout",
                "No worker validated the update in time; it was not accepted.",
                workflow_id=run.workflow_id,
                update_name=task.update_name,
            )
        failure = task.failure or {}
        errors = failure.get("validation_errors")
        message = str(failure.get("message") or "The update was rejected by its validator.")
        self.engine.append_event(
            run,
            "UpdateRejected",
            {
                "workflow_instance_id": run.workflow_id,
                "workflow_run_id": run.run_id,
                "update_name": task.update_name,
                "arguments": task.arguments_blob,
                "payload_codec": CODEC,
                "rejection_reason": "update_validator_rejected",
                "message": message,
                "validation_errors": errors if isinstance(errors, (dict, list)) else [],
            },
        )
        raise RecordedRefusal(
            "invalid",
            "update_validator_rejected",
            message,
            workflow_id=run.workflow_id,
            run_id=run.run_id,
            update_name=task.update_name,
            update_status="rejected",
            validation_errors=errors if isinstance(errors, (dict, list)) else [],
        )

    # -- worker side -----------------------------------------------------------------------------

    def claim_validation_task(self, worker: Worker) -> dict[str, Any] | None:
        now = self.engine.clock.now()
        for task in self.tasks.values():
            if task.status == "leased" and (task.lease_expires_at or 0) <= now:
                task.status = "ready"  # its worker went quiet: someone else may validate
            run = self.engine.runs.get(task.run_id)
            if task.status == "ready" and run is not None and self.validates(worker, run, task.update_name):
                break
        else:
            return None
        task.status, task.lease_owner = "leased", worker.worker_id
        task.attempt += 1
        task.lease_expires_at = now + self.engine.config.query_task_lease_seconds
        return {
            "task_kind": TASK_KIND,
            "update_validation_task_id": task.task_id,
            "update_validation_attempt": task.attempt,
            "workflow_id": task.workflow_id,
            "run_id": task.run_id,
            "workflow_type": task.workflow_type,
            "update_name": task.update_name,
            "payload_codec": CODEC,
            "workflow_arguments": envelope(run.input_blob),
            "update_arguments": envelope(task.arguments_blob),
            "history_events": [worker_event(e) for e in self.engine.storage.events(run.run_id)],
            "last_history_sequence": run.last_sequence,
            "task_queue": task.task_queue,
            "lease_owner": task.lease_owner,
            "lease_expires_at": iso(task.lease_expires_at),
        }

    def _guard_validation(self, namespace: str, task_id: str, body: dict[str, Any]) -> ValidationTask:
        owner, attempt = lease_fence(
            body,
            "update_validation_attempt",
            "The update validation attempt must be an integer of at least 1.",
        )
        task: ValidationTask | None = self.tasks.get(task_id)
        if task is None or task.namespace != namespace:
            raise EngineError(
                "not_found", "update_validation_task_not_found", "Update validation task not found."
            )
        if task.status != "leased" or task.lease_owner != owner or task.attempt != attempt:
            raise EngineError(
                "conflict",
                "lease_owner_mismatch",
                "The update validation task is not leased to this worker at this attempt.",
                lease_owner=task.lease_owner,
                current_attempt=task.attempt,
            )
        return task

    def approve_validation_task(self, namespace: str, task_id: str, body: dict[str, Any]) -> dict[str, Any]:
        task = self._guard_validation(namespace, task_id, body)
        task.status = "approved"
        self.engine.notify(("validated", id(task)))
        return {"update_validation_task_id": task_id, "outcome": "approved"}

    def reject_validation_task(self, namespace: str, task_id: str, body: dict[str, Any]) -> dict[str, Any]:
        task = self._guard_validation(namespace, task_id, body)
        failure = body.get("failure")
        if not isinstance(failure, dict) or not isinstance(failure.get("message"), str):
            raise invalid({"failure.message": ["The failure.message field is required."]})
        task.status, task.failure = "rejected", dict(failure)
        self.engine.notify(("validated", id(task)))
        return {"update_validation_task_id": task_id, "outcome": "rejected"}

"""The messages component: updates (accepted → applied on a dedicated task) and worker-routed queries."""

from __future__ import annotations

import asyncio
import contextlib
import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from durable_workflow.server._engine._control import Workflows
from durable_workflow.server._engine._errors import EngineError, invalid
from durable_workflow.server._engine._model import QueryTask, Update, Worker
from durable_workflow.server._engine._results import QueryAnswer, UpdateOutcome
from durable_workflow.server._engine._validate import lease_fence
from durable_workflow.server._engine._wftasks import worker_event
from durable_workflow.server._ids import iso, new_id
from durable_workflow.server._payload import CODEC, envelope, is_envelope

if TYPE_CHECKING:
    from durable_workflow.server._engine._engine import Engine
    from durable_workflow.server._protocol._requests import QueryRequest, UpdateRequest

__all__ = ["Messages", "PendingUpdate"]


@dataclass(frozen=True)
class PendingUpdate:
    """An update bound to its run (``earlier``: the update a retried ``request_id`` already made)."""

    namespace: str
    workflow_id: str
    run_id: str
    name: str
    blob: str | None
    request_id: str | None
    wait_for: str
    timeout: float
    earlier: Update | None


class Messages:
    """Updates and worker-routed queries: a component over the engine's shared unit of work."""

    def __init__(self, engine: Engine, workflows: Workflows) -> None:
        self.engine = engine
        self.workflows = workflows

    # -- updates -----------------------------------------------------------------------------

    async def update_workflow(self, namespace: str, workflow_id: str, req: UpdateRequest) -> UpdateOutcome:
        """Accept an update and optionally wait for it (``wait_for`` completed).

        Where the server validates synchronously, the update is only accepted once a worker's
        validator approved it (the validation component, `_validation.py`).
        """
        validation = self.engine.validation
        async with self.engine.op():
            request = self._pending_update(namespace, workflow_id, req)
            check = None if request.earlier is not None else validation.begin(request)
            validated = self.engine.waiter(("validated", id(check))) if check is not None else None
        if validated is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(validated.wait(), request.timeout)
        async with self.engine.op():
            if check is not None:
                validation.settle(check)
            update = request.earlier or self._record_acceptance(request)
            event = self.engine.waiter(("update", update.update_id))
        if request.wait_for == "completed" and update.status == "accepted":
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(event.wait(), request.timeout)
        async with self.engine.reading():
            update = self.engine.updates.get(update.update_id, update)
            timed_out = request.wait_for == "completed" and update.status == "accepted"
            workflow_type = self.engine.runs[update.run_id].workflow_type
            wait_for, timeout = request.wait_for, request.timeout
            return UpdateOutcome(copy.copy(update), workflow_type, wait_for, timeout, timed_out)

    def _pending_update(self, namespace: str, workflow_id: str, req: UpdateRequest) -> PendingUpdate:
        name, wait_for, timeout, request_id = req.name, req.wait_for, req.wait_timeout_seconds, req.request_id
        blob = req.input.encode(self.engine.framing_for(namespace, workflow_id))
        run = self.workflows.open_run(namespace, workflow_id, "update")
        earlier = self.engine.updates.get(run.update_requests.get(request_id or "", ""))
        seconds = float(timeout or self.engine.config.update_wait_timeout_seconds)
        return PendingUpdate(
            namespace, workflow_id, run.run_id, name, blob, request_id, wait_for, seconds, earlier
        )

    def _record_acceptance(self, request: PendingUpdate) -> Update:
        run = self.workflows.open_run(request.namespace, request.workflow_id, "update")
        update = Update(
            update_id=new_id(),
            namespace=request.namespace,
            workflow_id=request.workflow_id,
            run_id=run.run_id,
            update_name=request.name,
            arguments_blob=request.blob,
            command_id=new_id(),
            request_id=request.request_id,
            accepted_at=self.engine.clock.now(),
        )
        self.engine.save(update)
        self.engine.append_event(
            run,
            "UpdateAccepted",
            {
                "workflow_command_id": update.command_id,
                "update_id": update.update_id,
                "workflow_instance_id": run.workflow_id,
                "workflow_run_id": run.run_id,
                "update_name": request.name,
                "arguments": request.blob,
                "payload_codec": CODEC,
                "ordering_state": "ready",
            },
            command_id=update.command_id,
        )
        run.queued_updates.append(update.update_id)
        if request.request_id:
            run.update_requests[request.request_id] = update.update_id
        self.engine.save(run)
        self.engine.dispatch_next(run)
        return update

    # -- queries: control side ---------------------------------------------------------------

    async def query_workflow(self, namespace: str, workflow_id: str, req: QueryRequest) -> QueryAnswer:
        """Route a query to a live worker and wait for its answer."""
        name = req.name
        async with self.engine.op():
            task = self._enqueue_query(namespace, workflow_id, req)
            event = self.engine.waiter(("query_done", task.query_task_id))
        timeout = self.engine.config.query_timeout_seconds or self.engine.config.long_poll_timeout
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)
        self.engine.query_tasks.pop(task.query_task_id, None)
        base = {
            "workflow_id": workflow_id,
            "run_id": task.run_id,
            "target_scope": "instance",
            "query_name": name,
        }
        if task.status == "completed":
            return QueryAnswer(workflow_id, task.run_id, name, task.result, task.result_envelope)
        fail = {"success": False, **base, "result": None}
        if task.status == "failed":
            failure = task.failure or {}
            reason = failure.get("reason") or "query_rejected"
            kind = "not_found" if reason == "rejected_unknown_query" else "conflict"
            raise EngineError(kind, reason, str(failure.get("message") or "The query was rejected."), **fail)
        raise EngineError("timeout", "query_worker_timeout", "No worker answered the query in time.", **fail)

    def _enqueue_query(self, namespace: str, workflow_id: str, req: QueryRequest) -> QueryTask:
        name = req.name
        blob = req.input.encode(self.engine.framing_for(namespace, workflow_id))
        run = self.workflows.open_run(namespace, workflow_id, "query")
        workers = [
            w
            for w in self.engine.workers.values()
            if w.namespace == namespace
            and w.task_queue == run.task_queue
            and w.runtime != "php"
            and w.status == "active"
            and self.engine.worker_fresh(w)
            and (not w.supported_workflow_types or run.workflow_type in w.supported_workflow_types)
        ]
        if not workers:
            raise EngineError(
                "conflict",
                "query_worker_unavailable",
                "No live worker can answer queries for this workflow.",
                workflow_id=workflow_id,
                run_id=run.run_id,
                query_name=name,
                success=False,
                result=None,
            )
        pending = [q for q in self.engine.query_tasks.values() if q.task_queue == run.task_queue]
        if len(pending) >= 1024:
            raise EngineError("too_many", "query_task_queue_full", "Too many pending queries on this queue.")
        task = QueryTask(
            query_task_id=new_id(),
            namespace=namespace,
            run_id=run.run_id,
            workflow_id=workflow_id,
            workflow_type=run.workflow_type,
            task_queue=run.task_queue,
            query_name=name,
            arguments_blob=blob or "",
            created_at=self.engine.clock.now(),
        )
        self.engine.query_tasks[task.query_task_id] = task
        self.engine.notify(("query", namespace, run.task_queue))
        return task

    # -- queries: worker side ----------------------------------------------------------------

    def claim_query_task(self, worker: Worker) -> dict[str, Any] | None:
        now = self.engine.clock.now()
        types = set(worker.supported_workflow_types)
        for task in self.engine.query_tasks.values():
            if (
                task.status == "ready"
                and task.namespace == worker.namespace
                and task.task_queue == worker.task_queue
                and (not types or task.workflow_type in types)
            ):
                break
        else:
            return None
        task.status, task.lease_owner = "leased", worker.worker_id
        task.attempt += 1
        task.lease_expires_at = now + self.engine.config.query_task_lease_seconds
        self.engine.note_due(task.lease_expires_at)
        run = self.engine.runs[task.run_id]
        return {
            "query_task_id": task.query_task_id,
            "query_task_attempt": task.attempt,
            "workflow_id": task.workflow_id,
            "run_id": task.run_id,
            "workflow_type": task.workflow_type,
            "query_name": task.query_name,
            "payload_codec": CODEC,
            "workflow_arguments": envelope(run.input_blob),
            "query_arguments": envelope(task.arguments_blob),
            "run_status": run.status,
            "last_history_sequence": run.last_sequence,
            "history_events": [worker_event(e) for e in self.engine.storage.events(run.run_id)],
            "task_queue": task.task_queue,
            "lease_owner": task.lease_owner,
            "lease_expires_at": iso(task.lease_expires_at),
        }

    def _guard_query(self, namespace: str, task_id: str, body: dict[str, Any]) -> QueryTask:
        owner, attempt = lease_fence(
            body, "query_task_attempt", "The query task attempt field must be an integer of at least 1."
        )
        task = self.engine.query_tasks.get(task_id)
        if task is None or task.namespace != namespace:
            raise EngineError(
                "not_found", "query_task_not_found", "Query task not found.", query_task_id=task_id
            )
        lease = {
            "query_task_id": task_id,
            "lease_owner": task.lease_owner,
            "lease_expires_at": iso(task.lease_expires_at),
        }
        if task.status != "leased":
            raise EngineError("conflict", "query_task_not_leased", "The query task is not leased.", **lease)
        if (task.lease_expires_at or 0) <= self.engine.clock.now():
            raise EngineError("conflict", "lease_expired", "The query task lease expired.", **lease)
        if task.lease_owner != owner:
            raise EngineError(
                "conflict", "lease_owner_mismatch", "The query task is leased to another worker.", **lease
            )
        if task.attempt != attempt:
            raise EngineError(
                "conflict",
                "query_task_attempt_mismatch",
                "The query task attempt does not match.",
                current_attempt=task.attempt,
                **lease,
            )
        return task

    def complete_query_task(self, namespace: str, task_id: str, body: dict[str, Any]) -> dict[str, Any]:
        task = self._guard_query(namespace, task_id, body)
        env = body.get("result_envelope")
        if env is not None and not (is_envelope(env) and env.get("codec") == CODEC):
            raise invalid({"result_envelope": ["The result envelope must be a {codec: avro, blob} object."]})
        task.status, task.result, task.result_envelope = "completed", body.get("result"), env
        self.engine.notify(("query_done", task_id))
        return {
            "query_task_id": task_id,
            "query_task_attempt": task.attempt,
            "outcome": "completed",
            "status": 200,
        }

    def fail_query_task(self, namespace: str, task_id: str, body: dict[str, Any]) -> dict[str, Any]:
        task = self._guard_query(namespace, task_id, body)
        failure = body.get("failure")
        if not isinstance(failure, dict) or not isinstance(failure.get("message"), str):
            raise invalid({"failure.message": ["The failure.message field is required."]})
        task.status, task.failure = "failed", dict(failure)
        self.engine.notify(("query_done", task_id))
        return {
            "query_task_id": task_id,
            "query_task_attempt": task.attempt,
            "outcome": "failed",
            "reason": failure.get("reason") or "query_rejected",
        }

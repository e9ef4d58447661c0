"""Workflow, update and query tasks: page history, run the engine, report the outcome."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any

from durable_workflow.client._routes import api_path
from durable_workflow.payloads import DataConverter, to_json_compatible
from durable_workflow.payloads._framing import run_converter
from durable_workflow.worker._completion import Completions, Delivery, lease_deadline
from durable_workflow.workflow import (
    UnknownHandler,
    WorkflowCache,
    WorkflowDefinition,
    WorkflowInfo,
    WorkflowInstance,
    handle_query,
    handle_update,
    run_workflow_task,
)

__all__ = ["WorkflowTaskRunner"]

logger = logging.getLogger("durable_workflow.worker")

Post = Callable[[str, dict[str, Any]], Awaitable[Any]]


class _TaskFailure(Exception):
    """The task cannot be decided; report it with /fail."""

    def __init__(self, message: str, exc: BaseException | None = None, reason: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.exc = exc
        self.reason = reason


def _decode_list(converter: DataConverter, payload: Any, codec: str) -> list[Any]:
    if isinstance(payload, Mapping) and payload.get("blob") is None and "external_storage" not in payload:
        return []
    value = converter.decode(payload, default_codec=codec)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _failure_body(message: str, exc: BaseException | None, reason: str | None = None) -> dict[str, Any]:
    failure: dict[str, Any] = {"message": message}
    if reason is not None:
        failure["reason"] = reason
    if exc is not None:
        failure["type"] = type(exc).__name__
        failure["stack_trace"] = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return failure


class WorkflowTaskRunner:
    """Decides workflow tasks with the replay engine; one per worker."""

    def __init__(
        self,
        *,
        post: Post,
        completions: Completions,
        worker_id: str,
        task_queue: str,
        namespace: str | None,
        converter: DataConverter,
        workflows: Mapping[str, WorkflowDefinition],
        cache: WorkflowCache,
        activity_types: Collection[str] | None = None,
    ) -> None:
        self._post = post
        self._completions = completions
        #: activity types registered next to these workflows (None: do not check)
        self.activity_types = activity_types
        self._warned: set[Any] = set()
        self.worker_id = worker_id
        self.task_queue = task_queue
        self.namespace = namespace
        self.converter = converter
        self.workflows = workflows
        self.cache = cache

    # ------------------------------------------------------------------ workflow tasks

    async def run(self, task: Mapping[str, Any]) -> str:
        """Handle one workflow task; returns the metrics outcome (completed / failed / error)."""
        task_id = str(task["task_id"])
        fence = {
            "lease_owner": self.worker_id,
            "workflow_task_attempt": task.get("workflow_task_attempt") or 1,
        }
        lease_until = lease_deadline(task)
        try:
            commands, instance = await self._decide(task, fence)
        except _TaskFailure as failure:
            logger.warning("workflow task %s failed: %s", task_id, failure.message)
            await self._fail(task_id, fence, failure.message, failure.exc, lease_until)
            return "failed"
        self._warn_unserved_activities(task, commands)
        run_id = str(task.get("run_id") or "")
        delivery, refusal = await self._completions.deliver(
            api_path("worker", "workflow-tasks", task_id, "complete"),
            {**fence, "commands": commands},
            lease_until=lease_until,
            what=f"workflow task {task_id} completion",
            renew=lambda: self._renew(task_id, fence),
        )
        if delivery is not Delivery.RECORDED and instance is not None:
            instance.close()
        if delivery is Delivery.REFUSED:
            message = f"workflow task completion failed after commands were produced: {refusal}"
            await self._fail(task_id, fence, message, refusal, lease_until)
            return "failed"
        if delivery is not Delivery.RECORDED:
            return "settled" if delivery is Delivery.SETTLED else "error"
        # The instance was taken out of the cache for this task (the server may already have
        # handed the run's next task to another poller): it goes back only once its commands are
        # recorded, and not after an update task, which ran the update handler outside history.
        if instance is not None and not task.get("workflow_update_id"):
            self.cache.put(run_id, instance)
        elif instance is not None:
            instance.close()
        logger.info("workflow task %s completed: %s", task_id, [c.get("type") for c in commands])
        return "completed"

    async def _renew(self, task_id: str, fence: dict[str, Any]) -> float | None:
        """Heartbeat the workflow task's lease; its new expiry."""
        answer = await self._post(api_path("worker", "workflow-tasks", task_id, "heartbeat"), dict(fence))
        return (
            lease_deadline(answer) if isinstance(answer, Mapping) and answer.get("lease_expires_at") else None
        )

    def _warn_unserved_activities(self, task: Mapping[str, Any], commands: list[dict[str, Any]]) -> None:
        """WARN when the workflow schedules an activity on this worker's queue that it lacks."""
        if self.activity_types is None:
            return
        for command in commands:
            activity_type = command.get("activity_type")
            queue = command.get("queue") or self.task_queue
            if command.get("type") != "schedule_activity" or queue != self.task_queue:
                continue
            if activity_type not in self.activity_types and activity_type not in self._warned:
                self._warned.add(activity_type)
                logger.warning(
                    "workflow %r schedules activity type %r on task queue %r, but this worker does not "
                    "register it; the workflow waits until a worker on %r registers it",
                    task.get("workflow_id"),
                    activity_type,
                    queue,
                    queue,
                )

    async def _decide(
        self, task: Mapping[str, Any], fence: dict[str, Any]
    ) -> tuple[list[dict[str, Any]], WorkflowInstance | None]:
        workflow_type = str(task.get("workflow_type") or "")
        definition = self.workflows.get(workflow_type)
        if definition is None:
            raise _TaskFailure(
                f"workflow type {workflow_type!r} is not registered on worker {self.worker_id} "
                f"(task queue {self.task_queue!r}; registered: {sorted(self.workflows)})"
            )
        codec = str(task.get("payload_codec") or "avro")
        history = await self._history(task, fence)
        converter = run_converter(self.converter, task.get("arguments"), history)
        try:
            args = _decode_list(converter, task.get("arguments"), codec)
        except Exception as exc:
            raise _TaskFailure(
                f"cannot decode workflow start input with codec {codec!r}: {exc}", exc
            ) from exc
        info = self._info(task, workflow_type)
        try:
            instance, commands = run_workflow_task(
                definition,
                info,
                args,
                history,
                converter=converter,
                payload_codec=codec,
                cache=self.cache,
                reopen_waits=not task.get("workflow_update_id"),
            )
        except Exception as exc:
            self.cache.pop(info.run_id)
            raise _TaskFailure(f"replay failed: {exc}", exc) from exc
        update_id = task.get("workflow_update_id")
        if isinstance(update_id, str) and update_id:
            return [handle_update(instance, update_id)], instance
        return commands, instance

    def _info(self, task: Mapping[str, Any], workflow_type: str) -> WorkflowInfo:
        return WorkflowInfo(
            workflow_id=str(task.get("workflow_id") or ""),
            run_id=str(task.get("run_id") or ""),
            workflow_type=workflow_type,
            task_queue=str(task.get("task_queue") or self.task_queue),
            namespace=self.namespace,
        )

    async def _history(self, task: Mapping[str, Any], fence: dict[str, Any]) -> list[Mapping[str, Any]]:
        """The whole history: a paging error fails the task instead of deciding on part of it."""
        events = list(task.get("history_events") or [])
        token = task.get("next_history_page_token")
        while token:
            try:
                page = await self._post(
                    api_path("worker", "workflow-tasks", str(task["task_id"]), "history"),
                    {"next_history_page_token": token, **fence},
                )
            except Exception as exc:
                raise _TaskFailure(f"cannot read the whole workflow history: {exc}", exc) from exc
            if not isinstance(page, Mapping):
                raise _TaskFailure("history page was not a JSON object")
            events.extend(page.get("history_events") or [])
            token = page.get("next_history_page_token")
        return events

    async def _fail(
        self,
        task_id: str,
        fence: dict[str, Any],
        message: str,
        exc: BaseException | None,
        lease_until: float,
    ) -> None:
        delivery, refusal = await self._completions.deliver(
            api_path("worker", "workflow-tasks", task_id, "fail"),
            {**fence, "failure": _failure_body(message, exc)},
            lease_until=lease_until,
            what=f"workflow task {task_id} failure",
        )
        if delivery is Delivery.REFUSED:
            logger.warning("could not report failure of workflow task %s: %s", task_id, refusal)

    # ------------------------------------------------------------------ query tasks

    async def query(self, task: Mapping[str, Any]) -> str:
        """Answer one query task by replaying the history it carries."""
        task_id = str(task["query_task_id"])
        fence = {"lease_owner": self.worker_id, "query_task_attempt": task.get("query_task_attempt") or 1}
        converter = run_converter(self.converter, task.get("workflow_arguments"), task.get("history_events"))
        lease_until = lease_deadline(task)
        try:
            result = self._answer(task, converter)
            body = {
                **fence,
                "result": to_json_compatible(result),
                "result_envelope": converter.envelope(result),
            }
        except _TaskFailure as failure:
            return await self._fail_query(task_id, fence, failure, lease_until)
        except Exception as exc:
            encode = _TaskFailure(str(exc), exc, "query_result_encode_failed")
            return await self._fail_query(task_id, fence, encode, lease_until)
        delivery, refusal = await self._completions.deliver(
            api_path("worker", "query-tasks", task_id, "complete"),
            body,
            lease_until=lease_until,
            what=f"query task {task_id} answer",
        )
        if delivery is Delivery.REFUSED and refusal is not None:
            reason = refusal.reason or "query_result_completion_failed"
            return await self._fail_query(
                task_id, fence, _TaskFailure(str(refusal), refusal, reason), lease_until
            )
        return {Delivery.RECORDED: "completed", Delivery.SETTLED: "expired"}.get(delivery, "error")

    def _answer(self, task: Mapping[str, Any], converter: DataConverter) -> Any:
        workflow_type = str(task.get("workflow_type") or "")
        definition = self.workflows.get(workflow_type)
        if definition is None:
            raise _TaskFailure(
                f"workflow type {workflow_type!r} is not registered on this worker",
                reason="query_workflow_type_not_registered",
            )
        codec = str(task.get("payload_codec") or "avro")
        try:
            args = _decode_list(converter, task.get("workflow_arguments"), codec)
            query_args = _decode_list(converter, task.get("query_arguments"), codec)
        except Exception as exc:
            raise _TaskFailure(
                f"cannot decode query payloads: {exc}", exc, "query_payload_decode_failed"
            ) from exc
        instance = WorkflowInstance(
            definition, self._info(task, workflow_type), args, converter=converter, payload_codec=codec
        )
        try:
            instance.apply(list(task.get("history_events") or []))
        except Exception as exc:
            raise _TaskFailure(
                f"workflow replay failed before query: {exc}", exc, "query_workflow_state_unavailable"
            ) from exc
        finally:
            instance.close()
        name = str(task.get("query_name") or "")
        try:
            return handle_query(instance, name, query_args)
        except UnknownHandler as exc:
            raise _TaskFailure(str(exc), exc, "rejected_unknown_query") from exc
        except Exception as exc:
            raise _TaskFailure(f"query {name!r} failed: {exc}", exc, "query_rejected") from exc

    async def _fail_query(
        self, task_id: str, fence: dict[str, Any], failure: _TaskFailure, lease_until: float
    ) -> str:
        body = {
            **fence,
            "failure": _failure_body(failure.message, failure.exc, failure.reason or "query_rejected"),
        }
        delivery, refusal = await self._completions.deliver(
            api_path("worker", "query-tasks", task_id, "fail"),
            body,
            lease_until=lease_until,
            what=f"query task {task_id} failure",
        )
        if delivery is Delivery.REFUSED:
            logger.warning("could not report failure of query task %s: %s", task_id, refusal)
        return "failed" if delivery in (Delivery.RECORDED, Delivery.SETTLED) else "error"

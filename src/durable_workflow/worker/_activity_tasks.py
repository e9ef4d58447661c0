"""Activity tasks: decode arguments, run the function, report the result or the failure."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import copy
import logging
import traceback
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from durable_workflow._time import parse_iso8601
from durable_workflow.activity import ActivityContext, ActivityDefinition, ActivityInfo
from durable_workflow.activity._context import _reset_context, _set_context
from durable_workflow.client._routes import api_path
from durable_workflow.errors import ActivityCancelled, NonRetryableError
from durable_workflow.payloads import DataConverter, decode_arguments
from durable_workflow.payloads._framing import run_converter
from durable_workflow.worker._completion import Completions, Delivery, lease_deadline
from durable_workflow.worker._workflow_tasks import Post

__all__ = ["ActivityTaskRunner"]

logger = logging.getLogger("durable_workflow.worker")


def _class_name(exc: BaseException) -> str:
    return f"{type(exc).__module__}.{type(exc).__qualname__}"


def _deadlines(task: Mapping[str, Any]) -> dict[str, datetime]:
    raw = task.get("deadlines")
    out: dict[str, datetime] = {}
    if isinstance(raw, Mapping):
        for key, value in raw.items():
            if isinstance(value, str):
                try:
                    out[str(key)] = parse_iso8601(value)
                except ValueError:
                    continue
    return out


def _heartbeat_timeout(task: Mapping[str, Any]) -> float | None:
    policy = task.get("retry_policy")
    value = policy.get("heartbeat_timeout") if isinstance(policy, Mapping) else None
    return (
        float(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0
        else None
    )


class ActivityTaskRunner:
    """Executes activity tasks; sync functions run in a thread pool."""

    def __init__(
        self,
        *,
        post: Post,
        completions: Completions,
        worker_id: str,
        task_queue: str,
        converter: DataConverter,
        activities: Mapping[str, ActivityDefinition],
        executor: concurrent.futures.Executor,
    ) -> None:
        self._post = post
        self._completions = completions
        self.worker_id = worker_id
        self.task_queue = task_queue
        self.converter = converter
        self.activities = activities
        self.executor = executor
        #: task id → lease expiry (time.time()), renewed by activity heartbeats
        self._leases: dict[str, float] = {}

    async def run(self, task: Mapping[str, Any]) -> str:
        """Handle one activity task; returns the metrics outcome."""
        converter = run_converter(self.converter, task.get("arguments"))
        if converter is not self.converter:
            # Answer in the run's framing: a twin of this runner that writes it.
            twin = copy.copy(self)
            twin.converter = converter
            return await twin.run(task)
        task_id = str(task["task_id"])
        attempt_id = str(task.get("activity_attempt_id") or task.get("attempt_id") or "")
        fence = {"activity_attempt_id": attempt_id, "lease_owner": self.worker_id}
        self._leases[task_id] = lease_deadline(task)
        try:
            return await self._run(task, task_id, attempt_id, fence)
        finally:
            self._leases.pop(task_id, None)

    async def _run(
        self, task: Mapping[str, Any], task_id: str, attempt_id: str, fence: dict[str, Any]
    ) -> str:
        activity_type = str(task.get("activity_type") or "")
        definition = self.activities.get(activity_type)
        if definition is None:
            message = (
                f"activity type {activity_type!r} is not registered on worker {self.worker_id} "
                f"(task queue {self.task_queue!r}; registered: {sorted(self.activities)})"
            )
            logger.warning("%s; failing activity task %s", message, task_id)
            failure = {"message": message, "type": "ActivityNotRegistered"}
            return await self._report_failure(task_id, fence, failure, "no_handler")
        try:
            args = self._arguments(task, definition)
        except Exception as exc:
            failure = self._failure(exc, non_retryable=True)
            failure["message"] = f"cannot decode activity arguments: {exc}"
            return await self._report_failure(task_id, fence, failure, "decode_error")
        ctx = ActivityContext(
            self._info(task, activity_type, task_id, attempt_id),
            lambda details: self._heartbeat(task_id, fence, details),
            loop=asyncio.get_running_loop(),
        )
        try:
            result = await self._call(definition, args, ctx)
        except ActivityCancelled as exc:
            failure = self._failure(exc, non_retryable=True)
            failure["message"] = "activity cancelled"
            return await self._report_failure(task_id, fence, failure, "cancelled")
        except NonRetryableError as exc:
            return await self._report_failure(
                task_id, fence, self._failure(exc, non_retryable=True), "failed_non_retryable"
            )
        except Exception as exc:
            return await self._report_failure(task_id, fence, self._failure(exc), "failed")
        finally:
            await ctx.close()
        return await self._complete(task_id, fence, result)

    async def _complete(self, task_id: str, fence: dict[str, Any], result: Any) -> str:
        try:
            envelope = self.converter.envelope(result)
        except Exception as exc:
            failure = self._failure(exc, non_retryable=True)
            failure["message"] = f"cannot encode the activity result: {exc}"
            return await self._report_failure(task_id, fence, failure, "failed_non_retryable")
        delivery, refusal = await self._completions.deliver(
            api_path("worker", "activity-tasks", task_id, "complete"),
            {**fence, "result": envelope},
            lease_until=self._leases.get(task_id, 0.0),
            renew=lambda: self._renew(task_id, fence),
            what=f"activity task {task_id} completion",
        )
        if delivery is Delivery.REFUSED:
            logger.warning("activity task %s: completion refused: %s", task_id, refusal)
        return "completed" if delivery in (Delivery.RECORDED, Delivery.SETTLED) else "complete_error"

    def _arguments(self, task: Mapping[str, Any], definition: ActivityDefinition) -> list[Any]:
        codec = str(task.get("payload_codec") or "avro")
        raw = self.converter.decode(task.get("arguments"), default_codec=codec)
        values = [] if raw is None else raw if isinstance(raw, list) else [raw]
        return decode_arguments(definition.fn, values, skip=0, where=f"activity {definition.name!r}")

    def _info(
        self, task: Mapping[str, Any], activity_type: str, task_id: str, attempt_id: str
    ) -> ActivityInfo:
        attempt = task.get("attempt_number")
        return ActivityInfo(
            activity_type=activity_type,
            task_id=task_id,
            activity_attempt_id=attempt_id,
            attempt_number=attempt if isinstance(attempt, int) and not isinstance(attempt, bool) else 1,
            task_queue=str(task.get("task_queue") or self.task_queue),
            workflow_id=task.get("workflow_id"),
            run_id=task.get("run_id"),
            activity_id=task.get("activity_execution_id"),
            heartbeat_timeout=_heartbeat_timeout(task),
            deadlines=_deadlines(task),
        )

    async def _call(self, definition: ActivityDefinition, args: list[Any], ctx: ActivityContext) -> Any:
        token = _set_context(ctx)
        try:
            if definition.is_async:
                return await definition.fn(*args)
            context = contextvars.copy_context()
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self.executor, lambda: context.run(definition.fn, *args))
        finally:
            _reset_context(token)

    async def _renew(self, task_id: str, fence: dict[str, Any]) -> float | None:
        await self._heartbeat(task_id, fence, None)
        return self._leases.get(task_id)

    async def _heartbeat(
        self, task_id: str, fence: dict[str, Any], details: Mapping[str, Any] | None
    ) -> Mapping[str, Any] | None:
        body: dict[str, Any] = dict(fence)
        if details is not None:
            body["details"] = dict(details)
        answer = await self._post(api_path("worker", "activity-tasks", task_id, "heartbeat"), body)
        if isinstance(answer, Mapping) and isinstance(answer.get("lease_expires_at"), str):
            self._leases[task_id] = lease_deadline(answer)
        return answer if isinstance(answer, Mapping) else None

    def _failure(self, exc: BaseException, *, non_retryable: bool = False) -> dict[str, Any]:
        failure: dict[str, Any] = {
            "message": str(exc) or type(exc).__name__,
            "type": type(exc).__name__,
            "class": _class_name(exc),
        }
        code = getattr(exc, "code", None)
        if isinstance(code, int) and not isinstance(code, bool):
            failure["code"] = code
        failure["stack_trace"] = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        if non_retryable:
            failure["non_retryable"] = True
        details = getattr(exc, "details", None)
        if details is not None:
            try:
                failure["details"] = self.converter.envelope(details)
            except Exception:
                logger.warning("activity failure details are not encodable; dropped")
        return failure

    async def _report_failure(
        self, task_id: str, fence: dict[str, Any], failure: dict[str, Any], outcome: str
    ) -> str:
        logger.info("activity task %s failed (%s): %s", task_id, outcome, failure.get("message"))
        delivery, refusal = await self._completions.deliver(
            api_path("worker", "activity-tasks", task_id, "fail"),
            {**fence, "failure": failure},
            lease_until=self._leases.get(task_id, 0.0),
            renew=lambda: self._renew(task_id, fence),
            what=f"activity task {task_id} failure",
        )
        if delivery is Delivery.REFUSED:
            logger.warning("activity task %s: failure refused: %s", task_id, refusal)
        return outcome if delivery in (Delivery.RECORDED, Delivery.SETTLED) else "error"

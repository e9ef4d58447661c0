"""A synchronous `Client` for scripts and notebooks.

It owns one background thread running an event loop, and one async `durable_workflow.Client`
living on that loop, so every call reuses the same connection pool, and calls work even where
an event loop is already running (Jupyter). Close it with `close()` or a ``with`` block.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Mapping, Sequence
from types import TracebackType
from typing import Any, Generic, Literal, TypeVar, overload

import httpx
from typing_extensions import ParamSpec, Self

from durable_workflow.client import (
    Client as AsyncClient,
    TransportRetryPolicy,
    UpdateResult,
    WorkflowExecution,
    WorkflowHandle as AsyncWorkflowHandle,
    WorkflowList,
)
from durable_workflow.client._models import NamespaceDescription
from durable_workflow.client._schedule_models import (  # schedules (see ScheduleHandle below)
    OverlapPolicy,
    ScheduleAction,
    ScheduleBackfillResult,
    ScheduleDescription,
    ScheduleHistory,
    ScheduleList,
    ScheduleSpec,
    ScheduleTriggerResult,
    TimeLike,
)
from durable_workflow.client._stub import HasRun, WorkflowStub as AsyncWorkflowStub
from durable_workflow.metrics import MetricsRecorder

__all__ = ["Client", "WorkflowHandle", "WorkflowStub"]

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


class _LoopThread:
    """An event loop on a daemon thread; `run` executes a coroutine there and waits."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="durable-workflow-sync", daemon=True
        )
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        if not self._thread.is_alive():
            coro.close()
            raise RuntimeError("this sync client is closed")
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def stop(self) -> None:
        if self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join()
            self.loop.close()


class WorkflowHandle(Generic[R]):
    """The synchronous twin of `durable_workflow.WorkflowHandle`."""

    __module__ = "durable_workflow.sync"

    def __init__(self, runner: _LoopThread, handle: AsyncWorkflowHandle[R]) -> None:
        self._run = runner.run
        self._async = handle
        self.workflow_id = handle.workflow_id
        self.run_id = handle.run_id

    def __repr__(self) -> str:
        return f"sync.WorkflowHandle(workflow_id={self.workflow_id!r}, run_id={self.run_id!r})"

    def result(self, timeout: float | None = None) -> R:
        return self._run(self._async.result(timeout))

    def describe(self) -> WorkflowExecution:
        return self._run(self._async.describe())

    def signal(self, name: str, args: Sequence[Any] | None = None) -> None:
        self._run(self._async.signal(name, args))

    def query(self, name: str, args: Sequence[Any] | None = None, *, result_type: Any = Any) -> Any:
        return self._run(self._async.query(name, args, result_type=result_type))

    def update(self, name: str, args: Sequence[Any] | None = None, **options: Any) -> UpdateResult:
        return self._run(self._async.update(name, args, **options))

    def cancel(self, reason: str | None = None) -> None:
        self._run(self._async.cancel(reason))

    def terminate(self, reason: str | None = None) -> None:
        self._run(self._async.terminate(reason))

    def history(self, run_id: str | None = None) -> list[dict[str, Any]]:
        return self._run(self._async.history(run_id))


class WorkflowStub(Generic[P, R]):
    """The synchronous twin of `durable_workflow.WorkflowStub`."""

    __module__ = "durable_workflow.sync"

    def __init__(self, runner: _LoopThread, stub: AsyncWorkflowStub[P, R]) -> None:
        self._runner = runner
        self._async = stub

    def start(self, *args: P.args, **kwargs: P.kwargs) -> WorkflowHandle[R]:
        return WorkflowHandle(self._runner, self._runner.run(self._async.start(*args, **kwargs)))

    def execute(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return self._runner.run(self._async.execute(*args, **kwargs))


class Client:
    """The synchronous twin of `durable_workflow.Client`; same arguments, same methods, no ``await``."""

    __module__ = "durable_workflow.sync"

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        control_token: str | None = None,
        worker_token: str | None = None,
        namespace: str = "default",
        timeout: float = 60.0,
        metrics: MetricsRecorder | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        retry_policy: TransportRetryPolicy | None = None,
        payload_encoding: Literal["wrapper", "value-v1"] = "wrapper",
    ) -> None:
        self._runner = _LoopThread()
        options = {
            "control_token": control_token,
            "worker_token": worker_token,
            "namespace": namespace,
            "timeout": timeout,
            "metrics": metrics,
            "transport": transport,
            "retry_policy": retry_policy,
            "payload_encoding": payload_encoding,
        }
        self.async_client: AsyncClient = self._runner.run(_make_client(base_url, token, options))

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool and stop the background loop."""
        if not self.async_client._transport.closed:
            self._runner.run(self.async_client.aclose())
        self._runner.stop()

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self._runner.run(coro)

    def _wrap(self, handle: AsyncWorkflowHandle[T]) -> WorkflowHandle[T]:
        return WorkflowHandle(self._runner, handle)

    def health(self) -> dict[str, Any]:
        return self._run(self.async_client.health())

    def get_cluster_info(self) -> dict[str, Any]:
        return self._run(self.async_client.get_cluster_info())

    def start_workflow(
        self,
        workflow_type: str,
        task_queue: str,
        workflow_id: str,
        input: Sequence[Any] | None = None,
        **options: Any,
    ) -> WorkflowHandle[Any]:
        coro = self.async_client.start_workflow(workflow_type, task_queue, workflow_id, input, **options)
        return self._wrap(self._run(coro))

    def workflow(self, workflow: type[HasRun[P, R]], **options: Any) -> WorkflowStub[P, R]:
        return WorkflowStub(self._runner, self.async_client.workflow(workflow, **options))

    @overload
    def get_workflow_handle(self, workflow_id: str, *, run_id: str | None = None) -> WorkflowHandle[Any]: ...

    @overload
    def get_workflow_handle(
        self, workflow_id: str, *, run_id: str | None = None, result_type: type[T]
    ) -> WorkflowHandle[T]: ...

    def get_workflow_handle(
        self, workflow_id: str, *, run_id: str | None = None, result_type: Any = Any
    ) -> WorkflowHandle[Any]:
        return self._wrap(
            self.async_client.get_workflow_handle(workflow_id, run_id=run_id, result_type=result_type)
        )

    def describe_workflow(self, workflow_id: str) -> WorkflowExecution:
        return self._run(self.async_client.describe_workflow(workflow_id))

    def list_workflows(self, **filters: Any) -> WorkflowList:
        return self._run(self.async_client.list_workflows(**filters))

    def get_history(self, workflow_id: str, run_id: str) -> list[dict[str, Any]]:
        return self._run(self.async_client.get_history(workflow_id, run_id))

    def export_history(self, workflow_id: str, run_id: str) -> dict[str, Any]:
        return self._run(self.async_client.export_history(workflow_id, run_id))

    def signal_workflow(self, workflow_id: str, signal_name: str, args: Sequence[Any] | None = None) -> None:
        self._run(self.async_client.signal_workflow(workflow_id, signal_name, args))

    def query_workflow(
        self, workflow_id: str, query_name: str, args: Sequence[Any] | None = None, *, result_type: Any = Any
    ) -> Any:
        return self._run(
            self.async_client.query_workflow(workflow_id, query_name, args, result_type=result_type)
        )

    def update_workflow(
        self, workflow_id: str, update_name: str, args: Sequence[Any] | None = None, **options: Any
    ) -> UpdateResult:
        return self._run(self.async_client.update_workflow(workflow_id, update_name, args, **options))

    def cancel_workflow(self, workflow_id: str, *, reason: str | None = None) -> None:
        self._run(self.async_client.cancel_workflow(workflow_id, reason=reason))

    def terminate_workflow(self, workflow_id: str, *, reason: str | None = None) -> None:
        self._run(self.async_client.terminate_workflow(workflow_id, reason=reason))

    def list_namespaces(self) -> list[NamespaceDescription]:
        return self._run(self.async_client.list_namespaces())

    def describe_namespace(self, name: str) -> NamespaceDescription:
        return self._run(self.async_client.describe_namespace(name))

    def create_namespace(self, name: str, **options: Any) -> NamespaceDescription:
        return self._run(self.async_client.create_namespace(name, **options))

    def update_namespace(self, name: str, **options: Any) -> NamespaceDescription:
        return self._run(self.async_client.update_namespace(name, **options))

    def list_search_attributes(self) -> dict[str, dict[str, Any]]:
        return self._run(self.async_client.list_search_attributes())

    def create_search_attribute(self, name: str, type: str) -> dict[str, Any]:
        return self._run(self.async_client.create_search_attribute(name, type))

    def delete_search_attribute(self, name: str) -> dict[str, Any]:
        return self._run(self.async_client.delete_search_attribute(name))

    # -- schedules ---------------------------------------------------------------------------

    def create_schedule(
        self,
        schedule_id: str | None = None,
        *,
        spec: ScheduleSpec,
        action: ScheduleAction,
        overlap_policy: OverlapPolicy | None = None,
        jitter_seconds: int | None = None,
        paused: bool = False,
        note: str | None = None,
        max_runs: int | None = None,
        memo: Mapping[str, Any] | None = None,
        search_attributes: Mapping[str, Any] | None = None,
    ) -> ScheduleHandle:
        created = self._run(
            self.async_client.create_schedule(
                schedule_id,
                spec=spec,
                action=action,
                overlap_policy=overlap_policy,
                jitter_seconds=jitter_seconds,
                paused=paused,
                note=note,
                max_runs=max_runs,
                memo=memo,
                search_attributes=search_attributes,
            )
        )
        return ScheduleHandle(self, created.schedule_id)

    def get_schedule_handle(self, schedule_id: str) -> ScheduleHandle:
        return ScheduleHandle(self, schedule_id)

    def list_schedules(
        self,
        *,
        status: str | None = None,
        workflow_type: str | None = None,
        query: str | None = None,
        page_size: int | None = None,
        next_page_token: str | None = None,
    ) -> ScheduleList:
        return self._run(
            self.async_client.list_schedules(
                status=status,
                workflow_type=workflow_type,
                query=query,
                page_size=page_size,
                next_page_token=next_page_token,
            )
        )

    def describe_schedule(self, schedule_id: str) -> ScheduleDescription:
        return self._run(self.async_client.describe_schedule(schedule_id))

    def update_schedule(self, schedule_id: str, **changes: Any) -> None:
        self._run(self.async_client.update_schedule(schedule_id, **changes))

    def delete_schedule(self, schedule_id: str) -> None:
        self._run(self.async_client.delete_schedule(schedule_id))

    def pause_schedule(self, schedule_id: str, *, note: str | None = None) -> None:
        self._run(self.async_client.pause_schedule(schedule_id, note=note))

    def resume_schedule(self, schedule_id: str, *, note: str | None = None) -> None:
        self._run(self.async_client.resume_schedule(schedule_id, note=note))

    def trigger_schedule(
        self, schedule_id: str, *, overlap_policy: OverlapPolicy | None = None
    ) -> ScheduleTriggerResult:
        return self._run(self.async_client.trigger_schedule(schedule_id, overlap_policy=overlap_policy))

    def backfill_schedule(
        self,
        schedule_id: str,
        start_time: TimeLike,
        end_time: TimeLike,
        *,
        overlap_policy: OverlapPolicy | None = None,
    ) -> ScheduleBackfillResult:
        return self._run(
            self.async_client.backfill_schedule(
                schedule_id, start_time, end_time, overlap_policy=overlap_policy
            )
        )

    def get_schedule_history(
        self, schedule_id: str, *, limit: int | None = None, after_sequence: int | None = None
    ) -> ScheduleHistory:
        return self._run(
            self.async_client.get_schedule_history(schedule_id, limit=limit, after_sequence=after_sequence)
        )


async def _make_client(base_url: str, token: str | None, options: Mapping[str, Any]) -> AsyncClient:
    # Built on the loop thread so httpx binds its pool to that loop.
    return AsyncClient(base_url, token, **options)


class ScheduleHandle:
    """The synchronous twin of `durable_workflow.ScheduleHandle`."""

    __module__ = "durable_workflow.sync"

    def __init__(self, client: Client, schedule_id: str) -> None:
        self._client = client
        self.schedule_id = schedule_id

    def __repr__(self) -> str:
        return f"sync.ScheduleHandle(schedule_id={self.schedule_id!r})"

    def describe(self) -> ScheduleDescription:
        return self._client.describe_schedule(self.schedule_id)

    def update(
        self,
        *,
        spec: ScheduleSpec | None = None,
        action: ScheduleAction | None = None,
        overlap_policy: OverlapPolicy | None = None,
        jitter_seconds: int | None = None,
        note: str | None = None,
        max_runs: int | None = None,
        memo: Mapping[str, Any] | None = None,
        search_attributes: Mapping[str, Any] | None = None,
    ) -> None:
        self._client.update_schedule(
            self.schedule_id,
            spec=spec,
            action=action,
            overlap_policy=overlap_policy,
            jitter_seconds=jitter_seconds,
            note=note,
            max_runs=max_runs,
            memo=memo,
            search_attributes=search_attributes,
        )

    def delete(self) -> None:
        self._client.delete_schedule(self.schedule_id)

    def pause(self, note: str | None = None) -> None:
        self._client.pause_schedule(self.schedule_id, note=note)

    def resume(self, note: str | None = None) -> None:
        self._client.resume_schedule(self.schedule_id, note=note)

    def trigger(self, overlap_policy: OverlapPolicy | None = None) -> ScheduleTriggerResult:
        return self._client.trigger_schedule(self.schedule_id, overlap_policy=overlap_policy)

    def backfill(
        self, start_time: TimeLike, end_time: TimeLike, overlap_policy: OverlapPolicy | None = None
    ) -> ScheduleBackfillResult:
        return self._client.backfill_schedule(
            self.schedule_id, start_time, end_time, overlap_policy=overlap_policy
        )

    def history(self, limit: int | None = None, after_sequence: int | None = None) -> ScheduleHistory:
        return self._client.get_schedule_history(self.schedule_id, limit=limit, after_sequence=after_sequence)

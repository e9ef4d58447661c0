"""A synchronous `Client` for scripts and notebooks.

It owns one background thread running an event loop, and one async `durable_workflow.Client`
living on that loop, so every call reuses the same connection pool, and calls work even where
an event loop is already running (Jupyter). Close it with `close()` or a ``with`` block.

Every method mirrors the async method of the same name (same arguments, same types, same
docstring) and blocks until it is done.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Mapping, Sequence
from types import TracebackType
from typing import Any, Concatenate, Generic, Literal, TypeVar, overload

import httpx
from typing_extensions import ParamSpec, Self

from durable_workflow.client import (
    Client as AsyncClient,
    TransportRetryPolicy,
    UpdateResult,
    WorkflowHandle as AsyncWorkflowHandle,
)
from durable_workflow.client._client import DuplicatePolicy
from durable_workflow.client._schedules import ScheduleHandle as AsyncScheduleHandle
from durable_workflow.client._stub import HasRun, WorkflowStub as AsyncWorkflowStub
from durable_workflow.client._transport import DEFAULT_MAX_RESPONSE_BYTES
from durable_workflow.metrics import MetricsRecorder

__all__ = ["Client", "ScheduleHandle", "WorkflowHandle", "WorkflowStub"]

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")
T = TypeVar("T")
X = TypeVar("X")
Y = TypeVar("Y")


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


class _Mirror:
    """Something that forwards calls to an async twin (``_target``) on the loop thread."""

    _runner: _LoopThread
    _target: Any


def _blocking(
    method: Callable[Concatenate[S, P], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[_Mirror, P], T]:
    """The blocking twin of an async method, with the same parameters and docstring."""

    def call(self: _Mirror, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return self._runner.run(method(self._target, *args, **kwargs))

    call.__name__ = method.__name__
    call.__doc__ = method.__doc__
    return call


def _blocking_as(
    method: Callable[Concatenate[S, P], Coroutine[Any, Any, X]], wrap: Callable[[_LoopThread, X], Y]
) -> Callable[Concatenate[_Mirror, P], Y]:
    """Like `_blocking`, for methods that return an async handle: ``wrap`` makes it a sync one."""

    def call(self: _Mirror, /, *args: P.args, **kwargs: P.kwargs) -> Y:
        return wrap(self._runner, self._runner.run(method(self._target, *args, **kwargs)))

    call.__name__ = method.__name__
    call.__doc__ = method.__doc__
    return call


class WorkflowHandle(_Mirror, Generic[R]):
    """The synchronous twin of `durable_workflow.WorkflowHandle`."""

    __module__ = "durable_workflow.sync"

    def __init__(self, runner: _LoopThread, handle: AsyncWorkflowHandle[R]) -> None:
        self._runner = runner
        self._target = handle
        self._handle = handle
        self.workflow_id = handle.workflow_id
        self.run_id = handle.run_id

    def __repr__(self) -> str:
        return f"sync.WorkflowHandle(workflow_id={self.workflow_id!r}, run_id={self.run_id!r})"

    def result(self, timeout: float | None = None) -> R:
        """Wait for the workflow to close and return its result (see the async `result`)."""
        return self._runner.run(self._handle.result(timeout))

    @overload
    def signal(
        self, handler: Callable[Concatenate[Any, P], object], /, *args: P.args, **kwargs: P.kwargs
    ) -> None: ...
    @overload
    def signal(self, name: str, /, args: Sequence[Any] | None = None) -> None: ...
    def signal(self, target: Any, /, *args: Any, **kwargs: Any) -> None:
        """Send a signal (see the async `WorkflowHandle.signal`)."""
        self._runner.run(self._handle.signal(target, *args, **kwargs))

    @overload
    def query(self, handler: Callable[Concatenate[Any, P], T], /, *args: P.args, **kwargs: P.kwargs) -> T: ...
    @overload
    def query(self, name: str, /, args: Sequence[Any] | None = None, *, result_type: type[T]) -> T: ...
    @overload
    def query(self, name: str, /, args: Sequence[Any] | None = None, *, result_type: Any = ...) -> Any: ...
    def query(self, target: Any, /, *args: Any, **kwargs: Any) -> Any:
        """Run a query handler on a live worker (see the async `WorkflowHandle.query`)."""
        return self._runner.run(self._handle.query(target, *args, **kwargs))

    @overload
    def update(
        self, handler: Callable[Concatenate[Any, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> UpdateResult[T]: ...
    @overload
    def update(
        self,
        name: str,
        /,
        args: Sequence[Any] | None = None,
        *,
        wait_for: Literal["accepted", "completed"] = "completed",
        wait_timeout_seconds: int | None = None,
        request_id: str | None = None,
        result_type: type[T],
    ) -> UpdateResult[T]: ...
    @overload
    def update(
        self,
        name: str,
        /,
        args: Sequence[Any] | None = None,
        *,
        wait_for: Literal["accepted", "completed"] = "completed",
        wait_timeout_seconds: int | None = None,
        request_id: str | None = None,
        result_type: Any = ...,
    ) -> UpdateResult[Any]: ...
    def update(self, target: Any, /, *args: Any, **kwargs: Any) -> UpdateResult[Any]:
        """Send an update and wait (see the async `WorkflowHandle.update`)."""
        answer: UpdateResult[Any] = self._runner.run(self._handle.update(target, *args, **kwargs))
        return answer

    describe = _blocking(AsyncWorkflowHandle.describe)
    cancel = _blocking(AsyncWorkflowHandle.cancel)
    terminate = _blocking(AsyncWorkflowHandle.terminate)
    history = _blocking(AsyncWorkflowHandle.history)


class WorkflowStub(Generic[P, R]):
    """The synchronous twin of `durable_workflow.WorkflowStub`."""

    __module__ = "durable_workflow.sync"

    def __init__(self, runner: _LoopThread, stub: AsyncWorkflowStub[P, R]) -> None:
        self._runner = runner
        self._stub = stub

    def start(self, *args: P.args, **kwargs: P.kwargs) -> WorkflowHandle[R]:
        """Start the workflow; returns a handle whose `result()` is typed ``R``."""
        return WorkflowHandle(self._runner, self._runner.run(self._stub.start(*args, **kwargs)))

    def execute(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """Start the workflow and wait for its result."""
        return self._runner.run(self._stub.execute(*args, **kwargs))


class ScheduleHandle(_Mirror):
    """The synchronous twin of `durable_workflow.ScheduleHandle`."""

    __module__ = "durable_workflow.sync"

    def __init__(self, runner: _LoopThread, handle: AsyncScheduleHandle) -> None:
        self._runner = runner
        self._target = handle
        self.schedule_id = handle.schedule_id

    def __repr__(self) -> str:
        return f"sync.ScheduleHandle(schedule_id={self.schedule_id!r})"

    describe = _blocking(AsyncScheduleHandle.describe)
    update = _blocking(AsyncScheduleHandle.update)
    delete = _blocking(AsyncScheduleHandle.delete)
    pause = _blocking(AsyncScheduleHandle.pause)
    resume = _blocking(AsyncScheduleHandle.resume)
    trigger = _blocking(AsyncScheduleHandle.trigger)
    backfill = _blocking(AsyncScheduleHandle.backfill)
    history = _blocking(AsyncScheduleHandle.history)


class Client(_Mirror):
    """The synchronous twin of `durable_workflow.Client`: same arguments, same methods, no ``await``.

    Besides the methods documented here, it has every method of the async client with the same
    parameters and return types: `start_workflow` (returning a sync `WorkflowHandle`),
    `describe_workflow`, `list_workflows`, `list_runs`, `get_history`, `get_history_page`, `export_history`,
    `signal_workflow`, `query_workflow`, `update_workflow`, `cancel_workflow`,
    `terminate_workflow`, the namespace, search-attribute, task-queue and worker methods, and the
    schedule methods (`create_schedule` returning a sync `ScheduleHandle`, `list_schedules`, ...).
    """

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
        payload_encoding: Literal["auto", "wrapper", "value-v1"] = "auto",
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self._runner = _LoopThread()

        async def make() -> AsyncClient:
            # Built on the loop thread so httpx binds its pool to that loop.
            return AsyncClient(
                base_url,
                token,
                control_token=control_token,
                worker_token=worker_token,
                namespace=namespace,
                timeout=timeout,
                metrics=metrics,
                transport=transport,
                retry_policy=retry_policy,
                payload_encoding=payload_encoding,
                max_response_bytes=max_response_bytes,
            )

        self.async_client: AsyncClient = self._runner.run(make())
        self._target = self.async_client

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

    def workflow(
        self,
        workflow: type[HasRun[P, R]],
        *,
        workflow_id: str,
        task_queue: str,
        execution_timeout_seconds: int | None = 3600,
        run_timeout_seconds: int | None = 600,
        duplicate_policy: DuplicatePolicy | None = None,
        memo: Mapping[str, Any] | None = None,
        search_attributes: Mapping[str, Any] | None = None,
    ) -> WorkflowStub[P, R]:
        """A typed stub for a workflow class (see the async `Client.workflow`)."""
        stub = self.async_client.workflow(
            workflow,
            workflow_id=workflow_id,
            task_queue=task_queue,
            execution_timeout_seconds=execution_timeout_seconds,
            run_timeout_seconds=run_timeout_seconds,
            duplicate_policy=duplicate_policy,
            memo=memo,
            search_attributes=search_attributes,
        )
        return WorkflowStub(self._runner, stub)

    @overload
    def get_workflow_handle(self, workflow_id: str, *, run_id: str | None = None) -> WorkflowHandle[Any]: ...

    @overload
    def get_workflow_handle(
        self, workflow_id: str, *, run_id: str | None = None, result_type: type[T]
    ) -> WorkflowHandle[T]: ...

    @overload
    def get_workflow_handle(
        self, workflow_id: str, *, run_id: str | None = None, result_type: Any
    ) -> WorkflowHandle[Any]: ...

    def get_workflow_handle(
        self, workflow_id: str, *, run_id: str | None = None, result_type: Any = Any
    ) -> WorkflowHandle[Any]:
        """A handle to an existing workflow; ``result_type`` types and rebuilds its result."""
        handle = self.async_client.get_workflow_handle(workflow_id, run_id=run_id, result_type=result_type)
        return WorkflowHandle(self._runner, handle)

    @overload
    def start_workflow(
        self,
        workflow_type: str,
        task_queue: str,
        workflow_id: str,
        input: Sequence[Any] | None = None,
        *,
        execution_timeout_seconds: int | None = 3600,
        run_timeout_seconds: int | None = 600,
        duplicate_policy: DuplicatePolicy | None = None,
        memo: Mapping[str, Any] | None = None,
        search_attributes: Mapping[str, Any] | None = None,
        result_type: type[T],
    ) -> WorkflowHandle[T]: ...
    @overload
    def start_workflow(
        self,
        workflow_type: str,
        task_queue: str,
        workflow_id: str,
        input: Sequence[Any] | None = None,
        *,
        execution_timeout_seconds: int | None = 3600,
        run_timeout_seconds: int | None = 600,
        duplicate_policy: DuplicatePolicy | None = None,
        memo: Mapping[str, Any] | None = None,
        search_attributes: Mapping[str, Any] | None = None,
        result_type: Any = ...,
    ) -> WorkflowHandle[Any]: ...
    def start_workflow(self, *args: Any, **kwargs: Any) -> WorkflowHandle[Any]:
        """Start a workflow and return a handle to it (see the async `Client.start_workflow`)."""
        handle: AsyncWorkflowHandle[Any] = self._runner.run(self.async_client.start_workflow(*args, **kwargs))
        return WorkflowHandle(self._runner, handle)

    def get_schedule_handle(self, schedule_id: str) -> ScheduleHandle:
        """A handle to an existing schedule."""
        return ScheduleHandle(self._runner, self.async_client.get_schedule_handle(schedule_id))

    create_schedule = _blocking_as(AsyncClient.create_schedule, ScheduleHandle)
    health = _blocking(AsyncClient.health)
    get_cluster_info = _blocking(AsyncClient.get_cluster_info)
    negotiate = _blocking(AsyncClient.negotiate)
    describe_workflow = _blocking(AsyncClient.describe_workflow)
    list_workflows = _blocking(AsyncClient.list_workflows)
    list_runs = _blocking(AsyncClient.list_runs)
    get_history = _blocking(AsyncClient.get_history)
    get_history_page = _blocking(AsyncClient.get_history_page)
    export_history = _blocking(AsyncClient.export_history)
    signal_workflow = _blocking(AsyncClient.signal_workflow)
    query_workflow = _blocking(AsyncClient.query_workflow)
    update_workflow = _blocking(AsyncClient.update_workflow)
    cancel_workflow = _blocking(AsyncClient.cancel_workflow)
    terminate_workflow = _blocking(AsyncClient.terminate_workflow)
    list_namespaces = _blocking(AsyncClient.list_namespaces)
    describe_namespace = _blocking(AsyncClient.describe_namespace)
    create_namespace = _blocking(AsyncClient.create_namespace)
    update_namespace = _blocking(AsyncClient.update_namespace)
    list_search_attributes = _blocking(AsyncClient.list_search_attributes)
    create_search_attribute = _blocking(AsyncClient.create_search_attribute)
    delete_search_attribute = _blocking(AsyncClient.delete_search_attribute)
    list_task_queues = _blocking(AsyncClient.list_task_queues)
    describe_task_queue = _blocking(AsyncClient.describe_task_queue)
    list_workers = _blocking(AsyncClient.list_workers)
    describe_worker = _blocking(AsyncClient.describe_worker)
    deregister_worker = _blocking(AsyncClient.deregister_worker)
    list_schedules = _blocking(AsyncClient.list_schedules)
    describe_schedule = _blocking(AsyncClient.describe_schedule)
    update_schedule = _blocking(AsyncClient.update_schedule)
    delete_schedule = _blocking(AsyncClient.delete_schedule)
    pause_schedule = _blocking(AsyncClient.pause_schedule)
    resume_schedule = _blocking(AsyncClient.resume_schedule)
    trigger_schedule = _blocking(AsyncClient.trigger_schedule)
    backfill_schedule = _blocking(AsyncClient.backfill_schedule)
    get_schedule_history = _blocking(AsyncClient.get_schedule_history)

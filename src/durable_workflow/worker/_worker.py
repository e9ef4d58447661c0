"""`Worker`: registers with the server, long-polls for tasks, and runs them with bounded concurrency."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import logging
import math
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

from durable_workflow.activity import ActivityDefinition, get_definition as get_activity_definition
from durable_workflow.client._diagnose import diagnose
from durable_workflow.client._models import TERMINAL_STATUSES
from durable_workflow.client._result import watch
from durable_workflow.client._routes import api_path
from durable_workflow.errors import (
    Forbidden,
    InvalidResponse,
    NamespaceNotFound,
    RequestTimeout,
    ServerError,
    TransportError,
    Unauthorized,
)
from durable_workflow.metrics import (
    WORKER_POLL_DURATION,
    WORKER_POLLS,
    WORKER_TASK_DURATION,
    WORKER_TASKS,
    MetricsRecorder,
)
from durable_workflow.stubs._runtime import is_stub
from durable_workflow.worker._activity_tasks import ActivityTaskRunner
from durable_workflow.worker._completion import Completions
from durable_workflow.worker._server import (
    ServerFeatures,
    check_cluster_info,
    definition_fingerprint,
    process_metrics,
)
from durable_workflow.worker._workflow_tasks import WorkflowTaskRunner
from durable_workflow.workflow import (
    WorkflowCache,
    WorkflowDefinition,
    get_definition as get_workflow_definition,
)

if TYPE_CHECKING:
    from durable_workflow.client import Client

__all__ = ["Worker"]

logger = logging.getLogger("durable_workflow.worker")

_NOT_REGISTERED = frozenset({"worker_not_registered"})
_POLL_PATHS = {
    "workflow": "/worker/workflow-tasks/poll",
    "activity": "/worker/activity-tasks/poll",
    "query": "/worker/query-tasks/poll",
}
_MAX_POLL_BACKOFF = 2.0
_POLL_PREFIX = {"workflow": "wf-poll", "activity": "activity-poll", "query": "query-poll"}


def _sdk_version() -> str:
    from durable_workflow import __version__

    return f"durable-workflow-python/{__version__}"


class Worker:
    """Runs workflow and activity code for one task queue.

    Args:
        client: the `Client` whose connection, namespace and converter the worker uses.
        task_queue: the queue to poll.
        workflows: `@workflow.defn` classes.
        activities: `@activity.defn` functions.
        worker_id: unique id (default ``py-worker-<8 hex>``).
        build_id: optional build id.
        poll_timeout: long-poll window in seconds.
        max_concurrent_workflow_tasks: how many workflow tasks run at once.
        max_concurrent_activity_tasks: how many activities run at once.
        shutdown_timeout: seconds `stop()` waits for in-flight tasks before cancelling them.
        metrics: recorder for worker metrics (default: the client's).
        workflow_cache_size: live workflow instances kept between tasks (0 disables caching).
        heartbeat_interval: seconds between worker heartbeats (the server may advertise another).
    """

    __module__ = "durable_workflow"

    def __init__(
        self,
        client: Client,
        *,
        task_queue: str,
        workflows: Iterable[type] = (),
        activities: Iterable[Callable[..., Any]] = (),
        worker_id: str | None = None,
        build_id: str | None = None,
        poll_timeout: float = 35.0,
        max_concurrent_workflow_tasks: int = 10,
        max_concurrent_activity_tasks: int = 10,
        shutdown_timeout: float = 30.0,
        metrics: MetricsRecorder | None = None,
        workflow_cache_size: int = 1000,
        heartbeat_interval: float = 60.0,
    ) -> None:
        _check_options(task_queue, max_concurrent_workflow_tasks, max_concurrent_activity_tasks)
        if poll_timeout < 0 or shutdown_timeout < 0 or heartbeat_interval <= 0:
            raise ValueError("poll_timeout and shutdown_timeout must be >= 0, heartbeat_interval > 0")
        self.client = client
        self.task_queue = task_queue
        self.worker_id = worker_id or f"py-worker-{uuid.uuid4().hex[:8]}"
        self.build_id = build_id or None
        self.poll_timeout = poll_timeout
        self.max_concurrent_workflow_tasks = max_concurrent_workflow_tasks
        self.max_concurrent_activity_tasks = max_concurrent_activity_tasks
        self.shutdown_timeout = shutdown_timeout
        self.heartbeat_interval = heartbeat_interval
        self.metrics: MetricsRecorder = metrics if metrics is not None else client.metrics
        self.workflows = _index_workflows(workflows)
        self.activities = _index_activities(activities)
        self.cache = WorkflowCache(workflow_cache_size)
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=max_concurrent_activity_tasks, thread_name_prefix="durable-workflow-activity"
        )
        self._features = ServerFeatures(None, False, None)
        self._started = False
        self._stopping = asyncio.Event()
        self._stopped = asyncio.Event()
        self._loops: list[asyncio.Task[None]] = []
        self._inflight: set[asyncio.Task[None]] = set()
        self._background: asyncio.Task[None] | None = None
        self._fatal: Exception | None = None
        self._stop_task: asyncio.Task[None] | None = None
        self._workflow_runner, self._activity_runner = self._runners()

    def _runners(self) -> tuple[WorkflowTaskRunner, ActivityTaskRunner]:
        completions = Completions(self._post_once, self.client._transport.timeout)
        workflows = WorkflowTaskRunner(
            post=self._post,
            completions=completions,
            worker_id=self.worker_id,
            task_queue=self.task_queue,
            namespace=self.client.namespace,
            converter=self.client.converter,
            workflows=self.workflows,
            cache=self.cache,
            activity_types=frozenset(self.activities),
        )
        activities = ActivityTaskRunner(
            post=self._post,
            completions=completions,
            worker_id=self.worker_id,
            task_queue=self.task_queue,
            converter=self.client.converter,
            activities=self.activities,
            executor=self._executor,
        )
        return workflows, activities

    def __repr__(self) -> str:
        return f"durable_workflow.Worker(task_queue={self.task_queue!r}, worker_id={self.worker_id!r})"

    # ------------------------------------------------------------------ lifecycle

    async def run(self) -> None:
        """Check the server, register, and poll until `stop()` is called.

        Outages are ridden out (see the worker guide); a configuration error (`Unauthorized`,
        `Forbidden`, `NamespaceNotFound`, `ServerCompatibilityError`, another ``4xx`` at start-up)
        stops the worker and is raised from here.
        """
        await self._start()
        await self._serve()
        self._raise_fatal()

    def _raise_fatal(self) -> None:
        if self._fatal is not None:
            raise self._fatal

    async def run_until(self, *, workflow_id: str, timeout: float = 60.0, poll_interval: float = 0.2) -> None:
        """Run until the workflow ``workflow_id`` is in a terminal state, then stop.

        Raises `TimeoutError` (after stopping) if it is still open after ``timeout`` seconds; its
        message names the cause when the server can tell one (e.g. an activity type no worker
        on its queue registers).
        """
        await self._start()
        serving = asyncio.create_task(self._serve())
        watcher = asyncio.create_task(watch(self.client, workflow_id))
        try:
            await asyncio.wait_for(self._wait_terminal(workflow_id, poll_interval, serving), timeout)
            self._raise_fatal()
        except asyncio.TimeoutError:
            message = f"workflow {workflow_id!r} did not finish within {timeout} s"
            cause = await diagnose(self.client, workflow_id)
            raise TimeoutError(f"{message}: {cause}" if cause else message) from None
        finally:
            watcher.cancel()
            await self.stop()
            await serving

    async def stop(self) -> None:
        """Stop polling, let in-flight tasks finish within ``shutdown_timeout``, cancel the rest."""
        self._stopping.set()
        if not self._started:
            return
        for loop_task in self._loops:
            loop_task.cancel()
        await asyncio.gather(*self._loops, return_exceptions=True)
        pending = set(self._inflight)
        if pending:
            _, still = await asyncio.wait(pending, timeout=self.shutdown_timeout)
            for task in still:
                task.cancel()
            if still:
                await asyncio.gather(*still, return_exceptions=True)
                logger.warning("worker %s cancelled %d task(s) at shutdown", self.worker_id, len(still))
        self._executor.shutdown(wait=False, cancel_futures=True)
        self.cache.clear()
        await self._deregister()
        self._stopped.set()
        if self._background is not None and self._background is not asyncio.current_task():
            await asyncio.gather(self._background, return_exceptions=True)
        logger.info("worker %s stopped", self.worker_id)

    async def __aenter__(self) -> Worker:
        await self._start()
        self._background = asyncio.create_task(self._serve())
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def _start(self) -> None:
        if self._started:
            raise RuntimeError("this worker has already been started; create a new Worker")
        failures = 0
        while not self._stopping.is_set():
            try:
                info = await self.client._transport.request("GET", "/cluster/info", plane="control")
                self._features = check_cluster_info(info)
                await self.client.negotiate(info)
                await self._register()
                break
            except (ServerError, TransportError) as exc:
                if not _transient(exc):
                    raise
                failures += 1
                delay = min(10.0, 0.5 * 2 ** min(failures - 1, 5))
                logger.warning(
                    "worker %s cannot register at %s yet (%s); retrying in %.1f s",
                    self.worker_id,
                    self.client.base_url,
                    exc,
                    delay,
                )
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), delay)
        self._started = True

    async def _serve(self) -> None:
        loops: list[Coroutine[Any, Any, None]] = [self._heartbeat_loop()]
        if self.workflows:
            # A worker without workflows must not poll for workflow tasks: the server would hand
            # it any type (it registered none), and it could only fail them.
            loops.append(
                self._poll_loop("workflow", self.max_concurrent_workflow_tasks, self._workflow_runner.run)
            )
        if self.activities:
            loops.append(
                self._poll_loop("activity", self.max_concurrent_activity_tasks, self._activity_runner.run)
            )
        if self._features.query_tasks and self.workflows:
            loops.append(
                self._poll_loop("query", self.max_concurrent_workflow_tasks, self._workflow_runner.query)
            )
        self._loops = [asyncio.create_task(_logged(loop)) for loop in loops]
        if self._stopping.is_set():
            await self.stop()
        await self._stopped.wait()

    async def _wait_terminal(
        self, workflow_id: str, poll_interval: float, serving: asyncio.Task[None]
    ) -> None:
        while not serving.done():
            path = api_path("workflows", workflow_id)
            body = await self.client._transport.request("GET", path, plane="control")
            body = body or {}
            closed = str(body.get("status")) in TERMINAL_STATUSES
            if closed and body.get("closed_reason") != "continued":
                return
            await asyncio.sleep(poll_interval)

    # ------------------------------------------------------------------ registration and heartbeats

    async def _deregister(self) -> None:
        """Say goodbye to a current-generation server, so it hands our leases on at once."""
        generation = self.client._generation
        if generation is None or generation.name != "current":
            return
        path = api_path("worker", "registrations", self.worker_id)
        try:
            await self.client._transport.request("DELETE", path, plane="worker", retry=False)
        except Exception as exc:  # e.g. 404 worker_not_found: already gone
            logger.debug("worker %s deregistration: %r", self.worker_id, exc)

    async def _post(self, path: str, body: dict[str, Any], timeout: float | None = None) -> Any:
        return await self.client._transport.request("POST", path, plane="worker", json=body, timeout=timeout)

    async def _post_once(self, path: str, body: dict[str, Any], timeout: float) -> Any:
        transport = self.client._transport
        return await transport.request("POST", path, plane="worker", json=body, timeout=timeout, retry=False)

    def _registration(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "worker_id": self.worker_id,
            "task_queue": self.task_queue,
            "runtime": "python",
            "sdk_version": _sdk_version(),
            "supported_workflow_types": sorted(self.workflows),
            "supported_activity_types": sorted(self.activities),
            "workflow_definition_fingerprints": {
                name: definition_fingerprint(d) for name, d in sorted(self.workflows.items())
            },
        }
        if self._features.query_tasks:
            body["capabilities"] = ["query_tasks"]
        if self.build_id:
            body["build_id"] = self.build_id
        body["max_concurrent_workflow_tasks"] = self.max_concurrent_workflow_tasks
        body["max_concurrent_activity_tasks"] = self.max_concurrent_activity_tasks
        body["task_slots"] = self._task_slots()
        body["process_metrics"] = process_metrics()
        return body

    def _task_slots(self) -> dict[str, int]:
        busy = {"workflow": 0, "activity": 0}
        for task in self._inflight:
            kind = task.get_name().split(":", 1)[0]
            if kind in busy:
                busy[kind] += 1
        return {
            "workflow_available": max(0, self.max_concurrent_workflow_tasks - busy["workflow"]),
            "activity_available": max(0, self.max_concurrent_activity_tasks - busy["activity"]),
        }

    async def _register(self) -> None:
        answer = await self._post("/worker/register", self._registration())
        self._adopt_interval(answer)
        logger.info(
            "worker %s registered on %r: workflows=%s activities=%s",
            self.worker_id,
            self.task_queue,
            sorted(self.workflows),
            sorted(self.activities),
        )

    def _adopt_interval(self, answer: Any) -> None:
        if isinstance(answer, Mapping):
            interval = answer.get("heartbeat_interval_seconds")
            if isinstance(interval, (int, float)) and not isinstance(interval, bool) and interval > 0:
                self.heartbeat_interval = float(interval)

    async def _heartbeat_loop(self) -> None:
        while not self._stopping.is_set():
            await asyncio.sleep(self.heartbeat_interval)
            body = {
                "worker_id": self.worker_id,
                "task_slots": self._task_slots(),
                "process_metrics": process_metrics(),
            }
            try:
                self._adopt_interval(await self._post("/worker/heartbeat", body))
            except ServerError as exc:
                if not await self._reregister_if_forgotten(exc):
                    logger.warning("worker heartbeat failed: %s", exc)
            except Exception as exc:
                logger.warning("worker heartbeat failed: %r", exc)

    async def _reregister_if_forgotten(self, exc: ServerError) -> bool:
        """A restarted server may have lost our registration (404/412): register again."""
        if exc.reason in _NOT_REGISTERED or exc.status_code == 412:
            logger.warning("server forgot worker %s (%s); registering again", self.worker_id, exc.reason)
            try:
                await self._register()
            except Exception as error:
                logger.warning("re-registration failed: %r", error)
            return True
        return False

    # ------------------------------------------------------------------ polling

    async def _poll_loop(
        self, kind: str, limit: int, handler: Callable[[Mapping[str, Any]], Awaitable[str]]
    ) -> None:
        slots = asyncio.Semaphore(limit)
        failures = 0
        while not self._stopping.is_set():
            await slots.acquire()
            try:
                task = await self._poll(kind)
            except Exception as exc:
                slots.release()
                failures += 1
                await self._after_poll_error(kind, exc, failures)
                continue
            failures = 0
            if task is None:
                slots.release()
                continue
            running = asyncio.create_task(
                self._execute(kind, task, handler, slots), name=f"{kind}:{id(task)}"
            )
            self._inflight.add(running)
            running.add_done_callback(self._inflight.discard)

    async def _after_poll_error(self, kind: str, exc: Exception, failures: int) -> None:
        if isinstance(exc, ServerError) and await self._reregister_if_forgotten(exc):
            return
        if isinstance(exc, (Unauthorized, Forbidden, NamespaceNotFound)) and self._fatal is None:
            # Retrying cannot fix a revoked token or a deleted namespace: stop and say so.
            logger.error("worker %s stops: %s poll refused: %s", self.worker_id, kind, exc)
            self._fatal = exc
            self._stop_task = asyncio.create_task(self.stop())
            return
        # Short enough that a restarted server gets its work back within seconds; the log says
        # so on the first failures and then every ~30 s, not on every retry.
        delay = min(_MAX_POLL_BACKOFF, 0.25 * 2 ** min(failures - 1, 5))
        level = logging.WARNING if failures <= 2 or failures % 15 == 0 else logging.DEBUG
        logger.log(level, "%s poll failed %d time(s) (%s); retrying in %.1f s", kind, failures, exc, delay)
        await asyncio.sleep(delay)

    async def _poll(self, kind: str) -> Mapping[str, Any] | None:
        wait = self.poll_timeout
        if self._features.long_poll_timeout:
            wait = max(wait, self._features.long_poll_timeout)
        body: dict[str, Any] = {
            "worker_id": self.worker_id,
            "task_queue": self.task_queue,
            "poll_request_id": f"{_POLL_PREFIX[kind]}-{uuid.uuid4().hex}",
            "timeout_seconds": min(math.ceil(self.poll_timeout), 60) if self.poll_timeout >= 1 else 0,
        }
        if self.build_id:
            body["build_id"] = self.build_id
        tags = {"task_kind": kind, "task_queue": self.task_queue, "outcome": "error"}
        started = time.perf_counter()
        try:
            answer = await self._post(_POLL_PATHS[kind], body, timeout=_http_timeout(wait))
            task = answer.get("task") if isinstance(answer, Mapping) else None
            task = task if isinstance(task, Mapping) else None
            id_field = "query_task_id" if kind == "query" else "task_id"
            if task is not None and not (isinstance(task.get(id_field), str) and task[id_field]):
                logger.warning("%s poll answered a task without a %s; ignored: %.500r", kind, id_field, task)
                task = None
            tags["outcome"] = "task" if task is not None else "empty"
            return task
        except RequestTimeout:
            tags["outcome"] = "empty"
            return None
        finally:
            self.metrics.increment(WORKER_POLLS, 1.0, tags)
            self.metrics.record(WORKER_POLL_DURATION, time.perf_counter() - started, tags)

    async def _execute(
        self,
        kind: str,
        task: Mapping[str, Any],
        handler: Callable[[Mapping[str, Any]], Awaitable[str]],
        slots: asyncio.Semaphore,
    ) -> None:
        tags = {"task_kind": kind, "task_queue": self.task_queue, "outcome": "error"}
        started = time.perf_counter()
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s task received: %.2000s", kind, json.dumps(task, default=str))
        try:
            tags["outcome"] = await handler(task)
        except asyncio.CancelledError:
            tags["outcome"] = "cancelled"
            raise
        except Exception:
            logger.exception("unexpected error while running a %s task", kind)
        finally:
            slots.release()
            self.metrics.increment(WORKER_TASKS, 1.0, tags)
            self.metrics.record(WORKER_TASK_DURATION, time.perf_counter() - started, tags)


async def _logged(loop: Coroutine[Any, Any, None]) -> None:
    """Run a worker loop; a crash is logged instead of vanishing with its task."""
    try:
        await loop
    except asyncio.CancelledError:
        raise
    except Exception:
        logger.exception("a worker loop crashed")


def _transient(exc: Exception) -> bool:
    """An outage (retry) rather than a configuration error (bad token, namespace, protocol)."""
    if isinstance(exc, (TransportError, InvalidResponse)):
        return True
    return isinstance(exc, ServerError) and (exc.status_code >= 500 or exc.status_code in (408, 429))


def _check_options(task_queue: str, *limits: int) -> None:
    if not isinstance(task_queue, str) or not task_queue.strip():
        raise ValueError("task_queue must be a non-empty string")
    names = ("max_concurrent_workflow_tasks", "max_concurrent_activity_tasks")
    for name, value in zip(names, limits, strict=True):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an int >= 1, got {value!r}")


def _http_timeout(poll_seconds: float) -> float:
    from durable_workflow.client._transport import poll_http_timeout

    return poll_http_timeout(poll_seconds)


def _index_workflows(workflows: Iterable[type]) -> dict[str, WorkflowDefinition]:
    out: dict[str, WorkflowDefinition] = {}
    for cls in workflows:
        if is_stub(cls):
            raise TypeError(f"{cls.__qualname__} is a generated client stub; register the real workflow")
        definition = get_workflow_definition(cls)
        if definition.name in out and out[definition.name].cls is not cls:
            raise ValueError(f"two workflow classes are registered as {definition.name!r}")
        out[definition.name] = definition
    return out


def _index_activities(activities: Iterable[Callable[..., Any]]) -> dict[str, ActivityDefinition]:
    out: dict[str, ActivityDefinition] = {}
    for fn in activities:
        definition = get_activity_definition(fn)
        if definition.name in out and out[definition.name].fn is not fn:
            raise ValueError(f"two activities are registered as {definition.name!r}")
        out[definition.name] = definition
    return out

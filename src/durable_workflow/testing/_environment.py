"""`WorkflowEnvironment`: the embedded dev server, a client and workers in one process."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from types import TracebackType
from typing import Any, Literal

from durable_workflow.client import Client
from durable_workflow.server import DevServer, FakeClock
from durable_workflow.testing._client import EnvironmentClient
from durable_workflow.testing._clock import TimeSkipper
from durable_workflow.testing._mocks import activity_list
from durable_workflow.worker import Worker

__all__ = ["WorkflowEnvironment"]

#: Workers never go stale in a test: hours of skipped time pass between two of their heartbeats.
_NEVER_STALE = 100 * 365 * 86400.0
_DEFAULT_START = datetime(2026, 1, 1, tzinfo=timezone.utc)

Activities = Iterable[Callable[..., Any]] | Mapping[str, Any]


class WorkflowEnvironment:
    """Runs workflows in-process: the dev server engine, a real client and real workers.

    With ``time_skipping=True`` (the default) the server runs on a fake clock. While a test awaits
    ``handle.result()`` (or ``stub.execute()``) and every worker is idle, the clock jumps to the
    next timer, retry or timeout, so a 30-day sleep takes milliseconds. `sleep` moves time on
    explicitly. With ``time_skipping=False`` the server uses the real clock.

    Workflows started through `client` get no execution or run timeout unless the call gives one
    (the `Client` defaults, 3600 s and 600 s, would end any long sleep).

    ```python
    async with WorkflowEnvironment.start_time_skipping() as env:
        async with env.worker(task_queue="q", workflows=[MyWorkflow], activities=[my_activity]):
            result = await env.client.workflow(MyWorkflow, workflow_id="w1", task_queue="q").execute()
    ```

    Args:
        time_skipping: run on a fake, skippable clock.
        start_time: the fake clock's start (default 2026-01-01T00:00:00Z).
        namespace: the client's namespace.
        payload_encoding: the client's payload encoding (``"auto"``, ``"wrapper"`` or ``"value-v1"``).
        settle_timeout: wall seconds `sleep` waits for workflow tasks to finish between steps.
        server_options: extra `DevServer` keyword arguments (lease durations, ...).
    """

    __module__ = "durable_workflow.testing"

    def __init__(
        self,
        *,
        time_skipping: bool = True,
        start_time: datetime | None = None,
        namespace: str = "default",
        payload_encoding: Literal["auto", "wrapper", "value-v1"] = "auto",
        settle_timeout: float = 5.0,
        server_options: Mapping[str, Any] | None = None,
    ) -> None:
        self.time_skipping = time_skipping
        self.settle_timeout = settle_timeout
        options: dict[str, Any] = {"worker_stale_after_seconds": _NEVER_STALE, **(server_options or {})}
        if time_skipping:
            options["clock"] = FakeClock((start_time or _DEFAULT_START).timestamp())
        self.server = DevServer(serve_http=False, **options)
        """The embedded dev server (in-process, no HTTP listener)."""
        self._skipper = TimeSkipper(self.server)
        client_options: dict[str, Any] = {
            "namespace": namespace,
            "payload_encoding": payload_encoding,
            "transport": self.server.asgi_transport(),
        }
        self.client: Client = EnvironmentClient(self._skipper, self.server.base_url, **client_options)
        """A client connected to the environment's server (workflows get no default timeouts)."""
        self._workers: list[Worker] = []
        self._started = False

    @classmethod
    def start_time_skipping(cls, **options: Any) -> WorkflowEnvironment:
        """An environment on a skippable fake clock (use it with ``async with``)."""
        return cls(time_skipping=True, **options)

    @classmethod
    def start_local(cls, **options: Any) -> WorkflowEnvironment:
        """An environment on the real clock (use it with ``async with``)."""
        return cls(time_skipping=False, **options)

    def __repr__(self) -> str:
        return f"durable_workflow.testing.WorkflowEnvironment(time_skipping={self.time_skipping})"

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Start the server (and the time skipper); `async with` calls this."""
        if self._started:
            raise RuntimeError("this environment has already been started")
        await self.server.start()
        if self.time_skipping:
            self._skipper.start()
        self._started = True

    async def shutdown(self) -> None:
        """Stop every worker made by `worker`, the time skipper, the client and the server."""
        if not self._started:
            return
        self._started = False
        workers, self._workers = self._workers, []
        for worker in workers:
            await worker.stop()
        await self._skipper.stop()
        await self.client.aclose()
        await self.server.stop()

    async def __aenter__(self) -> WorkflowEnvironment:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.shutdown()

    # ------------------------------------------------------------------ workers

    def worker(
        self,
        *,
        task_queue: str,
        workflows: Iterable[type] = (),
        activities: Activities = (),
        **options: Any,
    ) -> Worker:
        """A `Worker` on this environment's client; run it with ``async with``.

        ``activities`` takes ``@activity.defn`` functions (real ones or `mock_activity` stand-ins)
        or a mapping of activity name to a replacement function or fixed result. Other keyword
        arguments go to `Worker` (defaults here: ``poll_timeout=1``, ``shutdown_timeout=2``).
        """
        options = {"poll_timeout": 1.0, "shutdown_timeout": 2.0, **options}
        worker = Worker(
            self.client,
            task_queue=task_queue,
            workflows=workflows,
            activities=activity_list(activities),
            **options,
        )
        self._workers.append(worker)
        return worker

    # ------------------------------------------------------------------ time

    def now(self) -> datetime:
        """The server's current time (UTC)."""
        return datetime.fromtimestamp(self.server.clock.now(), tz=timezone.utc)

    async def sleep(self, seconds: float) -> None:
        """Let ``seconds`` of server time pass.

        Time skipping: the clock stops at every timer, retry and timeout on the way and lets the
        workers react before moving on, then returns at once. Real clock: `asyncio.sleep`.
        """
        if not self.time_skipping:
            await asyncio.sleep(seconds)
            return
        await self._skipper.sleep(seconds, settle_timeout=self.settle_timeout)

    async def advance(self, seconds: float) -> None:
        """Jump the fake clock by ``seconds`` in one step (no pause at the items on the way)."""
        self._require_skipping("advance")
        await self._skipper.advance(seconds)

    def auto_time_skipping(self) -> contextlib.AbstractContextManager[None]:
        """A ``with`` block during which time skips automatically whenever the workers are idle.

        `WorkflowHandle.result` enables it by itself; use this around other waits, such as
        ``Worker.run_until``.
        """
        self._require_skipping("auto_time_skipping")
        return self._skipper.unlocked()

    async def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until no workflow task, query or activity is ready or running (False on timeout)."""
        return await self._skipper.settle(timeout, running_activities=True)

    def _require_skipping(self, what: str) -> None:
        if not self.time_skipping:
            raise RuntimeError(f"{what}() needs a time-skipping environment")

"""`DevServer`: storage + engine + ASGI app (+ uvicorn), as an async context manager."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import tempfile
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Sequence
from typing import Any, Literal

import httpx

from durable_workflow.server._app import RouteGroup, build_app
from durable_workflow.server._auth import Auth
from durable_workflow.server._clock import Clock, FakeClock, SystemClock
from durable_workflow.server._engine import Engine, EngineConfig
from durable_workflow.server._http import ServerState
from durable_workflow.server._schedules import schedule_loop, service_for  # schedules feature
from durable_workflow.server._storage import Durability, Storage

__all__ = ["DEFAULT_BACKGROUND_LOOPS", "BackgroundLoop", "DevServer", "dev_server"]

log = logging.getLogger("durable_workflow.server")

BackgroundLoop = Callable[[Engine, asyncio.Event], Coroutine[Any, Any, None]]
"""A coroutine run for the server's lifetime; it must return soon after the event is set."""

DEFAULT_BACKGROUND_LOOPS: list[BackgroundLoop] = [
    schedule_loop,  # fires schedules (server/_schedules)
]
"""Loops every server runs besides the engine's due loop (features such as schedules add theirs)."""


class DevServer:
    """The embedded Durable Workflow dev server.

    `db_path=None` uses a temporary SQLite file removed on exit. `serve_http=False` skips uvicorn:
    reach the app through `asgi_transport()` (background loops still run). The lease and timeout
    knobs exist so tests can use short durations. `durability="full"` makes every acknowledged
    request survive power loss too (an fsync per commit); the default survives a killed process.
    Only one server may use a database file at a time: a second one raises `DatabaseInUse`.
    ``wire_generation="seed"`` pins the server to the seed generation (worker protocol 1.0/1.1,
    Avro generic wrapper); the default serves both.
    """

    def __init__(
        self,
        db_path: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        serve_http: bool = True,
        auth_driver: str = "none",
        token: str | None = None,
        admin_token: str | None = None,
        operator_token: str | None = None,
        worker_token: str | None = None,
        clock: Clock | None = None,
        max_body_bytes: int = 2 * 1024 * 1024,
        long_poll_timeout: float = 30.0,
        *,
        workflow_task_lease_seconds: float = 300.0,
        activity_lease_seconds: float = 300.0,
        query_task_lease_seconds: float = 60.0,
        query_timeout_seconds: float | None = None,
        worker_stale_after_seconds: float = 60.0,
        workflow_task_retry_base_seconds: float = 3.0,
        wire_generation: Literal["current", "seed"] = "current",
        extra_route_groups: Sequence[RouteGroup] = (),
        background_loops: Sequence[BackgroundLoop] = (),
        durability: Durability = "normal",
    ) -> None:
        self.auth = Auth(auth_driver, token, admin_token, operator_token, worker_token)
        self.config = EngineConfig(
            long_poll_timeout=long_poll_timeout,
            workflow_task_lease_seconds=workflow_task_lease_seconds,
            activity_lease_seconds=activity_lease_seconds,
            query_task_lease_seconds=query_task_lease_seconds,
            query_timeout_seconds=query_timeout_seconds,
            worker_stale_after_seconds=worker_stale_after_seconds,
            workflow_task_retry_base_seconds=workflow_task_retry_base_seconds,
            wire_generation=_generation(wire_generation),
        )
        self.clock: Clock = clock or SystemClock()
        self.host, self.port, self.serve_http = host, port, serve_http
        self.max_body_bytes = max_body_bytes
        self._temp_dir: str | None = None
        self.db_path = db_path or ""
        """The SQLite file (for a temporary database: set when the server starts)."""
        self.storage = Storage(self.db_path, durability=durability)
        self.engine = Engine(self.storage, self.clock, self.config)
        self.app = build_app(ServerState(self.engine, self.auth, max_body_bytes), extra_route_groups)
        self._loops: list[BackgroundLoop] = [
            lambda engine, stop: engine.due_loop(stop),
            *DEFAULT_BACKGROUND_LOOPS,
            *background_loops,
        ]
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._uvicorn: Any = None
        self._serve_task: asyncio.Task[None] | None = None

    @property
    def base_url(self) -> str:
        """The server root (without ``/api``)."""
        return f"http://{self.host}:{self.port}"

    def asgi_transport(self) -> httpx.AsyncBaseTransport:
        """An httpx transport into the same app, for in-process clients."""
        return httpx.ASGITransport(app=self.app)

    async def advance(self, seconds: float) -> None:
        """Advance a `FakeClock` and let the engine process everything that became due."""
        if not isinstance(self.clock, FakeClock):
            raise TypeError("advance() needs the server to run on a FakeClock")
        self.clock.advance(seconds)
        async with self.engine.op(internal=True):
            self.engine.process_due(self.clock.now())
        await service_for(self.engine).tick()  # schedules: fire what became due

    def next_due_at(self) -> float | None:
        """Epoch time of the next timer, retry, lease expiry or timeout (None if nothing is pending)."""
        return self.engine.next_due(self.clock.now())

    async def __aenter__(self) -> DevServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        if not self.db_path:
            self._temp_dir = tempfile.mkdtemp(prefix="dw-dev-")
            self.db_path = self.storage.path = os.path.join(self._temp_dir, "dev.sqlite")
        self.storage.open()
        try:
            self.engine.load()
        except BaseException:
            self.storage.close()
            raise
        async with self.engine.op():
            self.engine.directory.ensure_namespace(self.config.default_namespace)
        self._stop.clear()
        self._tasks = [asyncio.create_task(loop(self.engine, self._stop)) for loop in self._loops]
        if self.serve_http:
            await self._start_uvicorn()
        log.debug("durable-workflow dev server ready on %s (db %s)", self.base_url, self.db_path)

    async def _start_uvicorn(self) -> None:
        import uvicorn

        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # proto must say TCP: asyncio only disables Nagle (TCP_NODELAY) on sockets that declare it,
        # and without that every response body waits ~40 ms for the client's delayed ACK.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=1
        )
        self._uvicorn = _QuietServer(config)
        self._serve_task = asyncio.create_task(self._uvicorn.serve(sockets=[sock]))
        while not self._uvicorn.started:
            if self._serve_task.done():
                self._serve_task.result()
                raise RuntimeError("the dev server's HTTP listener stopped during start-up")
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self._stop.set()
        self.engine.kick()
        self.engine.close_waiters()
        if self._uvicorn is not None and self._serve_task is not None:
            self._uvicorn.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await self._serve_task
            self._uvicorn = self._serve_task = None
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        self.storage.close()
        if self._temp_dir is not None:
            for name in os.listdir(self._temp_dir):
                os.remove(os.path.join(self._temp_dir, name))
            os.rmdir(self._temp_dir)
            self._temp_dir = None
            self.db_path = self.storage.path = ""


def _quiet_server_class() -> Any:
    import uvicorn

    class QuietServer(uvicorn.Server):
        """Leaves signal handling to the host process (the CLI or the test runner)."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

        def install_signal_handlers(self) -> None:
            pass

    return QuietServer


def _QuietServer(config: Any) -> Any:
    return _quiet_server_class()(config)


@contextlib.asynccontextmanager
async def dev_server(**kwargs: Any) -> AsyncIterator[str]:
    """Run a `DevServer` (same keyword arguments) and yield its base URL."""
    async with DevServer(**kwargs) as server:
        yield server.base_url


def _generation(value: str) -> str:
    if value not in ("current", "seed"):
        raise ValueError(f"wire_generation must be 'current' or 'seed', not {value!r}")
    return value

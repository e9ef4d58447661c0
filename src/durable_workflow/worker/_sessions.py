"""`WorkerSession`: a worker session this worker holds explicitly (create, renew, close)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from durable_workflow._worker_session import WorkerSessionOptions
from durable_workflow.errors import ServerCompatibilityError

__all__ = ["WorkerSession"]

Request = Callable[[str, str, dict[str, Any]], Awaitable[Any]]


class WorkerSession:
    """A session held by one worker; get it from `Worker.session`.

    ``create()`` takes the session (outcome ``created``, ``reused``, or ``reacquired`` after the
    previous holder was lost: rebuild any local state then). While another worker holds it,
    ``create()`` raises `WorkerSessionRefused` with reason ``session_owned_by_another_worker``.
    ``renew()`` extends the lease (in-session activity heartbeats renew it too); ``close()`` ends
    the session for good. The worker closes the sessions it holds when it stops.
    """

    __module__ = "durable_workflow"

    def __init__(
        self, request: Request, worker_id: str, options: WorkerSessionOptions, supported: bool
    ) -> None:
        self._request = request
        self.worker_id = worker_id
        self.options = options
        self._supported = supported
        self._active = False
        self._lock = asyncio.Lock()
        #: The last session snapshot the server sent (status, holder, lease and TTL expiry, ...).
        self.snapshot: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"durable_workflow.WorkerSession({self.options.session_id!r}, active={self._active})"

    @property
    def active(self) -> bool:
        return self._active

    def _check(self) -> None:
        if not self._supported:
            raise ServerCompatibilityError(
                "worker sessions need a server that advertises them (worker protocol 1.20); "
                "this server does not"
            )

    async def _send(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = await self._request(method, path, {"worker_id": self.worker_id, **body})
        answer = answer if isinstance(answer, dict) else {}
        session = answer.get("session")
        if isinstance(session, dict):
            self.snapshot = session
        return answer

    async def create(self) -> str:
        """Take (or keep) the session; returns the outcome: created, reused or reacquired."""
        self._check()
        async with self._lock:
            answer = await self._send("POST", "/worker/sessions", self.options.to_wire())
            self._active = True
            return str(answer.get("outcome") or "created")

    async def renew(self, lease_seconds: int | None = None) -> None:
        """Extend the lease by ``lease_seconds`` (default: the options' lease)."""
        self._check()
        if lease_seconds is not None and lease_seconds < 1:
            raise ValueError("lease_seconds must be positive")
        async with self._lock:
            if not self._active:
                raise RuntimeError("create() the worker session before renewing it")
            path = f"/worker/sessions/{quote(self.options.session_id, safe='')}/heartbeat"
            await self._send("POST", path, {"lease_seconds": lease_seconds or self.options.lease_seconds})

    async def close(self, reason: str = "worker_shutdown") -> None:
        """End the session (idempotent)."""
        self._check()
        async with self._lock:
            path = f"/worker/sessions/{quote(self.options.session_id, safe='')}"
            await self._send("DELETE", path, {"reason": reason})
            self._active = False

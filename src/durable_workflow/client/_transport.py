"""HTTP transport shared by the client and the worker: headers, retries, error mapping, metrics."""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from durable_workflow import errors
from durable_workflow.client._errors import error_for_response
from durable_workflow.client._routes import route_template
from durable_workflow.metrics import CLIENT_REQUEST_DURATION, CLIENT_REQUESTS, MetricsRecorder

Plane = Literal["control", "worker"]

CONTROL_PLANE_VERSION = "2"
WORKER_PROTOCOL_VERSION = "1.1"


@dataclass(frozen=True)
class TransportRetryPolicy:
    """How transport faults are retried.

    Connection errors, timeouts, 5xx and 429 answers are retried; other 4xx answers are not.
    The backoff before retry ``n`` (0-based) is ``min(initial * 2**n, maximum)`` with ``±jitter``.
    """

    __module__ = "durable_workflow"

    max_attempts: int = 3
    initial_backoff_seconds: float = 0.1
    maximum_backoff_seconds: float = 5.0
    jitter: float = 0.25

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    def backoff(self, retry: int) -> float:
        base = min(self.initial_backoff_seconds * (2**retry), self.maximum_backoff_seconds)
        return float(base * random.uniform(1 - self.jitter, 1 + self.jitter))


def _retryable_status(status: int) -> bool:
    return status >= 500 or status == 429


def poll_http_timeout(poll_seconds: float) -> float:
    """The HTTP timeout for a long poll that asks the server to wait `poll_seconds`."""
    if poll_seconds < 1:
        return max(poll_seconds, 1.0)
    return max(poll_seconds, min(math.ceil(poll_seconds), 60) + 5)


class Transport:
    """Sends JSON requests to ``{base_url}/api{path}`` with per-plane auth and version headers."""

    def __init__(
        self,
        base_url: str,
        *,
        namespace: str,
        control_token: str | None,
        worker_token: str | None,
        timeout: float,
        metrics: MetricsRecorder,
        retry_policy: TransportRetryPolicy,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.namespace = namespace
        self.timeout = timeout
        self.metrics = metrics
        self.retry_policy = retry_policy
        #: The worker protocol version sent on worker-plane calls; negotiation may raise it.
        self.worker_protocol_version = WORKER_PROTOCOL_VERSION
        self._tokens: dict[Plane, str | None] = {"control": control_token, "worker": worker_token}
        self._http = httpx.AsyncClient(base_url=self.base_url + "/api", timeout=timeout, transport=transport)

    async def aclose(self) -> None:
        await self._http.aclose()

    @property
    def closed(self) -> bool:
        return self._http.is_closed

    def headers(self, plane: Plane) -> dict[str, str]:
        headers = {
            "Accept": "application/json",
            "Content-Type": "application/json",
            "X-Namespace": self.namespace,
        }
        if plane == "control":
            headers["X-Durable-Workflow-Control-Plane-Version"] = CONTROL_PLANE_VERSION
        else:
            headers["X-Durable-Workflow-Protocol-Version"] = self.worker_protocol_version
        token = self._tokens[plane]
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    async def request(
        self,
        method: str,
        path: str,
        *,
        plane: Plane,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        timeout: float | None = None,
        retry: bool = True,
    ) -> Any:
        """Send one logical request, retrying transport faults; return the parsed JSON body.

        Raises:
            ServerError: (or a subclass) for an error answer, after retries. ``.attempts`` tells
                how many attempts were made, so callers can tell an ambiguous retry.
            TransportError: when the server could not be reached at all.
        """
        attempts = self.retry_policy.max_attempts if retry else 1
        query = {k: v for k, v in (params or {}).items() if v is not None}
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = await self._send_once(method, path, plane, json, query, timeout)
            except httpx.TransportError as exc:
                if last:
                    raise errors.TransportError(
                        f"{method} {path}: {exc!r}", request=_request_of(exc)
                    ) from exc
            else:
                if response.status_code < 400:
                    return _parse_body(response)
                if last or not _retryable_status(response.status_code):
                    error = error_for_response(response)
                    error.attempts = attempt + 1
                    raise error
            await asyncio.sleep(self.retry_policy.backoff(attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    async def _send_once(
        self,
        method: str,
        path: str,
        plane: Plane,
        body: Any,
        params: Mapping[str, Any],
        timeout: float | None,
    ) -> httpx.Response:
        tags = {"method": method.upper(), "route": route_template(path), "plane": plane}
        started = time.perf_counter()
        status, outcome = "none", "ok"
        try:
            response = await self._http.request(
                method.upper(),
                path,
                json=body,
                params=params or None,
                headers=self.headers(plane),
                timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )
            status = str(response.status_code)
            outcome = "ok" if response.status_code < 400 else "http_error"
            await response.aread()
            return response
        except Exception as exc:
            outcome = type(exc).__name__
            raise
        finally:
            tags.update(status_code=status, outcome=outcome)
            self.metrics.increment(CLIENT_REQUESTS, 1.0, tags)
            self.metrics.record(CLIENT_REQUEST_DURATION, time.perf_counter() - started, tags)


def _request_of(exc: httpx.TransportError) -> httpx.Request | None:
    try:
        return exc.request
    except RuntimeError:
        return None


def _parse_body(response: httpx.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError as exc:
        raise errors.ServerError(
            f"server answered {response.status_code} with a body that is not JSON",
            status_code=response.status_code,
            reason="invalid_json_response",
            body=response.text[:500],
            response=response,
        ) from exc

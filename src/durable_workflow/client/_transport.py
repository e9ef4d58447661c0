"""HTTP transport shared by the client and the worker: headers, retries, deadlines, error mapping, metrics.

All limits live here, above the `httpx` transport, so they hold for any transport underneath
(the default connection pool, `httpx.ASGITransport`, or one a user supplies): each call has one
overall deadline covering connect, headers, body and retries; answers are read as a stream and
cut off at ``max_response_bytes``; ``Retry-After`` on 429/503 is honoured within the deadline;
a redirect is an error (the API never redirects, and following one could leak the token).
"""

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
from durable_workflow.client._aiohttp_transport import default_transport
from durable_workflow.client._answers import Answer, invalid, parse_object, retry_after_seconds
from durable_workflow.client._errors import error_for_answer
from durable_workflow.client._routes import route_template
from durable_workflow.metrics import CLIENT_REQUEST_DURATION, CLIENT_REQUESTS, MetricsRecorder

Plane = Literal["control", "worker"]

CONTROL_PLANE_VERSION = "2"
WORKER_PROTOCOL_VERSION = "1.1"
#: Default cap on one answer's (decoded) size.
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
_START_DEV_HINT = "Is a server running there? Start a local one with `durable-workflow server start-dev`."


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
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        if timeout <= 0 or max_response_bytes <= 0:
            raise ValueError("timeout and max_response_bytes must be positive")
        self.base_url = base_url.rstrip("/")
        self.namespace = namespace
        self.timeout = timeout
        self.metrics = metrics
        self.retry_policy = retry_policy
        #: The worker protocol version sent on worker-plane calls; negotiation may raise it.
        self.worker_protocol_version = WORKER_PROTOCOL_VERSION
        self.max_response_bytes = max_response_bytes
        self._tokens: dict[Plane, str | None] = {"control": control_token, "worker": worker_token}
        self._api = self.base_url + "/api"
        # Requests are built here and handed straight to the pool: httpx's client-level work
        # (merging URLs and headers, cookies, auth and redirect hooks) cost as much CPU as
        # the pool itself, and none of it applies. Without a pool of our own (no aiohttp, or
        # proxies from the environment) requests go through the client, which handles those.
        self._pool = transport if transport is not None else default_transport()
        self._http = httpx.AsyncClient(base_url=self._api, timeout=timeout, transport=self._pool)
        self._plane_headers: dict[Plane, tuple[str | None, httpx.Headers]] = {}

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
        subject: str | None = None,
    ) -> dict[str, Any] | None:
        """Send one logical request, retrying transport faults; return the JSON object answered.

        ``timeout`` (default: the client's) is the deadline for the whole call, retries and
        ``Retry-After`` waits included. ``subject`` (e.g. ``"workflow 'a'"``) names what a 404 is about.

        Raises:
            ServerError: (or a subclass) for an error answer, after retries. ``.attempts`` tells
                how many attempts were made, so callers can tell an ambiguous retry.
            InvalidResponse: the answer was a redirect, too large, not JSON or not an object.
            RequestTimeout: no complete answer before the deadline.
            TransportError: the server could not be reached at all.
        """
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        attempts = self.retry_policy.max_attempts if retry else 1
        query = {k: v for k, v in (params or {}).items() if v is not None}
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                answer = await self._send_once(method, path, plane, json, query, deadline)
            except httpx.TransportError as exc:
                failure: Exception = self._unreachable(method, path, exc)
                failure.__cause__ = exc
                delay = self.retry_policy.backoff(attempt)
            else:
                if answer.status < 300:
                    return parse_object(answer)
                failure = self._refusal(answer, method, path, subject)
                failure.attempts = attempt + 1
                if not _retryable_status(answer.status):
                    raise failure
                delay = self._retry_delay(answer, attempt, deadline, failure)
            if last or delay >= deadline - time.monotonic():
                raise failure
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _refusal(self, answer: Answer, method: str, path: str, subject: str | None) -> errors.ServerError:
        if answer.status < 400:
            location = answer.headers.get("location", "")
            return invalid(
                answer,
                "unexpected_redirect",
                f"{method} {path}: the server answered {answer.status} (redirect to {location!r}); "
                f"the API never redirects, so {self.base_url} is probably not a Durable Workflow server "
                "(or a proxy in front of it rewrites requests)",
            )
        return error_for_answer(answer, subject)

    def _retry_delay(self, answer: Answer, attempt: int, deadline: float, error: errors.ServerError) -> float:
        delay = self.retry_policy.backoff(attempt)
        wait = retry_after_seconds(answer.headers) if answer.status in (429, 503) else None
        if wait is None:
            return delay
        if wait >= deadline - time.monotonic():
            error.args = (
                f"{error.args[0]} (the server asked to retry after {wait:.1f} s, past the deadline)",
            )
        return max(delay, wait)

    def _unreachable(self, method: str, path: str, exc: httpx.TransportError) -> errors.TransportError:
        where = f"{method} {path} at {self.base_url}"
        if isinstance(exc, httpx.TimeoutException):
            return errors.RequestTimeout(f"{where}: no answer in time ({exc!r})", request=_request_of(exc))
        if isinstance(exc, httpx.ConnectError):
            message = f"cannot connect to the Durable Workflow server at {self.base_url} ({where}: {exc!r}). "
            return errors.TransportError(message + _START_DEV_HINT, request=_request_of(exc))
        return errors.TransportError(f"{where} failed: {exc!r}", request=_request_of(exc))

    async def _send_once(
        self,
        method: str,
        path: str,
        plane: Plane,
        body: Any,
        params: Mapping[str, Any],
        deadline: float,
    ) -> Answer:
        tags = {"method": method.upper(), "route": route_template(path), "plane": plane}
        started = time.perf_counter()
        status, outcome = "none", "ok"
        remaining = deadline - time.monotonic()
        try:
            if remaining <= 0:
                raise httpx.ReadTimeout("the call's deadline passed before this attempt")
            try:
                answer = await asyncio.wait_for(
                    self._exchange(method, path, plane, body, params, remaining), remaining
                )
            except asyncio.TimeoutError:
                raise httpx.ReadTimeout(f"no complete answer within {remaining:.1f} s") from None
            status = str(answer.status)
            outcome = "ok" if answer.status < 400 else "http_error"
            return answer
        except Exception as exc:
            outcome = type(exc).__name__
            raise
        finally:
            tags.update(status_code=status, outcome=outcome)
            self.metrics.increment(CLIENT_REQUESTS, 1.0, tags)
            self.metrics.record(CLIENT_REQUEST_DURATION, time.perf_counter() - started, tags)

    async def _exchange(
        self, method: str, path: str, plane: Plane, body: Any, params: Mapping[str, Any], timeout: float
    ) -> Answer:
        """One request, its answer read as a stream and cut off at the size cap."""
        request = httpx.Request(
            method.upper(),
            self._api + path,
            params=params or None,
            json=body,
            headers=self._headers_for(plane),
            extensions={"timeout": httpx.Timeout(timeout).as_dict()},
        )
        response = await self._send(request)
        try:
            cap = self.max_response_bytes
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > cap:
                raise self._too_large(response, f"declares {declared} bytes")
            chunks: list[bytes] = []
            size = 0
            try:
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > cap:
                        raise self._too_large(response, f"exceeds {cap} bytes")
                    chunks.append(chunk)
            except httpx.DecodingError as exc:
                raise invalid(
                    None,
                    "invalid_content_encoding",
                    f"the server's HTTP {response.status_code} answer cannot be decoded "
                    f"(content-encoding {response.headers.get('content-encoding')!r}): {exc}",
                    status=response.status_code,
                ) from None
            return Answer(response.status_code, response.headers, b"".join(chunks), response.request)
        finally:
            await response.aclose()

    def _headers_for(self, plane: Plane) -> httpx.Headers:
        """The plane's headers with httpx's defaults, built again only when its token changes."""
        token = self._tokens[plane]
        cached = self._plane_headers.get(plane)
        if cached is None or cached[0] != token:
            cached = self._plane_headers[plane] = (
                token,
                httpx.Headers({**self._http.headers, **self.headers(plane)}),
            )
        return cached[1]

    async def _send(self, request: httpx.Request) -> httpx.Response:
        if self._pool is None:
            return await self._http.send(request, stream=True)
        if self._http.is_closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        response = await self._pool.handle_async_request(request)
        response.request = request
        return response

    def _too_large(self, response: httpx.Response, what: str) -> errors.InvalidResponse:
        return invalid(
            None,
            "response_too_large",
            f"the server's HTTP {response.status_code} answer {what}; the client's max_response_bytes "
            f"is {self.max_response_bytes}",
            status=response.status_code,
        )


def _request_of(exc: httpx.TransportError) -> httpx.Request | None:
    try:
        return exc.request
    except RuntimeError:
        return None

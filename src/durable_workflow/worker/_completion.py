"""Delivering a task's outcome: retried with backoff until the task's lease runs out.

A completion carries work that is done (an activity ran, a workflow task decided); dropping it
makes the server wait a whole lease and then run the work again. So every outcome the worker
reports (activity complete/fail, workflow task complete/fail, query answers; update answers
travel in workflow-task completions) goes through `Completions.deliver`, which retries
connection errors, timeouts, 5xx, 429 and unreadable answers until the lease the server gave the
task expires. The fence fields in each body (lease owner, attempt) make a retry safe: when an
earlier attempt was recorded after all, the server refuses the retry with one of
`SETTLED_REASONS`, which ends the retry quietly.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from durable_workflow._time import parse_iso8601
from durable_workflow.errors import InvalidResponse, ServerError, TransportError

__all__ = ["SETTLED_REASONS", "Completions", "Delivery", "Renew", "lease_deadline"]

logger = logging.getLogger("durable_workflow.worker")

#: Refusals meaning "already recorded, or no longer this worker's to report": stop retrying.
SETTLED_REASONS = frozenset(
    {
        "lease_expired",
        "lease_owner_mismatch",
        "run_already_closed",
        "run_closed",
        "run_cancelled",
        "run_terminated",
        "run_completed",
        "run_failed",
        "run_timed_out",
        "stale_attempt",
        "task_not_found",
        "task_not_leased",
        "attempt_not_found",
        "workflow_task_attempt_mismatch",
        "query_task_not_found",
        "query_task_not_leased",
        "query_task_timed_out",
    }
)
#: Used when a task does not say when its lease expires.
FALLBACK_LEASE_SECONDS = 60.0
#: Every delivery retries for at least this long, even past the lease as this machine's clock
#: reads it: the clocks may disagree, and a retry past the real lease is only refused.
MIN_RETRY_SECONDS = 5.0
_FIRST_BACKOFF = 0.1
_MAX_BACKOFF = 1.0

PostOnce = Callable[[str, dict[str, Any], float], Awaitable[Any]]
"""Send one attempt: (path, body, timeout seconds) → the answer; raises like the transport."""
Renew = Callable[[], Awaitable[float | None]]
"""Heartbeat the task's lease; the new expiry (``time.time()`` seconds) or None."""
#: Renew the lease when less than this is left of it.
RENEW_BELOW_SECONDS = 15.0


class Delivery(enum.Enum):
    """How a delivery ended."""

    RECORDED = "recorded"
    SETTLED = "settled"  # already recorded, or the task is no longer ours: nothing to do
    REFUSED = "refused"  # a definite refusal (e.g. 422); the caller decides what to do
    EXPIRED = "expired"  # the lease ran out while the server could not be reached


def lease_deadline(task: Mapping[str, Any]) -> float:
    """The task's lease expiry as ``time.time()`` seconds (now + a fallback when absent)."""
    raw = task.get("lease_expires_at")
    if isinstance(raw, str):
        try:
            return parse_iso8601(raw).timestamp()
        except ValueError:
            pass
    return time.time() + FALLBACK_LEASE_SECONDS


async def _renewed(renew: Renew, lease_until: float) -> float:
    """The lease's expiry after a heartbeat when it nears its end (unchanged if that fails)."""
    if lease_until - time.time() > RENEW_BELOW_SECONDS:
        return lease_until
    try:
        renewed = await renew()
    except (ServerError, TransportError) as exc:
        logger.debug("lease renewal failed: %s", exc)
        return lease_until
    return max(lease_until, renewed) if renewed is not None else lease_until


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, (TransportError, InvalidResponse)):
        return True
    return isinstance(exc, ServerError) and (exc.status_code >= 500 or exc.status_code == 429)


class Completions:
    """Delivers task outcomes for one worker; ``post_once`` sends a single attempt."""

    def __init__(self, post_once: PostOnce, attempt_timeout: float) -> None:
        self._post_once = post_once
        self._attempt_timeout = attempt_timeout

    async def deliver(
        self,
        path: str,
        body: dict[str, Any],
        *,
        lease_until: float,
        what: str,
        renew: Renew | None = None,
    ) -> tuple[Delivery, ServerError | None]:
        """Send ``body`` until it is recorded, settled, refused, or the lease runs out.

        ``renew`` (a task heartbeat, where the protocol has one) is tried when the lease nears its
        end while the server answers but cannot record the outcome; it returns the new expiry.
        Returns the outcome and, for ``REFUSED``, the server's error.
        """
        attempt = 0
        lease_until = max(lease_until, time.time() + MIN_RETRY_SECONDS)
        while True:
            attempt += 1
            remaining = lease_until - time.time()
            try:
                await self._post_once(path, body, max(1.0, min(self._attempt_timeout, remaining)))
            except ServerError as exc:
                if exc.reason in SETTLED_REASONS:
                    logger.info("%s: already settled on the server (%s)", what, exc.reason)
                    return Delivery.SETTLED, None
                if not _retryable(exc):
                    return Delivery.REFUSED, exc
                failure: Exception = exc
            except TransportError as exc:
                failure = exc
            else:
                if attempt > 1:
                    logger.info("%s: delivered after %d attempts", what, attempt)
                return Delivery.RECORDED, None
            if renew is not None and isinstance(failure, ServerError):
                lease_until = await _renewed(renew, lease_until)
            if not await self._pause(attempt, lease_until, what, failure):
                return Delivery.EXPIRED, None

    async def _pause(self, attempt: int, lease_until: float, what: str, failure: Exception) -> bool:
        """Sleep before the next attempt; False when the lease ends first."""
        delay = min(_FIRST_BACKOFF * 2 ** (attempt - 1), _MAX_BACKOFF) * random.uniform(0.75, 1.25)
        remaining = lease_until - time.time()
        if remaining <= delay:
            logger.warning(
                "%s: not delivered before the task's lease expired (%d attempts; last error: %s); "
                "the server will hand the task out again",
                what,
                attempt,
                failure,
            )
            return False
        if attempt == 1:
            logger.warning(
                "%s: not delivered (%s); retrying for up to %.0f s, until the task's lease expires",
                what,
                failure,
                remaining,
            )
        await asyncio.sleep(delay)
        return True

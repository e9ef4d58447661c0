"""Waiting for a workflow's outcome: follow its history with long polls, then read the end.

The server has no "wait for result" call. Instead of polling ``describe``, the waiter long-polls
the run's history (``wait_new_event``) from the last event it has seen, follows continue-as-new to
the next run, and stops at the terminal event. A handle that knows its run (every handle from a
start) begins with that history poll; others first ask ``describe`` for the current run.

Each wake is re-polled at once, so a short workflow's result arrives as soon as its terminal
event is written. What keeps the request rate bounded is a token bucket per waiter: `_BURST`
polls at once, then `_REFILL_PER_SECOND`. A poll the server holds earns its token back while it
waits, so only a busy workflow (events faster than that rate) or a server that answers at once
without holding the poll is ever paced. Servers that refuse the long poll are polled through
``describe``.

While waiting, a watcher asks the server why the workflow is not progressing once the wait
passes `SLOW_RESULT_WARNING_SECONDS` (and again every `REDIAGNOSE_SECONDS`), and logs a WARNING
on ``durable_workflow.client`` when it finds a cause; a timeout names the cause in its message.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from durable_workflow import errors
from durable_workflow.client._diagnose import diagnose
from durable_workflow.client._models import WorkflowExecution
from durable_workflow.payloads import from_json_compatible

if TYPE_CHECKING:
    from durable_workflow.client._client import Client

_TERMINAL_EVENTS = frozenset(
    {"WorkflowCompleted", "WorkflowFailed", "WorkflowTimedOut", "WorkflowCancelled", "WorkflowTerminated"}
)
_MAX_BACKOFF_SECONDS = 0.5
_FIRST_POLL_SECONDS = 0.02
#: History polls a waiter may send at once (a short workflow ends within them) ...
_BURST = 10
#: ... and the rate its allowance refills at: the old describe-polling interval at its slowest.
_REFILL_PER_SECOND = 2.0
#: Waits longer than this are diagnosed (and a found cause logged) while they go on.
SLOW_RESULT_WARNING_SECONDS = 10.0
REDIAGNOSE_SECONDS = 60.0

logger = logging.getLogger("durable_workflow.client")


def _token_after(sequence: int) -> str | None:
    # The server's documented page token is base64 of the last returned sequence; it returns no
    # token at the end of a history, so a follower builds the next one itself (control plane §4.12).
    return base64.b64encode(str(sequence).encode()).decode() if sequence > 0 else None


def _closed(execution: WorkflowExecution) -> bool:
    return execution.is_terminal and execution.closed_reason != "continued"


async def watch(client: Client, workflow_id: str) -> None:
    """Log a WARNING naming the cause when a wait for ``workflow_id`` goes on for long."""
    await asyncio.sleep(SLOW_RESULT_WARNING_SECONDS)
    told = None
    while True:
        cause = await diagnose(client, workflow_id)
        if cause is not None and cause != told:
            logger.warning("still waiting for workflow %r: %s", workflow_id, cause)
            told = cause
        await asyncio.sleep(REDIAGNOSE_SECONDS)


class ResultWaiter:
    """Waits for one workflow to close and turns its terminal event into a value or an error."""

    def __init__(
        self,
        client: Client,
        workflow_id: str,
        result_type: Any,
        timeout: float | None,
        run_id: str | None = None,
    ) -> None:
        self._client = client
        self._workflow_id = workflow_id
        self._run_id = run_id
        self._result_type = result_type
        self._timeout = timeout
        self._deadline = None if timeout is None else time.monotonic() + timeout

    async def wait(self) -> Any:
        watcher = asyncio.create_task(self._watch())
        try:
            return await self._wait()
        except errors.WorkflowResultTimeout as exc:
            cause = await diagnose(self._client, self._workflow_id)
            if cause is None:
                raise
            raise errors.WorkflowResultTimeout(f"{exc}: {cause}", diagnosis=cause) from None
        finally:
            watcher.cancel()

    async def _watch(self) -> None:
        await watch(self._client, self._workflow_id)

    async def _wait(self) -> Any:
        try:
            if self._run_id:
                # The terminal event tells the outcome; the codec of a bare output blob is
                # recognised from its first bytes, so describe is not needed.
                return await self._follow(self._run_id, None)
            execution = await self._client.describe_workflow(self._workflow_id)
            if _closed(execution):
                return await self._outcome(execution)
            return await self._follow(execution.run_id or "", execution.payload_codec)
        except errors.InvalidArgument:
            # This server does not take history long polls: fall back to polling describe.
            return await self._poll_describe()

    def _remaining(self, status: str) -> float | None:
        if self._deadline is None:
            return None
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise errors.WorkflowResultTimeout(
                f"workflow {self._workflow_id!r} still {status!r} after {self._timeout}s"
            )
        return remaining

    async def _follow(self, run_id: str, codec: str | None) -> Any:
        after, pacer = 0, _Pacer()
        while True:
            remaining = self._remaining("running")
            pause = pacer.pause()
            if pause:
                await asyncio.sleep(pause if remaining is None else min(pause, remaining))
                remaining = self._remaining("running")
            page = self._client.get_history_page(
                self._workflow_id, run_id, next_page_token=_token_after(after), wait_new_event=True
            )
            try:
                events = (await asyncio.wait_for(page, remaining)).events
            except asyncio.TimeoutError:
                self._remaining("running")  # raises WorkflowResultTimeout
                continue
            for event in events:
                after = max(after, int(event.get("sequence") or 0))
                kind, payload = _kind_and_payload(event)
                if kind == "WorkflowContinuedAsNew" and payload.get("continued_to_run_id"):
                    run_id, after = str(payload["continued_to_run_id"]), 0
                    break
                if kind in _TERMINAL_EVENTS:
                    return self._from_terminal_event(run_id, codec, kind, payload)

    async def _poll_describe(self) -> Any:
        delay = _FIRST_POLL_SECONDS
        while True:
            execution = await self._client.describe_workflow(self._workflow_id)
            if _closed(execution):
                return await self._outcome(execution)
            remaining = self._remaining(execution.status)
            await asyncio.sleep(delay if remaining is None else min(delay, remaining))
            delay = min(delay * 1.5, _MAX_BACKOFF_SECONDS)

    async def _outcome(self, execution: WorkflowExecution) -> Any:
        if execution.status == "completed" and "output_envelope" in execution.raw:
            return self._rebuild(execution.output)
        run_id = execution.run_id or ""
        for event in reversed(await self._client.get_history(self._workflow_id, run_id)):
            kind, payload = _kind_and_payload(event)
            if kind in _TERMINAL_EVENTS:
                return self._from_terminal_event(run_id, execution.payload_codec, kind, payload)
        raise errors.WorkflowFailed(
            f"workflow {self._workflow_id!r} closed as {execution.status!r} without a terminal event",
            workflow_id=self._workflow_id,
            run_id=execution.run_id,
        )

    def _rebuild(self, value: Any) -> Any:
        return from_json_compatible(value, self._result_type, where=f"workflow {self._workflow_id!r} result")

    def _from_terminal_event(
        self, run_id: str, codec: str | None, kind: str, payload: Mapping[str, Any]
    ) -> Any:
        if kind == "WorkflowCompleted":
            default_codec = payload.get("payload_codec") or codec  # None: recognise it
            return self._rebuild(
                self._client.converter.decode(payload.get("output"), default_codec=default_codec)
            )
        raise _outcome_error(kind, payload, {"workflow_id": self._workflow_id, "run_id": run_id})


class _Pacer:
    """A token bucket: `_BURST` polls at once, refilled at `_REFILL_PER_SECOND`."""

    def __init__(self) -> None:
        self._tokens = float(_BURST)
        self._since = time.monotonic()

    def pause(self) -> float:
        """Seconds to wait before the next poll (0 while the allowance lasts); takes one token."""
        now = time.monotonic()
        self._tokens = min(_BURST, self._tokens + max(0.0, now - self._since) * _REFILL_PER_SECOND)
        self._since = now
        if self._tokens >= 1:
            self._tokens -= 1
            return 0.0
        wait = (1 - self._tokens) / _REFILL_PER_SECOND
        self._tokens, self._since = 0.0, now + wait  # the token that accrues during the wait is spent
        return wait


def _kind_and_payload(event: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    payload = event.get("payload")
    return str(event.get("event_type") or event.get("type") or ""), payload if isinstance(
        payload, Mapping
    ) else {}


def _outcome_error(kind: str, payload: Mapping[str, Any], ids: dict[str, Any]) -> Exception:
    message = payload.get("message")
    reason = payload.get("reason")
    if kind == "WorkflowTimedOut":
        return errors.WorkflowTimedOut(
            str(message or f"workflow timed out ({payload.get('timeout_kind')})"), **ids
        )
    if kind == "WorkflowCancelled":
        return errors.WorkflowCancelled(reason if isinstance(reason, str) else None, **ids)
    if kind == "WorkflowTerminated":
        return errors.WorkflowTerminated(reason if isinstance(reason, str) else None, **ids)
    exception = payload.get("exception")
    return errors.WorkflowFailed(
        str(message or "workflow failed"),
        exception_type=payload.get("exception_type"),
        exception_class=payload.get("exception_class"),
        details=exception if isinstance(exception, Mapping) else None,
        **ids,
    )

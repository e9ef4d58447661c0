"""`Completions.deliver`: retried until the lease ends, stopped quietly by 'already settled'."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from durable_workflow.errors import InvalidArgument, InvalidResponse, ServerError, TransportError
from durable_workflow.worker import _completion
from durable_workflow.worker._completion import Completions, Delivery, lease_deadline


class Scripted:
    """A post_once that raises (or returns) the scripted outcomes in order, then succeeds."""

    def __init__(self, *outcomes: Exception) -> None:
        self.outcomes = list(outcomes)
        self.attempts = 0

    async def __call__(self, path: str, body: dict[str, Any], timeout: float) -> Any:
        self.attempts += 1
        assert 1 <= timeout <= 5
        if self.outcomes:
            raise self.outcomes.pop(0)
        return {"recorded": True}


def _error(status: int, reason: str | None = None) -> ServerError:
    cls = InvalidArgument if status == 422 else ServerError
    return cls("refused", status_code=status, reason=reason)


async def _deliver(post: Scripted, lease: float = 30.0) -> tuple[Delivery, ServerError | None]:
    completions = Completions(post, attempt_timeout=5)
    return await completions.deliver("/p", {}, lease_until=time.time() + lease, what="task t completion")


async def test_outages_are_retried_until_recorded(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="durable_workflow.worker")
    post = Scripted(TransportError("down"), _error(503), _error(429), InvalidResponse("garbled"))
    assert await _deliver(post) == (Delivery.RECORDED, None)
    assert post.attempts == 5
    messages = [r.getMessage() for r in caplog.records]
    assert any("not delivered (down); retrying for up to" in m for m in messages), messages
    assert "task t completion: delivered after 5 attempts" in messages


@pytest.mark.parametrize("reason", ["task_not_leased", "stale_attempt", "lease_expired", "run_closed"])
async def test_an_answer_lost_after_recording_ends_quietly(reason: str) -> None:
    # The first attempt was recorded but its answer lost; the retry is told so and stops.
    post = Scripted(TransportError("answer lost"), _error(409, reason))
    assert await _deliver(post) == (Delivery.SETTLED, None)
    assert post.attempts == 2


async def test_a_definite_refusal_is_returned() -> None:
    refusal = _error(422, "invalid_commands")
    assert await _deliver(Scripted(refusal)) == (Delivery.REFUSED, refusal)


async def test_retries_end_with_the_lease(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_completion, "MIN_RETRY_SECONDS", 0.0)
    post = Scripted(*[TransportError("down")] * 100)
    began = time.monotonic()
    assert await _deliver(post, lease=0.6) == (Delivery.EXPIRED, None)
    assert time.monotonic() - began < 1.5 and post.attempts >= 3
    assert any("before the task's lease expired" in r.getMessage() for r in caplog.records)


async def test_a_lease_that_looks_expired_is_still_tried_for_a_while() -> None:
    # This machine's clock may run ahead of the server's.
    post = Scripted(TransportError("down"), TransportError("down"))
    assert await _deliver(post, lease=-100) == (Delivery.RECORDED, None)
    assert post.attempts == 3


def test_the_lease_deadline_comes_from_the_task() -> None:
    assert lease_deadline({"lease_expires_at": "2030-01-01T00:00:00.000000Z"}) == 1893456000.0
    fallback = lease_deadline({})
    assert 50 < fallback - time.time() <= 60


async def test_a_server_that_answers_but_cannot_record_gets_the_lease_renewed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_completion, "MIN_RETRY_SECONDS", 0.0)
    monkeypatch.setattr(_completion, "_MAX_BACKOFF", 0.02)
    renewals: list[float] = []

    async def renew() -> float:
        renewals.append(time.time())
        return time.time() + 60

    post = Scripted(*[_error(503)] * 10)
    completions = Completions(post, attempt_timeout=5)
    outcome = await completions.deliver(
        "/p", {}, lease_until=time.time() + 0.05, what="task t completion", renew=renew
    )
    assert outcome == (Delivery.RECORDED, None)
    assert post.attempts == 11 and len(renewals) == 1  # renewed once, then far from the end

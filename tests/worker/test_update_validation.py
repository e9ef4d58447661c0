"""Synchronous update validation: validators run before the server accepts an update."""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from typing import Any

import pytest

from durable_workflow import UpdateRejected, workflow
from durable_workflow.workflow import WorkflowContext
from tests.worker._harness import assert_replays, running


@workflow.defn(name="ledger")
class Ledger:
    def __init__(self) -> None:
        self.balance = 0
        self.closed = False

    def _positive(self, amount: int) -> bool:
        return amount > 0 and not self.closed

    @workflow.update("deposit", validator=_positive)
    def deposit(self, amount: int) -> int:
        self.balance += amount
        return self.balance

    @workflow.update("close")
    def close(self) -> int:
        self.closed = True
        return self.balance

    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, int]:
        yield ctx.wait_condition(lambda: self.closed)
        return self.balance


async def _started(env: Any) -> Any:
    handle = await env.start("ledger")
    while (await handle.describe()).wait_kind != "condition":
        await asyncio.sleep(0.05)
    return handle


def _events(history: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e["payload"] for e in history if e["event_type"] == kind]


async def test_a_rejected_update_is_never_accepted() -> None:
    async with running([Ledger]) as env:
        handle = await _started(env)
        with pytest.raises(UpdateRejected, match="rejected by its validator"):
            await handle.update("deposit", [-5])
        assert (await handle.update("deposit", [7])).result == 7
        assert (await handle.update("close")).result == 7
        assert await handle.result(timeout=10) == 7
        history = await handle.history()
        await assert_replays(handle, Ledger)
    accepted = _events(history, "UpdateAccepted")
    assert [a["update_name"] for a in accepted] == ["deposit", "close"]  # -5 never accepted
    rejected = _events(history, "UpdateRejected")
    assert [r["update_name"] for r in rejected] == ["deposit"]
    assert rejected[0]["rejection_reason"] == "update_validator_rejected"


async def test_the_validator_sees_the_replayed_state() -> None:
    async with running([Ledger]) as env:
        handle = await _started(env)
        assert (await handle.update("deposit", [3])).result == 3
        assert (await handle.update("close")).result == 3
        with pytest.raises(UpdateRejected):
            await handle.update("deposit", [1])  # closed: the validator says no
        history = await handle.history()
    assert [a["update_name"] for a in _events(history, "UpdateAccepted")] == ["deposit", "close"]


async def test_a_seed_era_server_accepts_first_and_fails_the_update() -> None:
    async with running([Ledger], server_options={"wire_generation": "seed"}) as env:
        handle = await _started(env)
        with pytest.raises(UpdateRejected):
            await handle.update("deposit", [-5])
        history = await handle.history()
    # the seed generation has no pre-acceptance step: the update was accepted, then failed
    assert [a["update_name"] for a in _events(history, "UpdateAccepted")] == ["deposit"]
    assert _events(history, "UpdateRejected") == []

"""Signals, queries and updates addressed by handler reference, on the async and the sync handle."""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel

from durable_workflow import Client, WorkflowHandle, sync, workflow
from durable_workflow.worker import Worker
from durable_workflow.workflow import WorkflowContext


class Status(BaseModel):
    stage: str
    coupons: list[str]
    total: Decimal


@workflow.defn(name="typed-messaging")
class CartWorkflow:
    def __init__(self) -> None:
        self.stage = "open"
        self.coupons: list[str] = []
        self.total = Decimal("10.00")

    @workflow.signal("checkout")
    def checkout(self, stage: str = "paid") -> None:
        self.stage = stage

    @workflow.query("status")
    def status(self) -> Status:
        return Status(stage=self.stage, coupons=self.coupons, total=self.total)

    @workflow.query("coupon_count")
    def coupon_count(self, prefix: str = "") -> int:
        return sum(c.startswith(prefix) for c in self.coupons)

    @workflow.update("add_coupon")
    def add_coupon(self, code: str, amount: Decimal) -> Decimal:
        self.coupons.append(code)
        self.total -= amount
        return self.total

    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, Status]:
        yield ctx.wait_condition(lambda: self.stage != "open")
        return self.status()


@workflow.defn(name="other-messaging")
class OtherWorkflow:
    @workflow.signal("poke")
    def poke(self) -> None:
        pass

    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, None]:
        yield ctx.sleep(1)


async def started(client: Client, workflow_id: str) -> WorkflowHandle[Status]:
    return await client.start_workflow("typed-messaging", "cart", workflow_id, result_type=Status)


async def test_handler_references_send_typed_messages(client: Client) -> None:
    handle = await started(client, "cart-1")
    async with Worker(client, task_queue="cart", workflows=[CartWorkflow]):
        updated = await handle.update(CartWorkflow.add_coupon, "SAVE1", Decimal("1.50"))
        assert updated.result == Decimal("8.50") and updated.status == "completed"
        keyword = await handle.update(CartWorkflow.add_coupon, code="SAVE2", amount=Decimal("0.50"))
        assert keyword.result == Decimal("8.00")
        status = await handle.query(CartWorkflow.status)
        assert status == Status(stage="open", coupons=["SAVE1", "SAVE2"], total=Decimal("8.00"))
        assert await handle.query(CartWorkflow.coupon_count, prefix="SAVE") == 2
        # the string forms stay, for names that come from elsewhere (PHP, config)
        assert await handle.query("coupon_count", ["SAVE1"]) == 1
        assert (await handle.query("status", result_type=Status)).total == Decimal("8.00")
        await handle.signal(CartWorkflow.checkout)
        result = await handle.result(timeout=30)
    assert result == Status(stage="paid", coupons=["SAVE1", "SAVE2"], total=Decimal("8.00"))
    assert isinstance(result.total, Decimal)


async def test_a_wrong_handler_is_refused_before_anything_is_sent(client: Client) -> None:
    handle = await started(client, "cart-2")
    with pytest.raises(TypeError, match=r"CartWorkflow.status is a query handler \('status'\), not a signal"):
        await handle.signal(CartWorkflow.status)
    with pytest.raises(TypeError, match="is not a workflow handler"):
        await handle.query(CartWorkflow.run)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="signal 'checkout': too many positional arguments"):
        await handle.signal(CartWorkflow.checkout, "paid", "twice")  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="arguments must be a list"):
        await handle.signal("checkout", "paid")
    history = await handle.history()
    assert not [e for e in history if e["event_type"] == "SignalReceived"]


def test_the_sync_handle_takes_handler_references(live_server_url: str) -> None:
    with sync.Client(live_server_url) as client:
        worker = Worker(client.async_client, task_queue="cart", workflows=[CartWorkflow])
        handle = client.start_workflow("typed-messaging", "cart", "cart-sync", result_type=Status)
        client._runner.run(worker.__aenter__())
        try:
            assert handle.update(CartWorkflow.add_coupon, "S", Decimal("1")).result == Decimal("9.00")
            assert handle.query(CartWorkflow.coupon_count) == 1
            assert handle.query(CartWorkflow.status).total == Decimal("9.00")
            handle.signal(CartWorkflow.checkout, "shipped")
            result = handle.result(timeout=30)
        finally:
            client._runner.run(worker.__aexit__(None, None, None))
    assert result == Status(stage="shipped", coupons=["S"], total=Decimal("9.00"))


async def test_a_generated_handle_applies_its_result_type_to_an_untyped_handle(client: Client) -> None:
    from durable_workflow.stubs import WorkflowStubHandle

    class CartHandle(WorkflowStubHandle[Status]):
        result_type = Status

    untyped = await client.start_workflow("typed-messaging", "cart", "cart-3")
    wrapped = CartHandle(client.get_workflow_handle(untyped.workflow_id))
    async with Worker(client, task_queue="cart", workflows=[CartWorkflow]):
        await untyped.signal("checkout", ["done"])
        result = await asyncio.wait_for(wrapped.result(), 30)
    assert isinstance(result, Status) and result.stage == "done"

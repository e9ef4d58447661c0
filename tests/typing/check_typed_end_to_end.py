"""Type-checked only (mypy strict and pyright strict): issue 15's "typed end to end, no holes".

Each ``assert_type`` must infer; each ``# type: ignore[code]`` line must be rejected by both
checkers (mypy's warn_unused_ignores and pyright's reportUnnecessaryTypeIgnoreComment).
"""

from __future__ import annotations

from collections.abc import Generator
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from typing_extensions import assert_type

from durable_workflow import Client, UpdateResult, WorkflowHandle, activity, sync, workflow
from durable_workflow.stubs import DEFAULT, WorkflowStubHandle, workflow_stub
from durable_workflow.workflow import ActivityCommand, WorkflowContext


class Address(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    postal_code: str = Field(alias="postalCode")
    care_of: str | None = None


class Approval(BaseModel):
    approver: str
    approved: bool


class Status(BaseModel):
    stage: str
    total: Decimal


@activity.defn(name="ship")
async def ship(address: Address, express: bool = False, note: str = "") -> str:
    return address.postal_code


@activity.defn(name="price")
def price(sku: str) -> Decimal:
    return Decimal("1.50")


@workflow.defn(name="order")
class OrderWorkflow:
    def __init__(self) -> None:
        self.approved = False
        self.coupons: list[str] = []

    @workflow.signal("approve")
    def approve(self, approval: Approval) -> None:
        self.approved = approval.approved

    @workflow.query("status")
    def status(self) -> Status:
        return Status(stage="open", total=Decimal("0"))

    @workflow.query("coupons")
    def list_coupons(self, limit: int = 10) -> list[str]:
        return self.coupons[:limit]

    @workflow.update("add_coupon")
    def add_coupon(self, code: str, amount: Decimal) -> int:
        self.coupons.append(code)
        return len(self.coupons)

    def run(self, ctx: WorkflowContext, address: Address, rounds: int = 0) -> Generator[Any, Any, Address]:
        tracking = yield from ctx.activity(ship)(address, express=True)
        assert_type(tracking, str)
        if rounds < 3:
            # item 3: continue-as-new in a typed run, no ignore needed
            return ctx.continue_as_new(address, rounds + 1)
        return address


@workflow.defn(name="other")
class OtherWorkflow:
    @workflow.signal("poke")
    def poke(self, times: int) -> None:
        pass

    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, None]:
        yield ctx.sleep(1)


async def typed_messaging(client: Client, approval: Approval) -> None:
    """Item 2: signals, queries and updates by handler reference; string forms still work."""
    handle = client.get_workflow_handle("o-1", result_type=Address)
    await handle.signal(OrderWorkflow.approve, approval)
    assert_type(await handle.query(OrderWorkflow.status), Status)
    assert_type(await handle.query(OrderWorkflow.list_coupons, limit=3), list[str])
    updated = await handle.update(OrderWorkflow.add_coupon, "SAVE10", Decimal("10"))
    assert_type(updated, UpdateResult[int])
    assert_type(updated.result, int)
    # PHP interop: names and argument lists
    await handle.signal("approve", [{"approver": "ada", "approved": True}])
    assert_type(await handle.query("status"), Any)
    assert_type(await handle.query("status", result_type=Status), Status)
    assert_type(await handle.update("add_coupon", ["X", "1"], wait_for="accepted"), UpdateResult[Any])
    assert_type(await handle.update("add_coupon", ["X", "1"], result_type=int), UpdateResult[int])

    await handle.signal(OrderWorkflow.approve, "yes")  # type: ignore[call-overload]
    await handle.signal(OrderWorkflow.approve)  # type: ignore[call-overload]
    await handle.signal(OrderWorkflow.aprove, approval)  # type: ignore[attr-defined, call-overload]
    await handle.query(OrderWorkflow.list_coupons, limit="3")  # type: ignore[call-overload]
    await handle.update(OrderWorkflow.add_coupon, "SAVE10", 10.5)  # type: ignore[call-overload]
    await handle.update(OrderWorkflow.add_coupon, "SAVE10")  # type: ignore[call-overload]
    await handle.signal("approve", "not a list", "extra")  # type: ignore[call-overload]


def typed_messaging_sync(client: sync.Client, approval: Approval) -> None:
    """Item 2, the sync client: the same forms, blocking."""
    handle = client.get_workflow_handle("o-1", result_type=Address)
    handle.signal(OrderWorkflow.approve, approval)
    assert_type(handle.query(OrderWorkflow.status), Status)
    assert_type(handle.update(OrderWorkflow.add_coupon, "C", Decimal("1")), UpdateResult[int])
    assert_type(handle.query("status"), Any)
    handle.signal(OrderWorkflow.approve, 42)  # type: ignore[call-overload]
    handle.update(OrderWorkflow.add_coupon, 1, Decimal("1"))  # type: ignore[call-overload]


async def result_types(client: Client, address: Address) -> None:
    """Item 4: start_workflow(result_type=X) -> WorkflowHandle[X]; any type form is accepted."""
    started = await client.start_workflow("order", "q", "o-2", [address], result_type=Address)
    assert_type(started, WorkflowHandle[Address])
    assert_type(await started.result(), Address)
    untyped = await client.start_workflow("order", "q", "o-3", [address])
    assert_type(untyped, WorkflowHandle[Any])
    optional = client.get_workflow_handle("o-1", result_type=Address | None)
    optional_started = await client.start_workflow("order", "q", "o-4", result_type=list[Address])
    print(optional, optional_started)
    stub = client.workflow(OrderWorkflow, workflow_id="o-5", task_queue="q")
    assert_type(await stub.start(address, rounds=2), WorkflowHandle[Address])  # keyword for a positional
    await stub.start(address, rounds="2")  # type: ignore[arg-type]


def result_types_sync(client: sync.Client) -> None:
    started = client.start_workflow("order", "q", "o-2", result_type=Status)
    assert_type(started, sync.WorkflowHandle[Status])
    assert_type(started.result(), Status)


def fan_out(ctx: WorkflowContext, address: Address) -> Generator[Any, Any, None]:
    """Item 4: gather typed for ten positional commands, and for ``*commands``."""
    s, p = ctx.activity(ship), ctx.activity(price)
    ten = yield from ctx.gather(
        s(address), p("a"), s(address), p("b"), s(address), p("c"), s(address), p("d"), ctx.sleep(1), p("e")
    )
    assert_type(ten, tuple[str, Decimal, str, Decimal, str, Decimal, str, Decimal, None, Decimal])
    commands = [p(sku) for sku in ("a", "b", "c")]
    assert_type(commands, list[ActivityCommand[Decimal]])
    unpacked = yield from ctx.gather(*commands)
    assert_type(unpacked, tuple[Decimal, ...])
    listed = yield from ctx.gather(commands)
    assert_type(listed, list[Decimal])


def side_effects(ctx: WorkflowContext) -> Generator[Any, Any, None]:
    """Item 5: a side effect's declared type is what arrives."""
    token = yield from ctx.side_effect(lambda: str(ctx.uuid4()))
    assert_type(token, str)
    ident = yield from ctx.side_effect(ctx.uuid4, result_type=UUID)
    assert_type(ident, UUID)
    ctx.side_effect(lambda: 1, result_type="int")  # type: ignore[call-overload]


def keyword_arguments(ctx: WorkflowContext, address: Address) -> Generator[Any, Any, None]:
    """Item 6: keywords bind to positional parameters, checked by ParamSpec."""
    shipped = yield from ctx.activity(ship)(address, note="leave at door", express=False)
    assert_type(shipped, str)
    ctx.activity(ship)(address, express="yes")  # type: ignore[arg-type]
    ctx.activity(ship)(address, colour="red")  # type: ignore[call-arg]


def aliases() -> None:
    """Item 1: models are built with the names the wire carries (the aliases)."""
    address = Address(postalCode="1234", care_of="Ada")
    assert_type(address.postal_code, str)
    Address(postal_code="1234")  # type: ignore[call-arg]


@workflow_stub("order")
class OrderStub:
    """Item 7: what the stub generator writes: a `DEFAULT` where a default has no source form."""

    def run(
        self, ctx: WorkflowContext, /, address: Address, channels: tuple[str, ...] = DEFAULT
    ) -> Generator[Any, Any, Address]:
        raise NotImplementedError


class OrderStubHandle(WorkflowStubHandle[Address]):
    result_type = Address

    async def status(self) -> Status:
        answer: Status = await self._query("status", [], Status)
        return answer


async def stubs(client: Client, address: Address) -> None:
    stub = client.workflow(OrderStub, workflow_id="o-6", task_queue="q")
    handle = await stub.start(address)
    assert_type(handle, WorkflowHandle[Address])
    typed = OrderStubHandle(handle)
    assert_type(await typed.result(), Address)
    assert_type(await typed.status(), Status)
    await stub.start(address, channels=("web",))
    await stub.start(address, channels="web")  # type: ignore[arg-type]

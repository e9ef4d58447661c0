"""Type-checked only (mypy strict): what workflow code must infer, and what it must reject."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

from typing_extensions import assert_type

from durable_workflow import activity, workflow
from durable_workflow.workflow import ActivityCommand, WorkflowContext


@dataclass
class Order:
    order_id: str
    amount: int


@activity.defn(name="charge")
async def charge(order: Order, cents: int) -> dict[str, int]:
    return {"charged": cents}


@activity.defn(name="label")
def label(order: Order) -> str:
    return order.order_id


@workflow.defn(name="child")
class Child:
    def run(self, ctx: WorkflowContext, name: str, times: int = 1) -> Generator[Any, Any, list[str]]:
        yield ctx.sleep(1)
        return [name] * times


@workflow.defn(name="typed")
class Typed:
    def __init__(self) -> None:
        self.approved = False

    @workflow.signal("approve")
    def approve(self, by: str) -> None:
        self.approved = True

    @workflow.query("status")
    def status(self) -> bool:
        return self.approved

    def _check(self, amount: int) -> None:
        if amount < 0:
            raise ValueError("negative")

    @workflow.update("bump", validator=_check)
    def bump(self, amount: int) -> int:
        return amount

    def run(self, ctx: WorkflowContext, order: Order) -> Generator[Any, Any, str]:
        cmd = ctx.activity(charge, start_to_close_timeout=30)(order, 100)
        assert_type(cmd, ActivityCommand[dict[str, int]])
        charged = yield from cmd
        assert_type(charged, dict[str, int])
        name = yield from ctx.activity(label)(order)
        assert_type(name, str)
        names = yield from ctx.child(Child, task_queue="q")("Ada", times=2)
        assert_type(names, list[str])
        pair = yield from ctx.gather(ctx.activity(label)(order), ctx.activity(charge)(order, 1))
        assert_type(pair, tuple[str, dict[str, int]])
        many = yield from ctx.gather([ctx.activity(label)(o) for o in [order, order]])
        assert_type(many, list[str])
        version = yield from ctx.get_version("change", 1, 2)
        assert_type(version, int)
        rolled = yield from ctx.side_effect(lambda: 4)
        assert_type(rolled, int)
        ok = yield from ctx.wait_condition(lambda: self.approved, timeout=10)
        assert_type(ok, bool)
        untyped = yield ctx.schedule_activity("charge", [order])
        assert_type(untyped, Any)
        return name


def rejected(ctx: WorkflowContext, order: Order) -> None:
    ctx.activity(charge)(order, "100")  # type: ignore[arg-type]
    ctx.activity(label)("not an order")  # type: ignore[arg-type]
    ctx.child(Child)(42)  # type: ignore[arg-type]
    ctx.activity(charge)(order)  # type: ignore[call-arg]


assert_type(workflow.defn(name="x")(Typed), type[Typed])
assert_type(charge, Any)  # type: ignore[assert-type]

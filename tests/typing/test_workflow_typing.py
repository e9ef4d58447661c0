"""Type-checked only (mypy strict): what workflow code must infer, and what it must reject.

Nothing here is called at run time; importing the module only defines things.
"""

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


def decorators_keep_types() -> None:
    assert_type(workflow.defn(name="x")(Typed), type[Typed])
    assert_type(activity.defn(name="y")(label)(Order("o", 1)), str)
    assert_type(workflow.signal("s")(Typed.approve)(Typed(), "by"), None)
    activity.defn(name="z")(label)(42)  # type: ignore[arg-type]


@workflow.defn(name="untyped")
class Untyped:
    def run(self, ctx, *args):  # type: ignore[no-untyped-def]
        yield ctx.sleep(1)  # pyright: ignore[reportUnknownMemberType]
        return args[0]  # pyright: ignore[reportUnknownVariableType]


def more(ctx: WorkflowContext, order: Order) -> Generator[Any, Any, None]:
    three = yield from ctx.gather(ctx.sleep(1), ctx.activity(label)(order), ctx.wait_condition(lambda: True))
    assert_type(three, tuple[None, str, bool])
    anything = yield from ctx.child(Untyped)(1, "two")  # pyright: ignore[reportUnknownVariableType]
    assert_type(anything, Any)
    version = yield ctx.get_version("c", 1, 2)
    assert_type(version, Any)  # a plain yield is untyped
    ctx.gather(order)  # type: ignore[call-overload]
    ctx.activity(charge, start_to_close_timeout="30")  # type: ignore[call-overload]
    ctx.child(Order)  # type: ignore[arg-type]

"""Issue 15's run-time guarantees inside workflows: decode failures, continue-as-new, keywords."""

from __future__ import annotations

import logging
from collections.abc import Generator
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel

from durable_workflow import Client, WorkflowFailed, activity, workflow
from durable_workflow.payloads import DataConverter
from durable_workflow.worker import Worker
from durable_workflow.workflow import WorkflowContext
from tests.workflow._histories import History, decode

CONVERTER = DataConverter()


class Order(BaseModel):
    order_id: str
    total: Decimal


def replay(cls: type, history: History, *args: Any) -> list[dict[str, Any]]:
    return workflow.replay_commands(cls, list(args), history.events, task_queue="q")


@workflow.defn(name="typed-start")
class TypedStart:
    def __init__(self) -> None:
        self.orders: list[Order] = []

    @workflow.signal("add")
    def add(self, order: Order) -> None:
        self.orders.append(order)

    def run(self, ctx: WorkflowContext, order: Order) -> Generator[Any, Any, int]:
        yield ctx.wait_condition(lambda: len(self.orders) > 0, timeout=60)
        return len(self.orders)


def test_a_start_input_that_does_not_decode_fails_the_run_without_retries() -> None:
    [command] = replay(TypedStart, History(), {"order_id": "o-1", "total": "lots"})
    assert command["type"] == "fail_workflow"
    assert command["non_retryable"] is True
    assert "workflow 'typed-start' parameter 'order': field 'total'" in command["message"]


def test_an_undecodable_signal_is_dropped_with_a_warning_naming_workflow_signal_and_field(
    caplog: pytest.LogCaptureFixture,
) -> None:
    h = History("typed-start")
    h.signal("add", {"order_id": "o-2", "total": "lots"})
    with caplog.at_level(logging.WARNING, logger="durable_workflow"):
        commands = replay(TypedStart, h, {"order_id": "o-1", "total": "1.00"})
    assert [c["type"] for c in commands] == ["open_condition_wait"]  # still waiting: the signal was dropped
    [record] = [r for r in caplog.records if "dropped signal" in r.getMessage()]
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert "workflow typed-start" in message and "'add'" in message
    assert "parameter 'order': field 'total'" in message


@workflow.defn(name="countdown")
class Countdown:
    def run(self, ctx: WorkflowContext, n: int) -> Generator[Any, Any, int]:
        yield ctx.sleep(1)
        if n > 0:
            try:
                return ctx.continue_as_new(n - 1)
            except Exception:  # must not swallow the continue-as-new
                return -1
        return n


def test_continue_as_new_ends_the_run_even_inside_try_except_exception() -> None:
    h = History("countdown")
    h.fire(h.timer(1))
    [command] = replay(Countdown, h, 3)
    assert command["type"] == "continue_as_new"
    assert decode(command["arguments"]) == [2]


def test_keyword_only_parameters_are_refused_when_declared() -> None:
    with pytest.raises(TypeError, match=r"workflow 'kw' .*parameter 'express' is keyword-only"):

        @workflow.defn(name="kw")
        class KeywordRun:
            def run(
                self, ctx: WorkflowContext, order: Order, *, express: bool = False
            ) -> Generator[Any, Any, None]:
                yield ctx.sleep(1)

    with pytest.raises(TypeError, match=r"activity 'kw-act': parameter 'b' is keyword-only"):

        @activity.defn(name="kw-act")
        def keyword_activity(a: int, *, b: int = 1) -> int:
            return a + b

    with pytest.raises(TypeError, match=r"signal 'kw-sig' .*parameter '\*\*extra' is keyword-only"):

        class Handlers:
            @workflow.signal("kw-sig")
            def sig(self, a: int, **extra: Any) -> None:
                pass


@activity.defn(name="add3")
def add3(a: int, b: int = 1, c: int = 2) -> int:
    return a + b + c


@workflow.defn(name="keywords")
class Keywords:
    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, Any]:
        result = yield from ctx.activity(add3)(5, c=9)
        return result


def test_keywords_bind_to_positions_with_the_gap_filled_by_its_default() -> None:
    [command] = replay(Keywords, History("keywords"))
    assert command["type"] == "schedule_activity"
    assert decode(command["arguments"]) == [5, 1, 9]


@workflow.defn(name="handler-continues")
class HandlerContinues:
    def __init__(self) -> None:
        self.ctx: WorkflowContext | None = None

    @workflow.signal("restart")
    def restart(self) -> None:
        assert self.ctx is not None
        self.ctx.continue_as_new()

    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, None]:
        self.ctx = ctx
        yield ctx.wait_condition(lambda: False)


def test_continue_as_new_from_a_signal_handler_fails_the_run_clearly() -> None:
    h = History("handler-continues")
    h.signal("restart")
    [command] = replay(HandlerContinues, h)
    assert command["type"] == "fail_workflow"
    assert "signal handler 'restart' called ctx.continue_as_new(); only run can" in command["message"]


async def test_the_server_records_the_start_decode_failure_as_non_retryable(client: Client) -> None:
    handle = await client.start_workflow("typed-start", "typed", "bad-input", [{"order_id": "o"}])
    async with Worker(client, task_queue="typed", workflows=[TypedStart]):
        with pytest.raises(WorkflowFailed, match="parameter 'order': field 'total'"):
            await handle.result(timeout=30)
    [failed] = [e for e in await handle.history() if e["event_type"] == "WorkflowFailed"]
    assert failed["payload"]["non_retryable"] is True

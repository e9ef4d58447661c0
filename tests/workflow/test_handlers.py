"""Update tasks and queries on replayed instances (synthetic histories)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from durable_workflow import workflow
from durable_workflow.payloads import DataConverter
from durable_workflow.workflow import WorkflowContext, WorkflowInfo, WorkflowInstance
from tests.workflow._histories import CONVERTER, History


@workflow.defn(name="account")
class Account:
    def __init__(self) -> None:
        self.balance = 0

    def _check(self, amount: int) -> bool:
        if amount == 13:
            raise ValueError("unlucky amount")
        return amount > 0

    @workflow.update("deposit", validator=_check)
    def deposit(self, amount: int) -> int:
        self.balance += amount
        return self.balance

    @workflow.update("explode")
    def explode(self) -> None:
        raise RuntimeError("handler broke")

    @workflow.query("balance")
    def get_balance(self, currency: str = "EUR") -> str:
        return f"{self.balance} {currency}"

    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, Any]:
        yield ctx.wait_condition(lambda: self.balance >= 100)
        return self.balance


def instance_for(h: History) -> WorkflowInstance:
    info = WorkflowInfo("wf", "run", "account", "q")
    instance = WorkflowInstance(workflow.get_definition(Account), info, [], converter=DataConverter())
    instance.apply(h.events)
    return instance


def accept(h: History, update_id: str, name: str, *args: Any) -> None:
    h.event(
        "UpdateAccepted", update_id=update_id, update_name=name, arguments=CONVERTER.encode_blob(list(args))
    )


def test_update_validator_accepts_and_handler_runs() -> None:
    h = History("account")
    h.wait_opened()
    accept(h, "u1", "deposit", 40)
    command = workflow.handle_update(instance_for(h), "u1")
    assert command == {"type": "complete_update", "update_id": "u1", "result": CONVERTER.envelope(40)}


@pytest.mark.parametrize(
    ("name", "args", "message", "exception_type"),
    [
        ("deposit", [-5], "update 'deposit' rejected by its validator", "UpdateRejected"),
        ("deposit", [13], "update validator failed: unlucky amount", "ValueError"),
        ("deposit", ["x"], "update argument decode failed", "PayloadConversionError"),
        ("explode", [], "update handler failed: handler broke", "RuntimeError"),
        ("missing", [], "unknown update 'missing'", "UnknownUpdate"),
    ],
)
def test_update_failures(name: str, args: list[Any], message: str, exception_type: str) -> None:
    h = History("account")
    h.wait_opened()
    accept(h, "u1", name, *args)
    command = workflow.handle_update(instance_for(h), "u1")
    assert command["type"] == "fail_update" and command["update_id"] == "u1"
    assert command["message"].startswith(message)
    assert command["exception_type"] == exception_type and command["non_retryable"] is True


def test_update_not_in_history() -> None:
    command = workflow.handle_update(instance_for(History("account")), "nope")
    assert command["exception_type"] == "UpdateNotFound"


def test_applied_updates_are_replayed_at_their_position_and_satisfy_waits() -> None:
    h = History("account")
    h.wait_opened()
    for n, amount in enumerate((60, 50)):
        accept(h, f"u{n}", "deposit", amount)
        h.event(
            "UpdateApplied",
            update_id=f"u{n}",
            update_name="deposit",
            arguments=CONVERTER.encode_blob([amount]),
        )
    instance = instance_for(h)
    assert workflow.handle_query(instance, "balance", ["USD"]) == "110 USD"
    [done] = instance.take_commands()
    assert CONVERTER.decode(done["result"]) == 110


def test_unknown_query() -> None:
    with pytest.raises(workflow.UnknownHandler, match="unknown query 'nope'"):
        workflow.handle_query(instance_for(History("account")), "nope", [])

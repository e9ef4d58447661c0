"""Signature helpers: rebuild decoded arguments and results from a callable's annotations."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Awaitable, Coroutine, Generator, Iterator
from typing import Any, Optional

import pydantic
import pytest

from durable_workflow.errors import PayloadConversionError
from durable_workflow.payloads import decode_arguments, decode_result, result_type


class Order(pydantic.BaseModel):
    sku: str
    amount: float


@dataclasses.dataclass
class Receipt:
    order: Order
    paid_at: dt.datetime


class OrderWorkflow:
    def run(self, ctx: Any, order: Order, retries: int = 3) -> Generator[Any, Any, Receipt]:
        yield None
        return Receipt(order, dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))

    def on_discount(self, percent: float, reason: Optional[str] = None) -> None:  # noqa: UP045
        pass

    def status(self) -> dict[str, Order]:
        return {}


def charge(order: Order, when: dt.date, *extra: Order) -> Receipt:
    raise NotImplementedError


def untyped(a, b):  # type: ignore[no-untyped-def]
    return a


async def async_activity(order: Order) -> list[Order]:
    return [order]


def test_workflow_run_skips_self_and_ctx() -> None:
    args = decode_arguments(
        OrderWorkflow.run, [{"sku": "A", "amount": "12.5"}], skip=2, where="workflow 'order'"
    )
    assert args == [Order(sku="A", amount=12.5)]


def test_bound_methods_have_no_self() -> None:
    handler = OrderWorkflow().on_discount
    assert decode_arguments(handler, [10, "promo"], skip=0, where="signal 'discount'") == [10.0, "promo"]
    assert decode_arguments(OrderWorkflow.on_discount, [10], skip=1, where="signal 'discount'") == [10.0]


def test_activity_with_var_positional() -> None:
    args = decode_arguments(
        charge,
        [{"sku": "A", "amount": 1}, "2026-07-01", {"sku": "B", "amount": 2}],
        skip=0,
        where="activity 'charge'",
    )
    assert args == [Order(sku="A", amount=1), dt.date(2026, 7, 1), Order(sku="B", amount=2)]
    with pytest.raises(PayloadConversionError) as caught:
        decode_arguments(charge, [{"sku": "A", "amount": 1}, "2026-07-01", {"sku": "B"}], skip=0, where="x")
    assert str(caught.value).startswith("x parameter '*extra' item 0: field 'amount': Field required")


def test_error_names_activity_parameter_and_field() -> None:
    with pytest.raises(PayloadConversionError) as caught:
        decode_arguments(
            charge, [{"sku": "A", "amount": "x"}, "2026-07-01"], skip=0, where="activity 'charge'"
        )
    assert str(caught.value).startswith(
        "activity 'charge' parameter 'order': field 'amount': Input should be a valid number"
    )


def test_too_many_arguments() -> None:
    expected = r"workflow 'order' takes 2 argument\(s\) but 3 were given"
    with pytest.raises(PayloadConversionError, match=expected):
        decode_arguments(OrderWorkflow.run, [{}, 1, 2], skip=2, where="workflow 'order'")


def test_missing_required_arguments() -> None:
    with pytest.raises(PayloadConversionError, match=r"missing argument\(s\) 'order' \(0 given\)"):
        decode_arguments(OrderWorkflow.run, [], skip=2, where="workflow 'order'")
    # Parameters with defaults may be left out.
    assert decode_arguments(OrderWorkflow.run, [{"sku": "A", "amount": 1}], skip=2, where="w") == [
        Order(sku="A", amount=1)
    ]


def test_unannotated_parameters_get_plain_json() -> None:
    value = {"when": "2026-01-01"}
    args = decode_arguments(untyped, [value, [1]], skip=0, where="activity 'untyped'")
    assert args[0] is value
    assert result_type(untyped) is Any


def test_result_types() -> None:
    assert result_type(OrderWorkflow.run) is Receipt
    assert result_type(OrderWorkflow().run) is Receipt
    assert result_type(charge) is Receipt
    assert result_type(async_activity) == list[Order]
    assert result_type(OrderWorkflow.status) == dict[str, Order]
    assert result_type(OrderWorkflow.on_discount) is type(None)


def test_wrapped_result_annotations() -> None:
    def coroutine_annotated() -> Coroutine[Any, Any, int]:
        raise NotImplementedError

    def awaitable_annotated() -> Awaitable[str]:
        raise NotImplementedError

    def bare_generator() -> Generator:  # type: ignore[type-arg]
        yield 1

    def iterator_generator() -> Iterator[int]:
        yield 1

    assert result_type(coroutine_annotated) is int
    assert result_type(awaitable_annotated) is str
    assert result_type(bare_generator) is Any
    assert result_type(iterator_generator) is Any


def test_decode_result() -> None:
    plain = {"order": {"sku": "A", "amount": 1.5}, "paid_at": "2026-01-01T00:00:00Z"}
    receipt = decode_result(OrderWorkflow.run, plain, where="workflow 'order'")
    assert receipt == Receipt(Order(sku="A", amount=1.5), dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    with pytest.raises(PayloadConversionError, match=r"^workflow 'order' result: field 'paid_at'"):
        decode_result(OrderWorkflow.run, {**plain, "paid_at": "soon"}, where="workflow 'order'")


def test_local_classes_under_future_annotations(caplog: pytest.LogCaptureFixture) -> None:
    class Local(pydantic.BaseModel):
        n: int

    def activity(item: Local, count: int) -> Local:
        return item

    # "Local" cannot be resolved from the module globals: that parameter stays plain JSON, with a
    # warning, while the resolvable one is still converted.
    with caplog.at_level(logging.WARNING, logger="durable_workflow.payloads"):
        args = decode_arguments(activity, [{"n": 1}, "2"], skip=0, where="activity 'local'")
    assert args == [{"n": 1}, 2]
    assert "cannot resolve annotation 'Local'" in caplog.text


def test_plans_are_cached() -> None:
    from durable_workflow.payloads._signature import _plan

    before = _plan.cache_info().hits
    decode_arguments(charge, [{"sku": "A", "amount": 1}, "2026-07-01"], skip=0, where="a")
    decode_arguments(charge, [{"sku": "A", "amount": 1}, "2026-07-01"], skip=0, where="a")
    assert _plan.cache_info().hits >= before + 1

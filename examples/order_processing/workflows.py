"""The order workflow: reserve stock, take payment, ship, confirm; undo the reservation if payment fails.

Workflow code is replayed from history, so it only decides: every side effect is an activity.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Generator
from typing import Any, ParamSpec, TypeVar

from examples.order_processing.activities import (
    charge_payment,
    create_shipment,
    release_inventory,
    reserve_inventory,
    send_confirmation,
)
from examples.order_processing.models import Approval, Order, OrderResult, OrderStage, OrderStatus

from durable_workflow import ActivityFailed, ActivityRetryPolicy, WorkflowContext, workflow
from durable_workflow.workflow import ActivityStub

#: Orders at or above this total wait for a person to send the ``approve`` signal.
APPROVAL_THRESHOLD_CENTS = 100_000
#: How long an order waits for that decision by default before it is rejected.
APPROVAL_TIMEOUT_SECONDS = 24 * 3600

# Warehouse and mailer calls are safe to repeat, so transient faults are simply retried.
STEP_RETRY = ActivityRetryPolicy(max_attempts=3, initial_interval_seconds=1)
# A gateway timeout is worth retrying; a declined card is not: retrying would only annoy the bank.
PAYMENT_RETRY = ActivityRetryPolicy(
    max_attempts=3,
    initial_interval_seconds=1,
    backoff_coefficient=2,
    non_retryable_error_types=["PaymentDeclined"],
)
STEP_TIMEOUT_SECONDS = 30

P = ParamSpec("P")
R = TypeVar("R")


@workflow.defn(name="order-processing")
class OrderWorkflow:
    """Process one order from reservation to confirmation."""

    def __init__(self) -> None:
        self.stage = OrderStage.RECEIVED
        self.approval: Approval | None = None

    @workflow.signal("approve")
    def approve(self, decision: Approval) -> None:
        """A person's decision on a large order; only the first one counts."""
        if self.approval is None:
            self.approval = decision

    @workflow.query("stage")
    def current_stage(self) -> OrderStage:
        return self.stage

    def run(
        self, ctx: WorkflowContext, order: Order, approval_timeout_seconds: float = APPROVAL_TIMEOUT_SECONDS
    ) -> Generator[Any, Any, OrderResult]:
        if order.total_cents >= APPROVAL_THRESHOLD_CENTS:
            rejection = yield from self._wait_for_approval(ctx, approval_timeout_seconds)
            if rejection is not None:
                return OrderResult(order_id=order.order_id, status=OrderStatus.REJECTED, reason=rejection)

        self.stage = OrderStage.RESERVING
        reservation = yield from step(ctx, reserve_inventory)(order)

        self.stage = OrderStage.CHARGING
        try:
            receipt = yield from step(ctx, charge_payment, PAYMENT_RETRY)(order, reservation)
        except ActivityFailed as failure:
            # Compensation: the stock must not stay reserved for an order that will never ship.
            # The order ends as a "cancelled" result rather than a failed workflow: a declined card
            # is a normal business outcome the caller should handle, not an error in this code.
            self.stage = OrderStage.COMPENSATING
            yield from step(ctx, release_inventory)(reservation)
            self.stage = OrderStage.DONE
            reason = f"payment failed: {failure.message}"
            return OrderResult(order_id=order.order_id, status=OrderStatus.CANCELLED, reason=reason)

        self.stage = OrderStage.SHIPPING
        shipment = yield from step(ctx, create_shipment)(order, receipt)
        self.stage = OrderStage.CONFIRMING
        confirmation_id = yield from step(ctx, send_confirmation)(order, shipment)
        self.stage = OrderStage.DONE
        return OrderResult(
            order_id=order.order_id,
            status=OrderStatus.COMPLETED,
            payment_id=receipt.payment_id,
            payment_attempts=receipt.attempts,
            tracking_number=shipment.tracking_number,
            confirmation_id=confirmation_id,
        )

    def _wait_for_approval(self, ctx: WorkflowContext, timeout: float) -> Generator[Any, Any, str | None]:
        """Wait for the ``approve`` signal; the rejection reason, or None when approved."""
        self.stage = OrderStage.AWAITING_APPROVAL
        # The timeout is a durable timer: the wait survives worker restarts and costs nothing meanwhile.
        decided = yield from ctx.wait_condition(lambda: self.approval is not None, timeout=timeout)
        if not decided or self.approval is None:
            return f"no approval within {timeout:g}s"
        if not self.approval.approved:
            return f"rejected by {self.approval.approver}: {self.approval.note or 'no reason given'}"
        return None


def step(
    ctx: WorkflowContext, fn: Callable[P, Coroutine[Any, Any, R]], retry: ActivityRetryPolicy = STEP_RETRY
) -> ActivityStub[P, R]:
    """``ctx.activity`` with this workflow's timeout: keeps each step's call short and typed."""
    return ctx.activity(fn, start_to_close_timeout=STEP_TIMEOUT_SECONDS, retry_policy=retry)

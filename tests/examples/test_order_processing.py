"""The order-processing example: the script as a user runs it, and each path driven in-process."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from durable_workflow import WorkflowFailed
from durable_workflow.client import Client, WorkflowHandle
from durable_workflow.worker import Worker

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `examples` is a package at the repository root
    sys.path.insert(0, str(ROOT))

from examples.order_processing import activities, run  # noqa: E402
from examples.order_processing.models import (  # noqa: E402
    Approval,
    Order,
    OrderLine,
    OrderResult,
    OrderStage,
    OrderStatus,
)
from examples.order_processing.workflows import OrderWorkflow  # noqa: E402

MUG = OrderLine(sku="mug", quantity=2, unit_price_cents=1_250)
MACHINE = OrderLine(sku="espresso-machine", quantity=1, unit_price_cents=189_900)


def test_script_prints_the_three_outcomes() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "examples.order_processing.run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    lines = dict(line.split(": ", 1) for line in done.stdout.strip().splitlines())
    assert json.loads(lines["happy-path"]) == {
        "order_id": "A-100",
        "status": "completed",
        "payment_id": "pay-93bdb30a11",
        "payment_attempts": 2,
        "tracking_number": "TRK-07E0F15E0E",
        "confirmation_id": "msg-f73c4e569c",
    }
    assert json.loads(lines["payment-declined"]) == {
        "order_id": "A-101",
        "status": "cancelled",
        "reason": "payment failed: card declined for order A-101",
    }
    assert json.loads(lines["approval"])["status"] == "completed"
    assert lines["A-102"] == "waiting for approval; sending the approve signal"
    assert lines["reservations held"] == "['res-A-100', 'res-A-102']"


def test_script_against_a_running_server(live_server_url: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "examples.order_processing.run", live_server_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    statuses = [
        json.loads(line.split(": ", 1)[1])["status"] for line in done.stdout.splitlines() if "{" in line
    ]
    assert statuses == ["completed", "cancelled", "completed"]


@pytest.fixture
async def worker(client: Client) -> AsyncIterator[Worker]:
    async with run.new_worker(client) as running:
        yield running


def order(card_token: str, *lines: OrderLine) -> Order:
    return run.make_order(f"T-{uuid.uuid4().hex[:8]}", card_token, *lines)


async def test_happy_path_retries_the_flaky_gateway(client: Client, worker: Worker) -> None:
    result = await (await run.start_order(client, order(activities.CARD_FLAKY, MUG))).result(timeout=30)
    assert result.status is OrderStatus.COMPLETED
    assert result.payment_attempts == 2  # the first attempt timed out, the retry went through
    assert result.tracking_number and result.confirmation_id


async def test_declined_payment_releases_the_reservation(client: Client, worker: Worker) -> None:
    declined = order(activities.CARD_DECLINED, MUG)
    stock_before = activities.WAREHOUSE.stock["mug"]
    result = await (await run.start_order(client, declined)).result(timeout=30)
    assert result.status is OrderStatus.CANCELLED
    assert result.reason == f"payment failed: card declined for order {declined.order_id}"
    assert f"res-{declined.order_id}" not in activities.WAREHOUSE.reservations
    assert activities.WAREHOUSE.stock["mug"] == stock_before


async def test_out_of_stock_fails_the_order(client: Client, worker: Worker) -> None:
    handle = await run.start_order(
        client, order(activities.CARD_OK, OrderLine(sku="teapot", quantity=10_000, unit_price_cents=1))
    )
    with pytest.raises(WorkflowFailed, match="not enough 'teapot'"):
        await handle.result(timeout=30)


async def approval_pending(client: Client) -> WorkflowHandle[OrderResult]:
    handle = await run.start_order(client, order(activities.CARD_OK, MACHINE))
    await run.wait_for_stage(handle, OrderStage.AWAITING_APPROVAL)
    return handle


async def test_large_order_waits_for_the_approve_signal(client: Client, worker: Worker) -> None:
    handle = await approval_pending(client)
    await handle.signal("approve", [Approval(approved=True, approver="grace")])
    result = await handle.result(timeout=30)
    assert result.status is OrderStatus.COMPLETED and result.payment_attempts == 1


async def test_a_no_ends_the_order(client: Client, worker: Worker) -> None:
    handle = await approval_pending(client)
    await handle.signal("approve", [Approval(approved=False, approver="grace", note="fraud check")])
    result = await handle.result(timeout=30)
    assert result.status is OrderStatus.REJECTED
    assert result.reason == "rejected by grace: fraud check"


async def test_no_decision_before_the_timeout_rejects(client: Client, worker: Worker) -> None:
    stub = client.workflow(
        OrderWorkflow, workflow_id=f"order-timeout-{uuid.uuid4().hex[:6]}", task_queue=run.TASK_QUEUE
    )
    handle = await stub.start(order(activities.CARD_OK, MACHINE), 1)
    result = await handle.result(timeout=30)
    assert result.status is OrderStatus.REJECTED
    assert result.reason == "no approval within 1s"

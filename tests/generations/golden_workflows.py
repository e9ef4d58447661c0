"""Workflows that behave as the upstream golden-history cases describe (our own code).

Each is registered under the upstream case's workflow type, so the restated fixtures under
``tests/fixtures/golden_history/`` replay against them.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from durable_workflow import ChildWorkflowFailed, WorkflowContext, workflow


@workflow.defn(name="golden.single-activity")
class SingleActivity:
    def run(self, ctx: WorkflowContext, name: str) -> Generator[Any, Any, str]:
        greeting: str = yield ctx.schedule_activity("golden.greet", [name])
        return greeting


@workflow.defn(name="golden.signal-wait")
class SignalWait:
    def __init__(self) -> None:
        self.approved_by: str | None = None

    @workflow.signal("approve")
    def approve(self, who: str) -> None:
        self.approved_by = who

    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, dict[str, Any]]:
        yield ctx.wait_condition(lambda: self.approved_by is not None, timeout=30, key="approval")
        notified = yield ctx.schedule_activity("golden.notify", [self.approved_by])
        return {"approved_by": self.approved_by, "activity_result": notified}


@workflow.defn(name="golden.timeout-wait")
class TimeoutWait:
    def __init__(self) -> None:
        self.approved = False

    @workflow.signal("approve")
    def approve(self) -> None:
        self.approved = True

    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, str]:
        satisfied = yield ctx.wait_condition(lambda: self.approved, timeout=5, key="approval")
        return "approved" if satisfied else "timed-out"


@workflow.defn(name="golden.version-marker")
class VersionMarker:
    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, Any]:
        version = yield ctx.get_version("golden-version", 1, 2)
        if version >= 2:
            return (yield ctx.schedule_activity("golden.version-new-path", []))
        return (yield ctx.schedule_activity("golden.version-old-path", []))


@workflow.defn(name="golden.saga-compensation")
class SagaCompensation:
    def run(self, ctx: WorkflowContext, order_id: str) -> Generator[Any, Any, str]:
        reservation = yield ctx.schedule_activity("golden.reserve-inventory", [order_id])
        try:
            yield ctx.start_child_workflow("golden.charge-payment", [order_id])
        except ChildWorkflowFailed as failure:
            yield ctx.schedule_activity("golden.release-inventory", [order_id, reservation, failure.message])
            return "compensated"
        return "charged"


GOLDEN_WORKFLOWS = [SingleActivity, SignalWait, TimeoutWait, VersionMarker, SagaCompensation]

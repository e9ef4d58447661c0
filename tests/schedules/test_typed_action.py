"""`ScheduleAction.for_workflow`: a schedule action built from a workflow class and checked arguments."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from durable_workflow import workflow
from durable_workflow.client import Client
from durable_workflow.client._schedule_models import ScheduleAction, ScheduleSpec
from durable_workflow.workflow import WorkflowContext


class ReportRequest(BaseModel):
    title: str
    pages: int


@dataclass
class Options:
    fmt: str


@workflow.defn(name="make-report")
class ReportWorkflow:
    def run(
        self, ctx: WorkflowContext, request: ReportRequest, options: Options, urgent: bool = False
    ) -> Generator[Any, Any, str]:
        yield ctx.start_timer(1)
        return request.title


async def test_typed_action_converts_and_orders_arguments(client: Client) -> None:
    action = ScheduleAction.for_workflow(
        ReportWorkflow, task_queue="reports", run_timeout_seconds=60
    ).with_args(ReportRequest(title="Q1", pages=3), options=Options("pdf"), urgent=True)
    assert action.workflow_type == "make-report"
    assert action.task_queue == "reports" and action.run_timeout_seconds == 60
    assert action.input == [ReportRequest(title="Q1", pages=3), Options("pdf"), True]

    handle = await client.create_schedule(
        "typed", spec=ScheduleSpec(cron_expressions=["@daily"]), action=action
    )
    desc = await handle.describe()
    assert desc.action.workflow_type == "make-report"
    assert desc.action.input == [{"title": "Q1", "pages": 3}, {"fmt": "pdf"}, True]
    started = await handle.trigger()
    execution = await client.describe_workflow(started.workflow_id or "")
    assert execution.workflow_type == "make-report"
    assert execution.input == [{"title": "Q1", "pages": 3}, {"fmt": "pdf"}, True]
    assert execution.task_queue == "reports"

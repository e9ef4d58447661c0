"""The control-plane client: `Client`, `WorkflowHandle` and the result models."""

from durable_workflow.client._client import Client as Client
from durable_workflow.client._handle import WorkflowHandle as WorkflowHandle
from durable_workflow.client._models import (
    HistoryPage as HistoryPage,
    NamespaceDescription as NamespaceDescription,
    UpdateResult as UpdateResult,
    WorkflowExecution as WorkflowExecution,
    WorkflowList as WorkflowList,
)
from durable_workflow.client._negotiation import WireGeneration as WireGeneration
from durable_workflow.client._schedule_models import (
    OverlapPolicy as OverlapPolicy,
    ScheduleAction as ScheduleAction,
    ScheduleBackfillFire as ScheduleBackfillFire,
    ScheduleBackfillResult as ScheduleBackfillResult,
    ScheduleDescription as ScheduleDescription,
    ScheduleEvent as ScheduleEvent,
    ScheduleHistory as ScheduleHistory,
    ScheduleInterval as ScheduleInterval,
    ScheduleList as ScheduleList,
    ScheduleRecentAction as ScheduleRecentAction,
    ScheduleSpec as ScheduleSpec,
    ScheduleTriggerResult as ScheduleTriggerResult,
    WorkflowScheduleAction as WorkflowScheduleAction,
)
from durable_workflow.client._schedules import ScheduleHandle as ScheduleHandle
from durable_workflow.client._stub import WorkflowStub as WorkflowStub
from durable_workflow.client._transport import TransportRetryPolicy as TransportRetryPolicy

__all__ = [
    "Client",
    "OverlapPolicy",
    "ScheduleAction",
    "ScheduleBackfillFire",
    "ScheduleBackfillResult",
    "ScheduleDescription",
    "ScheduleEvent",
    "ScheduleHandle",
    "ScheduleHistory",
    "ScheduleInterval",
    "ScheduleList",
    "ScheduleRecentAction",
    "ScheduleSpec",
    "ScheduleTriggerResult",
    "HistoryPage",
    "NamespaceDescription",
    "TransportRetryPolicy",
    "UpdateResult",
    "WireGeneration",
    "WorkflowExecution",
    "WorkflowHandle",
    "WorkflowList",
    "WorkflowScheduleAction",
    "WorkflowStub",
]

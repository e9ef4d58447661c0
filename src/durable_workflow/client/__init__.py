"""The control-plane client: `Client`, `WorkflowHandle` and the result models."""

from durable_workflow.client._client import Client as Client
from durable_workflow.client._handle import WorkflowHandle as WorkflowHandle
from durable_workflow.client._models import (
    HistoryPage as HistoryPage,
)
from durable_workflow.client._models import (
    NamespaceDescription as NamespaceDescription,
)
from durable_workflow.client._models import (
    UpdateResult as UpdateResult,
)
from durable_workflow.client._models import (
    WorkflowExecution as WorkflowExecution,
)
from durable_workflow.client._models import (
    WorkflowList as WorkflowList,
)
from durable_workflow.client._stub import WorkflowStub as WorkflowStub
from durable_workflow.client._transport import TransportRetryPolicy as TransportRetryPolicy

__all__ = [
    "Client",
    "HistoryPage",
    "NamespaceDescription",
    "TransportRetryPolicy",
    "UpdateResult",
    "WorkflowExecution",
    "WorkflowHandle",
    "WorkflowList",
    "WorkflowStub",
]

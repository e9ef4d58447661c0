"""The worker: polls a task queue and runs workflow and activity code."""

from __future__ import annotations

from durable_workflow.worker._sessions import WorkerSession
from durable_workflow.worker._worker import Worker

__all__ = ["Worker", "WorkerSession"]

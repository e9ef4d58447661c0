"""Metrics recorders: anything with `increment` and `record` works; three are built in."""

from durable_workflow.metrics._names import (
    CLIENT_REQUEST_DURATION as CLIENT_REQUEST_DURATION,
    CLIENT_REQUESTS as CLIENT_REQUESTS,
    WORKER_POLL_DURATION as WORKER_POLL_DURATION,
    WORKER_POLLS as WORKER_POLLS,
    WORKER_TASK_DURATION as WORKER_TASK_DURATION,
    WORKER_TASKS as WORKER_TASKS,
)
from durable_workflow.metrics._prometheus import PrometheusMetrics as PrometheusMetrics
from durable_workflow.metrics._recorders import (
    InMemoryMetrics as InMemoryMetrics,
    MetricsRecorder as MetricsRecorder,
    NoopMetrics as NoopMetrics,
)

__all__ = [
    "CLIENT_REQUESTS",
    "CLIENT_REQUEST_DURATION",
    "InMemoryMetrics",
    "MetricsRecorder",
    "NoopMetrics",
    "PrometheusMetrics",
    "WORKER_POLLS",
    "WORKER_POLL_DURATION",
    "WORKER_TASKS",
    "WORKER_TASK_DURATION",
]

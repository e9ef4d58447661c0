"""The metric names the SDK emits, and the tags each one carries."""

from __future__ import annotations

CLIENT_REQUESTS = "durable_workflow_client_requests"
CLIENT_REQUEST_DURATION = "durable_workflow_client_request_duration_seconds"
WORKER_POLLS = "durable_workflow_worker_polls"
WORKER_POLL_DURATION = "durable_workflow_worker_poll_duration_seconds"
WORKER_TASKS = "durable_workflow_worker_tasks"
WORKER_TASK_DURATION = "durable_workflow_worker_task_duration_seconds"

CLIENT_TAGS = ("method", "route", "plane", "status_code", "outcome")
WORKER_TAGS = ("task_kind", "task_queue", "outcome")

#: name -> (kind, label names); Prometheus needs the label set fixed per name.
METRICS: dict[str, tuple[str, tuple[str, ...]]] = {
    CLIENT_REQUESTS: ("counter", CLIENT_TAGS),
    CLIENT_REQUEST_DURATION: ("histogram", CLIENT_TAGS),
    WORKER_POLLS: ("counter", WORKER_TAGS),
    WORKER_POLL_DURATION: ("histogram", WORKER_TAGS),
    WORKER_TASKS: ("counter", WORKER_TAGS),
    WORKER_TASK_DURATION: ("histogram", WORKER_TAGS),
}

"""The engine's records. Each is persisted as one JSON document (kind + key)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, TypeVar

__all__ = [
    "TERMINAL",
    "ActivityExecution",
    "ActivityStatus",
    "ActivityTaskStatus",
    "QueryStatus",
    "RunStatus",
    "TaskStatus",
    "TimerStatus",
    "UpdateStatus",
    "Doc",
    "Instance",
    "Namespace",
    "QueryTask",
    "Run",
    "SearchAttribute",
    "Timer",
    "Update",
    "Worker",
    "WorkflowTask",
    "from_doc",
    "status_bucket",
    "to_doc",
]

RunStatus = Literal["pending", "running", "waiting", "completed", "failed", "cancelled", "terminated"]
TaskStatus = Literal["ready", "leased", "completed", "failed", "cancelled"]
ActivityStatus = Literal["pending", "running", "completed", "failed", "timed_out", "cancelled"]
ActivityTaskStatus = Literal["ready", "leased", "closed"]
TimerStatus = Literal["pending", "fired", "cancelled"]
UpdateStatus = Literal["accepted", "completed", "failed"]
QueryStatus = Literal["ready", "leased", "completed", "failed"]
TERMINAL: frozenset[RunStatus] = frozenset({"completed", "failed", "cancelled", "terminated"})


def status_bucket(status: str) -> str:
    """The list filter's bucket of a run status: running, completed or failed."""
    return {"pending": "running", "running": "running", "waiting": "running", "completed": "completed"}.get(
        status, "failed"
    )


@dataclass
class Doc:
    """Base of every persisted record."""

    KIND: ClassVar[str] = ""

    @property
    def key(self) -> str:
        raise NotImplementedError


D = TypeVar("D", bound=Doc)


def to_doc(obj: Doc) -> dict[str, Any]:
    """The record's fields, shallow: it is serialised at once, so nested values need no copy."""
    return {name: getattr(obj, name) for name in _field_names(type(obj))}


_FIELDS: dict[type[Doc], tuple[tuple[str, ...], frozenset[str]]] = {}


def _fields_of(cls: type[Doc]) -> tuple[tuple[str, ...], frozenset[str]]:
    found = _FIELDS.get(cls)
    if found is None:
        names = tuple(f.name for f in dataclasses.fields(cls))
        found = _FIELDS[cls] = (names, frozenset(names))
    return found


def _field_names(cls: type[Doc]) -> tuple[str, ...]:
    return _fields_of(cls)[0]


def from_doc(cls: type[D], body: dict[str, Any]) -> D:
    names = _field_set(cls)
    return cls(**{k: v for k, v in body.items() if k in names})


def _field_set(cls: type[Doc]) -> frozenset[str]:
    return _fields_of(cls)[1]


@dataclass
class Namespace(Doc):
    KIND: ClassVar[str] = "namespace"
    name: str
    description: str | None = None
    retention_days: int = 30
    status: str = "active"
    external_payload_storage: dict[str, Any] | None = None
    created_at: float = 0.0
    updated_at: float = 0.0

    @property
    def key(self) -> str:
        return self.name


@dataclass
class SearchAttribute(Doc):
    KIND: ClassVar[str] = "search_attribute"
    namespace: str
    name: str
    type: str

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass
class Worker(Doc):
    KIND: ClassVar[str] = "worker"
    namespace: str
    worker_id: str
    task_queue: str
    runtime: str
    sdk_version: str | None = None
    build_id: str | None = None
    supported_workflow_types: list[str] = field(default_factory=list)
    supported_activity_types: list[str] = field(default_factory=list)
    workflow_definition_fingerprints: dict[str, str] = field(default_factory=dict)
    capabilities: list[str] = field(default_factory=list)
    max_concurrent_workflow_tasks: int = 100
    max_concurrent_activity_tasks: int = 100
    status: str = "active"
    last_heartbeat_at: float = 0.0
    registered_at: float = 0.0
    updated_at: float = 0.0

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.worker_id}"


@dataclass
class Instance(Doc):
    """A workflow id: the chain of runs that share it."""

    KIND: ClassVar[str] = "instance"
    workflow_id: str
    namespace: str
    workflow_type: str
    run_ids: list[str] = field(default_factory=list)
    created_at: float = 0.0

    @property
    def key(self) -> str:
        return self.workflow_id

    @property
    def current_run_id(self) -> str:
        return self.run_ids[-1]


@dataclass
class Run(Doc):
    KIND: ClassVar[str] = "run"
    run_id: str
    namespace: str
    workflow_id: str
    workflow_type: str
    task_queue: str
    run_number: int = 1
    status: RunStatus = "pending"
    closed_reason: str | None = None
    input_blob: str | None = None
    output_blob: str | None = None
    memo: dict[str, Any] = field(default_factory=dict)
    search_attributes: dict[str, Any] = field(default_factory=dict)
    business_key: str | None = None
    execution_timeout_seconds: int | None = None
    run_timeout_seconds: int | None = None
    execution_deadline_at: float | None = None
    run_deadline_at: float | None = None
    started_at: float = 0.0
    closed_at: float | None = None
    last_progress_at: float = 0.0
    wait_kind: str | None = None
    wait_reason: str | None = None
    last_sequence: int = 0
    created_order: int = 0
    # Parent link (child runs, their retries and continued runs).
    parent_run_id: str | None = None
    parent_sequence: int | None = None
    child_retry_policy: dict[str, Any] | None = None
    child_attempt: int = 1
    parent_close_policy: str = "abandon"
    # Engine state: the open batch of blocking steps (sequence -> kind), buffered resolution
    # events (sequence -> [event_type, payload]), the open condition wait and wake bookkeeping.
    batch: list[int] = field(default_factory=list)
    batch_kinds: dict[str, str] = field(default_factory=dict)
    batch_results: dict[str, list[Any]] = field(default_factory=dict)
    open_wait: dict[str, Any] | None = None
    wake_pending: bool = False
    wake_reason: str | None = None
    queued_updates: list[str] = field(default_factory=list)
    task_failures: int = 0
    children: dict[str, str] = field(default_factory=dict)  # sequence -> child workflow id
    # request_id -> command id (signals) / update id (updates): a retried request is answered
    # with the original outcome instead of being recorded twice.
    signal_requests: dict[str, str] = field(default_factory=dict)
    update_requests: dict[str, str] = field(default_factory=dict)
    open_task_id: str | None = None
    failure: dict[str, Any] | None = None
    continued_to_run_id: str | None = None

    @property
    def key(self) -> str:
        return self.run_id

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL


@dataclass
class WorkflowTask(Doc):
    KIND: ClassVar[str] = "workflow_task"
    task_id: str
    namespace: str
    run_id: str
    task_queue: str
    status: TaskStatus = "ready"
    available_at: float = 0.0
    created_order: int = 0
    attempt_count: int = 0
    lease_owner: str | None = None
    lease_expires_at: float | None = None
    poll_request_id: str | None = None
    workflow_update_id: str | None = None
    repair_count: int = 0
    reason: str | None = None

    @property
    def key(self) -> str:
        return self.task_id


@dataclass
class ActivityExecution(Doc):
    """An activity step and its current task; attempts are kept for fencing late reports."""

    KIND: ClassVar[str] = "activity"
    execution_id: str
    namespace: str
    run_id: str
    sequence: int
    activity_type: str
    task_queue: str
    arguments_blob: str | None
    retry_policy: dict[str, Any] | None = None
    start_to_close_timeout: int | None = None
    schedule_to_start_timeout: int | None = None
    schedule_to_close_timeout: int | None = None
    heartbeat_timeout: int | None = None
    status: ActivityStatus = "pending"
    attempt_count: int = 0
    task_id: str = ""
    task_status: ActivityTaskStatus = "ready"
    available_at: float = 0.0
    created_order: int = 0
    lease_owner: str | None = None
    lease_expires_at: float | None = None
    attempt_id: str | None = None
    scheduled_at: float = 0.0
    schedule_to_start_deadline: float | None = None
    schedule_to_close_deadline: float | None = None
    start_to_close_deadline: float | None = None
    heartbeat_deadline: float | None = None
    last_heartbeat_at: float | None = None
    cancel_reason: str | None = None
    past_task_ids: list[str] = field(default_factory=list)
    attempts: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.execution_id

    @property
    def is_open(self) -> bool:
        return self.status in ("pending", "running")


@dataclass
class Timer(Doc):
    KIND: ClassVar[str] = "timer"
    timer_id: str
    namespace: str
    run_id: str
    sequence: int
    fire_at: float
    delay_seconds: int
    status: TimerStatus = "pending"
    timer_kind: str | None = None  # None (user) | condition_timeout
    condition_wait_id: str | None = None

    @property
    def key(self) -> str:
        return self.timer_id


@dataclass
class Update(Doc):
    KIND: ClassVar[str] = "update"
    update_id: str
    namespace: str
    workflow_id: str
    run_id: str
    update_name: str
    arguments_blob: str | None
    command_id: str
    status: UpdateStatus = "accepted"
    request_id: str | None = None
    result_blob: str | None = None
    failure_message: str | None = None
    failure_id: str | None = None
    workflow_sequence: int | None = None
    accepted_at: float = 0.0
    applied_at: float | None = None
    closed_at: float | None = None

    @property
    def key(self) -> str:
        return self.update_id


@dataclass
class QueryTask:
    """An ephemeral worker-routed query (never persisted, like 0.2.10's cache-backed tasks)."""

    query_task_id: str
    namespace: str
    run_id: str
    workflow_id: str
    workflow_type: str
    task_queue: str
    query_name: str
    arguments_blob: str
    status: QueryStatus = "ready"
    attempt: int = 0
    lease_owner: str | None = None
    lease_expires_at: float | None = None
    created_at: float = 0.0
    result: Any = None
    result_envelope: dict[str, Any] | None = None
    failure: dict[str, Any] | None = None

"""Typed views of the server's control-plane answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from durable_workflow._time import parse_iso8601

R = TypeVar("R")
# An update's result before it completes; typed Any so `UpdateResult[R].result` can default to it.
_NOT_YET: Any = None

TERMINAL_STATUSES = frozenset({"completed", "failed", "cancelled", "canceled", "terminated"})


def _dict(value: Any) -> dict[str, Any]:
    """PHP sends an empty map as `[]`; treat anything that is not a mapping as empty."""
    return dict(value) if isinstance(value, Mapping) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_time(value: Any) -> datetime | None:
    """Parse both timestamp styles the server uses (`...000000Z` and `...+00:00`)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_iso8601(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class WorkflowExecution:
    """One workflow run as `describe` or `list` reports it.

    ``input`` and ``output`` are decoded plain JSON values; ``raw`` is the whole server answer.
    """

    workflow_id: str
    run_id: str | None
    workflow_type: str | None
    status: str
    namespace: str | None = None
    task_queue: str | None = None
    input: list[Any] = field(default_factory=list)
    output: Any = None
    payload_codec: str | None = None
    memo: dict[str, Any] = field(default_factory=dict)
    search_attributes: dict[str, Any] = field(default_factory=dict)
    status_bucket: str | None = None
    closed_reason: str | None = None
    run_number: int | None = None
    run_count: int | None = None
    business_key: str | None = None
    started_at: datetime | None = None
    closed_at: datetime | None = None
    wait_kind: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    __module__ = "durable_workflow"

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @classmethod
    def from_body(cls, body: Mapping[str, Any], *, input: list[Any], output: Any) -> WorkflowExecution:
        return cls(
            workflow_id=str(body.get("workflow_id", "")),
            run_id=_str(body.get("run_id")),
            workflow_type=_str(body.get("workflow_type")),
            status=str(body.get("status", "")),
            namespace=_str(body.get("namespace")),
            task_queue=_str(body.get("task_queue")),
            input=input,
            output=output,
            payload_codec=_str(body.get("payload_codec")),
            memo=_dict(body.get("memo")),
            search_attributes=_dict(body.get("search_attributes")),
            status_bucket=_str(body.get("status_bucket")),
            closed_reason=_str(body.get("closed_reason")),
            run_number=_int(body.get("run_number")),
            run_count=_int(body.get("run_count")),
            business_key=_str(body.get("business_key")),
            started_at=parse_time(body.get("started_at")),
            closed_at=parse_time(body.get("closed_at")),
            wait_kind=_str(body.get("wait_kind")),
            raw=dict(body),
        )


@dataclass(frozen=True)
class WorkflowList:
    """A page of `list_workflows`; pass ``next_page_token`` back to get the next page."""

    executions: list[WorkflowExecution]
    next_page_token: str | None = None

    __module__ = "durable_workflow"


@dataclass(frozen=True)
class UpdateResult(Generic[R]):
    """The answer to `update_workflow`.

    ``outcome`` is the server's word (``update_completed``, ``update_accepted``, ...), ``status``
    its update status, and ``result`` the handler's decoded return value once completed (``None``
    before then, whatever ``R`` says).
    """

    update_id: str | None
    outcome: str | None
    status: str | None
    result: R = _NOT_YET
    wait_timed_out: bool = False
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    __module__ = "durable_workflow"


@dataclass(frozen=True)
class HistoryPage:
    """One page of a run's history events (plain dicts as the server sends them)."""

    events: list[dict[str, Any]]
    next_page_token: str | None = None

    __module__ = "durable_workflow"


@dataclass(frozen=True)
class NamespaceDescription:
    """A namespace as the server describes it."""

    name: str
    description: str | None = None
    retention_days: int | None = None
    status: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    __module__ = "durable_workflow"

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> NamespaceDescription:
        return cls(
            name=str(body.get("name", "")),
            description=_str(body.get("description")),
            retention_days=_int(body.get("retention_days")),
            status=_str(body.get("status")),
            raw=dict(body),
        )

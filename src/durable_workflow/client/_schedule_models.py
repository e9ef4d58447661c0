"""Schedule definitions (`ScheduleSpec`, `ScheduleAction`) and typed views of schedule answers."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeAlias, TypeVar

from typing_extensions import ParamSpec

from durable_workflow.client._models import parse_time
from durable_workflow.client._routes import listed
from durable_workflow.client._stub import positional_arguments, workflow_type_name
from durable_workflow.payloads import to_json_compatible

if TYPE_CHECKING:
    from durable_workflow.client._stub import HasRun
    from durable_workflow.payloads import DataConverter

P = ParamSpec("P")
R = TypeVar("R")

#: What a fire does when the previous workflow of the schedule is still running.
OverlapPolicy = Literal["skip", "buffer_one", "buffer_all", "cancel_other", "terminate_other", "allow_all"]
#: A duration: a `timedelta`, seconds, or an ISO-8601 duration string such as ``"PT30M"``.
Duration: TypeAlias = "timedelta | int | float | str"
#: A point in time: an aware `datetime` (naive means UTC) or an ISO-8601 string.
TimeLike: TypeAlias = "datetime | str"


def duration_to_iso(value: Duration) -> str:
    """``timedelta(minutes=90)`` / ``5400`` → ``"PT1H30M"``; strings pass through unchanged."""
    if isinstance(value, str):
        return value
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"a duration must be a finite non-negative number of seconds, got {value!r}")
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    out = "P" + (f"{int(days)}D" if days else "")
    clock = "".join(f"{_num(n)}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (secs, "S")) if n)
    if clock or out == "P":
        out += "T" + (clock or "0S")
    return out


def _num(n: float) -> str:
    return str(int(n)) if float(n).is_integer() else repr(round(n, 6))


def time_to_iso(value: TimeLike) -> str:
    """A datetime (naive = UTC) or ISO string as the ISO-8601 text the server parses."""
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.isoformat()


@dataclass(frozen=True)
class ScheduleInterval:
    """Fire every ``every``, at boundaries ``offset + k * every`` counted from the Unix epoch."""

    every: Duration
    offset: Duration | None = None

    __module__ = "durable_workflow"

    def to_wire(self) -> dict[str, str]:
        wire = {"every": duration_to_iso(self.every)}
        if self.offset is not None:
            wire["offset"] = duration_to_iso(self.offset)
        return wire


@dataclass(frozen=True)
class ScheduleSpec:
    """When a schedule fires: cron expressions and/or intervals, whichever comes first.

    Cron expressions are standard five-field expressions (or ``@hourly``-style macros) read on the
    wall clock of ``timezone`` (an IANA name, default UTC). ``start_at``/``end_at`` bound the fires.
    """

    cron_expressions: Sequence[str] = field(default_factory=list)
    intervals: Sequence[ScheduleInterval | timedelta | Mapping[str, Any]] = field(default_factory=list)
    timezone: str | None = None
    start_at: TimeLike | None = None
    end_at: TimeLike | None = None

    __module__ = "durable_workflow"

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {}
        if self.cron_expressions:
            wire["cron_expressions"] = list(self.cron_expressions)
        if self.intervals:
            wire["intervals"] = [_interval_wire(i) for i in self.intervals]
        optional = {
            "timezone": self.timezone,
            "start_at": None if self.start_at is None else time_to_iso(self.start_at),
            "end_at": None if self.end_at is None else time_to_iso(self.end_at),
        }
        wire.update({k: v for k, v in optional.items() if v is not None})
        return wire

    @classmethod
    def from_wire(cls, body: Any) -> ScheduleSpec:
        data = body if isinstance(body, Mapping) else {}
        intervals = [
            ScheduleInterval(every=str(i.get("every")), offset=i.get("offset"))
            for i in listed(data.get("intervals"))
            if isinstance(i, Mapping)
        ]
        return cls(
            cron_expressions=[str(c) for c in listed(data.get("cron_expressions"))],
            intervals=intervals,
            timezone=data.get("timezone") if isinstance(data.get("timezone"), str) else None,
            start_at=parse_time(data.get("start_at")),
            end_at=parse_time(data.get("end_at")),
        )


def _interval_wire(item: ScheduleInterval | timedelta | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(item, ScheduleInterval):
        return item.to_wire()
    if isinstance(item, timedelta):
        return {"every": duration_to_iso(item)}
    return {k: duration_to_iso(v) if isinstance(v, timedelta) else v for k, v in item.items()}


@dataclass(frozen=True)
class ScheduleAction:
    """What each fire starts: a workflow type on a task queue with fixed input arguments.

    For a ``@workflow.defn`` class, ``ScheduleAction.for_workflow(Cls, task_queue=...).with_args(...)``
    checks the arguments against the class's ``run`` at type-check time.
    """

    workflow_type: str
    task_queue: str | None = None
    input: Sequence[Any] = field(default_factory=list)
    execution_timeout_seconds: int | None = None
    run_timeout_seconds: int | None = None

    __module__ = "durable_workflow"

    @classmethod
    def for_workflow(
        cls,
        workflow: type[HasRun[P, R]],
        *,
        task_queue: str | None = None,
        execution_timeout_seconds: int | None = None,
        run_timeout_seconds: int | None = None,
    ) -> WorkflowScheduleAction[P]:
        """Start building an action for a workflow class; finish it with ``.with_args(...)``."""
        return WorkflowScheduleAction(
            workflow,
            task_queue=task_queue,
            execution_timeout_seconds=execution_timeout_seconds,
            run_timeout_seconds=run_timeout_seconds,
        )

    def to_wire(self, converter: DataConverter) -> dict[str, Any]:
        wire: dict[str, Any] = {
            "workflow_type": self.workflow_type,
            "input": converter.envelope([to_json_compatible(a) for a in self.input]),
        }
        optional = {
            "task_queue": self.task_queue,
            "execution_timeout_seconds": self.execution_timeout_seconds,
            "run_timeout_seconds": self.run_timeout_seconds,
        }
        wire.update({k: v for k, v in optional.items() if v is not None})
        return wire

    @classmethod
    def from_wire(cls, body: Any, converter: DataConverter) -> ScheduleAction:
        data = body if isinstance(body, Mapping) else {}
        raw_input = data.get("input")
        if isinstance(raw_input, Mapping) and "blob" in raw_input:
            raw_input = converter.decode(raw_input)
        elif isinstance(raw_input, str):
            raw_input = converter.decode_blob(raw_input)
        return cls(
            workflow_type=str(data.get("workflow_type") or ""),
            task_queue=data.get("task_queue") if isinstance(data.get("task_queue"), str) else None,
            input=list(raw_input) if isinstance(raw_input, list) else [],
            execution_timeout_seconds=_int(data.get("execution_timeout_seconds")),
            run_timeout_seconds=_int(data.get("run_timeout_seconds")),
        )


class WorkflowScheduleAction(Generic[P]):
    """A `ScheduleAction` for a workflow class, waiting for its ``run`` arguments."""

    __module__ = "durable_workflow"

    def __init__(
        self,
        workflow: type[HasRun[P, Any]],
        *,
        task_queue: str | None,
        execution_timeout_seconds: int | None,
        run_timeout_seconds: int | None,
    ) -> None:
        self._cls = workflow
        self.workflow_type = workflow_type_name(workflow)
        self.task_queue = task_queue
        self.execution_timeout_seconds = execution_timeout_seconds
        self.run_timeout_seconds = run_timeout_seconds

    def with_args(self, *args: P.args, **kwargs: P.kwargs) -> ScheduleAction:
        """The finished action; arguments are checked against the workflow's ``run``."""
        return ScheduleAction(
            workflow_type=self.workflow_type,
            task_queue=self.task_queue,
            input=positional_arguments(self._cls.run, args, kwargs),
            execution_timeout_seconds=self.execution_timeout_seconds,
            run_timeout_seconds=self.run_timeout_seconds,
        )


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


@dataclass(frozen=True)
class ScheduleRecentAction:
    """One recent fire of a schedule: the workflow it started, or why it failed."""

    outcome: str | None
    fired_at: datetime | None
    workflow_id: str | None = None
    run_id: str | None = None
    reason: str | None = None

    __module__ = "durable_workflow"

    @classmethod
    def from_wire(cls, body: Mapping[str, Any]) -> ScheduleRecentAction:
        return cls(
            outcome=_str(body.get("outcome")),
            fired_at=parse_time(body.get("fired_at")),
            workflow_id=_str(body.get("workflow_id")),
            run_id=_str(body.get("run_id")),
            reason=_str(body.get("reason")),
        )


@dataclass(frozen=True)
class ScheduleDescription:
    """A schedule as `describe` (or one row of `list_schedules`) reports it.

    Reads the flat fields of newer servers and falls back to the nested ``state``/``info``
    blocks of server 0.2.10. ``raw`` is the whole answer.
    """

    schedule_id: str
    status: str | None
    spec: ScheduleSpec
    action: ScheduleAction
    overlap_policy: str | None = None
    note: str | None = None
    jitter_seconds: int = 0
    max_runs: int | None = None
    remaining_actions: int | None = None
    fires_count: int = 0
    failures_count: int = 0
    skipped_trigger_count: int = 0
    next_fire_at: datetime | None = None
    last_fired_at: datetime | None = None
    paused_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    memo: dict[str, Any] = field(default_factory=dict)
    search_attributes: dict[str, Any] = field(default_factory=dict)
    latest_workflow_instance_id: str | None = None
    recent_actions: list[ScheduleRecentAction] = field(default_factory=list)
    buffered_actions: list[dict[str, Any]] = field(default_factory=list)
    namespace: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    __module__ = "durable_workflow"

    @property
    def paused(self) -> bool:
        return self.status == "paused"

    @classmethod
    def from_wire(cls, body: Mapping[str, Any], converter: DataConverter) -> ScheduleDescription:
        state, info = _dict(body.get("state")), _dict(body.get("info"))

        def pick(key: str, block: dict[str, Any], nested: str | None = None) -> Any:
            value = body.get(key)
            return block.get(nested or key) if value is None else value

        recent = pick("recent_actions", info)
        return cls(
            schedule_id=str(body.get("schedule_id", "")),
            status=_str(pick("status", state)),
            spec=ScheduleSpec.from_wire(body.get("spec")),
            action=ScheduleAction.from_wire(body.get("action"), converter),
            overlap_policy=_str(body.get("overlap_policy")),
            note=_str(pick("note", state)),
            jitter_seconds=_int(body.get("jitter_seconds")) or 0,
            max_runs=_int(body.get("max_runs")),
            remaining_actions=_int(body.get("remaining_actions")),
            fires_count=_int(pick("fires_count", info)) or 0,
            failures_count=_int(pick("failures_count", info)) or 0,
            skipped_trigger_count=_int(pick("skipped_trigger_count", info)) or 0,
            next_fire_at=parse_time(pick("next_fire_at", info, "next_fire") or body.get("next_fire")),
            last_fired_at=parse_time(pick("last_fired_at", info, "last_fire") or body.get("last_fire")),
            paused_at=parse_time(pick("paused_at", state)),
            created_at=parse_time(body.get("created_at")),
            updated_at=parse_time(body.get("updated_at")),
            memo=_dict(body.get("memo")),
            search_attributes=_dict(body.get("search_attributes")),
            latest_workflow_instance_id=_str(body.get("latest_workflow_instance_id")),
            recent_actions=[
                ScheduleRecentAction.from_wire(a) for a in listed(recent) if isinstance(a, Mapping)
            ],
            buffered_actions=[
                dict(a) for a in listed(pick("buffered_actions", info)) if isinstance(a, Mapping)
            ],
            namespace=_str(body.get("namespace")),
            raw=dict(body),
        )


@dataclass(frozen=True)
class ScheduleList:
    """A page of `list_schedules`; pass ``next_page_token`` back for the next page."""

    schedules: list[ScheduleDescription]
    next_page_token: str | None = None

    __module__ = "durable_workflow"


@dataclass(frozen=True)
class ScheduleTriggerResult:
    """What one manual trigger did: ``triggered``, ``buffered``, ``buffer_full`` or ``skipped``."""

    schedule_id: str
    outcome: str | None
    workflow_id: str | None = None
    run_id: str | None = None
    reason: str | None = None
    buffer_depth: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    __module__ = "durable_workflow"

    @classmethod
    def from_wire(cls, body: Mapping[str, Any], schedule_id: str) -> ScheduleTriggerResult:
        return cls(
            schedule_id=str(body.get("schedule_id") or schedule_id),
            outcome=_str(body.get("outcome")),
            workflow_id=_str(body.get("workflow_id")),
            run_id=_str(body.get("run_id")),
            reason=_str(body.get("reason")),
            buffer_depth=_int(body.get("buffer_depth")),
            raw=dict(body),
        )


@dataclass(frozen=True)
class ScheduleBackfillFire:
    """One occurrence of a backfill: ``started``, ``skipped`` or ``failed``."""

    fire_time: datetime | None
    outcome: str | None
    workflow_id: str | None = None
    run_id: str | None = None
    reason: str | None = None

    __module__ = "durable_workflow"


@dataclass(frozen=True)
class ScheduleBackfillResult:
    """What a backfill did, occurrence by occurrence."""

    schedule_id: str
    outcome: str | None
    fires_attempted: int
    results: list[ScheduleBackfillFire] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    __module__ = "durable_workflow"

    @classmethod
    def from_wire(cls, body: Mapping[str, Any], schedule_id: str) -> ScheduleBackfillResult:
        results = [
            ScheduleBackfillFire(
                fire_time=parse_time(r.get("fire_time")),
                outcome=_str(r.get("outcome")),
                workflow_id=_str(r.get("workflow_id")),
                run_id=_str(r.get("run_id")),
                reason=_str(r.get("reason")),
            )
            for r in listed(body.get("results"))
            if isinstance(r, Mapping)
        ]
        return cls(
            schedule_id=str(body.get("schedule_id") or schedule_id),
            outcome=_str(body.get("outcome")),
            fires_attempted=_int(body.get("fires_attempted")) or 0,
            results=results,
            raw=dict(body),
        )


@dataclass(frozen=True)
class ScheduleEvent:
    """One entry of a schedule's history (``ScheduleCreated``, ``ScheduleTriggered``, ...)."""

    sequence: int
    event_type: str
    payload: dict[str, Any]
    recorded_at: datetime | None = None
    id: str | None = None
    workflow_instance_id: str | None = None
    workflow_run_id: str | None = None

    __module__ = "durable_workflow"


@dataclass(frozen=True)
class ScheduleHistory:
    """A page of a schedule's history; pass ``next_cursor`` as ``after_sequence`` for more."""

    schedule_id: str
    events: list[ScheduleEvent]
    has_more: bool = False
    next_cursor: int | None = None
    namespace: str | None = None

    __module__ = "durable_workflow"

    @classmethod
    def from_wire(cls, body: Mapping[str, Any], schedule_id: str) -> ScheduleHistory:
        events = [
            ScheduleEvent(
                sequence=int(e.get("sequence") or 0),
                event_type=str(e.get("event_type") or ""),
                payload=_dict(e.get("payload")),
                recorded_at=parse_time(e.get("recorded_at")),
                id=_str(e.get("id")),
                workflow_instance_id=_str(e.get("workflow_instance_id")),
                workflow_run_id=_str(e.get("workflow_run_id")),
            )
            for e in listed(body.get("events"))
            if isinstance(e, Mapping)
        ]
        cursor = body.get("next_cursor")
        return cls(
            schedule_id=str(body.get("schedule_id") or schedule_id),
            events=events,
            has_more=bool(body.get("has_more")),
            next_cursor=int(cursor) if isinstance(cursor, (int, str)) and str(cursor).isdigit() else None,
            namespace=_str(body.get("namespace")),
        )

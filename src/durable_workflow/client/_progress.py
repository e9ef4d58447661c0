"""What a run is doing, read from its history: decoded events, pending work, children, run links.

Shared by the command line and the dev server's web UI, which both show history to people:
payload blobs in event payloads are decoded to plain JSON values, and the open activities,
timers and children are found by pairing each scheduling event with its closing event.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from durable_workflow.payloads import DataConverter

__all__ = [
    "ChildLink",
    "EventView",
    "PendingActivity",
    "PendingTimer",
    "RunProgress",
    "decode_event",
    "progress_of",
]

# Event payload keys that hold an encoded payload blob (tagged by the event's ``payload_codec``).
_BLOB_KEYS = ("arguments", "input", "output", "result", "details")
_NOISE = frozenset(
    {
        "payload_codec",
        "retry_policy",
        "workflow_class",
        "activity_class",
        "exception",
        "sequence",
        "timestamp",
    }
)
_ACTIVITY_CLOSED = {"ActivityCompleted", "ActivityFailed", "ActivityTimedOut", "ActivityCancelled"}
_TIMER_CLOSED = {"TimerFired", "TimerCancelled"}
_CHILD_CLOSED = {
    "ChildRunCompleted": "completed",
    "ChildRunFailed": "failed",
    "ChildRunCancelled": "cancelled",
    "ChildRunTerminated": "terminated",
}


@dataclass(frozen=True)
class EventView:
    """One history event with its payload blobs decoded (``details``)."""

    sequence: int
    event_type: str
    recorded_at: str | None
    details: dict[str, Any]

    def summary(self) -> dict[str, Any]:
        """The details a person reads first: ids, fingerprints and policies left out."""
        return {
            key: value
            for key, value in self.details.items()
            if not key.endswith(("_id", "_ids", "_fingerprint", "_fingerprints")) and key not in _NOISE
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "sequence": self.sequence,
            "event_type": self.event_type,
            "recorded_at": self.recorded_at,
            "details": self.details,
        }


@dataclass
class PendingActivity:
    """An activity that was scheduled and has not closed yet."""

    sequence: int
    activity_type: str
    activity_id: str | None
    attempt: int = 0
    state: str = "scheduled"
    last_failure: str | None = None
    retry_at: str | None = None


@dataclass(frozen=True)
class PendingTimer:
    """A timer that has neither fired nor been cancelled."""

    sequence: int
    fire_at: str | None
    delay_seconds: int | None
    kind: str | None


@dataclass
class ChildLink:
    """A child workflow started by the run, with its last known status."""

    workflow_id: str
    run_id: str | None
    workflow_type: str | None
    status: str = "running"


@dataclass
class RunProgress:
    """Open work of a run and its links to other runs."""

    pending_activities: list[PendingActivity] = field(default_factory=list)
    pending_timers: list[PendingTimer] = field(default_factory=list)
    children: list[ChildLink] = field(default_factory=list)
    continued_from_run_id: str | None = None
    continued_to_run_id: str | None = None
    parent_workflow_id: str | None = None
    parent_run_id: str | None = None


def _decode(converter: DataConverter, value: Any, codec: str | None) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return converter.decode(value, default_codec=codec or "avro")
    except (ValueError, TypeError):
        return value  # not a blob after all: show it as the server sent it


def decode_event(converter: DataConverter, raw: Mapping[str, Any]) -> EventView:
    """A server history event, with its payload blobs decoded for display."""
    payload = raw.get("payload")
    details = dict(payload) if isinstance(payload, Mapping) else {}
    codec = details.get("payload_codec")
    for key in _BLOB_KEYS:
        if key in details:
            details[key] = _decode(converter, details[key], codec if isinstance(codec, str) else None)
    sequence = raw.get("sequence")
    recorded = raw.get("recorded_at") or raw.get("timestamp")
    return EventView(
        sequence=sequence if isinstance(sequence, int) else 0,
        event_type=str(raw.get("event_type", "")),
        recorded_at=recorded if isinstance(recorded, str) else None,
        details=details,
    )


def _failure_text(details: Mapping[str, Any]) -> str | None:
    message = details.get("message")
    kind = details.get("exception_type") or details.get("timeout_kind")
    if message is None and kind is None:
        return None
    return f"{kind}: {message}" if kind else str(message)


def _track_activity(open_: dict[int, PendingActivity], event: EventView) -> None:
    d, seq = event.details, event.details.get("sequence", event.sequence)
    if not isinstance(seq, int):
        return
    if event.event_type == "ActivityScheduled":
        activity_id = d.get("activity_execution_id")
        open_[seq] = PendingActivity(
            seq, str(d.get("activity_type", "")), activity_id if isinstance(activity_id, str) else None
        )
    elif event.event_type in _ACTIVITY_CLOSED:
        open_.pop(seq, None)
    elif (pending := open_.get(seq)) is not None:
        if event.event_type == "ActivityStarted":
            attempt = d.get("attempt_number")
            pending.attempt = attempt if isinstance(attempt, int) else pending.attempt + 1
            pending.state, pending.retry_at = "started", None
        elif event.event_type == "ActivityRetryScheduled":
            pending.state, pending.last_failure = "retrying", _failure_text(d)
            retry_at = d.get("retry_available_at")
            pending.retry_at = retry_at if isinstance(retry_at, str) else None


def _track_child(children: dict[int, ChildLink], event: EventView) -> None:
    d = event.details
    seq = d.get("sequence", event.sequence)
    child_id = d.get("child_workflow_instance_id")
    if not isinstance(seq, int) or not isinstance(child_id, str):
        return
    run_id = d.get("child_workflow_run_id")
    link = children.setdefault(
        seq, ChildLink(child_id, None, str(d.get("child_workflow_type") or "") or None)
    )
    link.workflow_id = child_id
    if isinstance(run_id, str):
        link.run_id = run_id
    link.status = _CHILD_CLOSED.get(event.event_type, link.status)


def _track_start(progress: RunProgress, details: Mapping[str, Any]) -> None:
    def text(key: str) -> str | None:
        value = details.get(key)
        return value if isinstance(value, str) else None

    progress.continued_from_run_id = text("continued_from_run_id")
    progress.parent_workflow_id = text("parent_workflow_instance_id")
    progress.parent_run_id = text("parent_workflow_run_id")


def progress_of(events: Iterable[EventView]) -> RunProgress:
    """Pair scheduling and closing events to find the run's open work and its links."""
    activities: dict[int, PendingActivity] = {}
    timers: dict[int, PendingTimer] = {}
    children: dict[int, ChildLink] = {}
    progress = RunProgress()
    for event in events:
        d, kind = event.details, event.event_type
        if kind.startswith("Activity"):
            _track_activity(activities, event)
        elif kind == "TimerScheduled" and isinstance(d.get("sequence"), int):
            delay = d.get("delay_seconds")
            timers[d["sequence"]] = PendingTimer(
                d["sequence"],
                d.get("fire_at") if isinstance(d.get("fire_at"), str) else None,
                delay if isinstance(delay, int) else None,
                d.get("timer_kind") if isinstance(d.get("timer_kind"), str) else None,
            )
        elif kind in _TIMER_CLOSED and isinstance(d.get("sequence"), int):
            timers.pop(d["sequence"], None)
        elif kind.startswith("Child"):
            _track_child(children, event)
        elif kind == "WorkflowStarted":
            _track_start(progress, d)
        elif kind == "WorkflowContinuedAsNew" and isinstance(d.get("continued_to_run_id"), str):
            progress.continued_to_run_id = d["continued_to_run_id"]
    progress.pending_activities = list(activities.values())
    progress.pending_timers = list(timers.values())
    progress.children = list(children.values())
    return progress

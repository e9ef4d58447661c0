"""Reading history: which step each event belongs to, and when things happened.

A *step* is one step-producing command (activity, timer, child workflow, side effect, version
marker, search-attribute upsert, condition wait). All events of a step share its
``payload.sequence``; steps are ordered by that sequence, which is how yielded commands are
correlated with history (the n-th step the code yields is the n-th step recorded).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from durable_workflow._time import parse_iso8601

__all__ = ["Classified", "Step", "StepTable", "classify", "event_time", "event_type", "payload_of"]

_ACTIVITY_OPEN = frozenset(
    {"ActivityScheduled", "ActivityStarted", "ActivityHeartbeatRecorded", "ActivityRetryScheduled"}
)
_CHILD_OPEN = frozenset({"ChildWorkflowScheduled", "ChildRunStarted"})
_CHILD_FAILED = {
    "ChildRunFailed": "failed",
    "ChildRunCancelled": "cancelled",
    "ChildRunTerminated": "terminated",
}
#: Steps recorded by one event, with nothing to wait for.
INSTANT_KINDS = frozenset({"side_effect", "version", "upsert", "memo"})
_INTERNAL_TIMERS = frozenset({"condition_timeout", "signal_timeout"})
#: Payload keys that identify a step when an event carries no sequence.
_ID_KEYS = {
    "activity": ("activity_execution_id",),
    "timer": ("timer_id",),
    "child": ("child_call_id", "workflow_link_id"),
    "wait": ("condition_wait_id",),
}


def event_type(event: Mapping[str, Any]) -> str:
    value = event.get("event_type") or event.get("type") or ""
    return str(value)


def payload_of(event: Mapping[str, Any]) -> Mapping[str, Any]:
    payload = event.get("payload")
    return payload if isinstance(payload, Mapping) else {}


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_iso8601(value).astimezone(timezone.utc)
    except ValueError:
        return None


def event_time(event: Mapping[str, Any]) -> datetime | None:
    """When the server recorded the event (``WorkflowStarted`` prefers its payload timestamp)."""
    if event_type(event) == "WorkflowStarted":
        stamp = _parse_time(payload_of(event).get("timestamp"))
        if stamp is not None:
            return stamp
    return _parse_time(event.get("recorded_at")) or _parse_time(event.get("timestamp"))


def _sequence(payload: Mapping[str, Any]) -> int | None:
    for key in ("sequence", "workflow_sequence"):
        value = payload.get(key)
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.isdigit():
            return int(value)
    return None


@dataclass(frozen=True)
class Classified:
    """What one event means for replay."""

    kind: str | None  # step kind, "signal", "update", or None
    role: str  # "open", "completed", "failed", "timed_out", "info", "receiver", "none"


def classify(event: Mapping[str, Any]) -> Classified:
    """Map an event to a step kind and the role it plays for that step."""
    et = event_type(event)
    payload = payload_of(event)
    if et in _ACTIVITY_OPEN or et == "ActivityCancelled":
        return Classified("activity", "open" if et in _ACTIVITY_OPEN else "info")
    if et == "ActivityCompleted":
        return Classified("activity", "completed")
    if et in ("ActivityFailed", "ActivityTimedOut"):
        return Classified("activity", "failed")
    if et.startswith("Timer"):
        timer_kind = payload.get("timer_kind")
        if timer_kind == "condition_timeout":
            return Classified("wait", "timed_out" if et == "TimerFired" else "info")
        if timer_kind in _INTERNAL_TIMERS:
            return Classified(None, "none")
        role = {"TimerScheduled": "open", "TimerFired": "completed", "TimerCancelled": "info"}.get(et, "none")
        return Classified("timer", role)
    if et in _CHILD_OPEN:
        return Classified("child", "open")
    if et == "ChildRunCompleted":
        return Classified("child", "completed")
    if et in _CHILD_FAILED:
        return Classified("child", "failed")
    simple = {"SideEffectRecorded": "side_effect", "VersionMarkerRecorded": "version"}
    if et in simple:
        return Classified(simple[et], "completed")
    if et == "SearchAttributesUpserted":
        return Classified("upsert", "completed")
    if et == "MemoUpserted":
        return Classified("memo", "completed")
    if et == "ConditionWaitOpened":
        return Classified("wait", "open")
    if et == "ConditionWaitTimedOut":
        return Classified("wait", "timed_out")
    if et == "ConditionWaitSatisfied":
        return Classified("wait", "info")
    if et == "SignalReceived":
        return Classified("signal", "receiver")
    if et == "UpdateApplied":
        return Classified("update", "receiver")
    return Classified(None, "none")


@dataclass
class Step:
    """One recorded step, with what history says about it so far."""

    sequence: int
    kind: str
    first_event: Mapping[str, Any]
    details: dict[str, Any] = field(default_factory=dict)
    #: Set while walking history, when the resolution event is reached.
    resolution: Mapping[str, Any] | None = None
    resolution_role: str | None = None
    #: Position in the step table.
    index: int = 0
    #: Condition waits: the walk has passed the ConditionWaitOpened event.
    walked_open: bool = False
    #: Condition waits: the server recorded ConditionWaitSatisfied / a timeout for this wait.
    settled: bool = False

    def describe(self) -> str:
        extra = ""
        for key in ("activity_type", "workflow_type", "change_id", "condition_key"):
            if self.details.get(key):
                extra = f" {self.details[key]!r}"
                break
        names = {
            "activity": "activity",
            "timer": "timer",
            "child": "child workflow",
            "side_effect": "side effect",
            "version": "version marker",
            "upsert": "search attributes upsert",
            "memo": "memo upsert",
            "wait": "condition wait",
        }
        return f"{names.get(self.kind, self.kind)}{extra}"


_DETAIL_KEYS = {
    "activity": (("activity_type", ("activity_type", "activity_name")),),
    "child": (("workflow_type", ("child_workflow_type", "workflow_type")),),
    "version": (("change_id", ("change_id",)), ("version", ("version",))),
    "wait": (
        ("condition_key", ("condition_key",)),
        ("fingerprint", ("condition_definition_fingerprint",)),
    ),
}


class StepTable:
    """All steps recorded in a (growing) history, ordered by sequence."""

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.by_sequence: dict[int, Step] = {}
        self._by_id: dict[tuple[str, str], Step] = {}
        self.accepted_updates: dict[str, Mapping[str, Any]] = {}
        self.start_time: datetime | None = None

    def __len__(self) -> int:
        return len(self.steps)

    def lookup(self, kind: str, event: Mapping[str, Any]) -> Step | None:
        """The step an event belongs to (by condition wait id, sequence, then other ids)."""
        payload = payload_of(event)
        if kind == "wait":
            wait_id = payload.get("condition_wait_id")
            if isinstance(wait_id, str) and ("wait", wait_id) in self._by_id:
                return self._by_id[("wait", wait_id)]
        seq = _sequence(payload)
        if seq is not None:
            step = self.by_sequence.get(seq)
            if step is not None and step.kind == kind:
                return step
        for key in _ID_KEYS.get(kind, ()):
            value = payload.get(key)
            if isinstance(value, str) and (kind, value) in self._by_id:
                return self._by_id[(kind, value)]
        return None

    def ingest(self, events: Sequence[Mapping[str, Any]]) -> bool:
        """Add the steps these events open. Returns False if a step arrived out of sequence order."""
        in_order = True
        for event in events:
            et = event_type(event)
            if et == "WorkflowStarted" and self.start_time is None:
                self.start_time = event_time(event)
            elif et in ("UpdateAccepted", "update_accepted"):
                update_id = payload_of(event).get("update_id")
                if isinstance(update_id, str):
                    self.accepted_updates[update_id] = event
            c = classify(event)
            if c.kind == "wait" and et != "ConditionWaitOpened" and c.role in ("info", "timed_out"):
                self._settle_wait(event, et)
            if c.kind is None or c.role in ("receiver", "none", "info", "timed_out"):
                continue
            step = self.lookup(c.kind, event)
            if step is None:
                step = self._open(c.kind, event)
                if step is None:
                    continue
                if self.steps and step.sequence < self.steps[-1].sequence:
                    in_order = False
                step.index = len(self.steps)
                self.steps.append(step)
            self._remember(step, event)
        if not in_order:
            self.steps.sort(key=lambda s: s.sequence)
            for index, step in enumerate(self.steps):
                step.index = index
        if self.start_time is None and events:
            self.start_time = event_time(events[0])
        return in_order

    def _settle_wait(self, event: Mapping[str, Any], et: str) -> None:
        if et not in ("ConditionWaitSatisfied", "ConditionWaitTimedOut", "TimerFired"):
            return
        step = self.lookup("wait", event)
        if step is not None:
            step.settled = True

    def reopened(self, index: int) -> bool:
        """Was wait ``index`` closed by the code re-opening it (the next step is the same wait)?"""
        if index + 1 >= len(self.steps):
            return False
        step, after = self.steps[index], self.steps[index + 1]
        if step.kind != "wait" or step.settled or step.resolution_role == "timed_out" or after.kind != "wait":
            return False
        return all(step.details.get(k) == after.details.get(k) for k in ("condition_key", "fingerprint"))

    def _open(self, kind: str, event: Mapping[str, Any]) -> Step | None:
        seq = _sequence(payload_of(event))
        if seq is None or (kind == "wait" and event_type(event) != "ConditionWaitOpened"):
            return None
        step = Step(sequence=seq, kind=kind, first_event=event)
        self.by_sequence[seq] = step
        return step

    def _remember(self, step: Step, event: Mapping[str, Any]) -> None:
        payload = payload_of(event)
        for key, sources in _DETAIL_KEYS.get(step.kind, ()):
            if key in step.details:
                continue
            for source in sources:
                if payload.get(source) not in (None, ""):
                    step.details[key] = payload[source]
                    break
        for key in _ID_KEYS.get(step.kind, ()):
            value = payload.get(key)
            if isinstance(value, str) and value:
                self._by_id[(step.kind, value)] = step
        if step.kind in INSTANT_KINDS:
            step.resolution, step.resolution_role = event, "completed"

"""Synthetic histories shaped like the dev server's, for replay-engine unit tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from durable_workflow.payloads import DataConverter

CONVERTER = DataConverter()
START = datetime(2026, 4, 20, 10, 0, 0, tzinfo=timezone.utc)


class History:
    """Appends events with history sequences and step (payload) sequences like the dev server."""

    def __init__(self, workflow_type: str = "wf") -> None:
        self.events: list[dict[str, Any]] = []
        self.step = 0
        self.clock = START
        self.event("StartAccepted", workflow_type=workflow_type)
        self.event("WorkflowStarted", workflow_type=workflow_type, timestamp=START.isoformat())

    def event(self, event_type: str, **payload: Any) -> dict[str, Any]:
        n = len(self.events) + 1
        self.clock += timedelta(seconds=1)
        event = {
            "id": f"ev-{n}",
            "sequence": n,
            "event_type": event_type,
            "payload": payload,
            "recorded_at": self.clock.isoformat().replace("+00:00", "Z"),
        }
        self.events.append(event)
        return event

    def next_step(self) -> int:
        self.step += 1
        return self.step

    def schedule(self, activity_type: str) -> int:
        seq = self.next_step()
        self.event(
            "ActivityScheduled", sequence=seq, activity_type=activity_type, activity_execution_id=f"ae-{seq}"
        )
        return seq

    def complete(self, seq: int, value: Any) -> None:
        self.event(
            "ActivityCompleted", sequence=seq, result=CONVERTER.encode_blob(value), payload_codec="avro"
        )

    def fail(self, seq: int, message: str, exception_type: str = "ValueError") -> None:
        self.event(
            "ActivityFailed",
            sequence=seq,
            message=message,
            exception_type=exception_type,
            exception_class=f"builtins.{exception_type}",
        )

    def timer(self, delay: int) -> int:
        seq = self.next_step()
        self.event("TimerScheduled", sequence=seq, delay_seconds=delay, timer_id=f"t-{seq}")
        return seq

    def fire(self, seq: int) -> None:
        self.event("TimerFired", sequence=seq, timer_id=f"t-{seq}")

    def signal(self, name: str, *args: Any) -> None:
        self.event(
            "SignalReceived",
            signal_name=name,
            arguments=CONVERTER.encode_blob(list(args)),
            payload_codec="avro",
        )

    def wait_opened(
        self, key: str | None = None, timeout: int | None = None, fingerprint: str | None = None
    ) -> int:
        seq = self.next_step()
        self.event(
            "ConditionWaitOpened",
            sequence=seq,
            condition_wait_id=f"cw-{seq}",
            condition_key=key,
            condition_definition_fingerprint=fingerprint,
        )
        if timeout:
            self.event(
                "TimerScheduled", sequence=seq, timer_kind="condition_timeout", condition_wait_id=f"cw-{seq}"
            )
        return seq

    def wait_timed_out(self, seq: int) -> None:
        self.event("TimerFired", sequence=seq, timer_kind="condition_timeout", condition_wait_id=f"cw-{seq}")

    def side_effect(self, value: Any) -> int:
        seq = self.next_step()
        self.event("SideEffectRecorded", sequence=seq, result=CONVERTER.encode_blob(value))
        return seq

    def version(self, change_id: str, version: int) -> int:
        seq = self.next_step()
        self.event("VersionMarkerRecorded", sequence=seq, change_id=change_id, version=version)
        return seq

    def child(self, workflow_type: str) -> int:
        seq = self.next_step()
        self.event(
            "ChildWorkflowScheduled",
            sequence=seq,
            child_workflow_type=workflow_type,
            child_call_id=f"c-{seq}",
        )
        return seq

    def child_completed(self, seq: int, value: Any) -> None:
        self.event(
            "ChildRunCompleted", sequence=seq, output=CONVERTER.encode_blob(value), payload_codec="avro"
        )


def decode(envelope: dict[str, Any]) -> Any:
    return CONVERTER.decode(envelope)

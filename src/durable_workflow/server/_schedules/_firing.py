"""What a schedule does when it fires: the overlap policies, workflow starts and bookkeeping.

Every function here runs inside one engine operation (under the engine lock), so the workflow
start and the schedule's state change are decided together.
"""

from __future__ import annotations

import hashlib
import math
from typing import TYPE_CHECKING, Any

from durable_workflow.server._engine._errors import EngineError
from durable_workflow.server._engine._model import Run
from durable_workflow.server._ids import iso_offset, new_id
from durable_workflow.server._schedules._spec import compile_spec, jitter_offset, next_occurrence
from durable_workflow.server._schedules._store import Schedule, ScheduleEventRow

if TYPE_CHECKING:
    from durable_workflow.server._engine import Engine

__all__ = ["Firing", "derive_workflow_id"]

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
_RECENT_LIMIT = 10


def derive_workflow_id(schedule: Schedule, fire_key: str, at: float) -> str:
    """A ULID-shaped workflow id fixed by the schedule, the fire and its time.

    The time part is `at` (milliseconds) and the rest a hash, so a fire retried after a crash
    derives the same id and finds the workflow it already started instead of starting another.
    """
    digest = hashlib.sha256(
        f"{schedule.namespace}\0{schedule.schedule_id}\0{schedule.incarnation}\0{fire_key}".encode()
    ).digest()
    value = ((int(at * 1000) & (2**48 - 1)) << 80) | int.from_bytes(digest[:10], "big")
    return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))


class Firing:
    """The trigger algorithm over one engine; subclasses keep the schedules and persist changes."""

    engine: Engine
    _dirty: dict[tuple[str, str], Schedule]
    _events: list[ScheduleEventRow]

    # -- bookkeeping -------------------------------------------------------------------------

    def touch(self, s: Schedule) -> None:
        s.updated_at = self.engine.clock.now()
        self._dirty[s.key] = s

    def record(
        self,
        s: Schedule,
        event_type: str,
        payload: dict[str, Any],
        *,
        workflow_id: str | None = None,
        run_id: str | None = None,
    ) -> int:
        s.last_sequence += 1
        self._events.append(
            ScheduleEventRow(
                s.namespace,
                s.schedule_id,
                s.last_sequence,
                new_id(),
                event_type,
                payload,
                iso_offset(self.engine.clock.now()) or "",
                workflow_id,
                run_id,
            )
        )
        self._dirty[s.key] = s
        return s.last_sequence

    def plan_next(self, s: Schedule, after: float) -> None:
        """Set the next occurrence strictly after `after` and its jittered fire time."""
        if s.status == "deleted":
            s.next_occurrence = s.next_fire_at = None
            return
        nxt = next_occurrence(compile_spec(s.spec), after)
        s.next_occurrence = nxt
        s.next_fire_at = (
            None
            if nxt is None
            else nxt + jitter_offset(f"{s.namespace}/{s.schedule_id}", nxt, s.jitter_seconds)
        )
        self._dirty[s.key] = s

    def advance_after_fire(self, s: Schedule, now: float) -> None:
        """Plan the fire after a scheduled one. Fires missed while the server was down (or paused)
        are not made up: the next fire is the first occurrence after now, less the jitter window."""
        occurrence = s.next_occurrence if s.next_occurrence is not None else now
        self.plan_next(s, max(occurrence, now - s.jitter_seconds))

    # -- the trigger algorithm ---------------------------------------------------------------

    def running_run(self, s: Schedule) -> Run | None:
        """The current run of the schedule's latest workflow, if it is still open."""
        instance = self.engine.instances.get(s.latest_workflow_instance_id or "")
        if instance is None or instance.namespace != s.namespace:
            return None
        run = self.engine.runs.get(instance.current_run_id)
        return None if run is None or run.is_terminal else run

    def attempt(
        self, s: Schedule, *, policy: str, kind: str, fire_key: str, occurrence: float | None
    ) -> dict[str, Any]:
        """Fire once: skip, buffer, or (after stopping an overlapping run) start a workflow."""
        if s.status != "active":
            return self.skip(s, "status_not_triggerable")
        if s.remaining_actions is not None and s.remaining_actions <= 0:
            return self.skip(s, "remaining_actions_exhausted")
        running = self.running_run(s)
        if running is not None:
            if policy in ("buffer_one", "buffer_all"):
                return self.buffer(s, policy, fire_key, occurrence)
            if policy == "skip":
                return self.skip(s, "overlap_policy_skip")
            if policy in ("cancel_other", "terminate_other"):
                self.engine.terminate_run(
                    running,
                    f"Schedule overlap: {policy} policy applied.",
                    kind="cancel" if policy == "cancel_other" else "terminate",
                )
        return self.start(s, policy=policy, kind=kind, fire_key=fire_key, occurrence=occurrence)

    def skip(self, s: Schedule, reason: str) -> dict[str, Any]:
        now = self.engine.clock.now()
        s.skipped_trigger_count += 1
        s.last_skip_reason = reason
        s.last_skipped_at = now
        self.touch(s)
        self.record(
            s,
            "ScheduleTriggerSkipped",
            {
                "reason": reason,
                "skipped_trigger_count": s.skipped_trigger_count,
                "last_skipped_at": iso_offset(now),
            },
        )
        return {"outcome": "skipped", "reason": reason}

    def buffer(self, s: Schedule, policy: str, fire_key: str, occurrence: float | None) -> dict[str, Any]:
        if policy == "buffer_one" and s.buffered_actions:
            self.skip(s, "buffer_full")
            return {"outcome": "buffer_full", "reason": "A buffered fire is already waiting (buffer_one)."}
        now = self.engine.clock.now()
        s.buffered_actions.append(
            {
                "buffered_at": iso_offset(now),
                "fire_key": fire_key,
                "occurrence_time": iso_offset(occurrence),
                "occurrence": occurrence,
            }
        )
        self.touch(s)
        self.record(
            s,
            "ScheduleTriggered",
            {
                "outcome": "buffered",
                "effective_overlap_policy": policy,
                "buffer_depth": len(s.buffered_actions),
                "occurrence_time": iso_offset(occurrence),
            },
        )
        return {"outcome": "buffered", "buffer_depth": len(s.buffered_actions)}

    def start(
        self, s: Schedule, *, policy: str, kind: str, fire_key: str, occurrence: float | None
    ) -> dict[str, Any]:
        """Start the action's workflow through the engine's normal start path."""
        now = self.engine.clock.now()
        workflow_id = derive_workflow_id(s, fire_key, occurrence if occurrence is not None else now)
        try:
            run = self._start_run(s, workflow_id, policy)
        except EngineError as exc:
            return self.fail(s, exc.message)
        s.fires_count += 1
        s.last_fired_at = now
        s.latest_workflow_instance_id = workflow_id
        if s.remaining_actions is not None:
            s.remaining_actions -= 1
        outcome = {"scheduled": "scheduled", "drain": "drained", "backfill": "backfilled"}.get(
            kind, "scheduled"
        )
        self._remember(
            s,
            {
                "workflow_id": workflow_id,
                "run_id": run.run_id,
                "outcome": outcome,
                "fired_at": iso_offset(now),
            },
        )
        triggered = {
            "workflow_instance_id": workflow_id,
            "workflow_run_id": run.run_id,
            "outcome": outcome,
            "effective_overlap_policy": policy,
            "trigger_number": s.fires_count,
            "occurrence_time": iso_offset(occurrence),
        }
        self.record(s, "ScheduleTriggered", triggered)
        self.engine.append_event(run, "ScheduleTriggered", {"schedule_id": s.schedule_id, **triggered})
        if s.remaining_actions is not None and s.remaining_actions <= 0:
            self.delete(s, "max_runs_exhausted")
        return {"outcome": "triggered", "workflow_id": workflow_id, "run_id": run.run_id}

    def _start_run(self, s: Schedule, workflow_id: str, policy: str) -> Run:
        instance = self.engine.instances.get(workflow_id)
        if instance is not None and instance.namespace == s.namespace:
            return self.engine.runs[instance.current_run_id]  # this fire already started it
        action = s.action
        body: dict[str, Any] = {
            "workflow_id": workflow_id,
            "workflow_type": action.get("workflow_type"),
            "task_queue": action.get("task_queue"),
            "input": action.get("input"),
            "execution_timeout_seconds": action.get("execution_timeout_seconds"),
            "run_timeout_seconds": action.get("run_timeout_seconds"),
            "memo": s.memo,
            "search_attributes": s.search_attributes,
            "duplicate_policy": "use-existing" if policy == "skip" else None,
        }
        _, answer = self.engine.workflows.start_workflow(
            s.namespace, {k: v for k, v in body.items() if v is not None}
        )
        return self.engine.runs[answer["run_id"]]

    def fail(self, s: Schedule, reason: str) -> dict[str, Any]:
        s.failures_count += 1
        self._remember(
            s, {"outcome": "failed", "reason": reason, "fired_at": iso_offset(self.engine.clock.now())}
        )
        self.touch(s)
        self.record(s, "ScheduleTriggered", {"outcome": "failed", "reason": reason})
        return {"outcome": "failed", "reason": reason}

    def _remember(self, s: Schedule, action: dict[str, Any]) -> None:
        s.recent_actions = [*s.recent_actions, action][-_RECENT_LIMIT:]
        self.touch(s)

    def delete(self, s: Schedule, reason: str) -> None:
        now = self.engine.clock.now()
        s.status = "deleted"
        s.deleted_at = now
        s.buffered_actions = []
        s.next_occurrence = s.next_fire_at = None
        self.touch(s)
        self.record(s, "ScheduleDeleted", {"reason": reason, "deleted_at": iso_offset(now)})

    # -- the scheduler's pass ----------------------------------------------------------------

    def drain(self, s: Schedule) -> None:
        """Start one buffered fire if the schedule's latest workflow has closed."""
        if s.status != "active" or not s.buffered_actions or self.running_run(s) is not None:
            return
        entry = s.buffered_actions.pop(0)
        self.touch(s)
        occurrence = entry.get("occurrence")
        self.attempt(
            s,
            policy="allow_all",
            kind="drain",
            fire_key=f"drain:{entry.get('fire_key')}",
            occurrence=float(occurrence) if occurrence is not None else None,
        )

    def fire_due(self, s: Schedule, now: float) -> None:
        """A scheduled fire whose time has come (at most one per pass; see `advance_after_fire`)."""
        occurrence = s.next_occurrence if s.next_occurrence is not None else now
        self.attempt(
            s,
            policy=s.overlap_policy,
            kind="scheduled",
            fire_key=f"scheduled:{occurrence:.3f}",
            occurrence=occurrence,
        )
        if s.status == "active":
            self.advance_after_fire(s, now)

    @staticmethod
    def due_time(s: Schedule) -> float:
        return s.next_fire_at if s.next_fire_at is not None else math.inf

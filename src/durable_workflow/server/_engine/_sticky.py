"""Sticky execution: route a run's workflow tasks to the worker that holds its state.

A sticky-capable worker (registered with the ``sticky_execution`` capability) that completes a
workflow task with a ``sticky_cache`` claim becomes the run's sticky owner until ``sticky_until``
(its requested TTL, capped by the server). The server also remembers the last history sequence
it delivered to that task: the worker's *retained point*. While stickiness lasts, the run's next
ready task is held for the owner for at most ``schedule_to_start`` seconds; the owner claims it
as ``sticky_hit_expected`` and receives only the events after its retained point. Anyone else
(after the hold, after expiry, or when the owner is gone) claims it as ``forced_cold_replay``
and gets the whole history. Durable history stays the only source of truth: stickiness is
routing metadata, never persisted state a worker could depend on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from durable_workflow.server._engine._model import Run, Worker, WorkflowTask

__all__ = [
    "COLD_REPLAY",
    "FORCED_COLD_REPLAY",
    "STICKY_HIT_EXPECTED",
    "StickyPolicy",
    "capability",
    "clear",
    "hold_ends_at",
    "record_claim",
    "replay_mode",
]

STICKY_HIT_EXPECTED = "sticky_hit_expected"
COLD_REPLAY = "cold_replay"
FORCED_COLD_REPLAY = "forced_cold_replay"
CAPABILITY = "sticky_execution"


@dataclass(frozen=True)
class StickyPolicy:
    """How long stickiness may last, and how long a ready task waits for its sticky owner."""

    max_ttl_seconds: float = 300.0
    schedule_to_start_seconds: float = 5.0


def capability(policy: StickyPolicy) -> dict[str, Any]:
    """The ``sticky_execution`` entry of the server capabilities (current generation)."""
    return {
        "supported": True,
        "minimum_protocol_version": "1.18",
        "routing_identity": "worker_id",
        "correctness_fallback": "cold_replay",
        "replay_modes": [STICKY_HIT_EXPECTED, COLD_REPLAY, FORCED_COLD_REPLAY],
        "max_ttl_seconds": int(policy.max_ttl_seconds),
        "schedule_to_start_seconds": policy.schedule_to_start_seconds,
        "warm_delivery": "after_retained_sequence",
    }


def owner_usable(owner: Worker | None, fresh: bool) -> bool:
    return owner is not None and fresh and owner.status == "active" and CAPABILITY in owner.capabilities


def hold_ends_at(run: Run, task: WorkflowTask, policy: StickyPolicy) -> float | None:
    """Until when a ready task of ``run`` is reserved for its sticky owner (None: not reserved)."""
    if run.sticky_worker_id is None or run.sticky_until is None or task.workflow_update_id is not None:
        return None
    return min(run.sticky_until, task.available_at + policy.schedule_to_start_seconds)


def replay_mode(run: Run, worker_id: str, now: float) -> str:
    """What the claiming worker should expect (the upstream engine's three modes)."""
    if run.sticky_worker_id is None:
        return COLD_REPLAY
    if run.sticky_until is None or run.sticky_until <= now or run.sticky_worker_id != worker_id:
        return FORCED_COLD_REPLAY
    return STICKY_HIT_EXPECTED


def record_claim(
    run: Run, task: WorkflowTask, claim: Any, owner: Worker | None, now: float, policy: StickyPolicy
) -> bool:
    """Adopt a completion's ``sticky_cache`` claim; any doubt clears stickiness instead."""
    valid = (
        isinstance(claim, dict)
        and owner is not None
        and CAPABILITY in owner.capabilities
        and claim.get("worker_id") == task.lease_owner
        and claim.get("run_id") == run.run_id
        and claim.get("workflow_id") == run.workflow_id
        and task.workflow_update_id is None
        and task.delivered_sequence > 0
    )
    if not valid or run.is_terminal:
        clear(run)
        return False
    ttl = claim.get("ttl_seconds")
    asked = isinstance(ttl, int) and not isinstance(ttl, bool) and ttl > 0
    seconds = float(ttl) if asked else policy.max_ttl_seconds
    run.sticky_worker_id = task.lease_owner
    run.sticky_until = now + min(seconds, policy.max_ttl_seconds)
    run.sticky_sequence = task.delivered_sequence
    return True


def clear(run: Run) -> None:
    run.sticky_worker_id = None
    run.sticky_until = None
    run.sticky_sequence = 0

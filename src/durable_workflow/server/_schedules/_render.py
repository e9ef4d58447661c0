"""JSON views of schedules: 0.2.10's nested ``state``/``info`` blocks plus the newer flat fields."""

from __future__ import annotations

from typing import Any

from durable_workflow.server._ids import iso_offset
from durable_workflow.server._schedules._store import Schedule, ScheduleEventRow

__all__ = ["describe_body", "event_body", "list_item"]


def _recent(s: Schedule) -> list[dict[str, Any]]:
    return [dict(a) for a in s.recent_actions]


def _buffered(s: Schedule) -> list[dict[str, Any]]:
    return [
        {"buffered_at": b.get("buffered_at"), "occurrence_time": b.get("occurrence_time")}
        for b in s.buffered_actions
    ]


def describe_body(s: Schedule) -> dict[str, Any]:
    """``GET /schedules/{id}``."""
    next_fire, last_fire = iso_offset(s.next_fire_at), iso_offset(s.last_fired_at)
    paused_at = iso_offset(s.paused_at) if s.status == "paused" else None
    return {
        "schedule_id": s.schedule_id,
        "namespace": s.namespace,
        "spec": s.spec,
        "action": s.action,
        "overlap_policy": s.overlap_policy,
        "state": {"status": s.status, "paused": s.status == "paused", "note": s.note, "paused_at": paused_at},
        "info": {
            "next_fire": next_fire,
            "last_fire": last_fire,
            "fires_count": s.fires_count,
            "failures_count": s.failures_count,
            "recent_actions": _recent(s),
            "buffered_actions": _buffered(s),
            "skipped_trigger_count": s.skipped_trigger_count,
            "last_skip_reason": s.last_skip_reason,
            "last_skipped_at": iso_offset(s.last_skipped_at),
        },
        "memo": s.memo,
        "search_attributes": s.search_attributes,
        "created_at": iso_offset(s.created_at),
        "updated_at": iso_offset(s.updated_at),
        "jitter_seconds": s.jitter_seconds,
        "max_runs": s.max_runs,
        "remaining_actions": s.remaining_actions,
        "latest_workflow_instance_id": s.latest_workflow_instance_id,
        # The flat copies newer SDKs read.
        "status": s.status,
        "paused": s.status == "paused",
        "note": s.note,
        "paused_at": paused_at,
        "next_fire_at": next_fire,
        "last_fired_at": last_fire,
        "fires_count": s.fires_count,
        "failures_count": s.failures_count,
        "skipped_trigger_count": s.skipped_trigger_count,
        "recent_actions": _recent(s),
        "buffered_actions": _buffered(s),
    }


def list_item(s: Schedule) -> dict[str, Any]:
    """One row of ``GET /schedules``: the describe fields plus 0.2.10's list keys."""
    item = describe_body(s)
    item.update(
        workflow_type=s.action.get("workflow_type"),
        next_fire=item["next_fire_at"],
        last_fire=item["last_fired_at"],
    )
    if not s.jitter_seconds:
        del item["jitter_seconds"]
    for key in ("max_runs", "remaining_actions"):
        if item[key] is None:
            del item[key]
    return item


def event_body(e: ScheduleEventRow) -> dict[str, Any]:
    return {
        "id": e.id,
        "sequence": e.sequence,
        "event_type": e.event_type,
        "payload": e.payload,
        "workflow_instance_id": e.workflow_instance_id,
        "workflow_run_id": e.workflow_run_id,
        "recorded_at": e.recorded_at,
    }

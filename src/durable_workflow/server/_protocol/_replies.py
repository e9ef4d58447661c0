"""Control-plane wire bodies rendered from the engine's result records."""

from __future__ import annotations

from typing import Any

from durable_workflow.server._engine._model import status_bucket
from durable_workflow.server._engine._results import (
    CommandOutcome,
    QueryAnswer,
    RunView,
    StartOutcome,
    UpdateOutcome,
)
from durable_workflow.server._ids import iso, iso_offset
from durable_workflow.server._payload import CODEC, PayloadInvalid, decode_blob, envelope

__all__ = [
    "render_command",
    "render_query",
    "render_run",
    "render_run_list",
    "render_run_summary",
    "render_start",
    "render_update",
    "render_workflow_list",
]


def render_start(s: StartOutcome) -> dict[str, Any]:
    return {
        "workflow_id": s.workflow_id,
        "run_id": s.run_id,
        "workflow_type": s.workflow_type,
        "namespace": s.namespace,
        "status": s.status,
        "business_key": s.business_key,
        "payload_codec": CODEC,
        "outcome": s.outcome,
    }


def render_command(c: CommandOutcome) -> dict[str, Any]:
    body: dict[str, Any] = {
        "outcome": c.outcome,
        "workflow_id": c.workflow_id,
        "run_id": c.run_id,
        "requested_run_id": None,
        "resolved_run_id": c.run_id,
        "command_id": c.command_id,
        "command_sequence": c.command_sequence,
        "target_scope": "instance",
        "workflow_type": c.workflow_type,
        "command_status": "accepted",
        "command_source": "control_plane",
        "reason": c.reason,
        "rejection_reason": None,
        "validation_errors": [],
    }
    if c.signal_name is not None:
        body["signal_name"] = c.signal_name
    return body


def render_query(q: QueryAnswer) -> dict[str, Any]:
    return {
        "success": True,
        "workflow_id": q.workflow_id,
        "run_id": q.run_id,
        "target_scope": "instance",
        "query_name": q.query_name,
        "result": q.result,
        "result_envelope": q.result_envelope,
        "reason": None,
    }


def render_run_summary(view: RunView) -> dict[str, Any]:
    """A run as lists show it."""
    run = view.run
    return {
        "workflow_id": run.workflow_id,
        "run_id": run.run_id,
        "namespace": run.namespace,
        "workflow_type": run.workflow_type,
        "business_key": run.business_key,
        "status": run.status,
        "status_bucket": status_bucket(run.status),
        "is_terminal": run.is_terminal,
        "closed_reason": run.closed_reason,
        "task_queue": run.task_queue,
        "run_number": run.run_number,
        "run_count": view.run_count,
        "is_current_run": view.is_current_run,
        "compatibility": None,
        "payload_codec": CODEC,
        "memo": run.memo,
        "search_attributes": run.search_attributes,
        "started_at": iso(run.started_at),
        "closed_at": iso(run.closed_at),
        "last_progress_at": iso_offset(run.last_progress_at),
        "wait_kind": run.wait_kind,
        "wait_reason": run.wait_reason,
    }


def render_run(view: RunView) -> dict[str, Any]:
    """A run as describe shows it: the summary plus timeouts, payloads and allowed actions."""
    run = view.run
    open_ = not run.is_terminal
    return {
        **render_run_summary(view),
        "execution_timeout_seconds": run.execution_timeout_seconds,
        "run_timeout_seconds": run.run_timeout_seconds,
        "execution_deadline_at": iso_offset(run.execution_deadline_at),
        "run_deadline_at": iso_offset(run.run_deadline_at),
        "input": _decoded(run.input_blob),
        "output": _decoded(run.output_blob),
        "input_envelope": envelope(run.input_blob),
        "output_envelope": envelope(run.output_blob),
        "status_bucket": status_bucket(run.status),
        "actions": {
            "can_signal": open_,
            "can_query": False,
            "can_update": False,
            "can_cancel": open_,
            "can_terminate": open_,
            "can_repair": open_,
            "can_archive": not open_,
        },
    }


def render_workflow_list(views: list[RunView], token: str | None) -> dict[str, Any]:
    return {
        "workflows": [render_run_summary(v) for v in views],
        "workflow_count": len(views),
        "next_page_token": token,
    }


def render_run_list(workflow_id: str, views: list[RunView]) -> dict[str, Any]:
    return {"workflow_id": workflow_id, "run_count": len(views), "runs": [render_run(v) for v in views]}


def _decoded(blob: str | None) -> Any:
    """A stored payload as JSON (None when no SDK could read it)."""
    try:
        return decode_blob(blob)
    except PayloadInvalid:
        return None


def render_update(u: UpdateOutcome) -> dict[str, Any]:
    update = u.update
    outcome = {"completed": "update_completed", "failed": "update_failed"}.get(update.status)
    return {
        "outcome": outcome,
        "workflow_id": update.workflow_id,
        "run_id": update.run_id,
        "command_id": update.command_id,
        "command_status": "accepted",
        "command_source": "control_plane",
        "target_scope": "instance",
        "workflow_type": u.workflow_type,
        "reason": None,
        "rejection_reason": None,
        "validation_errors": [],
        "update_id": update.update_id,
        "update_status": update.status,
        "update_name": update.update_name,
        "workflow_sequence": update.workflow_sequence,
        "result": _decoded(update.result_blob),
        "result_envelope": envelope(update.result_blob),
        "failure_id": update.failure_id,
        "failure_message": update.failure_message,
        "accepted_at": iso(update.accepted_at),
        "applied_at": iso(update.applied_at),
        "rejected_at": None,
        "closed_at": iso(update.closed_at),
        "wait_for": u.wait_for,
        "wait_timed_out": u.wait_timed_out,
        "wait_timeout_seconds": u.wait_timeout_seconds,
        **({"message": update.failure_message} if update.status == "failed" else {}),
    }

"""Control-plane wire bodies rendered from the engine's result records."""

from __future__ import annotations

from typing import Any

from durable_workflow.server._engine._results import CommandOutcome, QueryAnswer, StartOutcome
from durable_workflow.server._payload import CODEC

__all__ = ["render_command", "render_query", "render_start"]


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

"""Control-plane query parameters and renderers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from durable_workflow.server._engine._errors import EngineError
from durable_workflow.server._storage import EventRow

__all__ = ["history_event", "parse_flag"]


def parse_flag(query: Mapping[str, str], name: str) -> bool:
    """A ``0``/``1`` query flag (absent = false); anything else is a 422 naming it."""
    value = query.get(name)
    if value not in (None, "0", "1"):
        label = name.replace("_", " ")
        errors = {name: [f"The {label} field must be 1 or 0."]}
        raise EngineError(
            "invalid",
            "validation_failed",
            f"The {label} field must be true or false.",
            errors=errors,
            validation_errors=errors,
        )
    return value == "1"


def history_event(e: EventRow) -> dict[str, Any]:
    """One control-plane history event."""
    return {
        "id": e.id,
        "sequence": e.sequence,
        "event_type": e.event_type,
        "timestamp": e.recorded_at,
        "recorded_at": e.recorded_at,
        "payload": e.payload,
        "workflow_task_id": e.workflow_task_id,
        "workflow_command_id": e.workflow_command_id,
    }

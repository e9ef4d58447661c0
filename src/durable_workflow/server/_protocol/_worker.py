"""Worker-plane request fields: registration, heartbeats and poll options."""

from __future__ import annotations

from typing import Any

from durable_workflow.server._engine._errors import invalid
from durable_workflow.server._engine._inputs import Fields
from durable_workflow.server._engine._workers import RUNTIMES
from durable_workflow.server._scalars import strict_int

__all__ = ["history_page_size", "parse_register", "poll_timeout", "required_text"]

MAX_POLL_SECONDS = 60


def parse_register(body: dict[str, Any]) -> str | None:
    """Validate a registration (422 naming every bad field); returns the worker id sent, if any."""
    f = Fields(body)
    worker_id = f.string("worker_id")
    f.string("task_queue", required=True)
    f.choice("runtime", RUNTIMES, "The selected runtime is invalid.")
    if body.get("runtime") is None:
        f.add("runtime", "The runtime field is required.")
    f.string("sdk_version", max_len=64)
    f.string("build_id")
    f.integer("max_concurrent_workflow_tasks")
    f.integer("max_concurrent_activity_tasks")
    f.done()
    return worker_id or None


def required_text(body: dict[str, Any], name: str) -> str:
    """A required non-empty string field (422 ``The <name> field is required.`` otherwise)."""
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise invalid({name: [f"The {name.replace('_', ' ')} field is required."]})
    return value


def poll_timeout(body: dict[str, Any], limit: float) -> float:
    """A poll's wait: the requested ``timeout_seconds`` clamped to 0..min(60, server limit)."""
    requested = strict_int(body.get("timeout_seconds"))
    return float(limit) if requested is None else float(max(0, min(requested, MAX_POLL_SECONDS, limit)))


def history_page_size(body: dict[str, Any]) -> int | None:
    """The history page a workflow-task poll asks for, clamped to 1..1000 (None: the default)."""
    size = strict_int(body.get("history_page_size"))
    return None if size is None else min(max(size, 1), 1000)

"""What control-plane operations return: small frozen records the protocol layer renders.

Each is a snapshot taken under the engine lock, so rendering after the lock is released never
sees a later change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from durable_workflow.server._engine._model import Run, Update

__all__ = ["CommandOutcome", "QueryAnswer", "RunView", "StartOutcome", "UpdateOutcome"]


@dataclass(frozen=True)
class StartOutcome:
    """A start request's answer: ``started_new``, ``returned_existing_active`` or ``rejected_duplicate``."""

    outcome: str
    workflow_id: str
    run_id: str
    workflow_type: str
    namespace: str
    status: str
    business_key: str | None


@dataclass(frozen=True)
class CommandOutcome:
    """An accepted control-plane command (signal, cancel, terminate) on a run."""

    outcome: str
    workflow_id: str
    run_id: str
    command_id: str
    command_sequence: int
    workflow_type: str
    reason: str | None = None
    signal_name: str | None = None


@dataclass(frozen=True)
class QueryAnswer:
    """A worker's answer to a query."""

    workflow_id: str
    run_id: str
    query_name: str
    result: Any
    result_envelope: Any


@dataclass(frozen=True)
class RunView:
    """A run as the control plane shows it: a snapshot plus its place among its instance's runs."""

    run: Run
    run_count: int
    is_current_run: bool


@dataclass(frozen=True)
class UpdateOutcome:
    """An update as its request sees it: a snapshot, and whether waiting for it timed out."""

    update: Update
    workflow_type: str
    wait_for: str
    wait_timeout_seconds: float
    wait_timed_out: bool

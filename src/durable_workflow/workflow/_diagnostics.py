"""Non-determinism diagnostics: where the code yielded, and how it differs from history."""

from __future__ import annotations

import os
import types
from typing import Any

from durable_workflow.errors import NonDeterminismError
from durable_workflow.workflow._commands import ActivityCommand, ChildWorkflowCommand, Command
from durable_workflow.workflow._history import Step

__all__ = ["matches", "nondeterminism", "yield_site"]

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def yield_site(gen: Any) -> str | None:
    """``file:line`` of the innermost user-code ``yield`` a suspended generator is paused at.

    Follows ``yield from`` into user helper generators, but not into the SDK's own commands.
    """
    site = None
    while isinstance(gen, types.GeneratorType) and gen.gi_frame is not None:
        code = gen.gi_frame.f_code
        if code.co_filename.startswith(_PACKAGE_DIR):
            break
        site = f"{code.co_filename}:{gen.gi_frame.f_lineno}"
        gen = gen.gi_yieldfrom
    return site


def nondeterminism(
    workflow_type: str, problem: str, *, expected: str, actual: str, site: str | None
) -> NonDeterminismError:
    at = f" at {site}" if site else ""
    message = (
        f"workflow {workflow_type!r} is not deterministic{at}: {problem}. "
        f"Expected {expected}, got {actual}. Guard changed code with ctx.get_version()."
    )
    return NonDeterminismError(
        message, workflow_type=workflow_type, site=site, expected=expected, actual=actual
    )


def matches(step: Step, cmd: Command[Any]) -> bool:
    """Does a yielded command fit the step history recorded at its position?"""
    if step.kind != cmd.kind:
        return False
    recorded = step.details
    if isinstance(cmd, ActivityCommand) and recorded.get("activity_type"):
        return bool(recorded["activity_type"] == cmd.activity_type)
    if isinstance(cmd, ChildWorkflowCommand) and recorded.get("workflow_type"):
        return bool(recorded["workflow_type"] == cmd.workflow_type)
    return True

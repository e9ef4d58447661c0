"""The upstream ``durable-workflow.golden-history.v1`` fixture format, and its ``expected`` check.

A fixture holds ``source`` (who recorded it) and ``cases``; each case has a ``workflow_type``, a
``start_input`` list, an abbreviated ``history`` (events without sequences or ids) and the
``expected`` next command, named like ``CompleteWorkflow`` with its result, or
``ScheduleActivity`` / ``StartChildWorkflow`` with the activity or workflow type.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from durable_workflow.errors import NonDeterminismError
from durable_workflow.payloads import DataConverter

__all__ = ["GOLDEN_HISTORY_SCHEMA", "check_expected", "golden_cases", "is_golden_fixture"]

GOLDEN_HISTORY_SCHEMA = "durable-workflow.golden-history.v1"
#: The fixture's command names, and ours on the wire.
_COMMAND_TYPES = {
    "CompleteWorkflow": "complete_workflow",
    "FailWorkflow": "fail_workflow",
    "ContinueAsNew": "continue_as_new",
    "ScheduleActivity": "schedule_activity",
    "StartTimer": "start_timer",
    "StartChildWorkflow": "start_child_workflow",
}


def is_golden_fixture(data: Any) -> bool:
    return isinstance(data, Mapping) and data.get("fixture_schema") == GOLDEN_HISTORY_SCHEMA


def golden_cases(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The fixture's cases (each an object with at least a history list)."""
    cases = data.get("cases")
    if not isinstance(cases, list) or not cases:
        raise ValueError(f"a {GOLDEN_HISTORY_SCHEMA} fixture needs a non-empty list of cases")
    for index, case in enumerate(cases):
        if not isinstance(case, Mapping) or not isinstance(case.get("history"), list):
            raise ValueError(f"case {index} of the fixture has no history list")
    return list(cases)


def _decoded(command: Mapping[str, Any], key: str, converter: DataConverter) -> Any:
    value = command.get(key)
    return converter.decode(value) if isinstance(value, (Mapping, str)) else value


def _mismatch(
    expected: Mapping[str, Any], command: Mapping[str, Any], converter: DataConverter
) -> str | None:
    kind = str(expected.get("command_type") or "")
    wanted = _COMMAND_TYPES.get(kind)
    if wanted is None:
        return f"the fixture expects an unknown command type {kind!r}"
    if command.get("type") != wanted:
        return f"expected {kind}, got {command.get('type')}"
    checks: list[tuple[str, Any]] = []
    if kind == "CompleteWorkflow" and "result" in expected:
        checks.append(("result", _decoded(command, "result", converter)))
    if kind == "ScheduleActivity":
        checks.append(("activity_type", command.get("activity_type")))
        if "arguments" in expected:
            checks.append(("arguments", _decoded(command, "arguments", converter) or []))
    if kind == "StartChildWorkflow":
        checks.append(("workflow_type", command.get("workflow_type")))
    for key, actual in checks:
        if key in expected and actual != expected[key]:
            return f"{kind} {key} {actual!r} is not the expected {expected[key]!r}"
    return None


def check_expected(
    workflow_type: str,
    expected: Mapping[str, Any],
    commands: Sequence[Mapping[str, Any]],
    converter: DataConverter,
) -> None:
    """Raise `NonDeterminismError` unless the first command is the case's ``expected`` one."""
    kind = str(expected.get("command_type") or "")
    problem: str | None
    if not commands:
        problem = f"expected {kind}, but the code sends no command (it is still waiting)"
    else:
        problem = _mismatch(expected, commands[0], converter)
    if problem is None:
        return
    actual = ", ".join(str(c.get("type")) for c in commands) or "no command"
    raise NonDeterminismError(
        f"workflow {workflow_type!r} does not reach the golden history's expected command: {problem}",
        workflow_type=workflow_type,
        expected=kind,
        actual=actual,
    )

"""Offline replay of recorded histories: the non-determinism check for changed workflow code."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from durable_workflow.errors import NonDeterminismError
from durable_workflow.payloads import DataConverter
from durable_workflow.payloads._framing import run_converter
from durable_workflow.testing._golden import check_expected, golden_cases, is_golden_fixture
from durable_workflow.workflow import WorkflowInfo, get_definition, run_workflow_task
from durable_workflow.workflow._diagnostics import yield_site
from durable_workflow.workflow._order import with_order_sequences

__all__ = ["ReplayHistory", "load_histories", "load_history", "parse_histories", "parse_history", "replay"]

#: Terminal events a workflow command produces, and the command that produces each.
_COMMAND_TERMINALS = {"WorkflowCompleted": "complete_workflow", "WorkflowContinuedAsNew": "continue_as_new"}
_TERMINALS = frozenset(
    {*_COMMAND_TERMINALS, "WorkflowFailed", "WorkflowCancelled", "WorkflowTerminated", "WorkflowTimedOut"}
)
_INPUT_KEYS = ("input_envelope", "input", "arguments")


@dataclass
class ReplayHistory:
    """A recorded run, normalised from any of the accepted shapes."""

    __module__ = "durable_workflow.testing"

    events: list[Mapping[str, Any]]
    workflow_type: str | None = None
    workflow_id: str = "replay-workflow"
    run_id: str = "replay-run"
    task_queue: str = "default"
    codec: str = "avro"
    arguments: Any = None
    """The export's start input blob (``payloads.arguments.data``), if it has one."""
    extra: dict[str, Any] = field(default_factory=dict)
    name: str | None = None
    """The case name, for a golden-history fixture."""
    start_input: list[Any] | None = None
    """Decoded start input a golden-history case gives (``start_input``)."""
    expected: Mapping[str, Any] | None = None
    """The next command a golden-history case expects (``expected``); `replay` checks it."""


def _event_type(event: Mapping[str, Any]) -> str:
    return str(event.get("event_type") or event.get("type") or "")


def _payload(event: Mapping[str, Any]) -> Mapping[str, Any]:
    payload = event.get("payload")
    return payload if isinstance(payload, Mapping) else {}


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _events(raw: Any) -> list[Mapping[str, Any]]:
    if not isinstance(raw, Sequence) or isinstance(raw, (str, bytes)):
        raise ValueError("history events must be a list of event objects")
    events = [e for e in raw if isinstance(e, Mapping)]
    if len(events) != len(raw):
        raise ValueError("every history event must be a JSON object")
    return sorted(events, key=_sequence)


def _sequence(event: Mapping[str, Any]) -> int:
    value = event.get("sequence")
    return value if isinstance(value, int) else 0


def parse_histories(data: Any) -> list[ReplayHistory]:
    """Every history in ``data``: one per case of a golden-history fixture, else `parse_history`'s one."""
    if not is_golden_fixture(data):
        return [parse_history(data)]
    out = []
    for index, case in enumerate(golden_cases(data)):
        history = ReplayHistory(_events(case["history"]))
        history.name = str(case.get("name") or f"case-{index}")
        history.workflow_type = case.get("workflow_type") or None
        start = case.get("start_input")
        history.start_input = list(start) if isinstance(start, list) else []
        expected = case.get("expected")
        history.expected = expected if isinstance(expected, Mapping) else None
        out.append(history)
    return out


def _one_case(data: Any, workflow_type: str | None) -> ReplayHistory:
    cases = parse_histories(data)
    if len(cases) == 1:
        return cases[0]
    matching = [c for c in cases if workflow_type is not None and c.workflow_type == workflow_type]
    if len(matching) == 1:
        return matching[0]
    names = ", ".join(f"{c.name} ({c.workflow_type})" for c in cases)
    raise ValueError(f"the fixture holds several cases, pick one by workflow type: {names}")


def parse_history(data: Any, *, workflow_type: str | None = None) -> ReplayHistory:
    """Normalise a history: an export bundle, a ``GET .../history`` body, a list of events, or a
    ``durable-workflow.golden-history.v1`` fixture (the case of ``workflow_type`` if it holds several).
    """
    if is_golden_fixture(data):
        return _one_case(data, workflow_type)
    if isinstance(data, Mapping) and "history_events" in data:
        history = ReplayHistory(_events(data["history_events"]))
        workflow = _mapping(data.get("workflow"))
        payloads = _mapping(data.get("payloads"))
        history.workflow_id = str(workflow.get("instance_id") or history.workflow_id)
        history.run_id = str(workflow.get("run_id") or history.run_id)
        history.task_queue = str(workflow.get("queue") or history.task_queue)
        history.workflow_type = workflow.get("workflow_type") or None
        history.codec = str(payloads.get("codec") or "avro")
        arguments = payloads.get("arguments")
        if isinstance(arguments, Mapping) and arguments.get("available") and arguments.get("data"):
            history.arguments = arguments["data"]
    elif isinstance(data, Mapping) and "events" in data:
        history = ReplayHistory(_events(data["events"]))
    elif isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        history = ReplayHistory(_events(data))
    else:
        raise ValueError(
            "a history must be an export bundle (with history_events), a history page (with events) "
            "or a list of events"
        )
    _fill_from_started(history)
    return history


def _fill_from_started(history: ReplayHistory) -> None:
    started = next((e for e in history.events if _event_type(e) == "WorkflowStarted"), None)
    if started is None:
        return
    payload = _payload(started)
    history.workflow_type = history.workflow_type or payload.get("workflow_type") or None
    if history.workflow_id == "replay-workflow" and payload.get("workflow_instance_id"):
        history.workflow_id = str(payload["workflow_instance_id"])
    if history.run_id == "replay-run" and payload.get("workflow_run_id"):
        history.run_id = str(payload["workflow_run_id"])
    if history.task_queue == "default" and payload.get("task_queue"):
        history.task_queue = str(payload["task_queue"])
    history.extra["started"] = payload


def load_history(path: str | os.PathLike[str]) -> ReplayHistory:
    """Read a history JSON file (any shape `parse_history` accepts)."""
    with open(path, encoding="utf-8") as handle:
        return parse_history(json.load(handle))


def load_histories(path: str | os.PathLike[str]) -> list[ReplayHistory]:
    """Read a history JSON file: every case of a golden-history fixture, else its one history."""
    with open(path, encoding="utf-8") as handle:
        return parse_histories(json.load(handle))


def start_arguments(history: ReplayHistory, converter: DataConverter) -> list[Any]:
    """The run's decoded start input: the export's payloads, else the WorkflowStarted event."""
    if history.arguments is not None:
        return _as_list(converter.decode(history.arguments, default_codec=history.codec))
    started = history.extra.get("started") or {}
    for key in _INPUT_KEYS:
        value = started.get(key)
        if value is None:
            continue
        if isinstance(value, list):
            return value
        codec = started.get("payload_codec") or history.codec
        return _as_list(converter.decode(value, default_codec=codec))
    return []


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def replay(
    workflow: type,
    history: Any,
    *,
    start_input: Sequence[Any] | None = None,
    converter: DataConverter | None = None,
) -> list[dict[str, Any]]:
    """Replay a recorded history through ``workflow`` and return the commands it would send next.

    ``history`` is an export bundle (``Client.export_history``, or a server's history export
    loaded with `json.load`), a ``GET .../history`` body, a list of events, a
    ``durable-workflow.golden-history.v1`` fixture, or a `ReplayHistory`. Payloads may use either
    encoding. The start input comes from ``start_input``, else from the history. Events are
    correlated with the code's steps by ``payload.sequence``; events without one (abbreviated or
    older histories) by order. A golden-history case's ``expected`` next command is checked.

    Raises:
        NonDeterminismError: the code yields something other than what history recorded (the
            error names the ``file:line`` of the yield and the expected and actual steps), or the
            code no longer ends the way the recorded run ended.
    """
    definition = get_definition(workflow)
    parsed = (
        history
        if isinstance(history, ReplayHistory)
        else parse_history(history, workflow_type=definition.name)
    )
    converter = converter or run_converter(DataConverter(), parsed.arguments, parsed.events)
    args = _start_input(parsed, start_input, converter)
    info = WorkflowInfo(parsed.workflow_id, parsed.run_id, definition.name, parsed.task_queue, None)
    events = with_order_sequences(parsed.events)
    instance, commands = run_workflow_task(
        definition, info, args, events, converter=converter, payload_codec=parsed.codec
    )
    try:
        _check_ending(definition.name, events, commands, instance)
    finally:
        instance.close()
    if parsed.expected is not None:
        check_expected(definition.name, parsed.expected, commands, converter)
    return commands


def _start_input(parsed: ReplayHistory, given: Sequence[Any] | None, converter: DataConverter) -> list[Any]:
    if given is not None:
        return list(given)
    if parsed.start_input is not None:
        return list(parsed.start_input)
    return start_arguments(parsed, converter)


def _check_ending(
    workflow_type: str, events: Sequence[Mapping[str, Any]], commands: list[dict[str, Any]], instance: Any
) -> None:
    """A recorded run the code ended itself must end the same way on replay."""
    ending = next((_event_type(e) for e in reversed(events) if _event_type(e) in _TERMINALS), None)
    wanted = _COMMAND_TERMINALS.get(ending or "")
    if wanted is None:
        return
    produced = [str(c.get("type")) for c in commands]
    if produced == [wanted]:
        return
    actual = ", ".join(produced) if produced else "no command (the code is still waiting)"
    site = yield_site(getattr(instance, "_gen", None)) if not instance.done else None
    at = f" at {site}" if site else ""
    raise NonDeterminismError(
        f"workflow {workflow_type!r} is not deterministic{at}: history ends the run with {ending}, "
        f"but the code does not end it there. Expected {wanted}, got {actual}. "
        "Guard changed code with ctx.get_version().",
        workflow_type=workflow_type,
        site=site,
        expected=wanted,
        actual=actual,
    )

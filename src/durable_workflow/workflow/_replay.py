"""Entry points over the engine: a workflow task, an update, a query, an offline replay."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from durable_workflow.errors import PayloadError
from durable_workflow.payloads import DataConverter
from durable_workflow.payloads._framing import run_converter
from durable_workflow.workflow._cache import WorkflowCache
from durable_workflow.workflow._commands import ContinueAsNewRequested
from durable_workflow.workflow._context import WorkflowInfo
from durable_workflow.workflow._convert import decode_args
from durable_workflow.workflow._definition import WorkflowDefinition, get_definition
from durable_workflow.workflow._engine import WorkflowInstance, event_key
from durable_workflow.workflow._failures import exception_class_name
from durable_workflow.workflow._history import payload_of
from durable_workflow.workflow._order import with_order_sequences

__all__ = ["UnknownHandler", "handle_query", "handle_update", "replay_commands", "run_workflow_task"]

logger = logging.getLogger("durable_workflow.workflow.replay")


class UnknownHandler(LookupError):
    """The workflow defines no query/update with that name."""

    __module__ = "durable_workflow.workflow"


def _can_extend(instance: WorkflowInstance, history: Sequence[Mapping[str, Any]]) -> bool:
    applied = instance.events_applied
    if applied == 0 or len(history) < applied or instance.done:
        return False
    return event_key(history[applied - 1]) == instance.last_event_key


def run_workflow_task(
    definition: WorkflowDefinition,
    info: WorkflowInfo,
    arguments: Sequence[Any],
    history: Sequence[Mapping[str, Any]],
    *,
    converter: DataConverter,
    payload_codec: str | None = "avro",
    cache: WorkflowCache | None = None,
    reopen_waits: bool = True,
) -> tuple[WorkflowInstance, list[dict[str, Any]]]:
    """Bring an instance up to date with ``history`` and return it with the new commands.

    A cached instance whose applied events are a prefix of ``history`` only applies the rest;
    any doubt (other prefix, mismatch, error) falls back to a full replay. The instance is taken
    out of ``cache``: the caller owns the returned one and puts it back once the server recorded
    its commands, or closes it.
    """
    cached = cache.take(info.run_id) if cache is not None else None
    if cached is not None:
        assert cache is not None
        if _can_extend(cached, history):
            try:
                cached.apply(history[cached.events_applied :])
                if reopen_waits:
                    cached.reopen_wait()
                commands = cached.take_commands()
            except Exception as exc:  # the full replay below decides whether this is a real problem
                logger.debug("cached instance of run %s cannot resume (%r); replaying", info.run_id, exc)
            else:
                cache.resumed += 1
                return cached, commands
        cache.replayed += 1
        cached.close()
    instance = WorkflowInstance(definition, info, arguments, converter=converter, payload_codec=payload_codec)
    instance.apply(history)
    if reopen_waits:
        instance.reopen_wait()
    return instance, instance.take_commands()


def replay_commands(
    workflow: type,
    arguments: Sequence[Any],
    history: Sequence[Mapping[str, Any]],
    *,
    workflow_id: str = "replay-workflow",
    run_id: str = "replay-run",
    task_queue: str = "default",
    namespace: str | None = None,
    payload_codec: str | None = "avro",
    converter: DataConverter | None = None,
    reopen_waits: bool = True,
) -> list[dict[str, Any]]:
    """Replay ``history`` through ``workflow`` offline and return the commands it would send now.

    ``arguments`` is the decoded start input. Raises `NonDeterminismError` when the code and the
    history disagree. ``reopen_waits=False`` gives what an update task would leave open.
    """
    definition = get_definition(workflow)
    info = WorkflowInfo(workflow_id, run_id, definition.name, task_queue, namespace)
    _, commands = run_workflow_task(
        definition,
        info,
        arguments,
        with_order_sequences(history),
        converter=converter or run_converter(DataConverter(), None, history),
        payload_codec=payload_codec,
        reopen_waits=reopen_waits,
    )
    return commands


def _fail_update(
    update_id: str, message: str, exc: BaseException | None = None, kind: str | None = None
) -> dict[str, Any]:
    command: dict[str, Any] = {"type": "fail_update", "update_id": update_id, "message": message}
    if exc is not None:
        command["exception_type"] = type(exc).__name__
        command["exception_class"] = exception_class_name(exc)
    elif kind is not None:
        command["exception_type"] = kind
    command["non_retryable"] = True
    return command


def handle_update(instance: WorkflowInstance, update_id: str) -> dict[str, Any]:
    """Validate and run an accepted update; returns ``complete_update`` or ``fail_update``."""
    event = instance.table.accepted_updates.get(update_id)
    if event is None:
        return _fail_update(
            update_id,
            f"accepted update {update_id!r} was not present in workflow history",
            kind="UpdateNotFound",
        )
    name = payload_of(event).get("update_name")
    handler = instance.definition.updates.get(name) if isinstance(name, str) else None
    if handler is None:
        return _fail_update(update_id, f"unknown update {name!r}", kind="UnknownUpdate")
    if instance.workflow is None or instance.done:
        return _fail_update(update_id, "the workflow is not running", kind="WorkflowClosed")
    try:
        args = decode_args(handler.fn, instance.receiver_arguments(event), skip=1, where=f"update {name!r}")
        inspect.signature(handler.fn).bind(None, *args)
    except (PayloadError, TypeError) as exc:
        return _fail_update(update_id, f"update argument decode failed: {exc}", exc)
    if handler.validator is not None:
        try:
            verdict = handler.validator(instance.workflow, *args)
        except Exception as exc:
            return _fail_update(update_id, f"update validator failed: {exc}", exc)
        if verdict is False:
            return _fail_update(
                update_id, f"update {name!r} rejected by its validator", kind="UpdateRejected"
            )
    try:
        result = handler.fn(instance.workflow, *args)
        envelope = instance.converter.envelope(result)
    except Exception as exc:
        return _fail_update(update_id, f"update handler failed: {exc}", exc)
    except ContinueAsNewRequested:
        message = f"update handler {name!r} called ctx.continue_as_new(); only run can"
        return _fail_update(update_id, message, RuntimeError(message))
    return {"type": "complete_update", "update_id": update_id, "result": envelope}


def handle_query(instance: WorkflowInstance, name: str, arguments: Sequence[Any]) -> Any:
    """Run a query handler on a replayed instance and return its (JSON-compatible) result."""
    handler = instance.definition.queries.get(name)
    if handler is None:
        raise UnknownHandler(f"unknown query {name!r} for workflow {instance.definition.name!r}")
    if instance.workflow is None:
        raise RuntimeError("the workflow object could not be created")
    args = decode_args(handler.fn, list(arguments), skip=1, where=f"query {name!r}")
    return handler.fn(instance.workflow, *args)

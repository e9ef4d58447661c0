"""Signals, queries and updates addressed by handler reference: ``handle.query(Order.status)``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from durable_workflow.payloads import bind_arguments, result_type
from durable_workflow.workflow._definition import HandlerDefinition, handler_definition

__all__ = ["Message", "message"]


@dataclass(frozen=True)
class Message:
    """What a handle sends: the handler's wire name, the positional arguments, the result type."""

    name: str
    args: list[Any]
    result_type: Any


def message(
    kind: str, target: str | Callable[..., Any], args: Sequence[Any], kwargs: Mapping[str, Any]
) -> Message:
    """Resolve a string name (PHP interop: ``args`` is one list, ``result_type`` a keyword) or a
    ``@workflow.<kind>`` method (``args``/``kwargs`` are the handler's own arguments)."""
    if isinstance(target, str):
        return _by_name(kind, target, args, kwargs)
    handler = _handler(kind, target)
    where = f"{kind} {handler.name!r}"
    positional = bind_arguments(handler.fn, args, kwargs, skip=1, where=where)
    return Message(handler.name, positional, result_type(handler.fn))


def _by_name(kind: str, name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Message:
    options = dict(kwargs)
    listed = options.pop("args", None)
    if args:
        if listed is not None or len(args) > 1:
            raise TypeError(f"{kind} {name!r}: pass the arguments as one list, e.g. ({name!r}, [a, b])")
        listed = args[0]
    rtype = options.pop("result_type", Any)
    if options:
        raise TypeError(f"{kind} {name!r}: unexpected keyword argument(s) {', '.join(sorted(options))}")
    if listed is not None and (isinstance(listed, (str, bytes, Mapping)) or not isinstance(listed, Sequence)):
        raise TypeError(f"{kind} {name!r}: arguments must be a list, got {type(listed).__name__}")
    return Message(name, list(listed or []), rtype)


def _handler(kind: str, target: Callable[..., Any]) -> HandlerDefinition:
    handler = handler_definition(target)
    if handler is None:
        raise TypeError(
            f"{kind}: {getattr(target, '__qualname__', target)!r} is not a workflow handler; pass a "
            f"method decorated with @workflow.{kind} (e.g. MyWorkflow.method) or the {kind} name"
        )
    if handler.kind != kind:
        raise TypeError(
            f"{kind}: {target.__qualname__} is a {handler.kind} handler ({handler.name!r}), "
            f"not a {kind}; use handle.{handler.kind}(...)"
        )
    return handler

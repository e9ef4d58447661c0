"""`@activity.defn`: declare a function as an activity type."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from durable_workflow.payloads import check_wire_signature

__all__ = ["ActivityDefinition", "defn", "get_definition"]

F = TypeVar("F", bound=Callable[..., Any])

_DEFN_ATTR = "__durable_workflow_activity__"


@dataclass(frozen=True)
class ActivityDefinition:
    """What `@activity.defn` learned about an activity function."""

    __module__ = "durable_workflow.activity"

    name: str
    fn: Callable[..., Any]
    is_async: bool


@overload
def defn(fn: F, /) -> F: ...
@overload
def defn(*, name: str | None = None) -> Callable[[F], F]: ...
def defn(fn: Any = None, /, *, name: str | None = None) -> Any:
    """Declare an activity; ``name`` is its language-neutral type key (default: function name).

    Async functions run on the worker's event loop; plain functions run in a thread pool.
    """

    def wrap(target: F) -> F:
        if isinstance(target, type) or not callable(target):
            raise TypeError(f"@activity.defn decorates a function, got {target!r}")
        if inspect.isgeneratorfunction(target) or inspect.isasyncgenfunction(target):
            raise TypeError(f"activity {target.__qualname__} must not be a generator")
        type_name = name if name is not None else getattr(target, "__name__", None)
        if not isinstance(type_name, str):
            raise TypeError(f"activity name must be a string, got {type(type_name).__name__}")
        if not type_name.strip():
            raise ValueError("activity name must not be blank")
        check_wire_signature(target, skip=0, where=f"activity {type_name!r}")
        is_async = inspect.iscoroutinefunction(target) or inspect.iscoroutinefunction(
            getattr(target, "__call__", None)  # noqa: B004 - async callable objects
        )
        setattr(target, _DEFN_ATTR, ActivityDefinition(type_name, target, is_async))
        return target

    if fn is not None:
        return wrap(fn)
    return wrap


def get_definition(fn: Callable[..., Any]) -> ActivityDefinition:
    """The definition stored by `@activity.defn`; TypeError if the function was not decorated."""
    definition = getattr(fn, _DEFN_ATTR, None)
    if not isinstance(definition, ActivityDefinition):
        raise TypeError(f"{fn!r} is not an activity; decorate it with @activity.defn")
    return definition

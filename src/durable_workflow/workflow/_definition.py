"""Decorators that declare workflows and their signal, query and update handlers."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, overload

from durable_workflow.payloads import check_wire_signature

__all__ = [
    "HandlerDefinition",
    "WorkflowDefinition",
    "defn",
    "get_definition",
    "query",
    "signal",
    "update",
]

C = TypeVar("C", bound=type)
F = TypeVar("F", bound=Callable[..., Any])

_HANDLER_ATTR = "__durable_workflow_handler__"
_DEFN_ATTR = "__durable_workflow_definition__"


@dataclass(frozen=True)
class HandlerDefinition:
    """A signal, query or update handler declared on a workflow class."""

    __module__ = "durable_workflow.workflow"

    kind: str  # "signal" | "query" | "update"
    name: str
    method_name: str
    fn: Callable[..., Any]
    validator: Callable[..., Any] | None = None


@dataclass(frozen=True)
class WorkflowDefinition:
    """What `@workflow.defn` learned about a workflow class."""

    __module__ = "durable_workflow.workflow"

    name: str
    cls: type
    run: Callable[..., Any]
    signals: Mapping[str, HandlerDefinition] = field(default_factory=dict)
    queries: Mapping[str, HandlerDefinition] = field(default_factory=dict)
    updates: Mapping[str, HandlerDefinition] = field(default_factory=dict)


def _check_name(name: object, what: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"{what} name must be a string, got {type(name).__name__}")
    if not name.strip():
        raise ValueError(f"{what} name must not be blank")
    return name


@overload
def defn(cls: C, /) -> C: ...
@overload
def defn(*, name: str | None = None) -> Callable[[C], C]: ...
def defn(cls: Any = None, /, *, name: str | None = None) -> Any:
    """Declare a workflow class; ``name`` is its language-neutral type key (default: class name).

    The class needs a generator method ``run(self, ctx, *args)``.
    """

    def wrap(target: C) -> C:
        if not isinstance(target, type):
            raise TypeError(f"@workflow.defn decorates a class, got {target!r}")
        type_name = _check_name(name if name is not None else target.__name__, "workflow")
        run = target.__dict__.get("run") or getattr(target, "run", None)
        if run is None or not callable(run):
            raise TypeError(f"workflow {target.__qualname__} needs a method `def run(self, ctx, *args)`")
        if not inspect.isgeneratorfunction(run):
            kind = "an async function" if inspect.iscoroutinefunction(run) else "a plain function"
            raise TypeError(
                f"{target.__qualname__}.run must be a generator (use `yield` for commands), but it is {kind}"
            )
        params = list(inspect.signature(run).parameters.values())
        if len(params) < 2 and not any(p.kind is p.VAR_POSITIONAL for p in params):
            raise TypeError(f"{target.__qualname__}.run must take (self, ctx, *args)")
        check_wire_signature(run, skip=2, where=f"workflow {type_name!r} ({target.__qualname__}.run)")
        handlers = _collect_handlers(target)
        definition = WorkflowDefinition(
            name=type_name,
            cls=target,
            run=run,
            signals=handlers["signal"],
            queries=handlers["query"],
            updates=handlers["update"],
        )
        setattr(target, _DEFN_ATTR, definition)
        return target

    if cls is not None:
        return wrap(cls)
    return wrap


def _collect_handlers(target: type) -> dict[str, dict[str, HandlerDefinition]]:
    """Handlers declared on the class and its bases (a subclass may override by name)."""
    handlers: dict[str, dict[str, HandlerDefinition]] = {"signal": {}, "query": {}, "update": {}}
    for klass in reversed(target.__mro__):
        for attr, value in vars(klass).items():
            handler = getattr(value, _HANDLER_ATTR, None)
            if not isinstance(handler, HandlerDefinition):
                continue
            table = handlers[handler.kind]
            previous = table.get(handler.name)
            if previous is not None and previous.method_name != attr and klass is target:
                raise ValueError(
                    f"{target.__qualname__}: {handler.kind} {handler.name!r} is declared twice "
                    f"({previous.method_name} and {attr})"
                )
            table[handler.name] = HandlerDefinition(
                handler.kind, handler.name, attr, handler.fn, handler.validator
            )
    return handlers


def handler_definition(fn: Any) -> HandlerDefinition | None:
    """The handler `@workflow.signal`/`query`/`update` declared on ``fn`` (a method), if any."""
    handler = getattr(getattr(fn, "__func__", fn), _HANDLER_ATTR, None)
    return handler if isinstance(handler, HandlerDefinition) else None


def get_definition(cls: type) -> WorkflowDefinition:
    """The definition stored by `@workflow.defn`; TypeError if the class was not decorated."""
    definition = cls.__dict__.get(_DEFN_ATTR) if isinstance(cls, type) else None
    if not isinstance(definition, WorkflowDefinition):
        raise TypeError(f"{cls!r} is not a workflow class; decorate it with @workflow.defn")
    return definition


def _handler_decorator(kind: str, fn: Any, name: str | None, validator: Any = None) -> Any:
    def wrap(target: F) -> F:
        if not callable(target) or isinstance(target, (staticmethod, classmethod)):
            raise TypeError(f"@workflow.{kind} decorates a method, got {target!r}")
        if inspect.iscoroutinefunction(target) or inspect.isasyncgenfunction(target):
            raise TypeError(f"@workflow.{kind} handler {target.__qualname__} must not be async")
        if kind == "query" and inspect.isgeneratorfunction(target):
            raise TypeError(f"@workflow.query handler {target.__qualname__} must not yield")
        if kind != "query" and inspect.isgeneratorfunction(target):
            raise TypeError(f"@workflow.{kind} handler {target.__qualname__} must not yield commands")
        params = list(inspect.signature(target).parameters.values())
        if not params:
            raise TypeError(f"@workflow.{kind} handler {target.__qualname__} must take self")
        if validator is not None and not callable(validator):
            raise TypeError(f"validator of update {name!r} must be callable, got {validator!r}")
        handler_name = _check_name(name if name is not None else target.__name__, kind)
        check_wire_signature(target, skip=1, where=f"{kind} {handler_name!r} ({target.__qualname__})")
        setattr(
            target, _HANDLER_ATTR, HandlerDefinition(kind, handler_name, target.__name__, target, validator)
        )
        return target

    if fn is not None:
        return wrap(fn)
    return wrap


@overload
def signal(fn: F, /) -> F: ...
@overload
def signal(name: str | None = None, /) -> Callable[[F], F]: ...
def signal(arg: Any = None, /) -> Any:
    """Declare a signal handler method: ``@workflow.signal("approve")`` (default name: method name)."""
    if callable(arg):
        return _handler_decorator("signal", arg, None)
    return _handler_decorator("signal", None, arg)


@overload
def query(fn: F, /) -> F: ...
@overload
def query(name: str | None = None, /) -> Callable[[F], F]: ...
def query(arg: Any = None, /) -> Any:
    """Declare a query handler method; it must only read state and return a value."""
    if callable(arg):
        return _handler_decorator("query", arg, None)
    return _handler_decorator("query", None, arg)


@overload
def update(fn: F, /) -> F: ...
@overload
def update(
    name: str | None = None, /, *, validator: Callable[..., Any] | None = None
) -> Callable[[F], F]: ...
def update(arg: Any = None, /, *, validator: Callable[..., Any] | None = None) -> Any:
    """Declare an update handler method.

    ``validator`` (a method defined earlier in the class body, taking the same arguments)
    runs first; raising or returning ``False`` rejects the update without running the handler.
    """
    if callable(arg):
        return _handler_decorator("update", arg, None)
    return _handler_decorator("update", None, arg, validator)

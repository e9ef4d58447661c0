"""Find a module's workflows and activities and read their wire signatures."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from durable_workflow import activity, workflow
from durable_workflow.payloads import result_type
from durable_workflow.stubs._runtime import is_stub

__all__ = [
    "ActivitySpec",
    "HandlerSpec",
    "ModuleSpec",
    "Param",
    "StubError",
    "WorkflowSpec",
    "inspect_module",
]


class StubError(ValueError):
    """A workflow or activity signature cannot be turned into a stub or a contract."""


_NO_DEFAULT: Any = inspect.Parameter.empty


@dataclass(frozen=True)
class Param:
    """One wire argument: its name, resolved type, default, and whether it is ``*args``."""

    name: str
    annotation: Any
    default: Any = _NO_DEFAULT
    variadic: bool = False

    @property
    def required(self) -> bool:
        return self.default is _NO_DEFAULT and not self.variadic


@dataclass(frozen=True)
class HandlerSpec:
    kind: str  # "signal" | "query" | "update"
    name: str
    method_name: str
    params: tuple[Param, ...]
    result: Any


@dataclass(frozen=True)
class WorkflowSpec:
    name: str
    class_name: str
    doc: str
    params: tuple[Param, ...]
    result: Any
    handlers: tuple[HandlerSpec, ...]


@dataclass(frozen=True)
class ActivitySpec:
    name: str
    params: tuple[Param, ...]
    result: Any


@dataclass(frozen=True)
class ModuleSpec:
    module: str
    workflows: tuple[WorkflowSpec, ...]
    activities: tuple[ActivitySpec, ...]
    #: modules holding workflow/activity code: a stub must never import them
    implementation_modules: frozenset[str]


def inspect_module(module: ModuleType) -> ModuleSpec:
    """Every workflow class and activity function reachable as an attribute of ``module``."""
    classes: dict[str, type] = {}
    functions: dict[str, Callable[..., Any]] = {}
    for value in vars(module).values():
        if isinstance(value, type) and not is_stub(value) and _workflow_definition(value):
            _add_unique(classes, workflow.get_definition(value).name, value, "workflow")
        elif callable(value) and not isinstance(value, type) and _activity_definition(value):
            _add_unique(functions, activity.get_definition(value).name, value, "activity")
    if not classes and not functions:
        raise StubError(
            f"module {module.__name__!r} has no @workflow.defn classes or @activity.defn functions"
        )
    owners = {module.__name__} | {c.__module__ for c in classes.values()}
    owners |= {getattr(f, "__module__", module.__name__) for f in functions.values()}
    return ModuleSpec(
        module=module.__name__,
        workflows=tuple(_workflow_spec(classes[name]) for name in sorted(classes)),
        activities=tuple(_activity_spec(name, functions[name]) for name in sorted(functions)),
        implementation_modules=frozenset(owners),
    )


def _workflow_definition(value: type) -> bool:
    try:
        workflow.get_definition(value)
    except TypeError:
        return False
    return True


def _activity_definition(value: Callable[..., Any]) -> bool:
    try:
        activity.get_definition(value)
    except TypeError:
        return False
    return True


def _add_unique(table: dict[str, Any], name: str, value: Any, what: str) -> None:
    if table.setdefault(name, value) is not value:
        raise StubError(f"two different {what}s are named {name!r}: {table[name]!r} and {value!r}")


def _workflow_spec(cls: type) -> WorkflowSpec:
    definition = workflow.get_definition(cls)
    where = f"workflow {definition.name!r}"
    handlers = [
        HandlerSpec(h.kind, h.name, h.method_name, _params(h.fn, 1, f"{h.kind} {h.name!r}"), _result(h.fn))
        for table in (definition.signals, definition.queries, definition.updates)
        for h in sorted(table.values(), key=lambda h: h.name)
    ]
    return WorkflowSpec(
        name=definition.name,
        class_name=cls.__name__,
        doc=_summary(cls),
        params=_params(definition.run, 2, where),
        result=_result(definition.run),
        handlers=tuple(handlers),
    )


def _activity_spec(name: str, fn: Callable[..., Any]) -> ActivitySpec:
    return ActivitySpec(name=name, params=_params(fn, 0, f"activity {name!r}"), result=_result(fn))


def _summary(obj: Any) -> str:
    doc = inspect.getdoc(obj) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def _hints(fn: Callable[..., Any], where: str) -> dict[str, Any]:
    try:
        return typing.get_type_hints(fn)
    except Exception as exc:  # NameError and friends, from any annotation the module cannot resolve
        raise StubError(f"cannot resolve the annotations of {where}: {exc}") from exc


def _params(fn: Callable[..., Any], skip: int, where: str) -> tuple[Param, ...]:
    """The wire arguments of ``fn``: its positional parameters after the first ``skip``."""
    hints = _hints(fn, where)
    params: list[Param] = []
    for param in list(inspect.signature(fn).parameters.values())[skip:]:
        if param.kind in (param.KEYWORD_ONLY, param.VAR_KEYWORD):
            raise StubError(f"{where}: parameter {param.name!r} is keyword-only, but the wire is positional")
        annotation = hints.get(param.name, Any)
        variadic = param.kind is param.VAR_POSITIONAL
        params.append(Param(param.name, annotation, param.default, variadic))
    return tuple(params)


def _result(fn: Callable[..., Any]) -> Any:
    """The wire result: ``R`` of ``Generator[Any, Any, R]``, of a coroutine, or the plain return type."""
    return result_type(fn)

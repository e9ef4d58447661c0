"""Read a callable's annotations once, then rebuild its decoded arguments and result."""

from __future__ import annotations

import collections.abc
import functools
import inspect
import logging
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from durable_workflow.errors import PayloadConversionError
from durable_workflow.payloads._convert import from_json_compatible

__all__ = [
    "DEFAULT",
    "bind_arguments",
    "check_wire_signature",
    "decode_arguments",
    "decode_result",
    "result_type",
    "trim_defaults",
]

logger = logging.getLogger("durable_workflow.payloads")

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
_KEYWORD = (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.VAR_KEYWORD)


class _Default:
    """The type of `DEFAULT`."""

    _instance: _Default | None = None

    def __new__(cls) -> _Default:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "DEFAULT"


#: "The worker's own default": a generated stub writes it where a default has no source form.
#: `bind_arguments` leaves a trailing `DEFAULT` off the wire, so the worker applies its default.
DEFAULT: Any = _Default()


def check_wire_signature(func: Callable[..., Any], *, skip: int, where: str) -> None:
    """Refuse keyword-only and ``**kwargs`` parameters: the wire carries positional arguments only.

    Called when a workflow, handler or activity is declared, so the mistake shows at import time
    instead of an argument silently going missing.
    """
    for param in list(inspect.signature(func).parameters.values())[skip:]:
        if param.kind in _KEYWORD:
            shown = f"**{param.name}" if param.kind is param.VAR_KEYWORD else param.name
            raise TypeError(
                f"{where}: parameter {shown!r} is keyword-only, but arguments travel as a positional "
                "list; declare it before any `*` or `*args`"
            )


def bind_arguments(
    func: Callable[..., Any],
    args: Sequence[Any],
    kwargs: Mapping[str, Any],
    *,
    skip: int,
    where: str,
    trusted: bool = False,
) -> list[Any]:
    """The positional list the wire carries for a call ``func(*args, **kwargs)``.

    The one argument binder of every typed call (activities, child workflows, stubs, schedules,
    handle messages). Parameters not passed are left off the end of the list, so the worker
    applies its own defaults; a default is written only when a later argument needs its slot.
    Trailing `DEFAULT` values are dropped the same way. ``trusted`` skips the signature check
    of a plain positional call (workflow code, where it runs on every replay and the type
    checker has seen the call).

    Raises:
        TypeError: the arguments do not fit the signature (naming ``where``).
    """
    if trusted and not kwargs and not any(arg is DEFAULT for arg in args):
        return list(args)
    signature = inspect.signature(inspect.unwrap(func))
    params = list(signature.parameters.values())[skip:]
    try:
        bound = signature.replace(parameters=params).bind(*args, **kwargs)
    except TypeError as exc:
        raise TypeError(f"{where}: {exc}") from None
    out: list[Any] = []
    given = 0  # length of the list up to the last argument the caller passed
    for param in params:
        if param.kind is param.VAR_POSITIONAL:
            out.extend(bound.arguments.get(param.name, ()))
            given = len(out)
        elif param.kind in _POSITIONAL:
            out.append(bound.arguments.get(param.name, param.default))
            given = len(out) if param.name in bound.arguments else given
        elif param.name in bound.arguments:
            raise TypeError(f"{where}: keyword-only parameter {param.name!r} cannot travel on the wire")
    names = [p.name for p in params if p.kind in _POSITIONAL]
    return trim_defaults(out[:given], where=where, names=names)


def trim_defaults(values: Sequence[Any], *, where: str, names: Sequence[str] = ()) -> list[Any]:
    """``values`` without trailing `DEFAULT`s; a `DEFAULT` before a real value is a TypeError."""
    out = list(values)
    while out and out[-1] is DEFAULT:
        out.pop()
    for index, value in enumerate(out):
        if value is DEFAULT:
            name = names[index] if index < len(names) else f"#{index + 1}"
            raise TypeError(
                f"{where}: parameter {name!r} has a default only the worker knows; "
                "pass it explicitly to pass the arguments after it"
            )
    return out


@dataclass(frozen=True)
class _Param:
    name: str
    annotation: Any
    required: bool


@dataclass(frozen=True)
class _Plan:
    positional: tuple[_Param, ...]
    var_positional: _Param | None
    result: Any


def _resolve_hints(func: Callable[..., Any], signature: inspect.Signature) -> dict[str, Any]:
    """Resolve annotations, including ``from __future__`` strings; unresolvable ones become Any."""
    try:
        return typing.get_type_hints(func, include_extras=True)
    except Exception:  # any NameError/TypeError from one bad annotation: go one by one
        pass
    namespace = dict(getattr(inspect.unwrap(func), "__globals__", {}))
    raw = {name: p.annotation for name, p in signature.parameters.items()}
    raw["return"] = signature.return_annotation
    hints: dict[str, Any] = {}
    for name, annotation in raw.items():
        if annotation is inspect.Parameter.empty:
            continue
        if isinstance(annotation, str):
            try:
                annotation = eval(annotation, namespace)  # the same lookup get_type_hints does
            except Exception as exc:
                logger.warning(
                    "cannot resolve annotation %r of %s (%s); its values stay plain JSON",
                    annotation,
                    getattr(func, "__qualname__", func),
                    exc,
                )
                annotation = Any
        hints[name] = annotation
    return hints


@functools.lru_cache(maxsize=2048)
def _plan(func: Callable[..., Any]) -> _Plan:
    signature = inspect.signature(func)
    hints = _resolve_hints(func, signature)
    positional: list[_Param] = []
    var_positional = None
    for param in signature.parameters.values():
        entry = _Param(param.name, hints.get(param.name, Any), param.default is inspect.Parameter.empty)
        if param.kind in _POSITIONAL:
            positional.append(entry)
        elif param.kind is inspect.Parameter.VAR_POSITIONAL:
            var_positional = entry
    return _Plan(tuple(positional), var_positional, hints.get("return", Any))


def _plan_for(func: Callable[..., Any]) -> _Plan:
    """Plans are cached on the plain function, so bound methods share their function's plan."""
    if inspect.ismethod(func):
        plan = _plan(func.__func__)
        return _Plan(plan.positional[1:], plan.var_positional, plan.result)
    return _plan(func)


def _param_where(where: str, name: str) -> str:
    return f"{where} parameter '{name}'" if where else f"parameter '{name}'"


def decode_arguments(func: Callable[..., Any], args: Sequence[Any], *, skip: int, where: str) -> list[Any]:
    """Rebuild decoded positional arguments into the types `func` annotates.

    Args:
        func: the workflow ``run`` method, activity function or handler.
        args: the decoded positional arguments (plain JSON values).
        skip: leading parameters of ``inspect.signature(func)`` that do not come from the payload
            (2 for a workflow's ``run(self, ctx, ...)``, 1 for a handler's ``self``, 0 for an
            activity; a bound method has no ``self`` in its signature).
        where: names the callable in errors, e.g. ``"activity 'charge'"``.
    """
    plan = _plan_for(func)
    params = plan.positional[skip:]
    label = where or getattr(func, "__qualname__", repr(func))
    if len(args) > len(params) and plan.var_positional is None:
        raise PayloadConversionError(f"{label} takes {len(params)} argument(s) but {len(args)} were given")
    missing = [p.name for p in params[len(args) :] if p.required]
    if missing:
        names = ", ".join(f"'{name}'" for name in missing)
        raise PayloadConversionError(f"{label} is missing argument(s) {names} ({len(args)} given)")
    decoded = [
        from_json_compatible(arg, param.annotation, where=_param_where(where, param.name))
        for param, arg in zip(params[: len(args)], args[: len(params)], strict=True)
    ]
    extra = plan.var_positional
    if extra is not None:
        for index, arg in enumerate(args[len(params) :]):
            item_where = _param_where(where, f"*{extra.name}") + f" item {index}"
            decoded.append(from_json_compatible(arg, extra.annotation, where=item_where))
    return decoded


_WRAPPED_RESULT = {
    collections.abc.Generator: 2,
    collections.abc.Coroutine: 2,
    collections.abc.Awaitable: 0,
}


def result_type(func: Callable[..., Any]) -> Any:
    """Return the annotated result type; ``Generator[Any, Any, R]`` (and coroutines) give ``R``."""
    annotation = _plan_for(func).result
    origin = typing.get_origin(annotation) or annotation
    try:
        position = _WRAPPED_RESULT.get(origin)
    except TypeError:  # unhashable annotation object
        return annotation
    if position is None:
        if inspect.isgeneratorfunction(inspect.unwrap(func)) and origin in (
            collections.abc.Iterator,
            collections.abc.Iterable,
        ):
            return Any
        return annotation
    args = typing.get_args(annotation)
    return args[position] if len(args) > position else Any


def decode_result(func: Callable[..., Any], value: Any, *, where: str = "") -> Any:
    """Rebuild a decoded result into `func`'s annotated result type."""
    return from_json_compatible(value, result_type(func), where=f"{where} result" if where else "result")

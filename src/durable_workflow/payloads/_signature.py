"""Read a callable's annotations once, then rebuild its decoded arguments and result."""

from __future__ import annotations

import collections.abc
import functools
import inspect
import logging
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from durable_workflow.errors import PayloadConversionError
from durable_workflow.payloads._convert import from_json_compatible

__all__ = ["decode_arguments", "decode_result", "result_type"]

logger = logging.getLogger("durable_workflow.payloads")

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


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

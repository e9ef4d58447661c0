"""Type-directed conversion at the workflow boundary (thin layer over `durable_workflow.payloads`)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

from durable_workflow.payloads import decode_arguments, from_json_compatible, result_type, to_json_compatible

__all__ = ["decode_args", "from_json_compatible", "return_annotation", "to_json_compatible"]


def return_annotation(fn: Callable[..., Any]) -> Any:
    """The value type a call produces: unwraps ``Generator[.., .., R]`` and coroutines; Any if unknown."""
    return result_type(fn)


def decode_args(fn: Callable[..., Any], values: Sequence[Any], *, skip: int, where: str) -> list[Any]:
    """Rebuild positional JSON arguments into the types `fn` annotates, skipping ``skip`` leading params."""
    return decode_arguments(fn, values, skip=skip, where=where)


def bind_positional(
    fn: Callable[..., Any], args: Sequence[Any], kwargs: dict[str, Any], *, what: str, skip: int = 0
) -> list[Any]:
    """Turn a call's args and kwargs into the positional list the wire carries."""
    if not kwargs:
        return list(args)
    try:
        bound = inspect.signature(inspect.unwrap(fn)).bind(*([None] * skip), *args, **kwargs)
    except TypeError as exc:
        raise TypeError(f"{what}: {exc}") from None
    bound.apply_defaults()
    out: list[Any] = []
    for param in list(bound.signature.parameters.values())[skip:]:
        if param.name not in bound.arguments:
            continue
        value = bound.arguments[param.name]
        if param.kind is param.VAR_POSITIONAL:
            out.extend(value)
        elif param.kind is param.KEYWORD_ONLY or param.kind is param.VAR_KEYWORD:
            raise TypeError(f"{what}: keyword-only parameters cannot be sent over the wire ({param.name})")
        else:
            out.append(value)
    return out

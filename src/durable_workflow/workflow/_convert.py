"""Type-directed conversion at the workflow boundary (thin layer over `durable_workflow.payloads`)."""

from __future__ import annotations

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

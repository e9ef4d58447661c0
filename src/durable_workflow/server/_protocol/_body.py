"""Request bodies: read with the size limit enforced while streaming, then checked as a whole.

`read_limited` stops at the first chunk past the limit, so an oversize upload costs at most one
chunk of memory. `check_tree` walks the parsed JSON once, iteratively, and refuses what could
poison later work: nesting deeper than `MAX_DEPTH`, lone surrogates in any string, and control
characters in any field that names something (ids, names, queues).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from durable_workflow.server._engine._errors import invalid
from durable_workflow.server._scalars import MAX_DEPTH, text_problem

__all__ = ["IDENTIFIER_FIELDS", "BodyTooLarge", "check_tree", "check_texts", "read_limited"]

IDENTIFIER_FIELDS = frozenset(
    {
        "workflow_id",
        "run_id",
        "workflow_type",
        "activity_type",
        "task_queue",
        "worker_id",
        "namespace",
        "name",
        "signal_name",
        "query_name",
        "update_name",
        "schedule_id",
        "task_id",
        "lease_owner",
        "build_id",
        "business_key",
        "request_id",
        "poll_request_id",
        "update_id",
        "command_id",
        "child_workflow_id",
        "child_workflow_type",
    }
)
"""Fields whose strings name something: control characters there are refused."""


class BodyTooLarge(Exception):
    """The body passed the limit (nothing past the first offending chunk was read)."""


async def read_limited(stream: AsyncIterator[bytes], limit: int) -> bytes:
    """Collect a request body, refusing it as soon as it passes ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in stream:
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


def _path(parent: str, key: str | int) -> str:
    return f"{parent}.{key}" if parent else str(key)


def check_tree(body: Any) -> None:
    """Refuse (422, naming the field) too-deep nesting, lone surrogates and control chars in ids."""
    stack: list[tuple[str, str, Any, int]] = [("", "", body, 0)]
    errors: dict[str, list[str]] = {}
    while stack and len(errors) < 10:
        path, key, value, depth = stack.pop()
        if isinstance(value, str):
            problem = text_problem(value, identifier=key in IDENTIFIER_FIELDS)
            if problem is not None:
                errors.setdefault(path or "body", []).append(f"The {path or 'body'} field {problem}.")
            continue
        if not isinstance(value, (dict, list)):
            continue
        if depth >= MAX_DEPTH:
            errors.setdefault(path or "body", []).append(
                f"The {path or 'body'} field is nested deeper than the limit of {MAX_DEPTH} levels."
            )
            continue
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for k, v in items:
            child = _path(path, k)
            if isinstance(k, str) and text_problem(k, identifier=False) is not None:
                errors.setdefault(child, []).append(f"The key of {child} must be valid Unicode text.")
                continue
            stack.append((child, k if isinstance(k, str) else key, v, depth + 1))
    if errors:
        raise invalid(errors)


def check_texts(values: dict[str, str], *, where: str) -> None:
    """Refuse path or query parameters holding lone surrogates or control characters."""
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        problem = text_problem(value, identifier=True)
        if problem is not None:
            errors[name] = [f"The {name} {where} parameter {problem}."]
    if errors:
        raise invalid(errors)

"""Reading the server's answers safely: size cap, JSON depth, shape, ``Retry-After``.

Everything here turns a bad answer into a typed `durable_workflow.InvalidResponse` carrying the
status, a reason code and an excerpt of the body, so no caller ever sees a `RecursionError`,
`AttributeError` or `KeyError` from a misbehaving server or proxy.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from durable_workflow import errors

__all__ = ["MAX_JSON_DEPTH", "Answer", "excerpt", "invalid", "parse_json", "retry_after_seconds"]

#: Deepest JSON nesting accepted in an answer; far beyond any protocol shape, far below the
#: interpreter's recursion limit (so later recursive code is safe too).
MAX_JSON_DEPTH = 200
_EXCERPT = 500


@dataclass(frozen=True)
class Answer:
    """One HTTP answer, read whole (within the size cap)."""

    status: int
    headers: httpx.Headers
    body: bytes
    request: httpx.Request

    def response(self) -> httpx.Response:
        """An `httpx.Response` to attach to errors (body already decoded, so no content-encoding)."""
        headers = [(k, v) for k, v in self.headers.multi_items() if k.lower() != "content-encoding"]
        return httpx.Response(self.status, headers=headers, content=self.body, request=self.request)


def excerpt(body: bytes) -> str:
    return body[:_EXCERPT].decode("utf-8", errors="replace")


def invalid(
    answer: Answer | None, reason: str, message: str, status: int | None = None
) -> errors.InvalidResponse:
    return errors.InvalidResponse(
        message,
        status_code=status if status is not None else (answer.status if answer else 0),
        reason=reason,
        body=excerpt(answer.body) if answer else None,
        response=answer.response() if answer else None,
    )


def _too_deep(value: Any) -> bool:
    """Iterative depth check, so a hostile answer cannot exhaust the stack here either."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return True
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values() if isinstance(child, (dict, list)))
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node if isinstance(child, (dict, list)))
    return False


def parse_json(answer: Answer) -> Any:
    """The decoded JSON body; `InvalidResponse` when it is not JSON or nested too deep."""
    where = f"the server's HTTP {answer.status} answer"
    try:
        value = json.loads(answer.body)
    except RecursionError:
        raise invalid(answer, "response_too_deep", f"{where} is JSON nested too deeply") from None
    except ValueError as exc:
        raise invalid(answer, "invalid_json_response", f"{where} is not JSON ({exc})") from None
    # A structure this deep needs at least this many brackets; counting them is C-speed.
    if answer.body.count(b"[") + answer.body.count(b"{") > MAX_JSON_DEPTH and _too_deep(value):
        raise invalid(answer, "response_too_deep", f"{where} is nested deeper than {MAX_JSON_DEPTH} levels")
    return value


def parse_object(answer: Answer) -> dict[str, Any] | None:
    """The body as a JSON object (None for an empty body); `InvalidResponse` for anything else."""
    if answer.status == 204 or not answer.body:
        return None
    value = parse_json(answer)
    if not isinstance(value, dict):
        raise invalid(
            answer,
            "invalid_response_shape",
            f"the server's HTTP {answer.status} answer is a JSON {type(value).__name__}, not an object",
        )
    return value


def error_body(answer: Answer) -> Any:
    """An error answer's body for `ServerError.body`: the JSON value, else a text excerpt."""
    try:
        return parse_json(answer)
    except errors.InvalidResponse:
        return excerpt(answer.body)


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """``Retry-After`` as seconds from now (delta-seconds or an HTTP date), or None."""
    raw = headers.get("retry-after")
    if not raw:
        return None
    raw = raw.strip()
    if raw.isdigit():
        return float(raw)
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())

"""The engine's one error type: a reason code plus a kind the HTTP layer maps to a status."""

from __future__ import annotations

from typing import Any

__all__ = ["EngineError", "RecordedRefusal", "invalid"]


class EngineError(Exception):
    """A refused operation.

    `kind` is one of ``bad_request``, ``not_found``, ``conflict``, ``precondition``, ``invalid``,
    ``too_many``, ``unavailable``, ``timeout``; `details` are extra body fields.
    """

    commit = False

    def __init__(self, kind: str, reason: str | None, message: str, **details: Any) -> None:
        super().__init__(message)
        self.kind = kind
        self.reason = reason
        self.message = message
        self.details = details


def invalid(errors: dict[str, list[str]]) -> EngineError:
    """Build a ``validation_failed`` error from a field → messages map."""
    messages = [m for ms in errors.values() for m in ms]
    message = messages[0] if messages else "The given data was invalid."
    if len(messages) > 1:
        n = len(messages) - 1
        message += f" (and {n} more error{'s' if n > 1 else ''})"
    return EngineError("invalid", "validation_failed", message, errors=errors, validation_errors=errors)


class RecordedRefusal(EngineError):
    """A refusal whose side effects (e.g. a timed-out run) are still committed."""

    commit = True

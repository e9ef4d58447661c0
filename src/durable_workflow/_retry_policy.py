"""Retry policies for activities and child workflows, and their wire form.

The server only knows ``{"max_attempts", "backoff_seconds", "non_retryable_error_types"}``
(wire-0.4.md §4.3): intervals and the backoff coefficient are turned into an explicit
list of delays here, once, when the command is built.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ActivityRetryPolicy", "ChildWorkflowRetryPolicy", "retry_policy_to_wire"]


@dataclass(frozen=True)
class _RetryPolicy:
    max_attempts: int = 3
    initial_interval_seconds: float = 1.0
    backoff_coefficient: float = 2.0
    maximum_interval_seconds: float | None = None
    non_retryable_error_types: Sequence[str] = field(default_factory=tuple)
    backoff_seconds: Sequence[float] | None = None

    def __post_init__(self) -> None:
        name = type(self).__name__
        if isinstance(self.max_attempts, bool) or not isinstance(self.max_attempts, int):
            raise TypeError(f"{name}.max_attempts must be an int, got {self.max_attempts!r}")
        if self.max_attempts < 1:
            raise ValueError(
                f"{name}.max_attempts must be >= 1 (there is no 'unlimited'), got {self.max_attempts}"
            )
        if self.initial_interval_seconds < 0:
            raise ValueError(f"{name}.initial_interval_seconds must be >= 0")
        if self.backoff_coefficient < 1:
            raise ValueError(f"{name}.backoff_coefficient must be >= 1")
        if self.maximum_interval_seconds is not None and self.maximum_interval_seconds < 0:
            raise ValueError(f"{name}.maximum_interval_seconds must be >= 0")
        if isinstance(self.non_retryable_error_types, str):
            raise TypeError(f"{name}.non_retryable_error_types must be a list of strings, not a string")
        object.__setattr__(self, "non_retryable_error_types", tuple(self.non_retryable_error_types))
        if self.backoff_seconds is not None:
            if any(b < 0 for b in self.backoff_seconds):
                raise ValueError(f"{name}.backoff_seconds entries must be >= 0")
            object.__setattr__(self, "backoff_seconds", tuple(self.backoff_seconds))

    def delays(self) -> list[int]:
        """The delay before each retry, in whole seconds (``max_attempts - 1`` entries)."""
        if self.backoff_seconds is not None:
            return [max(0, int(b)) for b in self.backoff_seconds]
        out: list[int] = []
        for i in range(self.max_attempts - 1):
            delay = self.initial_interval_seconds * self.backoff_coefficient**i
            if self.maximum_interval_seconds is not None:
                delay = min(delay, self.maximum_interval_seconds)
            out.append(math.ceil(delay))
        return out

    def to_wire(self) -> dict[str, Any]:
        """The exact ``retry_policy`` object of a ``schedule_activity``/``start_child_workflow`` command."""
        return {
            "max_attempts": self.max_attempts,
            "backoff_seconds": self.delays(),
            "non_retryable_error_types": [t for t in self.non_retryable_error_types if t.strip()],
        }


@dataclass(frozen=True)
class ActivityRetryPolicy(_RetryPolicy):
    """How often, and how far apart, the server retries a failed activity.

    ``max_attempts`` counts every attempt including the first. Delays grow from
    ``initial_interval_seconds`` by ``backoff_coefficient``, capped by
    ``maximum_interval_seconds``; or give ``backoff_seconds`` explicitly. A failure whose
    type or class name is in ``non_retryable_error_types`` is final.
    """

    __module__ = "durable_workflow"


@dataclass(frozen=True)
class ChildWorkflowRetryPolicy(_RetryPolicy):
    """How often the server starts a failed child workflow run again (same rules as activities)."""

    __module__ = "durable_workflow"


def retry_policy_to_wire(policy: _RetryPolicy | Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Turn a policy object (or a plain dict, sent verbatim) into its wire form."""
    if policy is None:
        return None
    if isinstance(policy, _RetryPolicy):
        return policy.to_wire()
    if isinstance(policy, Mapping):
        return dict(policy)
    raise TypeError(
        "retry_policy must be an ActivityRetryPolicy, ChildWorkflowRetryPolicy or dict, "
        f"got {type(policy).__name__}"
    )

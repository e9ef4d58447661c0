"""`WorkerSessionOptions`: which worker-held session an activity runs in (worker protocol 1.20)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["WorkerSessionOptions"]


@dataclass(frozen=True)
class WorkerSessionOptions:
    """A worker session: activities scheduled into it run on the one worker that holds it.

    Use it for a worker-local resource several activities share (a GPU, a mounted model, a
    scratch directory). Pass it to ``ctx.schedule_activity(..., worker_session=...)`` or
    ``ctx.activity(fn, worker_session=...)``; a worker may also hold it explicitly through
    `Worker.session`. If the holder is lost, another worker reacquires the session and must
    rebuild its local state.

    Attributes:
        session_id: the session's name within the namespace (1-255 characters).
        queue: the task queue whose workers may hold it (default: the activity's queue).
        requirements: capability strings the holder must have registered (e.g. ``"gpu:l4"``).
        lease_seconds: how long the holder's lease lasts without a renewal.
        ttl_seconds: absolute lifetime; after it the session id is closed for good.
        max_concurrent_activities: in-session activities running at once.
        create_if_missing: an in-session activity may create the session.
        allow_reacquire_after_failure: another worker may take over after holder loss.
    """

    __module__ = "durable_workflow"

    session_id: str
    queue: str | None = None
    requirements: tuple[str, ...] = field(default=())
    lease_seconds: int = 120
    ttl_seconds: int = 1800
    max_concurrent_activities: int = 1
    create_if_missing: bool = True
    allow_reacquire_after_failure: bool = True

    def __post_init__(self) -> None:
        session_id = self.session_id.strip() if isinstance(self.session_id, str) else ""
        if not session_id or len(session_id) > 255:
            raise ValueError("worker session id must be a non-empty string of at most 255 characters")
        object.__setattr__(self, "session_id", session_id)
        if self.queue is not None and (not isinstance(self.queue, str) or not self.queue.strip()):
            raise ValueError("worker session queue must be a non-empty string when given")
        for name in ("lease_seconds", "ttl_seconds", "max_concurrent_activities"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"worker session {name} must be a positive integer, got {value!r}")
        if isinstance(self.requirements, str):
            raise TypeError("worker session requirements must be a sequence of strings, not one string")
        requirements = tuple(dict.fromkeys(str(r).strip() for r in self.requirements))
        if any(not r for r in requirements):
            raise ValueError("worker session requirements must be non-empty strings")
        object.__setattr__(self, "requirements", requirements)

    def to_wire(self) -> dict[str, Any]:
        """The ``worker_session`` object of the wire."""
        wire: dict[str, Any] = {
            "session_id": self.session_id,
            "requirements": list(self.requirements),
            "lease_seconds": self.lease_seconds,
            "ttl_seconds": self.ttl_seconds,
            "max_concurrent_activities": self.max_concurrent_activities,
            "create_if_missing": self.create_if_missing,
            "allow_reacquire_after_failure": self.allow_reacquire_after_failure,
        }
        if self.queue is not None:
            wire["queue"] = self.queue
        return wire

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> WorkerSessionOptions:
        return cls(
            session_id=str(wire.get("session_id") or ""),
            queue=wire.get("queue"),
            requirements=tuple(wire.get("requirements") or ()),
            lease_seconds=int(wire.get("lease_seconds") or 120),
            ttl_seconds=int(wire.get("ttl_seconds") or 1800),
            max_concurrent_activities=int(wire.get("max_concurrent_activities") or 1),
            create_if_missing=wire.get("create_if_missing", True) is not False,
            allow_reacquire_after_failure=wire.get("allow_reacquire_after_failure", True) is not False,
        )

"""Worker sessions (current generation): a lease on a worker-local resource that activities share.

A session is held by at most one registered worker at a time. It is created explicitly
(``POST /worker/sessions``) or lazily when the first in-session activity is claimed, renewed by
session heartbeats and activity heartbeats, and closed by its holder. When the holder's lease
lapses (``expired``) or the holder stops heart-beating (``orphaned``), another capable worker may
reacquire it (outcome ``reacquired``) if ``allow_reacquire_after_failure``; until then others are
refused with ``session_owned_by_another_worker``. The absolute TTL and an explicit close are
terminal for a session id. Sessions live in memory (like query tasks): after a restart they are
created again by the next in-session activity.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from durable_workflow.server._clock import Clock
from durable_workflow.server._engine._errors import EngineError, invalid
from durable_workflow.server._engine._model import Worker
from durable_workflow.server._ids import iso

__all__ = ["SessionBook", "SessionOptions", "WorkerSession", "parse_options", "runtime_contract"]

STATUSES = ["active", "closed", "expired", "failed", "orphaned"]


def runtime_contract() -> dict[str, Any]:
    """The ``worker_sessions`` entry of the server capabilities."""
    return {
        "supported": True,
        "feature": "worker_sessions",
        "contract_version": "1.0",
        "minimum_protocol_version": "1.18",
        "command_field": "worker_session",
        "activity_options_field": "worker_session",
        "verbs": ["create", "heartbeat", "close"],
        "ownership": "single_worker_lease_owner",
        "failure_detection": ["lease_expiry", "registered_worker_heartbeat_staleness"],
        "holder_loss": {
            "in_flight_activities_keep_at_least_once_attempt_semantics": True,
            "replacement_worker_must_reacquire_session": True,
            "process_local_state_must_be_rebuilt_after_reacquire": True,
        },
        "routing": ["queue", "connection", "requirements"],
        "statuses": STATUSES,
        "terminal_statuses": ["closed"],
        "terminal_conditions": ["explicit_close", "ttl_expired", "allow_reacquire_after_failure_false"],
        "default_max_concurrent_activities": 1,
    }


@dataclass(frozen=True)
class SessionOptions:
    """``WorkerSessionOptions`` on the wire (``schedule_activity.worker_session`` or a create)."""

    session_id: str
    queue: str | None = None
    requirements: tuple[str, ...] = ()
    lease_seconds: int = 120
    ttl_seconds: int = 1800
    max_concurrent_activities: int = 1
    create_if_missing: bool = True
    allow_reacquire_after_failure: bool = True

    def to_wire(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "queue": self.queue,
            "requirements": list(self.requirements),
            "lease_seconds": self.lease_seconds,
            "ttl_seconds": self.ttl_seconds,
            "max_concurrent_activities": self.max_concurrent_activities,
            "create_if_missing": self.create_if_missing,
            "allow_reacquire_after_failure": self.allow_reacquire_after_failure,
        }


def _positive(value: Any, default: int) -> int | None:
    if value is None:
        return default
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else None


def parse_options(raw: Any, prefix: str = "") -> SessionOptions:
    """Validate session options (422 ``validation_failed`` naming each bad field)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(raw, dict):
        raise invalid({prefix.rstrip(".") or "worker_session": ["The worker session must be an object."]})
    session_id = raw.get("session_id")
    if not isinstance(session_id, str) or not session_id.strip() or len(session_id) > 255:
        errors[f"{prefix}session_id"] = [
            "The session id must be a non-empty string of at most 255 characters."
        ]
    queue = raw.get("queue")
    if queue is not None and (not isinstance(queue, str) or not queue.strip()):
        errors[f"{prefix}queue"] = ["The session queue must be a non-empty string."]
    requirements = raw.get("requirements") or []
    if not isinstance(requirements, list) or not all(isinstance(r, str) and r.strip() for r in requirements):
        errors[f"{prefix}requirements"] = ["The requirements must be a list of non-empty strings."]
        requirements = []
    numbers = {}
    for name, default in (("lease_seconds", 120), ("ttl_seconds", 1800), ("max_concurrent_activities", 1)):
        numbers[name] = _positive(raw.get(name), default)
        if numbers[name] is None:
            errors[f"{prefix}{name}"] = [f"The {name} must be an integer of at least 1."]
    flags = {}
    for name in ("create_if_missing", "allow_reacquire_after_failure"):
        value = raw.get(name, True)
        if not isinstance(value, bool):
            errors[f"{prefix}{name}"] = [f"The {name} field must be true or false."]
        flags[name] = value is not False
    if errors:
        raise invalid(errors)
    return SessionOptions(
        str(session_id).strip(),
        queue,
        tuple(dict.fromkeys(r.strip() for r in requirements)),
        int(numbers["lease_seconds"] or 120),
        int(numbers["ttl_seconds"] or 1800),
        int(numbers["max_concurrent_activities"] or 1),
        flags["create_if_missing"],
        flags["allow_reacquire_after_failure"],
    )


@dataclass
class WorkerSession:
    namespace: str
    options: SessionOptions
    lease_owner: str
    lease_expires_at: float
    ttl_expires_at: float
    created_at: float
    status: str = "active"
    failure_reason: str | None = None
    closed_at: float | None = None
    last_heartbeat_at: float | None = None
    holder_queue: str | None = None
    active_activities: set[str] = field(default_factory=set)

    def snapshot(self) -> dict[str, Any]:
        return {
            **self.options.to_wire(),
            "namespace": self.namespace,
            "status": self.status,
            "lease_owner": self.lease_owner if self.status == "active" else None,
            "holder": {"worker_id": self.lease_owner, "task_queue": self.holder_queue},
            "lease_expires_at": iso(self.lease_expires_at),
            "ttl_expires_at": iso(self.ttl_expires_at),
            "closed_at": iso(self.closed_at),
            "failure_reason": self.failure_reason,
            "active_activity_count": len(self.active_activities),
            "last_heartbeat_at": iso(self.last_heartbeat_at),
            "created_at": iso(self.created_at),
        }


def refused(
    status: str, reason: str, message: str, session: WorkerSession | None, **extra: Any
) -> EngineError:
    body = {"admitted": False, **extra}
    if session is not None:
        body["session"] = session.snapshot()
    return EngineError(status, reason, message, **body)


class SessionBook:
    """All sessions of the server, with the rules for who may hold them."""

    def __init__(self, clock: Clock, live: Callable[[str, str], Worker | None]) -> None:
        self.clock = clock
        self.live = live  # (namespace, worker id) -> the registration if it is fresh, else None
        self.sessions: dict[tuple[str, str], WorkerSession] = {}

    def get(self, namespace: str, session_id: str) -> WorkerSession | None:
        session = self.sessions.get((namespace, session_id))
        if session is not None:
            self._refresh(session)
        return session

    def _refresh(self, session: WorkerSession) -> None:
        now = self.clock.now()
        if session.status in ("closed", "failed"):
            return
        if session.ttl_expires_at <= now:
            session.status, session.failure_reason = "closed", "ttl_expired"
            session.closed_at = session.closed_at or now
        elif session.status == "active" and session.lease_expires_at <= now:
            session.status, session.failure_reason = "expired", "lease_expired"
        elif session.status == "active" and self.live(session.namespace, session.lease_owner) is None:
            session.status, session.failure_reason = "orphaned", "worker_heartbeat_stale"

    def acquire(
        self, worker: Worker, options: SessionOptions, *, explicit: bool
    ) -> tuple[str, WorkerSession]:
        """Admit ``worker`` to the session: (outcome, session); raises the refusal otherwise."""
        missing = [r for r in options.requirements if r not in worker.capabilities]
        if missing:
            raise refused(
                "conflict",
                "session_requirements_not_met",
                "The worker does not provide every requirement of the session.",
                None,
                missing_requirements=missing,
            )
        if options.queue is not None and options.queue != worker.task_queue:
            raise refused("conflict", "session_queue_mismatch", "The worker polls another task queue.", None)
        now = self.clock.now()
        session = self.get(worker.namespace, options.session_id)
        if session is None:
            if not (explicit or options.create_if_missing):
                raise refused("not_found", "session_missing", "The session does not exist.", None)
            session = WorkerSession(
                worker.namespace,
                options,
                worker.worker_id,
                now + options.lease_seconds,
                now + options.ttl_seconds,
                now,
                holder_queue=worker.task_queue,
            )
            self.sessions[(worker.namespace, options.session_id)] = session
            return "created", session
        if session.status == "closed":
            raise refused("conflict", "session_closed", "The session is closed.", session)
        if session.status == "active":
            if session.lease_owner != worker.worker_id:
                raise refused(
                    "conflict",
                    "session_owned_by_another_worker",
                    "Another worker holds this session until its lease lapses.",
                    session,
                )
            session.lease_expires_at = now + session.options.lease_seconds
            return "reused", session
        if not session.options.allow_reacquire_after_failure:
            raise refused(
                "conflict", "session_reacquire_disallowed", "The session may not be reacquired.", session
            )
        session.status, session.failure_reason = "active", None
        session.lease_owner, session.holder_queue = worker.worker_id, worker.task_queue
        session.lease_expires_at = now + session.options.lease_seconds
        session.active_activities.clear()
        return "reacquired", session

    def held(self, namespace: str, worker_id: str, session_id: str) -> WorkerSession:
        session = self.get(namespace, session_id)
        if session is None:
            raise refused("not_found", "session_not_found", "The session does not exist.", None)
        if session.status == "closed":
            raise refused("conflict", "session_closed", "The session is closed.", session)
        if session.status != "active":
            raise refused("conflict", "session_not_active", f"The session is {session.status}.", session)
        if session.lease_owner != worker_id:
            raise refused("conflict", "session_owner_mismatch", "Another worker holds this session.", session)
        return session

    def renew(
        self, namespace: str, worker_id: str, session_id: str, lease_seconds: int | None
    ) -> WorkerSession:
        session = self.held(namespace, worker_id, session_id)
        now = self.clock.now()
        session.lease_expires_at = min(
            now + (lease_seconds or session.options.lease_seconds), session.ttl_expires_at
        )
        session.last_heartbeat_at = now
        return session

    def close(self, namespace: str, worker_id: str, session_id: str) -> tuple[str, WorkerSession]:
        session = self.get(namespace, session_id)
        if session is None:
            raise refused("not_found", "session_not_found", "The session does not exist.", None)
        if session.status == "closed":
            return "already_closed", session
        if session.lease_owner != worker_id:
            raise refused("conflict", "session_owner_mismatch", "Another worker holds this session.", session)
        session.status, session.closed_at = "closed", self.clock.now()
        return "closed", session

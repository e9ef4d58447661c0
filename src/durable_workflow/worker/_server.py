"""Talking to the server about the worker itself: compatibility check, registration, heartbeats."""

from __future__ import annotations

import hashlib
import inspect
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from durable_workflow.errors import ServerCompatibilityError
from durable_workflow.workflow import WorkflowDefinition

__all__ = ["ServerFeatures", "check_cluster_info", "definition_fingerprint", "process_metrics"]

REQUIRED_CONTROL_PLANE = "2"
REQUIRED_WORKER_PROTOCOL = (1, 1)
_STARTED_AT = time.time()


@dataclass(frozen=True)
class ServerFeatures:
    """What the worker learned from ``GET /api/cluster/info``."""

    version: str | None
    query_tasks: bool
    long_poll_timeout: float | None
    #: The server routes a run's tasks to the worker that holds it (protocol 1.18+).
    sticky_execution: bool = False
    #: Update validators run before acceptance (``synchronous_update_validation``, 1.20).
    update_validation: bool = False
    #: ``upsert_memo`` is advertised (``workflow_memo_updates`` and the command list).
    memo_upserts: bool = False
    #: Worker sessions and in-session activity routing (1.20).
    worker_sessions: bool = False
    #: ``supported_workflow_task_commands`` (None: the server did not say).
    commands: frozenset[str] | None = None


def _fail(problem: str) -> ServerCompatibilityError:
    return ServerCompatibilityError(
        f"Server compatibility error: {problem}. This SDK needs control plane version "
        f"{REQUIRED_CONTROL_PLANE} and worker protocol 1.N with N >= {REQUIRED_WORKER_PROTOCOL[1]}."
    )


def _parse_version(value: Any) -> tuple[int, int] | None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    parts = str(value).strip().split(".")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1])


def check_cluster_info(info: Any) -> ServerFeatures:
    """Raise `ServerCompatibilityError` unless the server speaks our control plane and worker protocol."""
    if not isinstance(info, Mapping):
        raise _fail("/api/cluster/info did not answer with a JSON object")
    control = info.get("control_plane")
    if not isinstance(control, Mapping):
        raise _fail("cluster info has no control_plane object")
    if str(control.get("version")) != REQUIRED_CONTROL_PLANE:
        raise _fail(f"unsupported control_plane.version {control.get('version')!r}")
    protocol = info.get("worker_protocol")
    if not isinstance(protocol, Mapping):
        raise _fail("cluster info has no worker_protocol object")
    parsed = _parse_version(protocol.get("version"))
    major, minor = REQUIRED_WORKER_PROTOCOL
    if parsed is None or parsed[0] != major or parsed[1] < minor:
        raise _fail(f"incompatible worker_protocol.version {protocol.get('version')!r}")
    capabilities = protocol.get("server_capabilities")
    caps = capabilities if isinstance(capabilities, Mapping) else {}
    long_poll = caps.get("long_poll_timeout")
    if isinstance(long_poll, bool) or not isinstance(long_poll, (int, float, str)):
        long_poll = None
    try:
        long_poll_seconds = float(long_poll) if long_poll is not None else None
    except ValueError:
        long_poll_seconds = None
    version = info.get("version")
    return ServerFeatures(
        version=str(version) if version is not None else None,
        query_tasks=caps.get("query_tasks") is True,
        long_poll_timeout=long_poll_seconds if long_poll_seconds and long_poll_seconds > 0 else None,
        sticky_execution=_supported(caps.get("sticky_execution")),
        commands=_names(caps.get("supported_workflow_task_commands")),
        worker_sessions=_supported(caps.get("worker_sessions")),
        memo_upserts=_supported(caps.get("workflow_memo_updates"))
        and "upsert_memo" in (_names(caps.get("supported_workflow_task_commands")) or ()),
        update_validation=caps.get("update_validation_tasks") is True
        and _supported(caps.get("synchronous_update_validation")),
    )


def _names(value: Any) -> frozenset[str] | None:
    return frozenset(v for v in value if isinstance(v, str)) if isinstance(value, list) else None


def _supported(entry: Any) -> bool:
    return isinstance(entry, Mapping) and entry.get("supported") is True


def definition_fingerprint(definition: WorkflowDefinition) -> str:
    """``sha256:<hex>`` over the class source and its handler names (changes when the code changes)."""
    try:
        source = inspect.getsource(definition.cls)
    except (OSError, TypeError):
        source = f"{definition.cls.__module__}.{definition.cls.__qualname__}"
    handlers = [
        f"{kind}:{name}"
        for kind, table in (
            ("signal", definition.signals),
            ("query", definition.queries),
            ("update", definition.updates),
        )
        for name in sorted(table)
    ]
    digest = hashlib.sha256("\n".join([definition.name, source, *handlers]).encode()).hexdigest()
    return f"sha256:{digest}"


def process_metrics() -> dict[str, Any]:
    """A small, cheap snapshot of this process for registration and heartbeats."""
    return {
        "process_uptime_seconds": int(time.time() - _STARTED_AT),
        "process_id": os.getpid(),
        "host": os.uname().nodename[:255] if hasattr(os, "uname") else "unknown",
    }

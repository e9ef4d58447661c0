"""Validation of schedule request bodies (422 ``validation_failed`` naming each bad field)."""

from __future__ import annotations

import json
from typing import Any

from durable_workflow.server._engine._errors import EngineError, invalid
from durable_workflow.server._engine._inputs import Fields, args_blob, check_memo_and_attributes
from durable_workflow.server._payload import CODEC, Encoding
from durable_workflow.server._scalars import digits, strict_int
from durable_workflow.server._schedules._spec import parse_time, validate_spec

__all__ = [
    "OVERLAP_POLICIES",
    "check_action",
    "check_backfill",
    "check_create",
    "check_history",
    "check_note",
    "check_overlap",
    "check_update",
]

OVERLAP_POLICIES = ("skip", "buffer_one", "buffer_all", "cancel_other", "terminate_other", "allow_all")
MEMO_LIMIT = 262_144
_POLICY_MESSAGE = "The overlap policy must be one of: " + ", ".join(OVERLAP_POLICIES) + "."
_LEGACY_TIMEOUTS = {
    "workflow_execution_timeout": "execution_timeout_seconds",
    "workflow_run_timeout": "run_timeout_seconds",
}


def check_action(value: Any, *, partial: bool = False, framing: Encoding = "wrapper") -> dict[str, Any]:
    """A normalised action (input stored as a ``{codec, blob}`` envelope); raises 422 when invalid."""
    if not isinstance(value, dict):
        raise invalid({"action": ["The action field must be an object."]})
    body = dict(value)
    for legacy, name in _LEGACY_TIMEOUTS.items():
        if legacy in body and name not in body:
            body[name] = body.pop(legacy)
    f = Fields(body)
    out: dict[str, Any] = {}
    workflow_type = f.string("workflow_type", required=not partial)
    queue = f.string("task_queue")
    timeouts = {n: f.integer(n) for n in ("execution_timeout_seconds", "run_timeout_seconds")}
    blob = args_blob(f, framing=framing) if "input" in body else None
    f.errors = {f"action.{k}": v for k, v in f.errors.items()}
    f.done()
    out.update({k: v for k, v in (("workflow_type", workflow_type), ("task_queue", queue)) if v is not None})
    out.update({k: v for k, v in timeouts.items() if v is not None})
    if blob is not None:
        out["input"] = {"codec": CODEC, "blob": blob}
    return out


def check_overlap(body: dict[str, Any], f: Fields) -> str | None:
    return f.choice("overlap_policy", OVERLAP_POLICIES, _POLICY_MESSAGE)


def check_note(f: Fields) -> str | None:
    return f.string("note", max_len=1000)


def _check_memo_size(body: dict[str, Any]) -> None:
    memo = body.get("memo")
    if isinstance(memo, dict) and len(json.dumps(memo).encode()) > MEMO_LIMIT:
        raise EngineError(
            "invalid",
            "memo_too_large",
            f"The memo must not be larger than {MEMO_LIMIT} bytes.",
            limit=MEMO_LIMIT,
        )


def _common(body: dict[str, Any], f: Fields) -> dict[str, Any]:
    """Fields shared by create and update; absent fields are left out."""
    out: dict[str, Any] = {}
    if "spec" in body:
        spec_errors = validate_spec(body.get("spec"))
        for name, messages in spec_errors.items():
            for message in messages:
                f.add(name, message)
        if not spec_errors:
            out["spec"] = body["spec"]
    values: dict[str, Any] = {
        "overlap_policy": check_overlap(body, f),
        "jitter_seconds": f.integer("jitter_seconds", minimum=0, maximum=3600),
        "max_runs": f.integer("max_runs", minimum=1),
        "note": check_note(f),
    }
    memo, attrs = check_memo_and_attributes(f)
    values.update({"memo": memo, "search_attributes": attrs})
    out.update({k: v for k, v in values.items() if v is not None})
    return out


def check_create(body: dict[str, Any], framing: Encoding = "wrapper") -> dict[str, Any]:
    """The normalised create request; every field is checked before anything is stored."""
    _check_memo_size(body)
    f = Fields(body)
    schedule_id = f.string("schedule_id", max_len=128)
    if "spec" not in body:
        f.add("spec", "The spec field is required.")
    if "action" not in body:
        f.add("action", "The action field is required.")
    out = _common(body, f)
    paused = body.get("paused")
    if paused is not None and not isinstance(paused, bool):
        f.add("paused", "The paused field must be true or false.")
    action: dict[str, Any] | None = None
    if "action" in body:
        try:
            action = check_action(body["action"], framing=framing)
        except EngineError as exc:
            for name, messages in (exc.details.get("errors") or {}).items():
                f.errors.setdefault(name, []).extend(messages)
    f.done()
    assert action is not None
    out.update(action=action, paused=bool(paused))
    if schedule_id:
        out["schedule_id"] = schedule_id
    return out


def check_update(
    body: dict[str, Any], stored_action: dict[str, Any], framing: Encoding = "wrapper"
) -> dict[str, Any]:
    """The normalised update request: only the given fields; the action is merged into the stored one."""
    _check_memo_size(body)
    f = Fields(body)
    out = _common(body, f)
    for name in ("memo", "search_attributes"):
        if name in body and body[name] is None:
            out[name] = None
    if "action" in body:
        try:
            patch = check_action(body["action"], partial=True, framing=framing)
            out["action"] = {**stored_action, **patch}
        except EngineError as exc:
            for name, messages in (exc.details.get("errors") or {}).items():
                f.errors.setdefault(name, []).extend(messages)
    f.done()
    return out


def check_backfill(body: dict[str, Any]) -> tuple[float, float, str | None]:
    """(start, end, overlap policy override) of a backfill request."""
    f = Fields(body)
    times: dict[str, float] = {}
    for name in ("start_time", "end_time"):
        if body.get(name) is None:
            f.add(name, f"The {name.replace('_', ' ')} field is required.")
            continue
        try:
            times[name] = parse_time(body[name])
        except (ValueError, TypeError):
            f.add(name, f"The {name.replace('_', ' ')} field must be a valid date.")
    policy = check_overlap(body, f)
    f.done()
    if times["end_time"] <= times["start_time"]:
        message = "The end time must be after the start time."
        raise EngineError(
            "invalid",
            "invalid_time_range",
            message,
            errors={"end_time": [message]},
            validation_errors={"end_time": [message]},
        )
    return times["start_time"], times["end_time"], policy


def check_history(params: dict[str, Any]) -> tuple[int, int]:
    """(limit, after_sequence) of a history request: limit defaults to 100, clamped to 1..500."""
    limit = strict_int(params.get("limit") or "100")
    limit = 100 if limit is None else limit
    limit = 100 if limit <= 0 else min(limit, 500)
    raw = params.get("after_sequence")
    if raw is None or raw == "":
        return limit, 0
    after = digits(str(raw))
    if after is None:
        message = "The after_sequence parameter must be a non-negative integer."
        raise EngineError(
            "invalid",
            "invalid_after_sequence",
            message,
            errors={"after_sequence": [message]},
            validation_errors={"after_sequence": [message]},
        )
    return limit, after

"""Field validation of worker commands (422 ``validation_failed``); unknown keys are ignored."""

from __future__ import annotations

from typing import Any

from durable_workflow.server._engine._command_table import BLOCKING, CURRENT_ONLY, KNOWN, TERMINAL_COMMANDS
from durable_workflow.server._engine._errors import EngineError, invalid
from durable_workflow.server._engine._sessions import parse_options
from durable_workflow.server._payload import CODEC, PayloadInvalid, decode_blob, is_envelope
from durable_workflow.server._scalars import strict_int

__all__ = [
    "BLOCKING",
    "TERMINAL_COMMANDS",
    "as_int",
    "lease_fence",
    "normalise_commands",
    "payload_blob",
    "retry_policy",
]

MEMO_LIMIT_BYTES = 262_144
MAX_SECONDS = 10 * 365 * 24 * 3600  # keeps deadlines representable as dates
_ACTIVITY_TIMEOUTS = (
    "start_to_close_timeout",
    "schedule_to_start_timeout",
    "schedule_to_close_timeout",
    "heartbeat_timeout",
)


def as_int(value: Any) -> int | None:
    """Accept JSON ints and ASCII digit strings (as 0.2.10 does); None when not an integer."""
    return strict_int(value)


def lease_fence(body: dict[str, Any], attempt_field: str, attempt_message: str) -> tuple[str, int]:
    """The ``lease_owner`` and attempt a worker fences a query or validation task report with (or a 422)."""
    owner, attempt = body.get("lease_owner"), as_int(body.get(attempt_field))
    errors: dict[str, list[str]] = {}
    if not isinstance(owner, str) or not owner:
        errors["lease_owner"] = ["The lease owner field is required."]
    if attempt is None or attempt < 1:
        errors[attempt_field] = [attempt_message]
    if errors or not isinstance(owner, str) or attempt is None:
        raise invalid(errors)
    return owner, attempt


class _Checker:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.errors: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(f"{self.prefix}{name}", []).append(message)

    def string(self, cmd: dict[str, Any], name: str, *, required: bool = False) -> None:
        value = cmd.get(name)
        if value is None:
            if required:
                self.add(name, f"The {self.prefix}{name} field is required.")
        elif not isinstance(value, str) or (required and not value.strip()):
            self.add(name, f"The {self.prefix}{name} field must be a non-empty string.")

    def integer(
        self,
        cmd: dict[str, Any],
        name: str,
        *,
        minimum: int,
        maximum: int = MAX_SECONDS,
        required: bool = False,
    ) -> None:
        value = cmd.get(name)
        if value is None:
            if required:
                self.add(name, f"The {self.prefix}{name} field is required.")
            return
        number = as_int(value)
        if number is None or number < minimum or number > maximum:
            self.add(
                name, f"The {self.prefix}{name} field must be an integer between {minimum} and {maximum}."
            )
        else:
            cmd[name] = number

    def payload(self, cmd: dict[str, Any], name: str, *, required: bool = False) -> None:
        value = cmd.get(name)
        if value is None:
            if required:
                self.add(name, f"The {self.prefix}{name} field is required.")
            return
        if isinstance(value, str):
            return
        if not is_envelope(value):
            self.add(
                name, f"The {self.prefix}{name} field must be a payload blob or a {{codec, blob}} envelope."
            )
        elif value.get("codec") != CODEC:
            self.add(f"{name}.codec", f"Unknown payload codec [{value.get('codec')}].")
        elif value.get("blob") is not None and not isinstance(value.get("blob"), str):
            self.add(f"{name}.blob", f"The {self.prefix}{name}.blob field must be a string.")


def _seconds_ok(value: Any) -> bool:
    number = as_int(value)
    return number is not None and 0 <= number <= MAX_SECONDS


def retry_policy(check: _Checker, cmd: dict[str, Any]) -> None:
    policy = cmd.get("retry_policy")
    if policy is None:
        return
    if not isinstance(policy, dict):
        check.add("retry_policy", f"The {check.prefix}retry_policy field must be an object.")
        return
    check.prefix += "retry_policy."
    check.integer(policy, "max_attempts", minimum=1, maximum=2**31)
    backoff = policy.get("backoff_seconds")
    if backoff is not None and (not isinstance(backoff, list) or not all(_seconds_ok(b) for b in backoff)):
        check.add(
            "backoff_seconds", f"The {check.prefix}backoff_seconds field must be a list of integers >= 0."
        )
    elif backoff is not None:
        policy["backoff_seconds"] = [as_int(b) for b in backoff]
    types = policy.get("non_retryable_error_types")
    if types is not None and (not isinstance(types, list) or not all(isinstance(t, str) for t in types)):
        check.add(
            "non_retryable_error_types", f"The {check.prefix}non_retryable_error_types must be strings."
        )
    check.prefix = check.prefix[: -len("retry_policy.")]


def _check_one(check: _Checker, cmd: dict[str, Any]) -> None:
    kind = cmd["type"]
    if kind == "schedule_activity":
        check.string(cmd, "activity_type", required=True)
        check.string(cmd, "queue")
        check.payload(cmd, "arguments")
        for name in _ACTIVITY_TIMEOUTS:
            check.integer(cmd, name, minimum=1)
        retry_policy(check, cmd)
        _timeout_order(check, cmd)
        if cmd.get("worker_session") is not None:
            _check_session(check, cmd)
    elif kind == "start_timer":
        check.integer(cmd, "delay_seconds", minimum=0, required=True)
    elif kind == "start_child_workflow":
        check.string(cmd, "workflow_type", required=True)
        check.string(cmd, "queue")
        check.payload(cmd, "arguments")
        check.integer(cmd, "execution_timeout_seconds", minimum=1)
        check.integer(cmd, "run_timeout_seconds", minimum=1)
        retry_policy(check, cmd)
        policy = cmd.get("parent_close_policy")
        if policy is not None and policy not in ("abandon", "request_cancel", "terminate"):
            check.add(
                "parent_close_policy", "The parent close policy must be abandon, request_cancel or terminate."
            )
    elif kind in ("complete_workflow", "complete_update"):
        check.payload(cmd, "result")
    elif kind == "continue_as_new":
        check.payload(cmd, "arguments")
        check.string(cmd, "queue")
        check.string(cmd, "workflow_type")
    elif kind in ("fail_workflow", "fail_update"):
        check.string(cmd, "message", required=True)
        check.string(cmd, "exception_type")
        check.string(cmd, "exception_class")
    elif kind == "record_side_effect":
        check.payload(cmd, "result", required=True)
    elif kind == "record_version_marker":
        check.string(cmd, "change_id", required=True)
        for name in ("version", "min_supported", "max_supported"):
            check.integer(cmd, name, minimum=-(2**62), maximum=2**62, required=True)
    elif kind == "upsert_search_attributes":
        attributes = cmd.get("attributes")
        if not isinstance(attributes, dict) or not attributes:
            check.add("attributes", f"The {check.prefix}attributes field must be a non-empty object.")
    elif kind == "upsert_memo":
        _check_memo(check, cmd)
    elif kind == "open_condition_wait":
        check.integer(cmd, "timeout_seconds", minimum=0)
        check.string(cmd, "condition_key")
        check.string(cmd, "condition_definition_fingerprint")
    if kind in ("complete_update", "fail_update"):
        check.string(cmd, "update_id", required=True)


def _check_session(check: _Checker, cmd: dict[str, Any]) -> None:
    try:
        cmd["worker_session"] = parse_options(
            cmd["worker_session"], f"{check.prefix}worker_session."
        ).to_wire()
    except EngineError as exc:
        for name, messages in exc.details.get("errors", {}).items():
            check.errors.setdefault(name, []).extend(messages)


def _check_memo(check: _Checker, cmd: dict[str, Any]) -> None:
    """``entries``: a {codec, blob} envelope of a non-empty string-keyed map (kept decoded)."""
    check.payload(cmd, "entries", required=True)
    blob = payload_blob(cmd.get("entries"))
    if blob is None:
        if cmd.get("entries") is not None:
            check.add("entries", f"The {check.prefix}entries field must carry a blob.")
        return
    try:
        entries = decode_blob(blob)
    except PayloadInvalid as exc:
        check.add("entries", f"The {check.prefix}entries payload cannot be decoded: {exc}")
        return
    if not isinstance(entries, dict) or not entries or not all(isinstance(k, str) for k in entries):
        check.add("entries", f"The {check.prefix}entries payload must be a non-empty map of names to values.")
        return
    cmd["decoded_entries"] = entries


def _timeout_order(check: _Checker, cmd: dict[str, Any]) -> None:
    values = {n: cmd.get(n) for n in _ACTIVITY_TIMEOUTS}
    if any(v is not None and not isinstance(v, int) for v in values.values()):
        return
    hb, stc = values["heartbeat_timeout"], values["start_to_close_timeout"]
    s2c, s2s = values["schedule_to_close_timeout"], values["schedule_to_start_timeout"]
    if hb is not None and stc is not None and hb > stc:
        check.add("heartbeat_timeout", "The heartbeat timeout must not exceed the start-to-close timeout.")
    if stc is not None and s2c is not None and stc > s2c:
        check.add("start_to_close_timeout", "The start-to-close timeout must not exceed schedule-to-close.")
    if s2s is not None and s2c is not None and s2s > s2c:
        check.add(
            "schedule_to_start_timeout", "The schedule-to-start timeout must not exceed schedule-to-close."
        )


def normalise_commands(commands: Any, *, seed: bool = False) -> list[dict[str, Any]]:
    """Validate a completion's command list; returns copies with integers normalised."""
    if not isinstance(commands, list) or not commands:
        raise invalid({"commands": ["The commands field is required and must be a non-empty list."]})
    out: list[dict[str, Any]] = []
    check = _Checker("")
    for i, raw in enumerate(commands):
        check.prefix = f"commands.{i}."
        if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
            check.add("type", f"The commands.{i}.type field is required.")
            continue
        cmd = dict(raw)
        if cmd["type"] not in KNOWN or (seed and cmd["type"] in CURRENT_ONLY):
            check.add("type", f"The command type [{cmd['type']}] is not supported by the server yet.")
            continue
        _check_one(check, cmd)
        out.append(cmd)
    if check.errors:
        raise invalid(check.errors)
    if sum(1 for c in out if c["type"] in TERMINAL_COMMANDS) > 1:
        raise EngineError(
            "conflict", "invalid_commands", "A workflow task may complete with at most one terminal command."
        )
    return out


def payload_blob(value: Any) -> str | None:
    """The blob of a validated payload field (raw string or envelope)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    blob = value.get("blob")
    return blob if isinstance(blob, str) else None

"""Validation helpers for control-plane request bodies."""

from __future__ import annotations

import json
import re
from typing import Any

from durable_workflow.server._engine._errors import EngineError, invalid
from durable_workflow.server._engine._validate import MAX_SECONDS, as_int
from durable_workflow.server._payload import CODEC, Encoding, PayloadInvalid, decode_blob, encode_value

__all__ = ["Fields", "args_blob", "check_operation_name"]

WORKFLOW_ID = re.compile(r"^[A-Za-z0-9._:-]+$")
ATTRIBUTE_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class Fields:
    """Collects field errors for one request body; `done()` raises 422 if any."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body
        self.errors: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def string(
        self, name: str, *, required: bool = False, max_len: int = 255, pattern: re.Pattern[str] | None = None
    ) -> str | None:
        value = self.body.get(name)
        label = name.replace("_", " ")
        if value is None:
            if required:
                self.add(name, f"The {label} field is required.")
            return None
        if not isinstance(value, str) or (required and not value):
            self.add(name, f"The {label} field must be a string.")
            return None
        if len(value.encode()) > max_len:
            self.add(name, f"The {label} field must not be greater than {max_len} characters.")
        elif pattern is not None and not pattern.match(value):
            self.add(name, f"The {label} field format is invalid.")
        return value

    def integer(self, name: str, *, minimum: int = 1, maximum: int | None = MAX_SECONDS) -> int | None:
        value = self.body.get(name)
        if value is None:
            return None
        number = as_int(value)
        label = name.replace("_", " ")
        if number is None or number < minimum or (maximum is not None and number > maximum):
            bound = f" between {minimum} and {maximum}" if maximum is not None else f" of at least {minimum}"
            self.add(name, f"The {label} field must be an integer{bound}.")
            return None
        return number

    def mapping(self, name: str) -> dict[str, Any] | None:
        value = self.body.get(name)
        if value is None:
            return None
        if isinstance(value, list) and not value:
            return {}
        if not isinstance(value, dict):
            self.add(name, f"The {name.replace('_', ' ')} field must be an object.")
            return None
        return value

    def choice(self, name: str, allowed: tuple[str, ...], message: str) -> str | None:
        value = self.body.get(name)
        if value is None:
            return None
        if value not in allowed:
            self.add(name, message)
            return None
        return str(value)

    def done(self) -> None:
        if self.errors:
            raise invalid(self.errors)


def args_blob(
    fields: Fields, name: str = "input", *, require_list: bool = True, framing: Encoding = "wrapper"
) -> str | None:
    """Turn a request's `input` (JSON list, named object or envelope) into a blob.

    An envelope's blob is kept as sent; a blob the server makes is written in ``framing``.
    """
    value = fields.body.get(name)
    if value is None:
        return encode_value([], framing)
    if isinstance(value, list):
        return _made(fields, name, value, framing)
    if isinstance(value, dict) and set(value) == {"codec", "blob"}:
        if value.get("codec") != CODEC:
            fields.add(f"{name}.codec", f"Unknown payload codec [{value.get('codec')}].")
            return None
        blob = value.get("blob")
        if blob is None:
            return encode_value([], framing)
        if not isinstance(blob, str):
            fields.add(f"{name}.blob", "The payload blob must be a string.")
            return None
        if require_list:
            try:
                decoded = decode_blob(blob)
            except PayloadInvalid as exc:
                fields.add(f"{name}.blob", f"The payload blob could not be decoded: {exc}")
                return None
            if not isinstance(decoded, list):
                fields.add(f"{name}.blob", "The payload blob must decode to a list of arguments.")
                return None
        return blob
    if isinstance(value, dict) and "external_storage" in value:
        fields.add(name, "External payload storage is not configured for this namespace.")
        return None
    if isinstance(value, dict):
        return _made(fields, name, list(value.values()), framing)
    fields.add(name, f"The {name} field must be a list of arguments or a {{codec, blob}} envelope.")
    return None


def _made(fields: Fields, name: str, value: list[Any], framing: Encoding) -> str | None:
    """A blob the server makes from plain JSON arguments, or a field error if the frame cannot hold them."""
    try:
        return encode_value(value, framing)
    except PayloadInvalid as exc:
        fields.add(name, f"The {name} field cannot be encoded for this run: {exc}")
        return None


def check_operation_name(name: str, field: str) -> None:
    if not name or len(name.encode()) > 256 or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise invalid(
            {field: [f"The {field.replace('_', ' ')} must be 1-256 bytes without control characters."]}
        )


def check_memo_and_attributes(fields: Fields) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    memo = fields.mapping("memo")
    if memo is not None and len(json.dumps(memo).encode()) > 262_144:
        fields.add("memo", "The memo must not be larger than 262144 bytes.")
    attrs = fields.mapping("search_attributes")
    for key, value in (attrs or {}).items():
        if not ATTRIBUTE_KEY.match(key) or len(key) > 128:
            fields.add(
                f"search_attributes.{key}", "Search attribute keys must match ^[A-Za-z][A-Za-z0-9_]*$."
            )
        elif isinstance(value, str) and len(value.encode()) > 2048:
            fields.add(f"search_attributes.{key}", "Search attribute values must not exceed 2048 bytes.")
    return memo, attrs


def not_found_instance(workflow_id: str) -> EngineError:
    return EngineError("not_found", "instance_not_found", "Workflow not found.", workflow_id=workflow_id)

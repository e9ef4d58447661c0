"""The generic wrapper frame: ``0x00`` + Avro record ``durable_workflow.Payload {json, version}``.

This is a hand-written fast path; `_reference.py` holds the same framing done with the ``avro``
library, and the tests prove both produce identical bytes (the library costs ~4x more per call).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from durable_workflow.errors import PayloadConversionError, PayloadDecodeError
from durable_workflow.payloads._binary import Reader, write_long

__all__ = ["WRAPPER_PREFIX", "WRAPPER_SCHEMA", "decode_wrapper_bytes", "encode_wrapper_bytes", "json_text"]

WRAPPER_PREFIX = 0x00
WRAPPER_SCHEMA = (
    '{"type":"record","name":"Payload","namespace":"durable_workflow","fields":'
    '[{"name":"json","type":"string"},{"name":"version","type":"int","default":1}]}'
)
_VERSION = 1


Convert = Callable[[Any], Any]
_COMPACT = (",", ":")


def _default_for(convert: Convert) -> Convert:
    """A ``json.dumps`` default hook: what JSON cannot hold goes through `convert` (one walk)."""

    def default(obj: Any) -> Any:
        converted = convert(obj)
        if converted is obj:
            raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")
        return converted

    return default


def json_text(value: Any, convert: Convert | None = None) -> str:
    """Return the compact JSON text the wrapper carries (the 0.4.106 rule, minus NaN/Infinity).

    With `convert` (the converter's `to_json_compatible`), plain JSON data is written by the C
    encoder in one walk and only the values JSON cannot hold are converted, as they are met.
    """
    try:
        if convert is None:
            return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        try:
            hook = _default_for(convert)
            return json.dumps(value, separators=_COMPACT, ensure_ascii=False, allow_nan=False, default=hook)
        except TypeError as exc:
            if "keys must be" not in str(exc):
                raise
            # A dict key JSON cannot hold (an enum, a UUID): convert the whole value first.
            return json_text(convert(value))
    except PayloadConversionError:
        raise
    except ValueError as exc:
        if "Circular reference" in str(exc):
            raise PayloadConversionError("value contains a circular reference") from None
        raise PayloadConversionError(
            "NaN and Infinity cannot be encoded: they are not JSON and PHP cannot read them"
        ) from None
    except TypeError as exc:
        hint = ""
        if isinstance(value, (bytes, bytearray)) or "bytes" in str(exc):
            hint = " (bytes need encoding='value-v1', or send them as a base64 str)"
        raise PayloadConversionError(f"value is not JSON-serializable: {exc}{hint}") from None
    except RecursionError:
        raise PayloadConversionError("value is nested too deeply to encode") from None


def encode_wrapper_bytes(value: Any, convert: Convert | None = None) -> bytes:
    """Frame a JSON-compatible value as wrapper bytes (any value, given the converter `convert`)."""
    try:
        text = json_text(value, convert).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise PayloadConversionError(f"value has a str that is not valid Unicode: {exc.reason}") from None
    out = bytearray(b"\x00")
    write_long(out, len(text))
    out += text
    write_long(out, _VERSION)
    return bytes(out)


def decode_wrapper_bytes(data: bytes) -> Any:
    """Decode wrapper bytes; like 0.4.106, trailing bytes and the version value are ignored."""
    reader = Reader(data, what="avro wrapper frame")
    if not data or data[0] != WRAPPER_PREFIX:
        found = f"0x{data[0]:02x}" if data else "nothing"
        raise reader.fail(f"expected prefix 0x00, found {found}")
    reader.pos = 1
    text = reader.read_string("json field")
    reader.read_long("version field")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PayloadDecodeError(
            f"avro wrapper frame: json field is not valid JSON ({exc.msg} at char {exc.pos})",
            code="invalid_payload_framing",
        ) from None
    except RecursionError:
        raise reader.fail("json field is nested too deeply") from None

"""The few payload operations the server needs: it otherwise treats blobs as opaque strings.

Encoding always uses the Avro generic wrapper (``0x00`` + record ``{json, version}``, base64), the
codec every 0.4-era SDK reads. Decoding prefers `durable_workflow.payloads.DataConverter` (which
also reads the newer ``Value`` v1 frame) and falls back to a private wrapper decoder.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, TypeGuard

__all__ = ["CODEC", "PayloadInvalid", "decode_blob", "encode_value", "envelope", "is_envelope"]

CODEC = "avro"


class PayloadInvalid(ValueError):
    """A blob that cannot be decoded."""


def _zigzag(n: int) -> bytes:
    n = (n << 1) ^ (n >> 63)
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def encode_value(value: Any) -> str:
    """Encode a JSON-compatible value as a wrapper blob (base64 text)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")
    return base64.b64encode(b"\x00" + _zigzag(len(text)) + text + _zigzag(1)).decode("ascii")


def _read_long(data: bytes, pos: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise PayloadInvalid("truncated avro long")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return (result >> 1) ^ -(result & 1), pos


def _decode_wrapper(blob: str) -> Any:
    try:
        data = base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PayloadInvalid(f"blob is not valid base64: {exc}") from None
    if not data or data[0] != 0:
        raise PayloadInvalid("blob is not an avro wrapper frame")
    length, pos = _read_long(data, 1)
    if length < 0 or pos + length > len(data):
        raise PayloadInvalid("truncated avro wrapper frame")
    try:
        return json.loads(data[pos : pos + length].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PayloadInvalid(f"wrapper json field is invalid: {exc}") from None


def decode_blob(blob: str | None) -> Any:
    """Decode an ``avro`` blob to its JSON value; None/empty decodes to None."""
    if not blob:
        return None
    try:
        from durable_workflow.payloads import DataConverter  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return _decode_wrapper(blob)
    try:
        return DataConverter().decode({"codec": CODEC, "blob": blob})
    except Exception as exc:  # any decoder error means the client sent bad bytes
        raise PayloadInvalid(str(exc)) from None


def is_envelope(value: Any) -> TypeGuard[dict[str, Any]]:
    """True for an object whose keys are exactly {codec, blob}."""
    return isinstance(value, dict) and set(value) == {"codec", "blob"}


def envelope(blob: str | None) -> dict[str, Any] | None:
    """Wrap a stored blob as ``{codec, blob}`` (None stays None)."""
    return None if blob is None else {"codec": CODEC, "blob": blob}

"""The few payload operations the server needs: it otherwise treats blobs as opaque strings.

A payload the server makes itself (the ``[]`` of a signal sent without arguments, a raw JSON
activity result) is written in the frame of the run it belongs to: the generic wrapper for runs
of the seed generation, ``Value`` v1 for runs of the current one. Decoding reads both. Both come
from `durable_workflow.payloads`, the same codec the SDK uses, so the server can never disagree
with it about bytes.
"""

from __future__ import annotations

from typing import Any, TypeGuard

from durable_workflow.errors import PayloadError
from durable_workflow.payloads import DEFAULT_CONVERTER, Encoding, encode_value_v1, encode_wrapper, framing_of

__all__ = [
    "CODEC",
    "Encoding",
    "PayloadInvalid",
    "decode_blob",
    "encode_value",
    "envelope",
    "framing_of",
    "is_envelope",
]

CODEC = "avro"


class PayloadInvalid(ValueError):
    """A blob that cannot be decoded."""


def encode_value(value: Any, framing: Encoding = "wrapper") -> str:
    """Encode a JSON-compatible value as a blob (base64 text) in the given frame.

    Raises:
        PayloadInvalid: the frame cannot carry the value (``Value`` v1 holds 64-bit integers only).
    """
    try:
        return encode_value_v1(value) if framing == "value-v1" else encode_wrapper(value)
    except PayloadError as exc:
        raise PayloadInvalid(str(exc)) from None


def decode_blob(blob: str | None) -> Any:
    """Decode an ``avro`` blob to its JSON value; None/empty decodes to None."""
    if not blob:
        return None
    try:
        return DEFAULT_CONVERTER.decode_blob(blob, CODEC)
    except PayloadError as exc:  # the client sent bytes no SDK could read
        raise PayloadInvalid(str(exc)) from None


def is_envelope(value: Any) -> TypeGuard[dict[str, Any]]:
    """True for an object whose keys are exactly {codec, blob}."""
    return isinstance(value, dict) and set(value) == {"codec", "blob"}


def envelope(blob: str | None) -> dict[str, Any] | None:
    """Wrap a stored blob as ``{codec, blob}`` (None stays None)."""
    return None if blob is None else {"codec": CODEC, "blob": blob}

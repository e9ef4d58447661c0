"""The few payload operations the server needs: it otherwise treats blobs as opaque strings.

Encoding always uses the Avro generic wrapper, the codec every 0.4-era SDK reads; decoding also
reads the newer ``Value`` v1 frame. Both come from `durable_workflow.payloads`, the same codec
the SDK uses, so the server can never disagree with it about bytes.
"""

from __future__ import annotations

from typing import Any, TypeGuard

from durable_workflow.errors import PayloadError
from durable_workflow.payloads import DEFAULT_CONVERTER, encode_wrapper

__all__ = ["CODEC", "PayloadInvalid", "decode_blob", "encode_value", "envelope", "is_envelope"]

CODEC = "avro"


class PayloadInvalid(ValueError):
    """A blob that cannot be decoded."""


def encode_value(value: Any) -> str:
    """Encode a JSON-compatible value as a wrapper blob (base64 text)."""
    return encode_wrapper(value)


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

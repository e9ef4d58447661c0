"""Blobs and envelopes: base64, codec tags, frame auto-detection, and the `DataConverter`."""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Mapping
from typing import Any, Literal

from durable_workflow.errors import PayloadDecodeError
from durable_workflow.payloads._convert import to_json_compatible
from durable_workflow.payloads._value_v1 import (
    VALUE_V1_MAGIC,
    decode_value_v1_bytes,
    encode_value_v1_bytes,
)
from durable_workflow.payloads._wrapper import decode_wrapper_bytes, encode_wrapper_bytes

__all__ = [
    "DEFAULT_CONVERTER",
    "DataConverter",
    "Encoding",
    "decode_avro_bytes",
    "decode_value_v1",
    "decode_wrapper",
    "encode_value_v1",
    "encode_wrapper",
    "framing_of",
]

Encoding = Literal["wrapper", "value-v1"]
_ENVELOPE_KEYS = frozenset({"codec", "blob"})
_EXTERNAL_KEYS = frozenset({"codec", "external_storage"})


serializer_logger = logging.getLogger("durable_workflow.serializer")

#: A server refuses request bodies over 2 MiB by default; warn well before a payload gets there.
SERVER_BODY_LIMIT_BYTES = 2 * 1024 * 1024
PAYLOAD_WARNING_BYTES = int(SERVER_BODY_LIMIT_BYTES * 0.8)


def _warn_large(size: int, encoding: str) -> None:
    serializer_logger.warning(
        "payload of %d bytes is over 80%% of the server's default %d-byte request limit",
        size,
        SERVER_BODY_LIMIT_BYTES,
        extra={
            "durable_workflow_payload": {
                "codec": "avro",
                "encoding": encoding,
                "payload_size": size,
                "threshold_bytes": PAYLOAD_WARNING_BYTES,
                "limit_bytes": SERVER_BODY_LIMIT_BYTES,
            }
        },
    )


def _b64decode(blob: str) -> bytes:
    try:
        return base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError) as exc:
        if blob.lstrip()[:1] in ("{", "[", '"') or blob.strip() in ("null", "true", "false"):
            problem = "blob is not base64 but looks like JSON; was it sent with codec 'json'?"
        else:
            problem = f"blob is not valid base64 ({exc})"
        raise PayloadDecodeError(problem, code="invalid_base64") from None


def _b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def encode_wrapper(value: Any) -> str:
    """Encode a JSON-compatible value as a base64 generic-wrapper blob (no conversion step)."""
    return _b64encode(encode_wrapper_bytes(value))


def decode_wrapper(blob: str) -> Any:
    """Decode a base64 generic-wrapper blob; any other frame is a `PayloadDecodeError`."""
    return decode_wrapper_bytes(_b64decode(blob))


def encode_value_v1(value: Any) -> str:
    """Encode a value as a base64 Value v1 single-object blob (no conversion step)."""
    return _b64encode(encode_value_v1_bytes(value))


def decode_value_v1(blob: str) -> Any:
    """Decode a base64 Value v1 blob; an empty blob is invalid framing on this explicit path."""
    return decode_value_v1_bytes(_b64decode(blob))


def framing_of(payload: Any) -> Encoding | None:
    """The avro frame a blob (or ``{codec, blob}`` envelope) was written in, or None if unknown.

    Only the first bytes are read: a wrapper starts with ``00`` (base64 ``A``), Value v1 with
    ``c301`` (base64 ``wwE``). Anything else, including JSON and empty blobs, is None.
    """
    if isinstance(payload, Mapping):
        if payload.get("codec") not in (None, "avro"):
            return None
        payload = payload.get("blob")
    if not isinstance(payload, str) or len(payload) < 4:
        return None
    try:
        head = base64.b64decode(payload[:4], validate=True)
    except (binascii.Error, ValueError):
        return None
    if head[:2] == VALUE_V1_MAGIC:
        return "value-v1"
    if head[:1] == b"\x00":
        return "wrapper"
    return None


def decode_avro_bytes(data: bytes) -> Any:
    """Decode avro-codec frame bytes, choosing the frame format by its first bytes."""
    if data[:1] == b"\x00":
        return decode_wrapper_bytes(data)
    if data[:2] == VALUE_V1_MAGIC:
        return decode_value_v1_bytes(data)
    if data[:1] == b"\x01":
        raise PayloadDecodeError(
            "avro typed-schema frames (prefix 0x01) are not supported; "
            "expected the generic wrapper (0x00) or Value v1 (c301)",
            code="unsupported_payload_schema",
        )
    found = data[:2].hex() or "nothing"
    raise PayloadDecodeError(
        f"unknown avro frame prefix {found}; expected 00 (generic wrapper) or c301 (Value v1)",
        code="invalid_payload_framing",
    )


def _decode_json_text(blob: str) -> Any:
    try:
        return json.loads(blob)
    except json.JSONDecodeError as exc:
        raise PayloadDecodeError(
            f"codec 'json' blob is not valid JSON ({exc.msg} at char {exc.pos})",
            code="invalid_payload_framing",
        ) from None
    except RecursionError:
        raise PayloadDecodeError("codec 'json' blob is nested too deeply") from None


def _guess_codec(blob: str) -> str:
    """Pick a codec for a raw blob nobody tagged: JSON text never starts like these base64 frames."""
    return "avro" if blob.startswith(("A", "ww")) else "json"


class DataConverter:
    """Turns Python values into codec-tagged blobs and back.

    Args:
        encoding: the avro frame to write: ``"wrapper"`` (the generic wrapper every 0.4-era server
            and PHP engine reads; the default) or ``"value-v1"`` (the single-object ``Value`` frame
            of newer servers). Decoding always accepts both.
    """

    __slots__ = ("encoding",)

    def __init__(self, encoding: Encoding = "wrapper") -> None:
        if encoding not in ("wrapper", "value-v1"):
            raise ValueError(f"encoding must be 'wrapper' or 'value-v1', not {encoding!r}")
        self.encoding: Encoding = encoding

    def __repr__(self) -> str:
        return f"durable_workflow.payloads.DataConverter(encoding={self.encoding!r})"

    def encode_blob(self, value: Any) -> str:
        """Convert with `to_json_compatible`, then frame and base64 the value (codec ``avro``).

        Conversion happens during the framing walk, so plain JSON data is walked once.
        """
        if self.encoding == "value-v1":
            blob = _b64encode(encode_value_v1_bytes(value, to_json_compatible))
        else:
            blob = _b64encode(encode_wrapper_bytes(value, to_json_compatible))
        if len(blob) >= PAYLOAD_WARNING_BYTES:
            _warn_large(len(blob), self.encoding)
        return blob

    def with_encoding(self, encoding: Encoding | None) -> DataConverter:
        """This converter, or a copy that writes ``encoding`` (None keeps this one)."""
        if encoding is None or encoding == self.encoding:
            return self
        return DataConverter(encoding)

    def envelope(self, value: Any) -> dict[str, str]:
        """Return ``{"codec": "avro", "blob": ...}`` for the value."""
        return {"codec": "avro", "blob": self.encode_blob(value)}

    def decode(self, payload: Any, *, default_codec: str | None = "avro") -> Any:
        """Decode an envelope, a raw blob string (tagged `default_codec`), or None (→ None).

        An envelope's own codec wins; ``None`` as a codec means "unknown" (see `decode_blob`).
        """
        if payload is None:
            return None
        if isinstance(payload, str):
            return self.decode_blob(payload, default_codec)
        if isinstance(payload, Mapping):
            keys = frozenset(payload)
            if keys == _ENVELOPE_KEYS:
                return self.decode_blob(payload["blob"], payload["codec"] or default_codec)
            if keys == _EXTERNAL_KEYS:
                raise PayloadDecodeError(
                    "externally stored payloads ({codec, external_storage}) are not supported yet",
                    code="unsupported_external_storage",
                )
            raise PayloadDecodeError(
                f"not a payload envelope: keys {sorted(map(str, keys))}, expected ['blob', 'codec']",
                code="invalid_payload_framing",
            )
        raise PayloadDecodeError(
            f"payload must be an envelope, a blob string or None, not {type(payload).__name__}",
            code="invalid_payload_framing",
        )

    def decode_blob(self, blob: str | None, codec: str | None = "avro") -> Any:
        """Decode a raw blob string tagged with `codec`.

        ``"avro"`` auto-detects the generic wrapper and Value v1 frames, and (like 0.4.106)
        decodes an empty or None blob as None. ``"json"`` blobs are JSON text. ``None`` means no
        codec is known (so does ``""``): the blob is read as avro when it looks like a base64 frame,
        else as JSON.
        """
        if blob is None or blob == "":
            return None
        if not isinstance(blob, str):
            raise PayloadDecodeError(
                f"blob must be a str, not {type(blob).__name__}", code="invalid_payload_framing"
            )
        if not codec:
            codec = _guess_codec(blob)
        if codec == "avro":
            return decode_avro_bytes(_b64decode(blob))
        if codec == "json":
            return _decode_json_text(blob)
        raise PayloadDecodeError(
            f"unsupported payload codec {codec!r}; this SDK reads 'avro' and 'json'",
            code="unsupported_payload_codec",
        )


DEFAULT_CONVERTER = DataConverter()

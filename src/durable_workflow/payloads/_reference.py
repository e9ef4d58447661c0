"""Both frame formats done with the ``avro`` library: the reference the fast paths are tested against.

Slower than the hand-written codecs (see ``benchmarks``), and less strict on decode: it does not
reject NaN doubles or trailing bytes by itself, so those checks are added here.
"""

from __future__ import annotations

import functools
import io
import json
import math
from importlib import resources
from typing import Any

import avro.io
import avro.schema

from durable_workflow.errors import PayloadDecodeError
from durable_workflow.payloads._value_v1 import VALUE_V1_FINGERPRINT, VALUE_V1_MAGIC, VALUE_V1_SCHEMA_FILE
from durable_workflow.payloads._wrapper import WRAPPER_SCHEMA, json_text

__all__ = [
    "reference_decode_value_v1",
    "reference_decode_wrapper",
    "reference_encode_value_v1",
    "reference_encode_wrapper",
    "value_v1_schema",
    "value_v1_schema_text",
]

_BRANCH_FIELDS = ("boolean", "long", "double", "bytes", "string")


def value_v1_schema_text() -> str:
    """Return the text of the ``.avsc`` shipped inside the package."""
    return resources.files("durable_workflow.payloads").joinpath(VALUE_V1_SCHEMA_FILE).read_text("utf-8")


@functools.cache
def value_v1_schema() -> avro.schema.Schema:
    """Return the parsed Value v1 schema."""
    return avro.schema.parse(value_v1_schema_text())


@functools.cache
def _wrapper_schema() -> avro.schema.Schema:
    return avro.schema.parse(WRAPPER_SCHEMA)


def reference_encode_wrapper(value: Any) -> bytes:
    """Wrapper frame bytes written by ``avro.io.DatumWriter``."""
    buffer = io.BytesIO()
    buffer.write(b"\x00")
    datum = {"json": json_text(value), "version": 1}
    avro.io.DatumWriter(_wrapper_schema()).write(datum, avro.io.BinaryEncoder(buffer))
    return buffer.getvalue()


def reference_decode_wrapper(data: bytes) -> Any:
    """Decode wrapper frame bytes with ``avro.io.DatumReader``."""
    if not data or data[0] != 0:
        raise PayloadDecodeError("avro wrapper frame: expected prefix 0x00")
    buffer = io.BytesIO(data[1:])
    record: Any = avro.io.DatumReader(_wrapper_schema()).read(avro.io.BinaryDecoder(buffer))
    return json.loads(record["json"])


def reference_encode_value_v1(value: Any) -> bytes:
    """Value v1 frame bytes written by ``avro.io.DatumWriter`` (slow: unions are validated)."""
    buffer = io.BytesIO()
    buffer.write(VALUE_V1_MAGIC + VALUE_V1_FINGERPRINT)
    writer = avro.io.DatumWriter(value_v1_schema())
    writer.write({"value": _to_datum(value)}, avro.io.BinaryEncoder(buffer))
    return buffer.getvalue()


def reference_decode_value_v1(data: bytes) -> Any:
    """Decode a Value v1 frame with ``avro.io.DatumReader``, adding the checks Avro leaves out."""
    header = VALUE_V1_MAGIC + VALUE_V1_FINGERPRINT
    if data[:10] != header:
        raise PayloadDecodeError("Value v1 frame: bad magic or fingerprint")
    buffer = io.BytesIO(data[10:])
    record: Any = avro.io.DatumReader(value_v1_schema()).read(avro.io.BinaryDecoder(buffer))
    if buffer.tell() != len(data) - 10:
        raise PayloadDecodeError("Value v1 frame: trailing bytes after the datum")
    return _from_datum(record["value"])


def _to_datum(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return {"boolean": value}
    if isinstance(value, int):
        return {"long": value}
    if isinstance(value, float):
        return {"double": value}
    if isinstance(value, (bytes, bytearray)):
        return {"bytes": bytes(value)}
    if isinstance(value, str):
        return {"string": value}
    if isinstance(value, (list, tuple)):
        return {"items": [{"value": _to_datum(item)} for item in value]}
    if isinstance(value, dict):
        return {"entries": {key: {"value": _to_datum(item)} for key, item in value.items()}}
    raise TypeError(f"{type(value).__name__} has no Value v1 mapping")


def _from_datum(datum: Any) -> Any:
    if datum is None:
        return None
    if "items" in datum:
        return [_from_datum(item["value"]) for item in datum["items"]]
    if "entries" in datum:
        return {key: _from_datum(item["value"]) for key, item in datum["entries"].items()}
    for field in _BRANCH_FIELDS:
        if field in datum:
            value = datum[field]
            if field == "double" and not math.isfinite(value):
                raise PayloadDecodeError("Value v1 frame: non-finite double")
            return value
    raise PayloadDecodeError(f"Value v1 frame: unexpected datum {datum!r}")

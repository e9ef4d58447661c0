"""``durable_workflow.protocol.Value`` v1 single-object frames: ``C3 01`` + fingerprint + datum.

Python mapping: None ↔ null, bool ↔ BooleanValue, int (signed 64-bit) ↔ LongValue, finite float ↔
DoubleValue, bytes ↔ BytesValue, str ↔ StringValue, list/tuple → ArrayValue (decodes as list),
dict with str keys ↔ MapValue. The schema text ships next to this module as
``durable_workflow.protocol.Value.v1.avsc``; `_reference.py` reads it with the ``avro`` library.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from typing import Any

from durable_workflow.errors import PayloadConversionError, PayloadDecodeError
from durable_workflow.payloads._binary import Reader, write_long
from durable_workflow.payloads._value_v1_fast import Unusual, read_datum

__all__ = [
    "VALUE_V1_FINGERPRINT",
    "VALUE_V1_MAGIC",
    "VALUE_V1_SCHEMA_FILE",
    "decode_value_v1_bytes",
    "encode_value_v1_bytes",
]

VALUE_V1_MAGIC = b"\xc3\x01"
VALUE_V1_FINGERPRINT = bytes.fromhex("e2a33dff55802237")  # CRC-64-AVRO of the canonical schema, LE
VALUE_V1_SCHEMA_FILE = "durable_workflow.protocol.Value.v1.avsc"
_HEADER = VALUE_V1_MAGIC + VALUE_V1_FINGERPRINT
_MAX_DEPTH = 256
_LONG_MIN = -(1 << 63)
_LONG_MAX = (1 << 63) - 1
_DOUBLE = struct.Struct("<d")
_BRANCHES = ("null", "boolean", "long", "double", "bytes", "string", "array", "map")


class _Unencodable(Exception):
    """Internal: carries the path to the offending value up to the top-level encoder."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.path: list[str] = []


def encode_value_v1_bytes(value: Any, convert: Callable[[Any], Any] | None = None) -> bytes:
    """Encode a value as a Value v1 frame; unmappable values raise `PayloadConversionError`.

    With `convert` (the converter's `to_json_compatible`), values with no Value mapping (models,
    dataclasses, datetimes, sets, ...) are converted where they are met, in the same walk.
    """
    out = bytearray(_HEADER)
    try:
        _write(out, value, 0, convert)
    except _Unencodable as exc:
        where = "value" + "".join(reversed(exc.path))
        raise PayloadConversionError(f"cannot encode as Value v1: {where}: {exc.problem}") from None
    except RecursionError:  # only when the caller's own stack is already deep
        raise PayloadConversionError("cannot encode as Value v1: nested too deeply") from None
    return bytes(out)


def _write(out: bytearray, value: Any, depth: int, convert: Callable[[Any], Any] | None) -> None:
    if value is None:
        out.append(0)
    elif value is True or value is False:
        out += b"\x02\x01" if value else b"\x02\x00"
    elif isinstance(value, int):
        if not _LONG_MIN <= value <= _LONG_MAX:
            raise _Unencodable(f"int {value} is outside the signed 64-bit range")
        out.append(4)
        write_long(out, value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise _Unencodable(f"{value} is not a finite float (NaN and Infinity are rejected)")
        out.append(6)
        out += _DOUBLE.pack(value)
    elif isinstance(value, str):
        try:
            raw = value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise _Unencodable(f"str is not valid Unicode: {exc.reason}") from None
        out.append(10)
        write_long(out, len(raw))
        out += raw
    elif isinstance(value, (bytes, bytearray, memoryview)):
        out.append(8)
        write_long(out, len(value))
        out += value
    elif isinstance(value, (list, tuple, dict)):
        if depth >= _MAX_DEPTH:
            raise _Unencodable(f"nested deeper than {_MAX_DEPTH} levels")
        _write_container(out, value, depth + 1, convert)
    else:
        converted = value if convert is None else convert(value)
        if converted is value:
            raise _Unencodable(f"{type(value).__name__} has no Value v1 mapping")
        _write(out, converted, depth, None)  # converted values are JSON-compatible (or bytes)


def _write_container(
    out: bytearray,
    value: list[Any] | tuple[Any, ...] | dict[Any, Any],
    depth: int,
    convert: Callable[[Any], Any] | None,
) -> None:
    if isinstance(value, dict):
        out.append(14)
        if value:
            write_long(out, len(value))
            for key, item in value.items():
                if convert is not None and not isinstance(key, str):
                    key = convert(key)  # e.g. an enum key becomes its value
                if not isinstance(key, str):
                    raise _Unencodable(f"map key {key!r} is a {type(key).__name__}, not a str")
                try:
                    raw = key.encode("utf-8")
                except UnicodeEncodeError as exc:
                    raise _Unencodable(f"map key is not valid Unicode: {exc.reason}") from None
                write_long(out, len(raw))
                out += raw
                try:
                    _write(out, item, depth, convert)
                except _Unencodable as exc:
                    exc.path.append(f"[{key!r}]")
                    raise
    else:
        out.append(12)
        if value:
            write_long(out, len(value))
            for index, item in enumerate(value):
                try:
                    _write(out, item, depth, convert)
                except _Unencodable as exc:
                    exc.path.append(f"[{index}]")
                    raise
    out.append(0)


def decode_value_v1_bytes(data: bytes) -> Any:
    """Decode one Value v1 frame; any deviation raises `PayloadDecodeError`."""
    reader = Reader(data, what="Value v1 frame")
    if not data:
        raise reader.fail("empty frame: no magic, fingerprint or datum")
    if len(data) >= 2 and data[:2] != VALUE_V1_MAGIC:
        raise reader.fail(f"expected magic c301, found {data[:2].hex()}")
    if len(data) < len(_HEADER):
        raise reader.fail(f"truncated header: {len(data)} bytes, magic and fingerprint need 10")
    if data[2:10] != VALUE_V1_FINGERPRINT:
        raise PayloadDecodeError(
            f"Value v1 frame: unknown schema fingerprint {data[2:10].hex()}, "
            f"expected {VALUE_V1_FINGERPRINT.hex()}",
            code="unsupported_payload_schema",
        )
    if len(data) == len(_HEADER):
        raise reader.fail("truncated: no datum after the fingerprint")
    try:
        value, end = read_datum(data, len(_HEADER))
        if end == len(data):
            return value
    except Unusual:
        pass  # the strict reader below decides, and names the problem if there is one
    reader.pos = len(_HEADER)
    try:
        value = _read(reader, 0)
    except RecursionError:  # only when the caller's own stack is already deep
        raise reader.fail("nested too deeply for the Python stack") from None
    if reader.pos != len(data):
        raise reader.fail(f"{len(data) - reader.pos} trailing bytes after the datum")
    return value


def _read(reader: Reader, depth: int) -> Any:
    branch = reader.read_long("union index")
    if branch == 0:
        return None
    if branch == 1:
        return reader.read_boolean()
    if branch == 2:
        return reader.read_long()
    if branch == 3:
        number = reader.read_double()
        if not math.isfinite(number):
            shown = "NaN" if math.isnan(number) else ("Infinity" if number > 0 else "-Infinity")
            raise reader.fail(f"double is {shown}; NaN and Infinity are not allowed")
        return number
    if branch == 4:
        return reader.read_bytes()
    if branch == 5:
        return reader.read_string()
    if branch in (6, 7):
        if depth >= _MAX_DEPTH:
            raise reader.fail(f"nested deeper than {_MAX_DEPTH} levels")
        return _read_array(reader, depth + 1) if branch == 6 else _read_map(reader, depth + 1)
    raise reader.fail(f"union index {branch} is not a Value branch (0..{len(_BRANCHES) - 1})")


def _block_count(reader: Reader, item: str) -> int:
    """Read one block header; negative counts carry a byte size, which we skip."""
    count = reader.read_long(f"{item} block count")
    if count < 0:
        count = -count
        reader.read_long(f"{item} block size")
    if count > reader.remaining():
        raise reader.fail(f"truncated {item}: block of {count} items, {reader.remaining()} bytes left")
    return count


def _read_array(reader: Reader, depth: int) -> list[Any]:
    items: list[Any] = []
    while count := _block_count(reader, "array"):
        for _ in range(count):
            items.append(_read(reader, depth))
    return items


def _read_map(reader: Reader, depth: int) -> dict[str, Any]:
    entries: dict[str, Any] = {}
    while count := _block_count(reader, "map"):
        for _ in range(count):
            key = reader.read_string("map key")
            entries[key] = _read(reader, depth)
    return entries

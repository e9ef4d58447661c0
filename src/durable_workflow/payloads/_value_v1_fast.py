"""A quick reader for Value v1 datums that gives up instead of explaining.

`read_datum` walks the bytes with local variables and one-byte varint fast paths, several times
faster than the strict `Reader`-based reader in `_value_v1`. It accepts exactly what that reader
accepts or less: at anything unusual (a bad tag, boolean or length, NaN, invalid UTF-8, too deep,
a varint past 64 bits, truncation) it raises `Unusual`, and the caller reruns the strict reader,
which decides and words the error. The property tests hold both readers to the same answers.
"""

from __future__ import annotations

import math
import struct
from typing import Any

__all__ = ["Unusual", "read_datum"]

_MAX_DEPTH = 256
_LONG_MIN = -(1 << 63)
_LONG_MAX = (1 << 63) - 1
_DOUBLE = struct.Struct("<d").unpack_from


class Unusual(Exception):
    """The datum needs the strict reader (which may still accept it)."""


def read_datum(data: bytes, pos: int) -> tuple[Any, int]:
    """Read one Value starting at `pos`; return it and the position after it."""
    try:
        return _value(data, pos, 0)
    except (IndexError, UnicodeDecodeError, struct.error, RecursionError):
        raise Unusual from None


def _long(data: bytes, pos: int) -> tuple[int, int]:
    byte = data[pos]
    if byte < 0x80:
        return (byte >> 1) ^ -(byte & 1), pos + 1
    z, shift = byte & 0x7F, 7
    while True:
        pos += 1
        byte = data[pos]
        z |= (byte & 0x7F) << shift
        if byte < 0x80:
            break
        shift += 7
        if shift > 63:
            raise Unusual
    n = (z >> 1) ^ -(z & 1)
    if not _LONG_MIN <= n <= _LONG_MAX:
        raise Unusual
    return n, pos + 1


def _raw(data: bytes, pos: int) -> tuple[bytes, int]:
    size, pos = _long(data, pos)
    end = pos + size
    if size < 0 or end > len(data):
        raise Unusual
    return data[pos:end], end


def _value(data: bytes, pos: int, depth: int) -> tuple[Any, int]:
    tag = data[pos]  # the union index, zig-zag encoded: branch n is the byte 2n
    pos += 1
    if tag == 10:
        raw, pos = _raw(data, pos)
        return raw.decode("utf-8"), pos
    if tag == 4:
        return _long(data, pos)
    if tag == 14 or tag == 12:
        if depth >= _MAX_DEPTH:
            raise Unusual
        return _container(data, pos, depth + 1, tag == 14)
    if tag == 0:
        return None, pos
    if tag == 2:
        flag = data[pos]
        if flag > 1:
            raise Unusual
        return flag == 1, pos + 1
    if tag == 6:
        (number,) = _DOUBLE(data, pos)
        if not math.isfinite(number):
            raise Unusual
        return number, pos + 8
    if tag == 8:
        return _raw(data, pos)
    raise Unusual


def _container(data: bytes, pos: int, depth: int, is_map: bool) -> tuple[Any, int]:
    entries: dict[str, Any] = {}
    items: list[Any] = []
    while True:
        count, pos = _long(data, pos)
        if count == 0:
            return (entries if is_map else items), pos
        if count < 0:
            count = -count
            _, pos = _long(data, pos)  # the block's byte size, which a reader may skip
        if count > len(data) - pos:
            raise Unusual
        for _ in range(count):
            if is_map:
                raw, pos = _raw(data, pos)
                entries[raw.decode("utf-8")], pos = _value(data, pos, depth)
            else:
                item, pos = _value(data, pos, depth)
                items.append(item)

"""Avro binary primitives shared by both frame formats (strict reader, varint writer)."""

from __future__ import annotations

import struct

from durable_workflow.errors import PayloadDecodeError

__all__ = ["Reader", "write_long"]

_LONG_MIN = -(1 << 63)
_LONG_MAX = (1 << 63) - 1
_DOUBLE = struct.Struct("<d")


def write_long(out: bytearray, n: int) -> None:
    """Append `n` as an Avro zig-zag varint; the caller has checked the int64 range."""
    z = (n << 1) ^ (n >> 63)
    while z > 0x7F:
        out.append((z & 0x7F) | 0x80)
        z >>= 7
    out.append(z)


class Reader:
    """Reads Avro binary values from a byte string; every failure is a `PayloadDecodeError`."""

    __slots__ = ("data", "pos", "what")

    def __init__(self, data: bytes, pos: int = 0, *, what: str = "payload") -> None:
        self.data = data
        self.pos = pos
        self.what = what

    def fail(self, problem: str) -> PayloadDecodeError:
        return PayloadDecodeError(f"{self.what}: {problem}", code="invalid_payload_framing")

    def remaining(self) -> int:
        return len(self.data) - self.pos

    def take(self, n: int, item: str) -> bytes:
        end = self.pos + n
        if n < 0 or end > len(self.data):
            raise self.fail(f"truncated {item}: needs {n} bytes, {self.remaining()} left")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def read_long(self, item: str = "long") -> int:
        data, pos, end = self.data, self.pos, len(self.data)
        z = shift = 0
        while True:
            if pos >= end:
                raise self.fail(f"truncated {item}: varint ends early")
            b = data[pos]
            pos += 1
            z |= (b & 0x7F) << shift
            if not b & 0x80:
                break
            shift += 7
            if shift > 63:
                raise self.fail(f"{item} varint is longer than 10 bytes")
        self.pos = pos
        value = (z >> 1) ^ -(z & 1)
        if not _LONG_MIN <= value <= _LONG_MAX:
            raise self.fail(f"{item} varint is outside the 64-bit range")
        return value

    def read_bytes(self, item: str = "bytes") -> bytes:
        size = self.read_long(f"{item} length")
        if size < 0:
            raise self.fail(f"negative {item} length {size}")
        return self.take(size, item)

    def read_string(self, item: str = "string") -> str:
        raw = self.read_bytes(item)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise self.fail(f"{item} is invalid UTF-8 ({exc.reason} at byte {exc.start})") from None

    def read_boolean(self) -> bool:
        byte = self.take(1, "boolean")[0]
        if byte > 1:
            raise self.fail(f"boolean byte is 0x{byte:02x}, expected 0x00 or 0x01")
        return byte == 1

    def read_double(self) -> float:
        value: float = _DOUBLE.unpack(self.take(8, "double"))[0]
        return value

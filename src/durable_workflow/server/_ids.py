"""Identifiers and timestamp formatting."""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone

from durable_workflow._time import parse_iso8601

__all__ = ["iso", "iso_offset", "new_id", "parse_iso"]

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def new_id() -> str:
    """Return a lowercase ULID (48-bit millisecond time + 80 random bits, Crockford base32)."""
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def iso(ts: float | None) -> str | None:
    """Format epoch seconds like the server's event timestamps: ``2026-04-22T05:00:00.000000Z``."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso_offset(ts: float | None) -> str | None:
    """Format epoch seconds in the offset style used for deadlines: ``2026-04-22T05:00:00+00:00``."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, timezone.utc).replace(microsecond=0).isoformat()


def parse_iso(text: str) -> float:
    """Parse an ISO-8601 timestamp (``Z`` or offset) to epoch seconds; naive means UTC."""
    return parse_iso8601(text).timestamp()

"""Strict scalar parsing shared by every request parser (the protocol layer and engine validators).

Everything here answers "is this acceptable?" without raising anything but the typed refusal the
caller asks for, so malformed input can never travel deeper into the server as an exception.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "MAX_DEPTH",
    "MAX_INT_DIGITS",
    "control_chars",
    "digits",
    "has_lone_surrogate",
    "strict_int",
    "text_problem",
]

MAX_INT_DIGITS = 18
"""Longest decimal accepted for an integer field (fits a signed 64-bit integer)."""
MAX_DEPTH = 32
"""Deepest nesting of arrays/objects accepted anywhere in a request body."""

_INT = re.compile(rf"-?[0-9]{{1,{MAX_INT_DIGITS}}}", re.ASCII)
_DIGITS = re.compile(rf"[0-9]{{1,{MAX_INT_DIGITS}}}", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def strict_int(value: Any) -> int | None:
    """A JSON integer, or a string of ASCII digits with an optional minus (0.2.10 accepts both).

    Anything else (booleans, floats, ``"--5"``, ``"²"``, 5,000-digit strings) is None.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if abs(value) < 10**MAX_INT_DIGITS else None
    if isinstance(value, str):
        text = value.strip()
        if _INT.fullmatch(text):
            return int(text)
    return None


def digits(text: str) -> int | None:
    """A non-negative decimal made of ASCII digits only (page tokens, sequences); else None."""
    return int(text) if _DIGITS.fullmatch(text) else None


def has_lone_surrogate(text: str) -> bool:
    """Whether a string holds a UTF-16 surrogate (JSON ``"\\udc80"``), which UTF-8 cannot encode."""
    return _SURROGATE.search(text) is not None


def control_chars(text: str) -> bool:
    """Whether a string holds NUL or another C0 control character (or DEL)."""
    return _CONTROL.search(text) is not None


def text_problem(text: str, *, identifier: bool) -> str | None:
    """Why a string cannot be accepted (None when it can); ids, names and queues are stricter."""
    if has_lone_surrogate(text):
        return "must be valid Unicode text (it holds a lone UTF-16 surrogate)"
    if identifier and control_chars(text):
        return "must not contain NUL or other control characters"
    return None

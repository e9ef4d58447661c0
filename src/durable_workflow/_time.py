"""ISO-8601 timestamps as the server writes them, read the same way on every Python version."""

from __future__ import annotations

import re
from datetime import datetime, timezone

# Python 3.10's fromisoformat takes only 3- or 6-digit fractions and no "Z"; the server writes
# both `...000000Z` and `...+00:00`, and users may type `...59.5Z`. Normalise before parsing.
_FRACTION = re.compile(r"\.(\d+)")


def parse_iso8601(text: str) -> datetime:
    """An aware UTC-or-offset datetime; a naive timestamp is taken as UTC.

    Raises:
        ValueError: the text is not an ISO-8601 timestamp.
    """
    value = text.strip()
    if value[-1:] in ("Z", "z"):
        value = value[:-1] + "+00:00"
    if re.search(r"\.(?!\d)", value):
        raise ValueError(f"not an ISO-8601 timestamp: {text!r}")
    value = _FRACTION.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), value, count=1)
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)

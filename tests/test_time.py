"""ISO-8601 parsing behaves the same on Python 3.10 as on later versions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from durable_workflow._time import parse_iso8601

UTC = timezone.utc


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-04-22T05:00:00.000000Z", datetime(2026, 4, 22, 5, tzinfo=UTC)),
        ("2026-04-22T05:00:00+00:00", datetime(2026, 4, 22, 5, tzinfo=UTC)),
        ("2026-04-22T05:00:00z", datetime(2026, 4, 22, 5, tzinfo=UTC)),
        ("2026-01-01T00:59:59.5Z", datetime(2026, 1, 1, 0, 59, 59, 500000, tzinfo=UTC)),
        ("2026-01-01T00:59:59.123456789Z", datetime(2026, 1, 1, 0, 59, 59, 123456, tzinfo=UTC)),
        ("2026-01-01T00:00:00", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01T02:00:00.25+02:00", datetime(2026, 1, 1, 0, 0, 0, 250000, tzinfo=UTC)),
    ],
)
def test_parses_every_style_the_server_and_users_write(text: str, expected: datetime) -> None:
    parsed = parse_iso8601(text)
    assert parsed == expected
    assert parsed.utcoffset() is not None


def test_keeps_the_offset() -> None:
    assert parse_iso8601("2026-01-01T02:00:00+02:00").utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize("text", ["", "yesterday", "2026-13-01T00:00:00Z", "2026-01-01T00:00:00.Z"])
def test_rejects_what_is_not_a_timestamp(text: str) -> None:
    with pytest.raises(ValueError):
        parse_iso8601(text)

"""Spec math without a server: cron in time zones (across DST), intervals, bounds, jitter."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from durable_workflow.server._schedules._spec import (
    CompiledSpec,
    compile_spec,
    jitter_offset,
    next_occurrence,
    occurrences,
    parse_duration,
    parse_time,
    validate_spec,
)


def ts(text: str) -> float:
    return parse_time(text)


def utc(stamp: float | None) -> str:
    assert stamp is not None
    return datetime.fromtimestamp(stamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def walk(spec: CompiledSpec, start: str, count: int) -> list[str]:
    out, cursor = [], ts(start)
    for _ in range(count):
        nxt = next_occurrence(spec, cursor)
        assert nxt is not None
        out.append(utc(nxt))
        cursor = nxt
    return out


def test_cron_in_utc_is_strictly_after() -> None:
    spec = compile_spec({"cron_expressions": ["0 * * * *"]})
    assert walk(spec, "2026-01-01T00:00:00Z", 2) == ["2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z"]
    assert utc(next_occurrence(spec, ts("2026-01-01T00:59:59.5Z"))) == "2026-01-01T01:00:00Z"


def test_cron_follows_the_wall_clock_of_its_time_zone() -> None:
    spec = compile_spec({"cron_expressions": ["0 9 * * *"], "timezone": "Europe/Berlin"})
    # 09:00 in Berlin is 08:00 UTC in winter and 07:00 UTC in summer.
    assert walk(spec, "2026-03-28T12:00:00Z", 2) == ["2026-03-29T07:00:00Z", "2026-03-30T07:00:00Z"]
    assert walk(spec, "2026-03-27T12:00:00Z", 1) == ["2026-03-28T08:00:00Z"]


def test_spring_forward_fires_a_skipped_wall_time_right_after_the_gap() -> None:
    spec = compile_spec({"cron_expressions": ["30 2 * * *"], "timezone": "America/New_York"})
    # 2026-03-08 02:30 does not exist in New York; it fires at 03:30 EDT (07:30 UTC), once.
    assert walk(spec, "2026-03-07T12:00:00Z", 3) == [
        "2026-03-08T07:30:00Z",
        "2026-03-09T06:30:00Z",
        "2026-03-10T06:30:00Z",
    ]


def test_fall_back_fires_a_repeated_wall_time_once() -> None:
    spec = compile_spec({"cron_expressions": ["30 1 * * *"], "timezone": "America/New_York"})
    # 2026-11-01 01:30 happens twice (EDT, then EST); only the first one fires.
    assert walk(spec, "2026-10-31T12:00:00Z", 3) == [
        "2026-11-01T05:30:00Z",
        "2026-11-02T06:30:00Z",
        "2026-11-03T06:30:00Z",
    ]
    # Asking from inside the repeated hour does not fire the same wall time again.
    assert utc(next_occurrence(spec, ts("2026-11-01T06:00:00Z"))) == "2026-11-02T06:30:00Z"


def test_hourly_cron_across_spring_forward_never_goes_backwards() -> None:
    spec = compile_spec({"cron_expressions": ["0 * * * *"], "timezone": "America/New_York"})
    times = walk(spec, "2026-03-08T05:30:00Z", 3)
    assert times == ["2026-03-08T06:00:00Z", "2026-03-08T07:00:00Z", "2026-03-08T08:00:00Z"]


def test_intervals_count_from_the_epoch_plus_offset() -> None:
    spec = compile_spec({"intervals": [{"every": "PT30M", "offset": "PT5M"}]})
    assert walk(spec, "2026-01-01T00:00:00Z", 3) == [
        "2026-01-01T00:05:00Z",
        "2026-01-01T00:35:00Z",
        "2026-01-01T01:05:00Z",
    ]
    on_boundary = ts("2026-01-01T00:35:00Z")
    assert utc(next_occurrence(spec, on_boundary)) == "2026-01-01T01:05:00Z"


def test_the_earliest_of_crons_and_intervals_wins() -> None:
    spec = compile_spec({"cron_expressions": ["0 12 * * *"], "intervals": [{"every": "PT7H"}]})
    # 7-hour boundaries since the epoch fall on 2026-01-01 at 00:00, 07:00, 14:00 and 21:00 UTC.
    assert walk(spec, "2026-01-01T09:00:00Z", 3) == [
        "2026-01-01T12:00:00Z",
        "2026-01-01T14:00:00Z",
        "2026-01-01T21:00:00Z",
    ]


def test_start_and_end_bound_the_fires() -> None:
    spec = compile_spec(
        {
            "cron_expressions": ["0 * * * *"],
            "start_at": "2026-01-01T05:00:00Z",
            "end_at": "2026-01-01T07:00:00Z",
        }
    )
    assert utc(next_occurrence(spec, ts("2026-01-01T00:00:00Z"))) == "2026-01-01T05:00:00Z"
    assert utc(next_occurrence(spec, ts("2026-01-01T06:00:00Z"))) == "2026-01-01T07:00:00Z"
    assert next_occurrence(spec, ts("2026-01-01T07:00:00Z")) is None


def test_occurrences_are_half_open_and_limited() -> None:
    spec = compile_spec({"cron_expressions": ["0 * * * *"]})
    found = occurrences(spec, ts("2026-01-01T00:00:00Z"), ts("2026-01-01T03:00:00Z"), 10)
    assert [utc(t) for t in found] == ["2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z"]
    with pytest.raises(OverflowError):
        occurrences(spec, ts("2026-01-01T00:00:00Z"), ts("2026-01-02T00:00:00Z"), 5)


def test_a_cron_that_never_matches_has_no_next_fire() -> None:
    spec = compile_spec({"cron_expressions": ["0 0 30 2 *"]})
    assert next_occurrence(spec, ts("2026-01-01T00:00:00Z")) is None


def test_macros_are_accepted() -> None:
    assert validate_spec({"cron_expressions": ["@hourly", "@daily"]}) == {}
    spec = compile_spec({"cron_expressions": ["@daily"]})
    assert utc(next_occurrence(spec, ts("2026-01-01T05:00:00Z"))) == "2026-01-02T00:00:00Z"


def test_jitter_is_deterministic_and_in_range() -> None:
    values = {jitter_offset("default/s1", 1000.0 + i * 3600, 30) for i in range(200)}
    assert values <= set(range(31))
    assert len(values) > 10  # spread over the window
    assert jitter_offset("default/s1", 3600.0, 30) == jitter_offset("default/s1", 3600.0, 30)
    assert jitter_offset("default/s1", 3600.0, 0) == 0


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"cron_expressions": ["61 * * * *"]}, "spec.cron_expressions.0"),
        ({"cron_expressions": ["* * * * * *"]}, "spec.cron_expressions.0"),
        ({"cron_expressions": ["0 * * * *", "nope"]}, "spec.cron_expressions.1"),
        ({"cron_expressions": ["@sometimes"]}, "spec.cron_expressions.0"),
        ({"cron_expressions": ["0 * * * *"], "timezone": "Mars/Olympus_Mons"}, "spec.timezone"),
        ({"intervals": [{"every": "30 minutes"}]}, "spec.intervals.0.every"),
        ({"intervals": [{"every": "PT0S"}]}, "spec.intervals.0.every"),
        ({"intervals": [{"every": "PT1M", "offset": "soon"}]}, "spec.intervals.0.offset"),
        ({"intervals": ["PT1M"]}, "spec.intervals.0"),
        ({}, "spec.cron_expressions"),
        ({"cron_expressions": ["0 * * * *"], "start_at": "yesterday"}, "spec.start_at"),
        (
            {
                "cron_expressions": ["0 * * * *"],
                "start_at": "2026-02-01T00:00:00Z",
                "end_at": "2026-01-01T00:00:00Z",
            },
            "spec.end_at",
        ),
    ],
)
def test_invalid_specs_name_the_field(spec: dict[str, object], field: str) -> None:
    errors = validate_spec(spec)
    assert field in errors, errors


def test_durations() -> None:
    assert parse_duration("PT30M") == 1800
    assert parse_duration("P1DT2H") == 93600
    assert parse_duration("P1W") == 7 * 86400
    assert parse_duration("PT1.5S") == 1.5
    assert parse_duration("P1M") == 30 * 86400
    for bad in ("P", "PT", "30M", "P1H", ""):
        with pytest.raises(ValueError):
            parse_duration(bad)

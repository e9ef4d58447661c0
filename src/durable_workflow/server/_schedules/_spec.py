"""Schedule spec math: validation, next fire times, occurrences in a range, jitter.

Pure functions over plain data (epoch seconds in, epoch seconds out); nothing here reads a clock.

Cron expressions are evaluated on the wall clock of ``spec.timezone``: a wall time that a DST
jump skips fires at the first instant after the gap (02:30 on a spring-forward night fires at
03:30 local), and a wall time that happens twice fires once, at its first occurrence.
Interval boundaries are ``offset + k * every`` seconds since the Unix epoch.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from durable_workflow._time import parse_iso8601

__all__ = [
    "CompiledSpec",
    "Interval",
    "compile_spec",
    "jitter_offset",
    "next_occurrence",
    "occurrences",
    "parse_duration",
    "parse_time",
    "validate_spec",
]

_MACROS = frozenset({"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"})
_DURATION = re.compile(
    r"^P(?:(?P<y>\d+(?:\.\d+)?)Y)?(?:(?P<mo>\d+(?:\.\d+)?)M)?(?:(?P<w>\d+(?:\.\d+)?)W)?"
    r"(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<mi>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)
# Year and month have no fixed length; the upstream server counts 365 and 30 days.
_UNIT_SECONDS = {"y": 365 * 86400, "mo": 30 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "mi": 60, "s": 1}
_MAX_CRON_STEPS = 2000
# "At or after t" is computed as "strictly after t - 1 ms" (datetimes keep microseconds only).
_EPSILON = 1e-3


@dataclass(frozen=True)
class Interval:
    """Every `every` seconds, shifted by `offset` seconds from the epoch."""

    every: float
    offset: float = 0.0


@dataclass(frozen=True)
class CompiledSpec:
    """A validated spec ready for next-fire computation."""

    crons: tuple[str, ...]
    intervals: tuple[Interval, ...]
    tz: ZoneInfo
    start_at: float | None = None
    end_at: float | None = None


def parse_duration(text: Any) -> float:
    """Seconds of an ISO-8601 duration such as ``PT30M`` or ``P1DT2H``; ValueError if malformed."""
    match = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if match is None or text.strip() in ("P", "PT") or text.strip().endswith("T"):
        raise ValueError(f"not an ISO-8601 duration: {text!r}")
    return sum(float(v) * _UNIT_SECONDS[k] for k, v in match.groupdict().items() if v is not None)


def parse_time(value: Any) -> float:
    """Epoch seconds of an ISO-8601 timestamp (``Z``/offset; naive means UTC); ValueError if not."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("not a timestamp")
    return parse_iso8601(value).timestamp()


def _cron_error(expr: Any) -> str | None:
    if not isinstance(expr, str) or not expr.strip():
        return "must be a non-empty string"
    text = expr.strip()
    if text.startswith("@"):
        return None if text.lower() in _MACROS else f"unknown cron macro {text!r}"
    if len(text.split()) != 5:
        return "must have exactly five fields (minute hour day-of-month month day-of-week)"
    return None if croniter.is_valid(text) else f"{text!r} is not a valid cron expression"


def _check_intervals(value: Any, errors: dict[str, list[str]], prefix: str) -> None:
    if not isinstance(value, list):
        errors.setdefault(f"{prefix}.intervals", []).append(f"The {prefix}.intervals field must be a list.")
        return
    for i, item in enumerate(value):
        name = f"{prefix}.intervals.{i}"
        if not isinstance(item, dict):
            errors.setdefault(name, []).append(f"The {name} field must be an object with an 'every' key.")
            continue
        for key, required in (("every", True), ("offset", False)):
            raw = item.get(key)
            if raw is None and not required:
                continue
            try:
                seconds = parse_duration(raw)
            except ValueError:
                seconds = -1.0
            if seconds < 0 or (key == "every" and seconds <= 0) or len(str(raw)) > 64:
                errors.setdefault(f"{name}.{key}", []).append(
                    f"The {name}.{key} field must be a positive ISO-8601 duration such as PT30M."
                    if key == "every"
                    else f"The {name}.{key} field must be an ISO-8601 duration."
                )


def _check_timezone(value: Any, errors: dict[str, list[str]], prefix: str) -> None:
    if value is None:
        return
    name = f"{prefix}.timezone"
    if not isinstance(value, str) or not value or len(value) > 64:
        errors.setdefault(name, []).append(f"The {name} field must be an IANA time zone name.")
        return
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        errors.setdefault(name, []).append(f"The {name} field names an unknown time zone [{value}].")


def _check_bounds(spec: dict[str, Any], errors: dict[str, list[str]], prefix: str) -> None:
    bounds: dict[str, float] = {}
    for key in ("start_at", "end_at"):
        if spec.get(key) is None:
            continue
        try:
            bounds[key] = parse_time(spec[key])
        except ValueError:
            errors.setdefault(f"{prefix}.{key}", []).append(
                f"The {prefix}.{key} field must be an ISO-8601 timestamp."
            )
    if len(bounds) == 2 and bounds["end_at"] <= bounds["start_at"]:
        errors.setdefault(f"{prefix}.end_at", []).append(
            f"The {prefix}.end_at field must be a time after {prefix}.start_at."
        )


def validate_spec(spec: Any, prefix: str = "spec") -> dict[str, list[str]]:
    """Field → messages for everything wrong with a wire spec (empty when valid)."""
    if not isinstance(spec, dict):
        return {prefix: [f"The {prefix} field must be an object."]}
    errors: dict[str, list[str]] = {}
    crons = spec.get("cron_expressions")
    if crons is not None and not isinstance(crons, list):
        errors[f"{prefix}.cron_expressions"] = [f"The {prefix}.cron_expressions field must be a list."]
    for i, expr in enumerate(crons if isinstance(crons, list) else []):
        problem = _cron_error(expr)
        if problem is not None:
            errors.setdefault(f"{prefix}.cron_expressions.{i}", []).append(
                f"The {prefix}.cron_expressions.{i} field {problem}."
            )
    intervals = spec.get("intervals")
    if intervals is not None:
        _check_intervals(intervals, errors, prefix)
    if not crons and not intervals and not errors:
        errors[f"{prefix}.cron_expressions"] = [
            f"The {prefix} needs at least one cron expression or interval."
        ]
    _check_timezone(spec.get("timezone"), errors, prefix)
    _check_bounds(spec, errors, prefix)
    return errors


def compile_spec(spec: dict[str, Any]) -> CompiledSpec:
    """Compile a spec that `validate_spec` accepted."""
    intervals = tuple(
        Interval(parse_duration(item["every"]), parse_duration(item["offset"]) if item.get("offset") else 0.0)
        for item in spec.get("intervals") or []
    )
    return CompiledSpec(
        crons=tuple(str(e).strip() for e in spec.get("cron_expressions") or []),
        intervals=intervals,
        tz=ZoneInfo(spec.get("timezone") or "UTC"),
        start_at=parse_time(spec["start_at"]) if spec.get("start_at") is not None else None,
        end_at=parse_time(spec["end_at"]) if spec.get("end_at") is not None else None,
    )


def _cron_next(expr: str, tz: ZoneInfo, after: float) -> float | None:
    local = datetime.fromtimestamp(after, tz).replace(tzinfo=None)
    it = croniter(expr, local)
    for _ in range(_MAX_CRON_STEPS):
        try:
            candidate: datetime = it.get_next(datetime)
        except Exception:  # croniter gives up on expressions that never match (e.g. Feb 30)
            return None
        # fold=0: a skipped wall time maps past the gap, a repeated one to its first instant.
        stamp = candidate.replace(tzinfo=tz).timestamp()
        if stamp > after:
            return stamp
    return None


def _interval_next(interval: Interval, after: float) -> float:
    k = math.floor((after - interval.offset) / interval.every) + 1
    stamp = interval.offset + k * interval.every
    return stamp if stamp > after else stamp + interval.every


def next_occurrence(spec: CompiledSpec, after: float) -> float | None:
    """The first occurrence strictly after `after` within the spec's bounds, or None."""
    if spec.start_at is not None and after < spec.start_at:
        after = spec.start_at - _EPSILON
    candidates = [t for t in (_cron_next(e, spec.tz, after) for e in spec.crons) if t is not None]
    candidates += [_interval_next(i, after) for i in spec.intervals]
    if not candidates:
        return None
    best = min(candidates)
    if spec.end_at is not None and best > spec.end_at:
        return None
    return best


def occurrences(spec: CompiledSpec, start: float, end: float, limit: int) -> list[float]:
    """Occurrences ``start <= t < end`` in order; raises OverflowError past `limit` of them."""
    found: list[float] = []
    cursor = start - _EPSILON
    while True:
        nxt = next_occurrence(spec, cursor)
        if nxt is None or nxt >= end:
            return found
        if len(found) >= limit:
            raise OverflowError(f"more than {limit} occurrences")
        found.append(nxt)
        cursor = nxt


def jitter_offset(key: str, occurrence: float, jitter_seconds: int) -> int:
    """A whole number of seconds in ``0..jitter_seconds``, fixed by the schedule key and occurrence.

    Deterministic (a hash, not a random draw) so a restarted server computes the same fire time.
    """
    if jitter_seconds <= 0:
        return 0
    digest = hashlib.sha256(f"{key}@{occurrence:.6f}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % (jitter_seconds + 1)

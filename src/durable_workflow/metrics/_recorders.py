"""The recorder protocol, the no-op default and an in-memory recorder for tests."""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Protocol, runtime_checkable

Tags = dict[str, str]


@runtime_checkable
class MetricsRecorder(Protocol):
    """What `Client(metrics=...)` and `Worker(metrics=...)` accept."""

    def increment(self, name: str, value: float = 1.0, tags: Tags | None = None) -> None: ...

    def record(self, name: str, value: float, tags: Tags | None = None) -> None: ...


MetricsRecorder.__module__ = "durable_workflow"


class NoopMetrics:
    """Discards everything; the default, so metrics cost nothing until asked for."""

    __module__ = "durable_workflow"

    def increment(self, name: str, value: float = 1.0, tags: Tags | None = None) -> None:
        return None

    def record(self, name: str, value: float, tags: Tags | None = None) -> None:
        return None


def _key(tags: Tags | None) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((tags or {}).items()))


class InMemoryMetrics:
    """Keeps counters and observations in memory, for tests and custom exporter loops.

    Example:
        >>> m = InMemoryMetrics()
        >>> m.increment("jobs", tags={"queue": "q"})
        >>> m.counter("jobs", {"queue": "q"})
        1.0
    """

    __module__ = "durable_workflow"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counters: dict[str, dict[tuple[tuple[str, str], ...], float]] = defaultdict(dict)
        self.observations: dict[str, dict[tuple[tuple[str, str], ...], list[float]]] = defaultdict(dict)

    def increment(self, name: str, value: float = 1.0, tags: Tags | None = None) -> None:
        key = _key(tags)
        with self._lock:
            series = self.counters[name]
            series[key] = series.get(key, 0.0) + value

    def record(self, name: str, value: float, tags: Tags | None = None) -> None:
        key = _key(tags)
        with self._lock:
            self.observations[name].setdefault(key, []).append(value)

    def counter(self, name: str, tags: Tags | None = None) -> float:
        """The counter's value: for exactly these tags, or summed over all series when tags is None."""
        with self._lock:
            series = self.counters.get(name, {})
            if tags is None:
                return sum(series.values())
            return series.get(_key(tags), 0.0)

    def values(self, name: str, tags: Tags | None = None) -> list[float]:
        """Recorded observations: for exactly these tags, or all series when tags is None."""
        with self._lock:
            series = self.observations.get(name, {})
            if tags is None:
                return [v for values in series.values() for v in values]
            return list(series.get(_key(tags), []))

    def tag_sets(self, name: str) -> list[Tags]:
        """Every distinct tag set seen for a metric name (counters and observations)."""
        with self._lock:
            keys = set(self.counters.get(name, {})) | set(self.observations.get(name, {}))
        return [dict(k) for k in sorted(keys)]

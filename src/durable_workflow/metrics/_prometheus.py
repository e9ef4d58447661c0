"""A recorder that feeds prometheus-client (install the `prometheus` extra)."""

from __future__ import annotations

import threading
import weakref
from typing import Any, ClassVar

from durable_workflow.metrics._names import METRICS

Tags = dict[str, str]


class PrometheusMetrics:
    """Records the SDK's metrics as Prometheus counters and histograms.

    Args:
        registry: a `prometheus_client.CollectorRegistry`; the default global registry when None.
            Metrics are registered once per registry, so several clients may share one.
    """

    __module__ = "durable_workflow"

    # One set of collectors per registry: registering a name twice in a registry is an error.
    _shared: ClassVar[weakref.WeakKeyDictionary[Any, dict[str, Any]]] = weakref.WeakKeyDictionary()
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, registry: Any = None) -> None:
        try:
            import prometheus_client
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError(
                "PrometheusMetrics needs prometheus-client: pip install 'durable-workflow[prometheus]'"
            ) from exc
        self._prom = prometheus_client
        self._registry = registry if registry is not None else prometheus_client.REGISTRY
        with self._shared_lock:
            self._metrics = self._shared.setdefault(self._registry, {})

    def _metric(self, name: str, kind: str, tags: Tags | None) -> Any:
        declared = METRICS.get(name)
        labels = declared[1] if declared else tuple(sorted((tags or {}).keys()))
        with self._shared_lock:
            metric = self._metrics.get(name)
            if metric is None:
                cls = self._prom.Counter if kind == "counter" else self._prom.Histogram
                metric = cls(name, f"{name} {kind}", labels, registry=self._registry)
                self._metrics[name] = metric
        if not labels:
            return metric
        values = tags or {}
        return metric.labels(*(values.get(label, "") for label in labels))

    def increment(self, name: str, value: float = 1.0, tags: Tags | None = None) -> None:
        self._metric(name, "counter", tags).inc(value)

    def record(self, name: str, value: float, tags: Tags | None = None) -> None:
        self._metric(name, "histogram", tags).observe(value)

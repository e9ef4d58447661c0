"""The worker's sticky cache: live workflow instances, bounded by entries and by bytes."""

from __future__ import annotations

from collections import OrderedDict

from durable_workflow.workflow._engine import WorkflowInstance

__all__ = ["WorkflowCache"]

DEFAULT_MAX_BYTES = 64 * 1024 * 1024


class WorkflowCache:
    """Keeps recently used instances so the next task of a run only applies the new events.

    An instance is compacted before it is kept: events of steps the code has already passed are
    dropped, so an entry costs about a hundred bytes per step plus the events still in use (its
    *retained bytes*, an estimate), never the whole parsed history. The cache holds at most
    ``max_size`` entries and ``max_bytes`` retained bytes, evicting the least recently used; an
    instance larger than ``max_bytes`` on its own is not kept (its next task replays cold).

    Counters: ``hit`` (a task resumed a cached instance), ``miss`` (a task replayed from
    history), ``eviction``, ``forced_cold_replay`` (the server expected a warm cache, the worker
    had to replay cold), plus ``resumed``/``replayed`` kept for compatibility.
    """

    __module__ = "durable_workflow.workflow"

    def __init__(self, max_size: int = 1000, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        if max_size < 0:
            raise ValueError(f"workflow cache size must be >= 0, got {max_size}")
        if max_bytes < 1:
            raise ValueError(f"workflow cache max_bytes must be >= 1, got {max_bytes}")
        self.max_size = max_size
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, tuple[WorkflowInstance, int]] = OrderedDict()
        self._bytes = 0
        self.hit = 0
        self.miss = 0
        self.eviction = 0
        self.forced_cold_replay = 0
        #: Tasks served by resuming a cached instance / by replaying a cached run from scratch.
        self.resumed = 0
        self.replayed = 0

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, run_id: object) -> bool:
        return run_id in self._items

    @property
    def enabled(self) -> bool:
        return self.max_size > 0

    @property
    def retained_bytes(self) -> int:
        return self._bytes

    def get(self, run_id: str) -> WorkflowInstance | None:
        entry = self._items.get(run_id)
        if entry is None:
            return None
        self._items.move_to_end(run_id)
        return entry[0]

    def take(self, run_id: str) -> WorkflowInstance | None:
        """Remove and return the run's instance without closing it: the caller now owns it.

        A task works on a taken instance, so another task of the same run (a workflow task the
        server handed out before this one's bookkeeping finished) can never share or close it.
        """
        entry = self._items.pop(run_id, None)
        if entry is None:
            return None
        self._bytes -= entry[1]
        return entry[0]

    def put(self, run_id: str, instance: WorkflowInstance) -> bool:
        """Keep ``instance`` (compacted); False when it is not kept (disabled, done or too big)."""
        previous = self._items.pop(run_id, None)
        if previous is not None:
            self._bytes -= previous[1]
            if previous[0] is not instance:
                previous[0].close()
        if self.max_size == 0 or instance.done:
            if previous is None or previous[0] is not instance:
                instance.close()
            return False
        size = instance.compact()
        if size > self.max_bytes:
            instance.close()
            return False
        while self._items and (len(self._items) >= self.max_size or self._bytes + size > self.max_bytes):
            _, (evicted, evicted_size) = self._items.popitem(last=False)
            self._bytes -= evicted_size
            self.eviction += 1
            evicted.close()
        self._items[run_id] = (instance, size)
        self._bytes += size
        return True

    def pop(self, run_id: str) -> None:
        entry = self._items.pop(run_id, None)
        if entry is not None:
            self._bytes -= entry[1]
            entry[0].close()

    def clear(self) -> None:
        for instance, _ in self._items.values():
            instance.close()
        self._items.clear()
        self._bytes = 0

    def metrics(self) -> dict[str, int]:
        """``hit``, ``miss``, ``eviction``, ``forced_cold_replay``, ``entries``, ``history_bytes``."""
        return {
            "hit": self.hit,
            "miss": self.miss,
            "eviction": self.eviction,
            "forced_cold_replay": self.forced_cold_replay,
            "entries": len(self._items),
            "history_bytes": self._bytes,
        }

"""A bounded LRU of live workflow instances, keyed by run id."""

from __future__ import annotations

from collections import OrderedDict

from durable_workflow.workflow._engine import WorkflowInstance

__all__ = ["WorkflowCache"]


class WorkflowCache:
    """Keeps recently used instances so the next task of a run only applies the new events."""

    __module__ = "durable_workflow.workflow"

    def __init__(self, max_size: int = 1000) -> None:
        if max_size < 0:
            raise ValueError(f"workflow cache size must be >= 0, got {max_size}")
        self.max_size = max_size
        self._items: OrderedDict[str, WorkflowInstance] = OrderedDict()
        #: Tasks served by resuming a cached instance / by replaying a cached run from scratch.
        self.resumed = 0
        self.replayed = 0

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, run_id: object) -> bool:
        return run_id in self._items

    def get(self, run_id: str) -> WorkflowInstance | None:
        instance = self._items.get(run_id)
        if instance is not None:
            self._items.move_to_end(run_id)
        return instance

    def take(self, run_id: str) -> WorkflowInstance | None:
        """Remove and return the run's instance without closing it: the caller now owns it.

        A task works on a taken instance, so another task of the same run (a workflow task the
        server handed out before this one's bookkeeping finished) can never share or close it.
        """
        return self._items.pop(run_id, None)

    def put(self, run_id: str, instance: WorkflowInstance) -> None:
        if self.max_size == 0 or instance.done:
            self.pop(run_id)
            return
        previous = self._items.pop(run_id, None)
        if previous is not None and previous is not instance:
            previous.close()
        self._items[run_id] = instance
        while len(self._items) > self.max_size:
            _, evicted = self._items.popitem(last=False)
            evicted.close()

    def pop(self, run_id: str) -> None:
        instance = self._items.pop(run_id, None)
        if instance is not None:
            instance.close()

    def clear(self) -> None:
        for instance in self._items.values():
            instance.close()
        self._items.clear()

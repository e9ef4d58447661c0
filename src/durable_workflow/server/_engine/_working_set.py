"""The engine's in-memory working set: records that can still change, plus finished ones on demand.

Finished records (terminal runs, closed tasks, fired timers, closed updates) leave memory once
their last change is committed; a later lookup reads them back from storage for the duration of
one operation. Memory therefore follows the live work, not the history of the server.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar, overload

from durable_workflow.server._engine._model import (
    ActivityExecution,
    Doc,
    Instance,
    Run,
    Timer,
    Update,
    WorkflowTask,
    from_doc,
    status_bucket,
)
from durable_workflow.server._storage import RunRow, Storage, Writer

__all__ = ["AliasIndex", "Participant", "WorkingSet", "is_hot", "run_row"]

D = TypeVar("D", bound=Doc)


def is_hot(obj: Doc) -> bool:
    """Whether a record can still change (and so stays in memory)."""
    if isinstance(obj, Run):
        return not obj.is_terminal
    if isinstance(obj, WorkflowTask):
        return obj.status in ("ready", "leased")
    if isinstance(obj, ActivityExecution):
        return obj.is_open
    if isinstance(obj, Timer):
        return obj.status == "pending"
    if isinstance(obj, Update):
        return obj.status == "accepted"
    # Instances are cheap to read back and looked up by key only; everything else is small.
    return not isinstance(obj, Instance)


def run_row(run: Run) -> RunRow:
    """The listing columns of a run."""
    return RunRow(
        run.run_id,
        run.namespace,
        run.workflow_type,
        status_bucket(run.status),
        run.started_at,
        run.created_order,
    )


class WorkingSet(dict[str, D]):
    """Records of one kind by key; a miss reads the record back from storage.

    ``values()``/``items()`` see the working set only (live records and this operation's reads).
    """

    def __init__(
        self, cls: type[D], storage: Storage, track: Callable[[Doc], None], loaded: list[tuple[str, str]]
    ) -> None:
        super().__init__()
        self._cls = cls
        self._storage = storage
        self._track = track
        self._loaded = loaded

    def put(self, obj: D) -> None:
        dict.__setitem__(self, obj.key, obj)

    def drop(self, key: str) -> D | None:
        return dict.pop(self, key, None)

    @overload  # type: ignore[override]
    def get(self, key: str) -> D | None: ...
    @overload
    def get(self, key: str, default: D) -> D: ...
    def get(self, key: str, default: D | None = None) -> D | None:
        obj = dict.get(self, key)
        if obj is None:
            obj = self._read(key)
        return default if obj is None else obj

    def get_many(self, keys: list[str]) -> list[D]:
        """The records of these keys that exist, in order (one storage query for the misses)."""
        missing = [k for k in keys if dict.get(self, k) is None]
        if missing and self._storage.is_open:
            for key, body in self._storage.get_many(self._cls.KIND, missing).items():
                obj = from_doc(self._cls, body)
                dict.__setitem__(self, key, obj)
                self._loaded.append((self._cls.KIND, key))
                self._track(obj)
        return [obj for obj in (dict.get(self, k) for k in keys) if obj is not None]

    def __getitem__(self, key: str) -> D:
        obj = self.get(key)
        if obj is None:
            raise KeyError(key)
        return obj

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def _read(self, key: str) -> D | None:
        if not isinstance(key, str) or not key or not self._storage.is_open:
            return None
        body = self._storage.get(self._cls.KIND, key)
        if body is None:
            return None
        obj = from_doc(self._cls, body)
        dict.__setitem__(self, key, obj)
        self._loaded.append((self._cls.KIND, key))
        self._track(obj)
        return obj


class AliasIndex:
    """Activity task id -> execution id: live entries in memory, every entry ever on disk."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._live: dict[str, str] = {}

    def remember(self, alias: str, key: str) -> None:
        if alias:
            self._live[alias] = key

    def forget(self, alias: str) -> None:
        self._live.pop(alias, None)

    def get(self, alias: str, default: str = "") -> str:
        key = self._live.get(alias)
        if key is None and alias and self._storage.is_open:
            found = self._storage.resolve_alias(alias)
            key = found[1] if found is not None else None
        return default if key is None else key


class Participant(Protocol):
    """A store whose pending writes join the engine's unit of work (one transaction)."""

    def writer(self) -> Writer | None:
        """The writes of the current operation (None when it changed nothing)."""

    def committed(self) -> None:
        """The transaction holding `writer()`'s writes committed."""

    def discard(self) -> None:
        """The operation failed: forget its pending changes (and reload if needed)."""

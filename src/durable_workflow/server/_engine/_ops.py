"""The engine's public operations: the only engine surface the HTTP routes use.

Each operation takes the engine lock itself: writes run as one unit of work (`Engine.op`, all or
nothing), reads under `Engine.reading` (they never see a commit still in flight). No route can
forget the lock or read half-committed state. Arguments are parsed request values (the protocol
layer has already refused malformed input); results are records or wire bodies to render.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from durable_workflow.server._engine._engine import Engine
from durable_workflow.server._engine._errors import EngineError
from durable_workflow.server._engine._model import Namespace, SearchAttribute, Worker
from durable_workflow.server._storage import EventRow

__all__ = ["EngineOps"]


class EngineOps:
    """Locked operations over one `Engine`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- namespaces, search attributes -----------------------------------------------------------

    def check_namespace(self, name: str) -> None:
        """404 unless the namespace exists (no lock: namespaces always stay in memory)."""
        self.engine.directory.get_namespace(name)

    async def list_namespaces(self) -> list[Namespace]:
        async with self.engine.reading():
            return sorted(self.engine.namespaces.values(), key=lambda n: n.name)

    async def describe_namespace(self, name: str) -> Namespace:
        async with self.engine.reading():
            return self.engine.directory.get_namespace(name)

    async def create_namespace(self, name: str, description: str | None, retention_days: int) -> Namespace:
        async with self.engine.op():
            return self.engine.directory.create_namespace(name, description, retention_days)

    async def update_namespace(self, name: str, changes: dict[str, Any]) -> Namespace:
        async with self.engine.op():
            return self.engine.directory.update_namespace(name, changes)

    async def custom_attributes(self, namespace: str) -> dict[str, str]:
        async with self.engine.reading():
            return self.engine.directory.custom_attributes(namespace)

    async def create_search_attribute(self, namespace: str, name: str, type_: str) -> SearchAttribute:
        async with self.engine.op():
            return self.engine.directory.create_search_attribute(namespace, name, type_)

    async def delete_search_attribute(self, namespace: str, name: str) -> None:
        async with self.engine.op():
            self.engine.directory.delete_search_attribute(namespace, name)

    # -- task queues and workers -----------------------------------------------------------------

    async def list_queues(self, namespace: str) -> list[dict[str, Any]]:
        async with self.engine.reading():
            names = self.engine.directory.task_queue_names(namespace)
            return [self.engine.directory.task_queue_view(namespace, n) for n in names]

    async def describe_queue(self, namespace: str, name: str) -> dict[str, Any]:
        async with self.engine.reading():
            return self.engine.directory.task_queue_view(namespace, name)

    async def list_workers(
        self, namespace: str, task_queue: str | None, status: str | None
    ) -> list[dict[str, Any]]:
        async with self.engine.reading():
            workers = [
                w
                for w in self.engine.workers.values()
                if w.namespace == namespace
                and (not task_queue or w.task_queue == task_queue)
                and (not status or w.status == status)
            ]
            workers.sort(key=lambda w: w.last_heartbeat_at, reverse=True)
            return [self.engine.directory.worker_view(w) for w in workers]

    async def describe_worker(self, namespace: str, worker_id: str) -> dict[str, Any]:
        async with self.engine.reading():
            worker = self.engine.workers.get(f"{namespace}/{worker_id}")
            if worker is None:
                raise EngineError(
                    "not_found", "worker_not_found", f"Worker [{worker_id}] not found.", worker_id=worker_id
                )
            return self.engine.directory.worker_view(worker)

    async def deregister_worker(self, namespace: str, worker_id: str) -> None:
        async with self.engine.op():
            self.engine.directory.deregister_worker(namespace, worker_id)

    async def release_worker(self, namespace: str, worker_id: str) -> int:
        """A worker's goodbye: deregister it and hand its leased workflow tasks on; returns how many."""
        async with self.engine.op():
            return self.engine.release_worker(namespace, worker_id)

    async def register_worker(self, namespace: str, body: dict[str, Any], worker_id: str) -> Worker:
        async with self.engine.op():
            return self.engine.directory.register_worker(namespace, body, worker_id)

    async def heartbeat_worker(self, namespace: str, worker_id: str) -> Worker:
        async with self.engine.op():
            return self.engine.directory.heartbeat_worker(namespace, worker_id)

    async def poll(
        self,
        kind: str,
        namespace: str,
        worker_id: Any,
        task_queue: Any,
        claim: Callable[[Worker], dict[str, Any] | None],
        timeout: float,
        abandoned: Callable[[], Awaitable[bool]],
    ) -> dict[str, Any] | None:
        """Long-poll a worker's queue for one task of ``kind`` (``wf``, ``act`` or ``query``)."""
        async with self.engine.op():
            worker = self.engine.directory.polling_worker(namespace, worker_id, task_queue)
        return await self.engine.long_poll(
            (kind, namespace, worker.task_queue), lambda: claim(worker), timeout, abandoned=abandoned
        )

    async def task_operation(
        self, method: str, namespace: str, task_id: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        """One worker report on a task (complete, fail, heartbeat, history page)."""
        async with self.engine.op():
            out: dict[str, Any] = getattr(self._task_component(method), method)(namespace, task_id, body)
        return out

    def _task_component(self, method: str) -> object:
        if method.endswith("_query_task"):
            return self.engine.messages
        if method.endswith("_activity_task"):
            return self.engine.activity_tasks
        if method.endswith("_workflow_task") or method == "workflow_task_history":
            return self.engine.workflow_tasks
        raise ValueError(f"no engine component handles {method!r}")

    # -- workflows -------------------------------------------------------------------------------

    async def start_workflow(self, namespace: str, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        async with self.engine.op():
            return self.engine.workflows.start_workflow(namespace, body)

    async def list_workflows(self, namespace: str, params: dict[str, Any]) -> dict[str, Any]:
        async with self.engine.reading():
            return self.engine.workflows.list_workflows(namespace, params)

    async def describe_workflow(self, namespace: str, workflow_id: str) -> dict[str, Any]:
        async with self.engine.reading():
            return self.engine.workflows.describe_run(
                self.engine.workflows.current_run(namespace, workflow_id)
            )

    async def list_runs(self, namespace: str, workflow_id: str) -> dict[str, Any]:
        async with self.engine.reading():
            return self.engine.workflows.list_runs(namespace, workflow_id)

    async def describe_run(self, namespace: str, workflow_id: str, run_id: str) -> dict[str, Any]:
        async with self.engine.reading():
            return self.engine.workflows.describe_run(
                self.engine.workflows.run_of(namespace, workflow_id, run_id)
            )

    async def history(
        self, namespace: str, workflow_id: str, run_id: str, params: dict[str, Any], wait: bool
    ) -> tuple[str, list[EventRow], str | None]:
        """(workflow id, one history page, next token); ``wait`` long-polls for a first new event."""
        engine = self.engine
        async with engine.reading():
            run = engine.workflows.run_of(namespace, workflow_id, run_id)
            events, token = engine.workflows.history_page(run, params)
            event = (
                engine.waiter(("history", run.run_id))
                if wait and not events and not run.is_terminal
                else None
            )
        if event is not None:
            await engine.wait_for(event, engine.config.long_poll_timeout)
            async with engine.reading():
                events, token = engine.workflows.history_page(run, params)
        return run.workflow_id, events, token

    async def export_history(self, namespace: str, workflow_id: str, run_id: str) -> dict[str, Any]:
        async with self.engine.reading():
            return self.engine.workflows.export_history(
                self.engine.workflows.run_of(namespace, workflow_id, run_id)
            )

    async def signal(
        self, namespace: str, workflow_id: str, name: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        async with self.engine.op():
            return self.engine.workflows.signal_workflow(namespace, workflow_id, name, body)

    async def query(
        self, namespace: str, workflow_id: str, name: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        return await self.engine.messages.query_workflow(namespace, workflow_id, name, body)

    async def update(
        self, namespace: str, workflow_id: str, name: str, body: dict[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        return await self.engine.messages.update_workflow(namespace, workflow_id, name, body)

    async def stop(self, namespace: str, workflow_id: str, body: dict[str, Any], kind: str) -> dict[str, Any]:
        async with self.engine.op():
            return self.engine.workflows.stop_workflow(namespace, workflow_id, body, kind=kind)

"""The directory component: namespaces, search-attribute definitions, workers and task-queue views.

One responsibility of the engine, as a component: it changes records only through the shared
unit of work (`EngineBase.save` / `EngineBase.delete`) and never calls other components.
"""

from __future__ import annotations

from typing import Any

from durable_workflow.server._engine._core import EngineBase
from durable_workflow.server._engine._errors import EngineError, invalid
from durable_workflow.server._engine._model import Namespace, SearchAttribute, Worker
from durable_workflow.server._ids import iso

__all__ = ["ATTRIBUTE_TYPES", "RUNTIMES", "SYSTEM_ATTRIBUTES", "Directory"]

RUNTIMES = ("php", "python", "typescript", "go", "java")
SYSTEM_ATTRIBUTES = {
    "WorkflowType": "keyword",
    "WorkflowId": "keyword",
    "RunId": "keyword",
    "Status": "keyword",
    "StartTime": "datetime",
    "CloseTime": "datetime",
    "TaskQueue": "keyword",
    "BuildId": "keyword",
}
ATTRIBUTE_TYPES = ("keyword", "text", "int", "double", "bool", "datetime", "keyword_list")


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


class Directory:
    """Namespaces, search attributes, workers and task-queue views over the shared unit of work."""

    def __init__(self, uow: EngineBase) -> None:
        self.uow = uow

    # -- workers -----------------------------------------------------------------------------

    def register_worker(self, namespace: str, body: dict[str, Any], worker_id: str) -> Worker:
        now = self.uow.clock.now()
        existing = self.uow.workers.get(f"{namespace}/{worker_id}")
        prints = body.get("workflow_definition_fingerprints")
        prints = {k: v for k, v in prints.items() if isinstance(v, str)} if isinstance(prints, dict) else {}
        if existing is not None and existing.status == "active" and self.uow.worker_fresh(existing):
            for wf_type, fingerprint in prints.items():
                old = existing.workflow_definition_fingerprints.get(wf_type)
                if old is not None and old != fingerprint:
                    raise EngineError(
                        "conflict",
                        "workflow_definition_changed",
                        "Worker attempted to re-register a changed workflow definition.",
                        workflow_type=wf_type,
                        remediation="Use a new worker_id (or wait for the old registration to go stale).",
                    )
        worker = Worker(
            namespace=namespace,
            worker_id=worker_id,
            task_queue=body["task_queue"],
            runtime=body["runtime"],
            sdk_version=body.get("sdk_version"),
            build_id=body.get("build_id"),
            supported_workflow_types=_strings(body.get("supported_workflow_types")),
            supported_activity_types=_strings(body.get("supported_activity_types")),
            workflow_definition_fingerprints=prints,
            capabilities=_strings(body.get("capabilities")),
            max_concurrent_workflow_tasks=int(body.get("max_concurrent_workflow_tasks") or 100),
            max_concurrent_activity_tasks=int(body.get("max_concurrent_activity_tasks") or 100),
            last_heartbeat_at=now,
            registered_at=existing.registered_at if existing else now,
            updated_at=now,
        )
        self.uow.save(worker)
        return worker

    def worker_status(self, worker: Worker) -> str:
        return worker.status if self.uow.worker_fresh(worker) else "stale"

    def heartbeat_worker(self, namespace: str, worker_id: str) -> Worker:
        worker = self.uow.workers.get(f"{namespace}/{worker_id}")
        if worker is None:
            raise EngineError(
                "not_found",
                "worker_not_registered",
                f"Worker [{worker_id}] is not registered.",
                worker_id=worker_id,
            )
        worker.last_heartbeat_at = worker.updated_at = self.uow.clock.now()
        self.uow.save(worker)
        return worker

    def polling_worker(self, namespace: str, worker_id: Any, task_queue: Any) -> Worker:
        """The registration a poll must present (412 unknown, 409 queue mismatch)."""
        errors: dict[str, list[str]] = {}
        if not isinstance(worker_id, str) or not worker_id:
            errors["worker_id"] = ["The worker id field is required."]
        if not isinstance(task_queue, str) or not task_queue:
            errors["task_queue"] = ["The task queue field is required."]
        if errors:
            raise invalid(errors)
        worker = self.uow.workers.get(f"{namespace}/{worker_id}")
        if worker is None:
            raise EngineError(
                "precondition",
                "worker_not_registered",
                f"Worker [{worker_id}] is not registered. Register before polling.",
                worker_id=worker_id,
            )
        if worker.task_queue != task_queue:
            raise EngineError(
                "conflict",
                "task_queue_mismatch",
                f"Worker [{worker_id}] is registered for task queue [{worker.task_queue}].",
                worker_id=worker_id,
                registered_task_queue=worker.task_queue,
                requested_task_queue=task_queue,
            )
        return worker

    def deregister_worker(self, namespace: str, worker_id: str) -> None:
        key = f"{namespace}/{worker_id}"
        if key not in self.uow.workers:
            raise EngineError(
                "not_found", "worker_not_found", f"Worker [{worker_id}] not found.", worker_id=worker_id
            )
        self.uow.delete(Worker.KIND, key)

    # -- namespaces --------------------------------------------------------------------------

    def ensure_namespace(self, name: str) -> None:
        if name not in self.uow.namespaces:
            now = self.uow.clock.now()
            self.uow.save(
                Namespace(name=name, description="Default namespace", created_at=now, updated_at=now)
            )

    def get_namespace(self, name: str) -> Namespace:
        ns = self.uow.namespaces.get(name.lower())
        if ns is None:
            raise EngineError(
                "not_found",
                "namespace_not_found",
                f"Namespace '{name}' does not exist.",
                namespace=name,
                remediation="Create it with POST /api/namespaces.",
            )
        return ns

    def create_namespace(self, name: str, description: str | None, retention_days: int) -> Namespace:
        if name.lower() in self.uow.namespaces:
            raise EngineError(
                "conflict",
                "namespace_already_exists",
                f"Namespace '{name}' already exists.",
                namespace=name.lower(),
            )
        now = self.uow.clock.now()
        ns = Namespace(
            name=name.lower(),
            description=description,
            retention_days=retention_days,
            created_at=now,
            updated_at=now,
        )
        self.uow.save(ns)
        return ns

    def update_namespace(self, name: str, changes: dict[str, Any]) -> Namespace:
        ns = self.get_namespace(name)
        for key in ("description", "retention_days", "external_payload_storage"):
            if changes.get(key) is not None:
                setattr(ns, key, changes[key])
        ns.updated_at = self.uow.clock.now()
        self.uow.save(ns)
        return ns

    # -- search attributes -------------------------------------------------------------------

    def custom_attributes(self, namespace: str) -> dict[str, str]:
        return {a.name: a.type for a in self.uow.search_attributes.values() if a.namespace == namespace}

    def create_search_attribute(self, namespace: str, name: str, type_: str) -> SearchAttribute:
        if name in SYSTEM_ATTRIBUTES:
            raise EngineError(
                "conflict", "name_reserved", f"[{name}] is a reserved system attribute name.", name=name
            )
        existing = self.uow.search_attributes.get(f"{namespace}/{name}")
        if existing is not None:
            raise EngineError(
                "conflict",
                "attribute_already_exists",
                f"Search attribute [{name}] already exists.",
                name=name,
                type=existing.type,
            )
        if len(self.custom_attributes(namespace)) >= 100:
            raise EngineError(
                "invalid",
                "search_attribute_limit_reached",
                "A namespace may define at most 100 custom search attributes.",
                limit=100,
            )
        attr = SearchAttribute(namespace=namespace, name=name, type=type_)
        self.uow.save(attr)
        return attr

    def delete_search_attribute(self, namespace: str, name: str) -> None:
        if name in SYSTEM_ATTRIBUTES:
            raise EngineError("conflict", "system_attribute", f"[{name}] is a system attribute.", name=name)
        key = f"{namespace}/{name}"
        if key not in self.uow.search_attributes:
            raise EngineError(
                "not_found", "attribute_not_found", f"Search attribute [{name}] not found.", name=name
            )
        self.uow.delete(SearchAttribute.KIND, key)

    # -- task queues -------------------------------------------------------------------------

    def task_queue_names(self, namespace: str) -> list[str]:
        names = {w.task_queue for w in self.uow.workers.values() if w.namespace == namespace}
        names |= set(self.uow.storage.queue_names(namespace))
        return sorted(names)

    def task_queue_view(self, namespace: str, name: str) -> dict[str, Any]:
        wf = [
            t
            for t in self.uow.live_items("workflow_task")
            if (t.namespace, t.task_queue) == (namespace, name)
        ]
        acts = [
            a for a in self.uow.live_items("activity") if (a.namespace, a.task_queue) == (namespace, name)
        ]
        workers = [w for w in self.uow.workers.values() if (w.namespace, w.task_queue) == (namespace, name)]
        ready_wf, ready_act = (
            sum(t.status == "ready" for t in wf),
            sum(a.task_status == "ready" for a in acts),
        )
        leases = [
            self._lease_view(t.task_id, "workflow", t.lease_owner, t.lease_expires_at)
            for t in wf
            if t.status == "leased"
        ]
        leases += [
            self._lease_view(a.task_id, "activity", a.lease_owner, a.lease_expires_at)
            for a in acts
            if a.task_status == "leased"
        ]
        stats = {
            "ready_workflow_tasks": ready_wf,
            "leased_workflow_tasks": len(wf) - ready_wf,
            "ready_activity_tasks": ready_act,
            "leased_activity_tasks": len(acts) - ready_act,
            "pollers": len(workers),
        }
        return {
            "name": name,
            "namespace": namespace,
            "stats": stats,
            "admission": self._admission(namespace, name, workers, stats),
            "pollers": [self.worker_view(w) for w in workers],
            "current_leases": leases,
        }

    def _lease_view(
        self, task_id: str, kind: str, owner: str | None, expires: float | None
    ) -> dict[str, Any]:
        return {"task_id": task_id, "task_type": kind, "lease_owner": owner, "lease_expires_at": iso(expires)}

    def _admission(
        self, namespace: str, name: str, workers: list[Any], stats: dict[str, int]
    ) -> dict[str, Any]:
        active = sum(self.worker_status(w) == "active" for w in workers)
        admission: dict[str, Any] = {
            f"{kind}_tasks": {
                "active_worker_count": active,
                "ready_count": stats[f"ready_{kind}_tasks"],
                "leased_count": stats[f"leased_{kind}_tasks"],
                "status": "accepting" if active else "no_active_workers",
            }
            for kind in ("workflow", "activity")
        }
        pending = sum((q.namespace, q.task_queue) == (namespace, name) for q in self.uow.query_tasks.values())
        admission["query_tasks"] = {
            "max_pending_per_queue": 1024,
            "approximate_pending_count": pending,
            "remaining_pending_capacity": 1024 - pending,
            "status": "accepting",
        }
        return admission

    def worker_view(self, worker: Any) -> dict[str, Any]:
        return {
            "worker_id": worker.worker_id,
            "namespace": worker.namespace,
            "task_queue": worker.task_queue,
            "runtime": worker.runtime,
            "sdk_version": worker.sdk_version,
            "build_id": worker.build_id,
            "supported_workflow_types": worker.supported_workflow_types,
            "workflow_definition_fingerprints": worker.workflow_definition_fingerprints,
            "supported_activity_types": worker.supported_activity_types,
            "max_concurrent_workflow_tasks": worker.max_concurrent_workflow_tasks,
            "max_concurrent_activity_tasks": worker.max_concurrent_activity_tasks,
            "status": self.worker_status(worker),
            "is_stale": not self.uow.worker_fresh(worker),
            "last_heartbeat_at": iso(worker.last_heartbeat_at),
            "registered_at": iso(worker.registered_at),
            "updated_at": iso(worker.updated_at),
        }
